"""Render every job: unchanged pages kept by key, the rest rendered in forked workers in township chunks."""
from __future__ import annotations

import gc
import sys
import os
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from generator.build import writer
from generator.build.cache import PageManifest
from generator.build.keys import Keys
from generator.build.workers import collector_paused, thawed_at_end, worker_pool, worker_state
from generator.core import links
from generator.core.errors import SiteError
from generator.render import export
from generator.render.jobs import Job, plan
from generator.render.renderer import Renderer
from generator.render.templates import TemplateProblem
from generator.render.theme import Theme
from generator.site.lifecycle import LoopMemo
from generator.site.taxonomy import build_index
from generator.source.model import Site

Progress = Callable[[int, int], None]   # called as pages are rendered: (done, total)


def _render_chunk(chunk: list[tuple[Job, str]]) -> list[tuple[str, str, str, bool, list[str]]]:
    """Render jobs; write them into staging (build) or collect their links (check).

    Returns (job id, key, output path, bytes changed, links) per job.
    """
    renderer = worker_state.get("renderer")
    if renderer is None:
        renderer = worker_state["renderer"] = Renderer(worker_state["site"], worker_state["theme"], worker_state.get("bytecode"),  # type: ignore[arg-type]
                                                  worker_state.get("index"), worker_state.get("loops"))  # type: ignore[arg-type]
    staging, out_dir, fresh, mirror = (worker_state["staging"], worker_state["out_dir"], worker_state["fresh"],
                                       worker_state["mirror"])
    results = []
    for job, key in chunk:
        rel, data = renderer.render(job)  # type: ignore[attr-defined]
        if staging is None:
            results.append((job_id(job), key, rel, False, links.page_links(data.decode()) if rel.endswith(".html") else []))
            continue
        if isinstance(data, bytes):
            changed = writer.put(staging, out_dir, rel, data, fresh, mirror)  # type: ignore[arg-type]
        else:
            changed = writer.put_parts(staging, out_dir, rel, data, fresh, mirror)  # type: ignore[arg-type]
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
        elif job[0] in ("township", "township_stage") or (job[0] == "feed" and job[1] in ("township", "township_stage")):
            groups.setdefault(job[2] if job[0] == "feed" else job[1], []).append(item)
        else:
            rest.append(item)
    chunks: list[list[tuple[Job, str]]] = [[]]
    # The rest first (site-wide lists and feeds, slower and of uneven cost), so that the last
    # chunks, which decide when the slowest worker ends, are townships of like size.
    for group in [*([item] for item in rest), *groups.values()]:
        if len(chunks[-1]) >= size:
            chunks.append([])
        chunks[-1].extend(group)
    return [c for c in chunks if c]


def _beside(pages: int, cases: int) -> bool:
    """Whether a rebuild of a few pages renders them in one forked worker while this process
    makes the open data files and patches the search index, work that grows with the site.
    Measured at 10,000 cases, in one process as serve builds: a township move (35-45 pages)
    took 0.45 s to render this way against 0.52 s in this process alone; a body edit (about
    15 pages) gained nothing, the fork and the worker's template loading costing what it saved."""
    return 30 <= pages < 200 and cases >= 2000


