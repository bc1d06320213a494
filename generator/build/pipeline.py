"""The recipe of a build: load → validate → index → render → write.

Only the load step reads content and only `writer` writes OUT; everything between
works on frozen values. Problems stop the build between steps, so every error is
reported at once and none cascades, and OUT is untouched when anything fails.
"""
from __future__ import annotations

import dataclasses
import gc
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from generator.build import unchanged
from generator.build.report import BuildReport, Phases
from generator.build.workers import Forked
from generator.source.config import BuildOptions

if TYPE_CHECKING:
    from generator.build.prestat import Prestat
    from generator.build.renderpass import Progress
    from generator.build.session import Session
    from generator.source.model import Site


SMALL_OUT = 3000   # files: a walk of OUT to record it takes about 25 ms


def build(site_dir: Path, out_dir: Path, opts: BuildOptions, progress: Progress | None = None,
          committed: Callable[[], None] | None = None, session: Session | None = None) -> BuildReport:
    """Build SITE into OUT atomically; OUT is untouched when anything fails.

    `progress(done, total)` is called as pages are rendered (the CLI draws a line from it);
    `committed()` as soon as OUT holds the new site, before the caches are saved (serve
    reloads the browser then). A `session` (serve) spares the checks its watcher makes needless.
    """
    started = time.perf_counter()
    # 0. Nothing to do: every input and OUT as the last build left them (build/unchanged.py).
    inputs = unchanged.inputs_hash(site_dir, opts) if opts.use_cache and session is None else None
    if inputs is not None:
        quick = unchanged.quick_report(site_dir, out_dir, inputs)
        if quick is not None:
            return dataclasses.replace(quick, seconds=time.perf_counter() - started)
    from generator.build.workers import thawed_at_end
    with thawed_at_end():   # the site is frozen once loaded (below): let it go after the build
        report, out_now = _build(site_dir, out_dir, opts, progress, committed, session, inputs is not None)
    if inputs is not None:
        if out_now is None:
            unchanged.forget(site_dir, out_dir)
        else:
            unchanged.remember(site_dir, out_dir, inputs, report,
                               out_now.result() if isinstance(out_now, Forked) else out_now)
    return report


def walks_out(pages: int, written: int) -> bool:
    """Whether a build that does not know what OUT holds now walks it, to record it for the
    next build's quick answer (build/unchanged.py).

    The walk costs 0.1-0.3 s at 10,000 cases, unless OUT is small. It is paid by a build that
    wrote most of OUT (a cold one, a theme change) and by one that found nothing to write (so
    that the next is quick), not after an edit, likely followed by another. Not by the clock:
    an edit that took over a second on a busy machine would pay it, and take longer still."""
    return pages <= SMALL_OUT or written == 0 or written * 2 > pages


def _build(site_dir: Path, out_dir: Path, opts: BuildOptions, progress: Progress | None,
           committed: Callable[[], None] | None, session: Session | None,
           recording: bool = False) -> tuple[BuildReport, str | Forked | None]:
    """The build; with its report, and unchanged.out_hash(OUT) after it when known without a
    walk, or when `recording` and walks_out() says so, a child process walking OUT for it
    (None: OUT is not to be recorded)."""
    # Imported here, not at the top: a build with nothing to do (step 0 above) needs none of
    # them, and importing them (Jinja, Markdown, the model, the renderer) took 0.12 s of it.
    from generator.build import prestat
    from generator.build.cache import PageManifest
    from generator.core.cachefiles import sweep_litter
    phases = Phases()
    # 1. Load: read and validate every source (cached by size and mtime), resolve today once.
    if opts.use_cache:
        sweep_litter(site_dir)   # a build killed while writing a cache file
    helper = prestat.Prestat(site_dir, out_dir, PageManifest.path_for(site_dir, out_dir)) if (
        session is None and prestat.pays_off(site_dir, opts.use_cache, opts.jobs)) else None
    try:
        return _build_with(site_dir, out_dir, opts, progress, committed, session, helper, phases, recording)
    finally:
        if helper is not None:
            helper.close()


