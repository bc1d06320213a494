"""The orchestrator: load → validate → index → render → write.

Only `load_site` reads content and only `writer` writes OUT; everything between
works on frozen values. Problems stop the pipeline between stages, so every
error is reported at once and none cascades.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path

from . import links, writer
from .config import BuildOptions, load_config
from .content import Context, discover, parse_document
from .errors import Problem, Problems, SiteError
from .model import Case, Page, Report, Site
from .places import load_places
from .render import Job, Renderer, TemplateProblem, plan
from .taxonomy import build_index, check_collisions, check_links
from .theme import Theme, load_theme
from .topics import load_topics


@dataclass(frozen=True, slots=True)
class BuildReport:
    pages: int
    written: int
    unchanged: int
    seconds: float
    warnings: tuple[Problem, ...] = ()


def load_site(site_dir: Path, opts: BuildOptions) -> tuple[Site, Theme, list[Problem]]:
    """Read and validate everything; raises SiteError listing every problem found."""
    problems = Problems()
    config = load_config(site_dir, problems)
    places = load_places(site_dir, problems)
    topics = load_topics(site_dir, problems)
    theme = load_theme(site_dir, config.theme, config.language, problems)
    context = Context(config, places, topics)

    docs: list[Case | Report | Page] = []
    for kind, rel in discover(site_dir):
        doc, found = parse_document(kind, rel, (site_dir / rel).read_bytes(), context)
        problems.extend(found)
        if doc is not None:
            docs.append(doc)
    parse_failed = bool(problems.errors)

    # Drafts and future-dated documents are validated above but published only with --drafts.
    def published(doc: Case | Report | Page) -> bool:
        if opts.drafts:
            return True
        return not doc.draft and (doc.when is None or doc.when.date <= opts.today)
    live = [d for d in docs if published(d)]
    cases = sorted((d for d in live if isinstance(d, Case)), key=lambda c: (-c.when.moment.timestamp(), c.slug))
    reports = sorted((d for d in live if isinstance(d, Report)), key=lambda r: (-r.when.moment.timestamp(), r.slug))
    pages = sorted((d for d in live if isinstance(d, Page)), key=lambda p: p.slug)

    # Cross-file rules need every document parsed first. Links are checked only when every
    # file parsed: a link to a file with an error of its own would be a second report of it.
    check_collisions(cases, reports, pages, problems)
    if not parse_failed:
        check_links(live, {c.slug for c in cases}, {r.slug for r in reports}, {p.slug for p in pages}, problems)
    problems.raise_if_errors()

    base_url = (opts.base_url or config.base_url).rstrip("/") + "/"
    site = Site(config=config, places=places, topics=topics, cases=tuple(cases), reports=tuple(reports),
                pages=tuple(pages), base_url=base_url, today_iso=opts.today.isoformat())
    return site, theme, problems.warnings


# -- rendering, in this process or in a pool of forked workers ------------------------

_worker: dict[str, object] = {}


def _render_chunk(chunk: list[Job]) -> tuple[int, int, list[tuple[str, list[str]]]]:
    renderer = _worker.get("renderer")
    if renderer is None:
        renderer = _worker["renderer"] = Renderer(_worker["site"], _worker["theme"])  # type: ignore[arg-type]
    staging, old_out = _worker["staging"], _worker["old_out"]
    written = unchanged = 0
    pages: list[tuple[str, list[str]]] = []
    for job in chunk:
        rel, data = renderer.render(job)  # type: ignore[attr-defined]
        if staging is None:
            pages.append((rel, links.page_links(data.decode()) if rel.endswith(".html") else []))
            continue
        if writer.put(staging, old_out, rel, data):  # type: ignore[arg-type]
            written += 1
        else:
            unchanged += 1
    return written, unchanged, pages


def render_site(site: Site, theme: Theme, jobs_count: int, staging: Path | None, old_out: Path) -> tuple[int, int, list[tuple[str, list[str]]]]:
    """Render every job; into staging when given, else only collect links (for check)."""
    jobs = plan(site, build_index(site))
    _worker.clear()
    _worker.update(site=site, theme=theme, staging=staging, old_out=old_out)
    chunk = max(20, len(jobs) // (jobs_count * 8) + 1)
    chunks = [jobs[i:i + chunk] for i in range(0, len(jobs), chunk)]
    try:
        if jobs_count <= 1 or len(jobs) < 200:
            results = [_render_chunk(c) for c in chunks]
        else:
            # fork: workers inherit the site instead of unpickling it; output order never matters.
            with multiprocessing.get_context("fork").Pool(jobs_count) as pool:
                results = pool.map(_render_chunk, chunks)
    except TemplateProblem as exc:
        raise SiteError([exc.problem]) from None
    finally:
        _worker.clear()
    written = sum(r[0] for r in results)
    unchanged = sum(r[1] for r in results)
    return written, unchanged, [p for r in results for p in r[2]]


def _static_conflicts(site: Site, static: dict[str, Path], generated: set[str]) -> None:
    clashes = [Problem(f"static/{rel}" if str(src).startswith(str(site)) else rel, 0,
                       f"静态文件与生成的页面同名：{rel} / a static file has the same path as a generated page: {rel}")
               for rel, src in static.items() if rel in generated]
    if clashes:
        raise SiteError(clashes)


def build(site_dir: Path, out_dir: Path, opts: BuildOptions) -> BuildReport:
    """Build SITE into OUT atomically; OUT is untouched when anything fails."""
    started = time.perf_counter()
    site, theme, warnings = load_site(site_dir, opts)
    static = theme.static_files()
    writer.clean_stale(out_dir)
    staging = writer.new_staging(out_dir)
    try:
        written, unchanged, _ = render_site(site, theme, opts.jobs, staging, out_dir)
        generated = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()}
        _static_conflicts(site, static, generated)
        for rel, source in static.items():
            if writer.put_copy(staging, out_dir, rel, source):
                written += 1
            else:
                unchanged += 1
        writer.commit(staging, out_dir)
    except BaseException:
        writer.discard(staging)
        raise
    return BuildReport(written + unchanged, written, unchanged, time.perf_counter() - started, tuple(warnings))


def check(site_dir: Path, opts: BuildOptions) -> list[Problem]:
    """Everything build validates, plus internal links; writes nothing. Returns warnings."""
    site, theme, warnings = load_site(site_dir, opts)
    _, _, pages = render_site(site, theme, opts.jobs, None, site_dir / "output")
    existing = {rel for rel, _ in pages} | set(theme.static_files())
    # One problem per missing target, so a broken link in a template is reported once.
    missing: dict[str, list[tuple[str, str]]] = {}
    for rel, refs in sorted(pages):
        for ref, target in links.broken_links(rel, refs, existing):
            missing.setdefault(target, []).append((rel, ref))
    problems = Problems(site.config.language)
    for target, where in missing.items():
        rel, ref = where[0]
        more = len(where) - 1
        problems.add(rel, None, f"内部链接「{ref}」指向不存在的 {target}" + (f"（另有 {more} 个页面有同样的链接）" if more else ""),
                     f"internal link `{ref}` leads to missing {target}" + (f" (and {more} more pages)" if more else ""))
    problems.raise_if_errors()
    return warnings


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
