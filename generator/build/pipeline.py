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
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from generator.build import mediafiles
from generator.build import searchindex
from generator.build import writer
from generator.build.cache import DocCache, PageManifest, RecordCache, decode, encode
from generator.build.load import load_site
from generator.build.prestat import Prestat
from generator.build.renderpass import Progress, render_site
from generator.build.session import Session
from generator.build.workers import collector_paused, worker_pool
from generator.core import links
from generator.core.cachefiles import CACHE_DIR, code_fingerprint, sweep_litter
from generator.core.errors import Problem, Problems
from generator.render import export
from generator.render.jobs import plan
from generator.render.theme import Theme
from generator.site import media
from generator.source.config import BuildOptions
from generator.source.model import Document, Site




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
        with collector_paused():
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
    _, failed = mediafiles.make(site_dir, planned, site.media, made_dir, opts.jobs, worker_pool)
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


def _records_stamp(site: Site) -> str:
    """What every open-data record shares besides its own case (see export.RecordMemo)."""
    parts = [code_fingerprint(), repr(site.config), repr(site.places.places), repr(site.topics), site.base_url,
             site.today_iso]
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()