def _build_with(site_dir: Path, out_dir: Path, opts: BuildOptions, progress: Progress | None,
                committed: Callable[[], None] | None, session: Session | None, helper: Prestat | None,
                phases: Phases, recording: bool) -> tuple[BuildReport, str | Forked | None]:
    from generator.build import assets, searchindex, writer
    from generator.build.cache import PageManifest, RecordCache, records_stamp
    from generator.build.load import load_site
    from generator.build.renderpass import render_site
    from generator.build.workers import collector_paused
    from generator.core.cachefiles import CACHE_DIR
    with collector_paused():
        site, theme, warnings = load_site(site_dir, opts, session=session, prestat=helper, out_dir=out_dir)
        gc.freeze()  # the site lives as long as the build: later collections need not walk it
    manifest = PageManifest(site_dir, out_dir, enabled=opts.use_cache)
    manifest.differs = helper.out_differs() if helper is not None else None
    phases.mark("load")

    with assets.media_folder(site_dir, opts.use_cache) as made_dir:
        # 2. Media: the resized photo copies this build publishes, made where the cache lacks them.
        planned = assets.make_media(site_dir, site, opts.jobs, made_dir)
        phases.mark("media")

        # 3. Prepare OUT's replacement: a staging tree swapped in whole at the end.
        static = theme.static_files()
        tx = writer.Transaction(out_dir, spare_dir(site_dir, out_dir) if opts.use_cache else None)
        # Trusted only onto a spare tree, which holds every kept file itself: a fresh tree links
        # OUT's files, and OUT may have lost some (deleted by hand) since the last build.
        manifest.trusted = session is not None and session.out_trusted and not tx.fresh
        phases.mark("prepare")
        try:
            # 4. Render every page whose inputs changed (workers when many), the search index alongside.
            records = RecordCache(site_dir, records_stamp(site), enabled=opts.use_cache)
            searched: dict[str, Any] = {}

            def search_index() -> None:
                # Made from the documents (not the pages), patched when few changed.
                started = time.perf_counter()
                searched["bundle"] = searchindex.write_index(site, site_dir, tx, opts.use_cache, opts.jobs)
                searched["seconds"] = time.perf_counter() - started
            entries, changed, _ = render_site(site, theme, opts.jobs, tx, manifest, progress, records.memo,
                                              site_dir / CACHE_DIR / "jinja" if opts.use_cache else None,
                                              search_index, session.loops if session is not None else None)
            phases.mark("render")

            # 5. Static files and media copies, which may not take a page's path.
            bundle = searched["bundle"]
            files = {rel for _, rel in entries.values()} | bundle.files
            changed |= bundle.written
            assets.check_static_conflicts(site_dir, site.config.language, static, files)
            assets.put_files(tx, site_dir, site, static, planned, made_dir, files, changed)
            _check_body_paths(site, files)
            if site.config.precompress:
                assets.put_compressed(tx, files, changed, site.config.precompress)
            phases.mark("static")

            # 6. Commit: OUT becomes the staging tree in one rename.
            tree_before = helper.out_tree() if helper is not None else None   # OUT as this build found it
            tx.commit(files, changed)   # a first build's spare tree was linked as files were written
            out_now: str | Forked | None = unchanged.after_commit(tree_before, out_dir, tx.changed) if (
                tree_before is not None and tx.changed is not None) else None
            if recording and out_now is None and walks_out(len(files), len(changed)):
                out_now = Forked(unchanged.out_hash, out_dir)   # walked while the caches below are saved
            phases.mark("commit")
        except BaseException:
            tx.discard()
            raise
    if committed is not None:
        committed()

    # 7. Remember what was built, so the next build renders only what changes.
    saved = manifest.save(entries, changed)
    if session is not None:
        session.out_trusted = saved   # OUT holds what the manifest says, and only this process writes it
        session.keep_loops(site)
    records.save()
    bundle.save()
    phases.mark("save")
    return BuildReport(len(files), len(changed), len(files) - len(changed), phases.total(),
                       tuple(warnings), tuple(phases.items), (("search", searched["seconds"]),), site.unpublished), out_now


def spare_dir(site_dir: Path, out_dir: Path) -> Path:
    """Where the tree swapped out of OUT is kept for the next build (see writer.Transaction)."""
    from generator.build.cache import PageManifest
    from generator.core.cachefiles import CACHE_DIR
    return site_dir / CACHE_DIR / f"spare-{PageManifest.name(out_dir)}"


def out_stats(site_dir: Path, out_dir: Path) -> dict[str, tuple[int, int]]:
    """The size and mtime of every page file in OUT as the last build recorded them."""
    from generator.build.cache import PageManifest
    return PageManifest(site_dir, out_dir).stats


def _check_body_paths(site: Site, files: set[str]) -> None:
    """A body's root-absolute link to nothing stops the build before OUT changes (`check` says so too)."""
    from generator.core.errors import Problems
    from generator.site.taxonomy import check_paths
    problems = Problems(site.config.language)
    check_paths([*site.cases, *site.reports, *site.pages], files, problems)
    problems.raise_if_errors()
