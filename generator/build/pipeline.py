"""The orchestrator: load → validate → index → render → write.

Only `load_site` reads content and only `writer` writes OUT; everything between
works on frozen values. Problems stop the pipeline between stages, so every
error is reported at once and none cascades.
"""
from __future__ import annotations

import contextlib
import gc
from contextlib import contextmanager
import hashlib
import sys
import os
import signal
import tempfile
from types import SimpleNamespace
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from generator.core import links
from generator.site import media
from generator.build import mediafiles
from generator.source import privacy
from generator.core import urls
from generator.build import writer
from generator.source.config import BuildOptions, load_config
from generator.build.cache import DocCache, PageManifest, PinyinCache, RecordCache, decode, encode
from generator.core.cachefiles import CACHE_DIR, code_fingerprint, sweep_litter
from generator.source.content import Context, discover_with_stats, media_of_failed, parse_document
from generator.core.errors import Problem, Problems, SiteError
from generator.source.model import Case, Document, Page, Report, Site
from generator.source.places import load_places
from generator.render import export
from generator.build import searchformat, searchindex
from generator.build.keys import Keys
from generator.render.jobs import Job, plan
from generator.render.renderer import Renderer, TemplateProblem
from generator.build.prestat import Prestat
from generator.build.session import Session
from generator.site.taxonomy import build_index, check_collisions, check_links
from generator.render.theme import Theme, load_theme, precompile
from generator.source.topics import load_topics


Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class BuildReport:
    pages: int
    written: int
    unchanged: int
    seconds: float
    warnings: tuple[Problem, ...] = ()
    phases: tuple[tuple[str, float], ...] = ()   # (phase, seconds), for benchmarks and BULLETIN_TIMINGS=1
    alongside: tuple[tuple[str, float], ...] = ()   # work done during the render phase, in this process

    def timings(self) -> str:
        """What BULLETIN_TIMINGS=1 prints: the phases in order, then what ran alongside rendering."""
        line = "timings: " + ", ".join(f"{name} {seconds:.3f}s" for name, seconds in self.phases)
        if self.alongside:
            line += "\ntimings alongside render: " + ", ".join(f"{name} {seconds:.3f}s" for name, seconds in self.alongside)
        return line


