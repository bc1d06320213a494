"""`bulletin check`: everything build validates, plus every internal link of every page; writes nothing."""
from __future__ import annotations

from pathlib import Path

from generator.build import searchfiles
from generator.build.load import load_site
from generator.build.renderpass import render_site
from generator.core import links
from generator.core import urls
from generator.core.errors import Problem, Problems
from generator.site import media
from generator.source import privacy
from generator.source.config import BuildOptions
from generator.source.model import Document, Site


def check(site_dir: Path, opts: BuildOptions, exceptions: list[str] | None = None,
          out_dir: Path | None = None) -> list[Problem]:
    """Everything build validates, plus internal links; writes nothing. Returns warnings, among
    them the township addresses that would change from the build in `out_dir` (SITE/output).

    Lines naming each allow_personal_data exception of the published files go to `exceptions`.
    """
    site, theme, warnings = load_site(site_dir, opts, save_cache=False, out_dir=out_dir)
    if exceptions is not None:
        exceptions.extend(privacy.exception_lines(site.cases + site.reports + site.pages, site.config.language))
    _, _, pages = render_site(site, theme, opts.jobs, None, None)
    existing = {rel for rel, _ in pages} | set(theme.static_files()) | {searchfiles.INDEX}
    existing |= set(media.plan([*site.cases, *site.reports, *site.pages], site.media))
    # One problem per missing target, so a broken link in a template is reported once.
    missing: dict[str, list[tuple[str, str]]] = {}
    for rel, refs in sorted(pages):
        for ref, target in links.broken_links(rel, refs, existing):
            missing.setdefault(target, []).append((rel, ref))
    problems = Problems(site.config.language)
    sources = _sources_by_output(site)
    for target, where in missing.items():
        rel, ref = where[0]
        more = len(where) - 1
        located = _link_in_source(sources.get(rel), ref, target)
        if located is not None:
            rel, line = located
            problems.add(rel, line, f"链接「{ref}」指向不存在的 {target}；请检查这个地址",
                         f"link `{ref}` leads to missing {target}; check the address")
            continue
        problems.add(rel, None, f"内部链接「{ref}」指向不存在的 {target}" + (f"（另有 {more} 个页面有同样的链接）" if more else ""),
                     f"internal link `{ref}` leads to missing {target}" + (f" (and {more} more pages)" if more else ""))
    problems.raise_if_errors()
    return warnings


def _sources_by_output(site: Site) -> dict[str, Document]:
    """Which content file each output page's body comes from."""
    found: dict[str, Document] = {}
    for case in site.cases:
        found[urls.out_path(urls.case(case.slug))] = case
    for report in site.reports:
        found[urls.out_path(urls.report(report.slug))] = report
    for page in site.pages:
        found[urls.out_path(urls.page(page.slug))] = page
    return found


def _link_in_source(doc: Document | None, ref: str, target: str) -> tuple[str, int] | None:
    """(file, line) of the body line that wrote a broken link, when it can be found."""
    if doc is None:
        return None
    path = target[: -len("index.html")] if target.endswith("index.html") else target
    needles = [n for n in (ref, "/" + path, path) if n and n not in ("/", "./")]
    for offset, line in enumerate(doc.body.split("\n")):
        if any(n in line for n in needles):
            return doc.path, doc.body_start_line + offset
    return None