def render_site(site: Site, theme: Theme, jobs_count: int, tx: writer.Transaction | None,
                manifest: PageManifest | None, progress: Progress | None = None,
                records: export.RecordMemo | None = None, bytecode_dir: Path | None = None,
                meanwhile: Callable[[], None] | None = None, loops: LoopMemo | None = None) -> tuple[dict[str, tuple[str, str]], set[str], list[tuple[str, list[str]]]]:
    """Render every job whose key changed (all of them for check).

    Returns the manifest entries {job id: (key, output path)}, the paths whose bytes
    changed, and (for check, when tx is None) every page's links. `meanwhile` is run in
    this process while worker processes render. `loops` keeps case loops between the builds
    of one process (bulletin serve).
    """
    with collector_paused():
        index = build_index(site)
        keys = Keys(site, index, theme.fingerprint(), site.config.per_page)
        entries: dict[str, tuple[str, str]] = {}
        todo: list[tuple[Job, str]] = []
        digests = {c.slug: c.digest for c in site.cases}
        # (`check` keeps no manifest: nothing to compare them with)
        frame, places = (keys.case_frame(), keys.case_places()) if manifest is not None else ("", {})
        same_frame = manifest is not None and tx is not None and manifest.frame == frame
        # When only bodies changed, most keys are the ones recorded last time (see Keys.touched_by).
        same_lists = same_frame and manifest.places == places  # type: ignore[union-attr]
        edited = {slug: index.case_by_slug[slug] for slug, digest in digests.items()
                  if same_lists and manifest.digests.get(slug) != digest}  # type: ignore[union-attr]
        # When cases' front matter changed but not which cases there are (a township move), most
        # case pages and lists still have their recorded keys too (see Keys.near).
        near = keys.near(places, manifest.places, digests, manifest.digests) if (  # type: ignore[union-attr]
            same_frame and not same_lists) else None
        if manifest is not None:
            manifest.next_cases = (digests, frame, places)
        touched = keys.touched_by(edited) if same_lists else set()
        recorded = manifest.entries if manifest is not None and tx is not None else {}
        keep = tx.keep if tx is not None and tx.fresh else None   # a spare tree holds the kept files already
        for job in plan(site, index):   # 14,000 jobs at 10,000 cases: this loop is most of a small rebuild's planning
            jid = job_id(job)
            previous = recorded.get(jid)
            if previous is None:
                todo.append((job, keys.key(job)))
                continue
            if (same_lists and job not in touched and job[0] != "page") or (
                    near is not None and keys.unchanged_near(job, near)):
                key = previous[0]
            else:
                key = keys.key(job)
            if previous[0] == key and manifest.unchanged(previous[1]):  # type: ignore[union-attr]
                if keep is not None:
                    keep(previous[1])
                entries[jid] = previous
                continue
            todo.append((job, key))
    if os.environ.get("BULLETIN_TIMINGS"):
        kinds = Counter(job[0] for job, _ in todo)
        print("rendering: " + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()), file=sys.stderr)
    worker_state.clear()
    worker_state.update(bytecode=bytecode_dir, index=index, loops=loops, site=site, theme=theme, staging=tx.staging if tx else None,
                   out_dir=tx.out_dir if tx else None, fresh=tx.fresh if tx else True, mirror=tx.mirror if tx else None)
    # The open data files are rendered here, in this process, with the record texts kept in
    # SITE/.cache: every edit rewrites them, and 10,000 records take a second to serialise.
    in_parent = [(job, key) for job, key in todo if job[0] in ("json", "csv")]
    todo = [(job, key) for job, key in todo if job[0] not in ("json", "csv")]
    worker_jobs = _jobs_per_worker(len(site.cases))
    # 16 chunks a worker: a worker that ends first waits for the other's last chunk (at 8, a
    # core idled for half a second of a 10,000-case build)
    chunk_size = min(worker_jobs // 2, max(20, len(todo) // (jobs_count * 16) + 1))
    chunks = _chunks_by_township(todo, index, chunk_size)
    results: list[list[tuple[str, str, str, bool, list[str]]]] = []

    def done(chunk_results: list[tuple[str, str, str, bool, list[str]]]) -> None:
        results.append(chunk_results)
        if progress is not None:
            progress(sum(len(r) for r in results), len(todo) + len(in_parent))
    def in_this_process() -> None:
        if in_parent:
            renderer = worker_state.get("renderer") or Renderer(site, theme, worker_state.get("bytecode"), index, loops)  # type: ignore[arg-type]
            worker_state["renderer"] = renderer
            if records is not None:
                renderer.records = records  # type: ignore[attr-defined]
            done(_render_chunk(in_parent))
        if meanwhile is not None:
            meanwhile()
    beside = _beside(len(todo), len(site.cases))
    try:
        if jobs_count <= 1 or (len(todo) < 200 and not beside):
            for c in chunks:
                done(_render_chunk(c))
            in_this_process()
        else:
            # fork: workers inherit the site instead of unpickling it; output order never matters.
            # They inherit a renderer with its templates compiled and its site-wide figures
            # made, too: computed in each worker, those touch (and so copy) every case.
            renderer = worker_state["renderer"] = Renderer(site, theme, bytecode_dir, index, loops)
            if not beside:   # a few pages find their figures in `loops`, which the worker inherits
                renderer.warm_up()
            with thawed_at_end():
                gc.freeze()  # the site is read-only from here: keep the collector from copying its pages into workers
                with worker_pool(1 if beside else jobs_count, maxtasksperchild=max(1, worker_jobs // chunk_size)) as pool:
                    # While the workers render pages, this process makes the open data files and
                    # whatever the caller gave it, instead of doing that alone at the end.
                    waiting = [pool.apply_async(_render_chunk, (c,), callback=done) for c in chunks]
                    in_this_process()
                    for result in waiting:
                        result.get()  # raises a worker's TemplateProblem here
                    pool.close()  # and let the workers finish, rather than stopping them
                    pool.join()
    except TemplateProblem as exc:
        raise SiteError([exc.problem]) from None
    finally:
        worker_state.clear()
    changed: set[str] = set()
    pages: list[tuple[str, list[str]]] = []
    for jid, key, rel, was_changed, refs in (r for chunk_results in results for r in chunk_results):
        entries[jid] = (key, rel)
        if was_changed:
            changed.add(rel)
        pages.append((rel, refs))
    return entries, changed, pages