class Phases:
    """Wall time per pipeline phase."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.items: list[tuple[str, float]] = []

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.items.append((name, now - self.last))
        self.last = now


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading and planning make hundreds of thousands of lasting objects and no cyclic
    garbage; Python's collector would walk them again and again (0.1 s at 10,000 cases)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_site(site_dir: Path, opts: BuildOptions, save_cache: bool = True,
              session: Session | None = None, prestat: Prestat | None = None) -> tuple[Site, Theme, list[Problem]]:
    """Read and validate everything; raises SiteError listing every problem found.

    `save_cache=False` (check) reads SITE/.cache/ but writes nothing. A `session`
    (serve) lists the content files from what its watcher reported; a `prestat`
    helper (a large warm build) lists them in another process meanwhile.
    """
    with _collector_paused():
        return _load_site(site_dir, opts, save_cache, session, prestat)


def _load_site(site_dir: Path, opts: BuildOptions, save_cache: bool,
               session: Session | None, prestat: Prestat | None) -> tuple[Site, Theme, list[Problem]]:
    problems = Problems()
    pinyin_cache = PinyinCache(site_dir, enabled=opts.use_cache)
    config = load_config(site_dir, problems)
    today = opts.today_in(config.tz)   # decided once per build; everything below uses this day
    places = load_places(site_dir, problems)
    topics = load_topics(site_dir, problems)
    theme = load_theme(site_dir, config.theme, config.language, problems)
    context = Context(config, places, topics)

    def meanwhile() -> None:   # while workers parse: compile the templates for the render
        if save_cache and opts.use_cache and not problems.errors:
            precompile(theme, site_dir / CACHE_DIR / "jinja")
    docs = _load_documents(site_dir, context, opts, problems, save_cache, session, prestat, meanwhile)
    if save_cache:
        pinyin_cache.save()
    parse_failed = bool(problems.errors)

    # Drafts and future-dated documents are validated above but published only with --drafts.
    def published(doc: Case | Report | Page) -> bool:
        if opts.drafts:
            return True
        return not doc.draft and (doc.when is None or doc.when.date <= today)
    live = [d for d in docs if published(d)]
    for doc in live:  # personal data stops the build before anything is published
        problems.extend(privacy.problems(doc.path, doc.personal_found, doc.personal_allowed, config.language))
    # Photos and attachments: every file checked now, before anything is written.
    failed = sorted({p.path for p in problems.errors if p.path.endswith(".md")} - {d.path for d in docs})
    found_media = mediafiles.inspect(site_dir, [*live, *_media_of_failed(site_dir, failed, context)], problems,
                                site_dir / CACHE_DIR if opts.use_cache else None, save_cache)
    live = [mediafiles.with_media_digests(d, found_media) for d in live]
    cases = _newest_first([d for d in live if isinstance(d, Case)])
    reports = _newest_first([d for d in live if isinstance(d, Report)])
    pages = sorted((d for d in live if isinstance(d, Page)), key=lambda p: p.slug)

    # Cross-file rules need every document parsed first. Links are checked only when every
    # file parsed: a link to a file with an error of its own would be a second report of it.
    check_collisions(cases, reports, pages, problems)
    if not parse_failed:
        check_links(live, {c.slug for c in cases}, {r.slug for r in reports}, {p.slug for p in pages}, problems)
    problems.raise_if_errors()

    base_url = (opts.base_url or config.base_url).rstrip("/") + "/"
    site = Site(config=config, places=places, topics=topics, cases=tuple(cases), reports=tuple(reports),
                pages=tuple(pages), base_url=base_url, today_iso=today.isoformat(), media=found_media)
    return site, theme, problems.warnings


def _media_of_failed(site_dir: Path, rels: list[str], context: Context) -> list[Any]:
    """Files that failed validation, as far as the media check needs them: every problem in one run."""
    found = []
    for rel in rels:
        try:
            refs = media_of_failed(rel, (site_dir / rel).read_bytes(), context)
        except OSError:
            continue
        if refs:
            found.append(SimpleNamespace(path=rel, media=refs))
    return found


def _newest_first(docs: list[Any]) -> list[Any]:
    """Date descending, then slug ascending: two stable sorts (datetime.timestamp() is slow)."""
    docs.sort(key=lambda d: d.slug)
    docs.sort(key=lambda d: d.when.moment, reverse=True)
    return docs


def _context_key(site_dir: Path) -> str:
    """What every file's validation depends on besides the file itself."""
    parts = []
    for rel in ("site.yaml", "content/places.yaml", "content/topics.yaml"):
        try:
            parts.append((site_dir / rel).read_bytes())
        except OSError:
            parts.append(b"-")
    return hashlib.sha1(b"\0".join(parts)).hexdigest()


def _parse_files(items: list[tuple[str, str]]) -> list[tuple[Document | None, list[Problem]]]:
    """Read and parse content files (in a worker, the files are read there, not sent over)."""
    context, site_dir = _worker["context"], _worker["site_dir"]
    return [parse_document(kind, rel, (site_dir / rel).read_bytes(), context)  # type: ignore[operator, arg-type]
            for kind, rel in items]


def _parse_files_encoded(items: list[tuple[str, str]]) -> list[tuple[Any, Document | None, list[Problem]]]:
    """In a worker: parse, and send documents back as the cache's plain tuples, which the
    parent unpacks several times faster than it unpickles frozen dataclasses."""
    results: list[tuple[Any, Document | None, list[Problem]]] = []
    for doc, found in _parse_files(items):
        try:
            results.append((encode(doc), None, found))
        except TypeError:
            results.append((None, doc, found))
    return results


def _pool(processes: int, **options: Any) -> Any:
    """A pool of forked workers (imported here: a small rebuild never starts one)."""
    import multiprocessing
    return multiprocessing.get_context("fork").Pool(processes, initializer=_worker_started, **options)


def _worker_started() -> None:
    # The objects a worker inherits are left out of its collections, which would otherwise
    # write to (and so copy) every page holding them.
    gc.enable()   # loading pauses the collector (see _collector_paused)
    gc.freeze()
    # The pool stops its workers with SIGTERM; `serve` installs Python handlers, which a
    # worker blocked on the pool's queue never runs, so its terminate() waited for ever.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the main process's to handle


def _encoded_or_none(doc: Document | None) -> Any:
    try:
        return encode(doc)
    except TypeError:
        return None


def _load_documents(site_dir: Path, context: Context, opts: BuildOptions, problems: Problems,
                    save_cache: bool, session: Session | None, prestat: Prestat | None,
                    meanwhile: Callable[[], None] = lambda: None) -> list[Document]:
    """Parse every content file, reusing cached results for files whose size and mtime did not change.
    `meanwhile` runs in this process while worker processes parse, if they do."""
    cache = DocCache(site_dir, _context_key(site_dir), enabled=opts.use_cache)
    docs: dict[str, Document] = {}
    misses: list[tuple[str, str, int, int]] = []
    outside: list[str] = []
    listing = session.listing(outside) if session is not None else None
    if listing is None and prestat is not None:
        listing = prestat.listing(outside)
    if listing is None:
        listing = discover_with_stats(site_dir, outside)
    for kind, rel, size, mtime_ns in listing:
        hit = cache.get(rel, size, mtime_ns)
        if hit is None:
            misses.append((kind, rel, size, mtime_ns))
            continue
        doc, found = hit
        problems.extend(Problem(*p) for p in found)
        if doc is not None:
            docs[rel] = doc
    for rel in outside:
        problems.add(rel, None, "这是指向网站目录以外的链接（符号链接），不会读取；请把文件本身放进 content/",
                     "this is a link to a file outside the site folder and is not read; put the file itself in content/")
    items = [(kind, rel) for kind, rel, _, _ in misses]
    _worker.update(context=context, site_dir=site_dir)
    if opts.jobs > 1 and len(items) >= 400:
        with _pool(opts.jobs) as pool:
            size = max(50, len(items) // (opts.jobs * 4) + 1)
            waiting = pool.map_async(_parse_files_encoded, [items[i:i + size] for i in range(0, len(items), size)])
            meanwhile()
            chunks = waiting.get()
        parsed = [(row, decode(row) if row is not None else doc, found) for chunk in chunks for row, doc, found in chunk]
    else:
        parsed = [(_encoded_or_none(doc), doc, found) for doc, found in _parse_files(items)]
    _worker.clear()
    for (kind, rel, size, mtime), (row, doc, found) in zip(misses, parsed):
        problems.extend(found)
        if doc is not None:
            docs[rel] = doc
        if row is not None or doc is None:  # else a value the cache cannot hold: parse this file again next time
            cache.put(rel, size, mtime, row, tuple((p.path, p.line, p.message, p.warning) for p in found), doc)
    if save_cache:
        cache.save()
    return [docs[rel] for rel in sorted(docs)]


# -- rendering, in this process or in a pool of forked workers ------------------------

_worker: dict[str, object] = {}


def _render_chunk(chunk: list[tuple[Job, str]]) -> list[tuple[str, str, str, bool, list[str]]]:
    """Render jobs; write them into staging (build) or collect their links (check).

    Returns (job id, key, output path, bytes changed, links) per job.
    """
    renderer = _worker.get("renderer")
    if renderer is None:
        renderer = _worker["renderer"] = Renderer(_worker["site"], _worker["theme"], _worker.get("bytecode"),  # type: ignore[arg-type]
                                                  _worker.get("index"))  # type: ignore[arg-type]
    staging, out_dir, fresh = _worker["staging"], _worker["out_dir"], _worker["fresh"]
    results = []
    for job, key in chunk:
        rel, data = renderer.render(job)  # type: ignore[attr-defined]
        if staging is None:
            results.append((job_id(job), key, rel, False, links.page_links(data.decode()) if rel.endswith(".html") else []))
            continue
        if isinstance(data, bytes):
            changed = writer.put(staging, out_dir, rel, data, fresh)  # type: ignore[arg-type]
        else:
            changed = writer.put_parts(staging, out_dir, rel, data, fresh)  # type: ignore[arg-type]
        results.append((job_id(job), key, rel, changed, []))
    return results


def job_id(job: Job) -> str:
    return "/".join(job)


def _jobs_per_worker(cases: int) -> int:
    """How many jobs a forked worker renders before a fresh one takes over. Its memory grows
    with the jobs it renders, and faster on a bigger site: every case it touches copies the
    parent's pages that hold it (reference counts are written). Measured on the benchmark
    corpus: 12 KB a job at 10,000 cases, up to 100 KB at 100,000. About 8,000 jobs at
    10,000 cases (a restart or two in a build), 800 at 100,000 (peak 1,329 MiB and 103 s,
    against 1,382 MiB and 109 s with 1,000)."""
    return max(600, 80_000_000 // max(1, cases))


def _chunks_by_township(todo: list[tuple[Job, str]], index: Any, size: int) -> list[list[tuple[Job, str]]]:
    """Chunks of about `size` jobs, each township's case pages, lists and feeds in one chunk:
    a worker then renders a township's feed from bodies it has just rendered for its case
    pages, and the cards of related cases (mostly neighbours in the township) once."""
    groups: dict[str, list[tuple[Job, str]]] = {}
    rest: list[tuple[Job, str]] = []
    for item in todo:
        job = item[0]
        if job[0] == "case":
            groups.setdefault(index.case_by_slug[job[1]].township, []).append(item)
        elif job[0] == "township" or (job[0] == "feed" and job[1] in ("township", "township_stage")):
            groups.setdefault(job[2] if job[0] == "feed" else job[1], []).append(item)
        else:
            rest.append(item)
    chunks: list[list[tuple[Job, str]]] = [[]]
    for group in [*groups.values(), *([item] for item in rest)]:
        if len(chunks[-1]) >= size:
            chunks.append([])
        chunks[-1].extend(group)
    return [c for c in chunks if c]


def render_site(site: Site, theme: Theme, jobs_count: int, tx: writer.Transaction | None,
                manifest: PageManifest | None, progress: Progress | None = None,
                records: export.RecordMemo | None = None, bytecode_dir: Path | None = None,
                meanwhile: Callable[[], None] | None = None) -> tuple[dict[str, tuple[str, str]], set[str], list[tuple[str, list[str]]]]:
    """Render every job whose key changed (all of them for check).

    Returns the manifest entries {job id: (key, output path)}, the paths whose bytes
    changed, and (for check, when tx is None) every page's links. `meanwhile` is run in
    this process while worker processes render.
    """
    with _collector_paused():
        index = build_index(site)
        keys = Keys(site, index, theme.fingerprint(), site.config.per_page)
        entries: dict[str, tuple[str, str]] = {}
        todo: list[tuple[Job, str]] = []
        signature = keys.case_signature()
        digests = {c.slug: c.digest for c in site.cases}
        # When only bodies changed, most keys are the ones recorded last time (see Keys.unchanged_since).
        same_lists = manifest is not None and tx is not None and manifest.signature == signature
        edited = {slug: index.case_by_slug[slug] for slug, digest in digests.items()
                  if same_lists and manifest.digests.get(slug) != digest}  # type: ignore[union-attr]
        if manifest is not None:
            manifest.next_cases = (signature, digests)
        for job in plan(site, index):
            previous = manifest.entries.get(job_id(job)) if manifest is not None and tx is not None else None
            if previous is not None and same_lists and keys.unchanged_since(job, edited):
                key = previous[0]
            else:
                key = keys.key(job)
            if previous is not None and previous[0] == key and manifest.unchanged(previous[1]):  # type: ignore[union-attr]
                tx.keep(previous[1])  # type: ignore[union-attr]
                entries[job_id(job)] = (key, previous[1])
                continue
            todo.append((job, key))
    if os.environ.get("BULLETIN_TIMINGS"):
        kinds = Counter(job[0] for job, _ in todo)
        print("rendering: " + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()), file=sys.stderr)
    _worker.clear()
    _worker.update(bytecode=bytecode_dir, index=index, site=site, theme=theme, staging=tx.staging if tx else None,
                   out_dir=tx.out_dir if tx else None, fresh=tx.fresh if tx else True)
    # The open data files are rendered here, in this process, with the record texts kept in
    # SITE/.cache: every edit rewrites them, and 10,000 records take a second to serialise.
    in_parent = [(job, key) for job, key in todo if job[0] in ("json", "csv")]
    todo = [(job, key) for job, key in todo if job[0] not in ("json", "csv")]
    worker_jobs = _jobs_per_worker(len(site.cases))
    chunk_size = min(worker_jobs // 2, max(20, len(todo) // (jobs_count * 8) + 1))
    chunks = _chunks_by_township(todo, index, chunk_size)
    results: list[list[tuple[str, str, str, bool, list[str]]]] = []

    def done(chunk_results: list[tuple[str, str, str, bool, list[str]]]) -> None:
        results.append(chunk_results)
        if progress is not None:
            progress(sum(len(r) for r in results), len(todo) + len(in_parent))
    def in_this_process() -> None:
        if in_parent:
            renderer = _worker.get("renderer") or Renderer(site, theme, _worker.get("bytecode"), index)  # type: ignore[arg-type]
            _worker["renderer"] = renderer
            if records is not None:
                renderer.records = records  # type: ignore[attr-defined]
            done(_render_chunk(in_parent))
        if meanwhile is not None:
            meanwhile()
    try:
        if jobs_count <= 1 or len(todo) < 200:
            for c in chunks:
                done(_render_chunk(c))
            in_this_process()
        else:
            # fork: workers inherit the site instead of unpickling it; output order never matters.
            # They inherit a renderer with its templates compiled and its site-wide figures
            # made, too: computed in each worker, those touch (and so copy) every case.
            _worker["renderer"] = Renderer(site, theme, bytecode_dir, index)
            _worker["renderer"].warm_up()  # type: ignore[attr-defined]
            thawed = gc.get_freeze_count() == 0
            gc.freeze()  # the site is read-only from here: keep the collector from copying its pages into workers
            try:
                with _pool(jobs_count, maxtasksperchild=max(1, worker_jobs // chunk_size)) as pool:
                    # While the workers render pages, this process makes the open data files and
                    # whatever the caller gave it, instead of doing that alone at the end.
                    waiting = [pool.apply_async(_render_chunk, (c,), callback=done) for c in chunks]
                    in_this_process()
                    for result in waiting:
                        result.get()  # raises a worker's TemplateProblem here
                    pool.close()  # and let the workers finish, rather than stopping them
                    pool.join()
            finally:
                if thawed:
                    gc.unfreeze()  # serve builds again and again in one process
    except TemplateProblem as exc:
        raise SiteError([exc.problem]) from None
    finally:
        _worker.clear()
    changed: set[str] = set()
    pages: list[tuple[str, list[str]]] = []
    for jid, key, rel, was_changed, refs in (r for chunk_results in results for r in chunk_results):
        entries[jid] = (key, rel)
        if was_changed:
            changed.add(rel)
        pages.append((rel, refs))
    return entries, changed, pages


def _static_conflicts(site_dir: Path, language: str, static: dict[str, Path], generated: set[str]) -> None:
    """A static file may not take the path of a generated one (it would silently replace it)."""
    problems = Problems(language)
    for rel, source in static.items():
        if rel in generated:
            shown = source.relative_to(site_dir).as_posix() if source.is_relative_to(site_dir) else source.as_posix()
            problems.add(shown, None, f"静态文件与生成的页面同名（{rel}）；请改名或移走这个文件",
                         f"this static file has the same path as a generated page ({rel}); rename or move it")
    problems.raise_if_errors()


def build(site_dir: Path, out_dir: Path, opts: BuildOptions, progress: Progress | None = None,
          committed: Callable[[], None] | None = None, session: Session | None = None) -> BuildReport:
    """Build SITE into OUT atomically; OUT is untouched when anything fails.

    `progress(done, total)` is called as pages are rendered (the CLI draws a line from it);
    `committed()` as soon as OUT holds the new site, before the caches are saved (serve
    reloads the browser then). A `session` (serve) spares the checks its watcher makes needless.
    """
    thawed = gc.get_freeze_count() == 0
    try:
        return _build(site_dir, out_dir, opts, progress, committed, session)
    finally:
        if thawed:
            gc.unfreeze()  # serve builds again and again in one process: let this site go


def _build(site_dir: Path, out_dir: Path, opts: BuildOptions, progress: Progress | None,
           committed: Callable[[], None] | None, session: Session | None) -> BuildReport:
    started = time.perf_counter()
    phases = Phases()
    if opts.use_cache:
        sweep_litter(site_dir)   # a build killed while writing a cache file
    prestat = Prestat(site_dir, out_dir, PageManifest.path_for(site_dir, out_dir)) if (
        session is None and opts.jobs > 1 and _large_warm_site(site_dir, opts)) else None
    try:
        with _collector_paused():
            site, theme, warnings = load_site(site_dir, opts, session=session, prestat=prestat)
            gc.freeze()  # the site lives as long as the build: later collections need not walk it
        manifest = PageManifest(site_dir, out_dir, enabled=opts.use_cache)
        manifest.differs = prestat.out_differs() if prestat is not None else None
    finally:
        if prestat is not None:
            prestat.close()
    phases.mark("load")
    with _media_folder(site_dir, opts.use_cache) as made_dir:
        return _publish(site_dir, out_dir, opts, site, theme, warnings, manifest, phases, made_dir, started,
                        progress, committed, session)


@contextlib.contextmanager
def _media_folder(site_dir: Path, use_cache: bool) -> Iterator[Path]:
    """Where the copies of photos are made and kept: SITE/.cache/media/, or a temporary folder."""
    if use_cache:
        yield site_dir / CACHE_DIR / "media"
        return
    with tempfile.TemporaryDirectory(prefix="bulletin-media-") as folder:
        yield Path(folder)


def _make_media(site_dir: Path, site: Site, opts: BuildOptions, made_dir: Path) -> dict[str, tuple[str, str]]:
    """The photo copies this build publishes, made where missing; a source Pillow cannot decode stops the build."""
    docs: list[Document] = [*site.cases, *site.reports, *site.pages]
    planned = media.plan(docs, site.media)
    _, failed = mediafiles.make(site_dir, planned, site.media, made_dir, opts.jobs, _pool)
    if failed:
        problems = Problems(site.config.language)
        for doc in docs:
            for ref in doc.media:
                if ref.file in failed:
                    problems.add(doc.path, ref.line, *failed[ref.file])
        problems.raise_if_errors()
    return planned


def _publish(site_dir: Path, out_dir: Path, opts: BuildOptions, site: Site, theme: Theme, warnings: list[Problem],
             manifest: PageManifest, phases: Phases, made_dir: Path, started: float, progress: Progress | None,
             committed: Callable[[], None] | None, session: Session | None) -> BuildReport:
    planned = _make_media(site_dir, site, opts, made_dir)
    phases.mark("media")
    static = theme.static_files()
    tx = writer.Transaction(out_dir, spare_dir(site_dir, out_dir) if opts.use_cache else None)
    # Trusted only onto a spare tree, which holds every kept file itself: a fresh tree links
    # OUT's files, and OUT may have lost some (deleted by hand) since the last build.
    manifest.trusted = session is not None and session.out_trusted and not tx.fresh
    phases.mark("prepare")
    try:
        records = RecordCache(site_dir, _records_stamp(site), enabled=opts.use_cache)
        searched: dict[str, Any] = {}

        def search_index() -> None:
            # The search index is made from the documents (not the pages), patched when few changed.
            started_search = time.perf_counter()
            searched["bundle"] = searchindex.write_index(site, site_dir, tx, opts.use_cache, opts.jobs)
            searched["seconds"] = time.perf_counter() - started_search
        entries, changed, _ = render_site(site, theme, opts.jobs, tx, manifest, progress, records.memo,
                                          site_dir / CACHE_DIR / "jinja" if opts.use_cache else None, search_index)
        phases.mark("render")
        bundle = searched["bundle"]
        files = {rel for _, rel in entries.values()} | bundle.files
        changed |= bundle.written
        _static_conflicts(site_dir, site.config.language, static, files)
        for rel, source in static.items():
            if tx.put(rel, source.read_bytes()):
                changed.add(rel)
            files.add(rel)
        for rel, (source_rel, variant) in planned.items():
            # Named by content: a copy OUT already holds is the right one.
            if (out_dir / rel).is_file():
                tx.keep(rel)
            elif tx.put(rel, mediafiles.published_bytes(site_dir, source_rel, variant, site.media[source_rel], made_dir)):
                changed.add(rel)
            files.add(rel)
        phases.mark("static")
        tx.commit(files, changed)
        phases.mark("commit")
    except BaseException:
        tx.discard()
        raise
    if committed is not None:
        committed()
    saved = manifest.save(entries, changed)
    if session is not None:
        session.out_trusted = saved   # OUT holds what the manifest says, and only this process writes it
    records.save()
    bundle.save()
    return BuildReport(len(files), len(changed), len(files) - len(changed), time.perf_counter() - started,
                       tuple(warnings), tuple(phases.items), (("search", searched["seconds"]),))


def _large_warm_site(site_dir: Path, opts: BuildOptions) -> bool:
    """Whether a helper stating files beside this process pays for its fork (prestat.py):
    a warm build of some thousands of documents (their cache is a few MB)."""
    try:
        return opts.use_cache and DocCache.table_path(site_dir).stat().st_size > 2_000_000
    except OSError:
        return False


def spare_dir(site_dir: Path, out_dir: Path) -> Path:
    """Where the tree swapped out of OUT is kept for the next build (see writer.Transaction)."""
    return site_dir / CACHE_DIR / f"spare-{PageManifest.name(out_dir)}"


def out_stats(site_dir: Path, out_dir: Path) -> dict[str, tuple[int, int]]:
    """The size and mtime of every page file in OUT as the last build recorded them."""
    return PageManifest(site_dir, out_dir).stats


def check(site_dir: Path, opts: BuildOptions, exceptions: list[str] | None = None) -> list[Problem]:
    """Everything build validates, plus internal links; writes nothing. Returns warnings.

    Lines naming each allow_personal_data exception of the published files go to `exceptions`.
    """
    site, theme, warnings = load_site(site_dir, opts, save_cache=False)
    if exceptions is not None:
        exceptions.extend(privacy.exception_lines(site.cases + site.reports + site.pages, site.config.language))
    _, _, pages = render_site(site, theme, opts.jobs, None, None)
    existing = {rel for rel, _ in pages} | set(theme.static_files()) | {searchformat.INDEX}
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


def _records_stamp(site: Site) -> str:
    """What every open-data record shares besides its own case (see export.RecordMemo)."""
    parts = [code_fingerprint(), repr(site.config), repr(site.places.places), repr(site.topics), site.base_url,
             site.today_iso]
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()


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


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
