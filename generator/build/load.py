"""Load and validate: every content file parsed (cached by size and mtime, in workers when many),
the site config, places, topics and media checked; every problem of the site in one SiteError."""
from __future__ import annotations

import hashlib
from types import SimpleNamespace
from pathlib import Path
from typing import Any, Callable, Mapping

from generator.build import mediafiles
from generator.build.cache import DocCache, PinyinCache
from generator.build.doccodec import decode, encode
from generator.build.prestat import Prestat
from generator.build.session import Session
from generator.build.workers import collector_paused, worker_pool, worker_state
from generator.core.cachefiles import CACHE_DIR
from generator.core.errors import Problem, Problems
from generator.render import placesdata
from generator.render.theme import Theme, load_theme, precompile
from generator.site.taxonomy import check_collisions, check_links
from generator.source import privacy
from generator.source.config import BuildOptions, load_config
from generator.source.content import media_of_failed, parse_document
from generator.source.discovery import discover_with_stats
from generator.source.readers import Context, possible_slugs
from generator.source.model import Case, Document, Page, Report, Site
from generator.source.places import PlaceHistory, PlaceTree, load_places
from generator.source.topics import load_topics


def load_site(site_dir: Path, opts: BuildOptions, save_cache: bool = True,
              session: Session | None = None, prestat: Prestat | None = None,
              overlay: Mapping[str, bytes] | None = None,
              out_dir: Path | None = None) -> tuple[Site, Theme, list[Problem]]:
    """Read and validate everything; raises SiteError listing every problem found.

    The township URLs of the build in `out_dir` (default SITE/output) are kept where they are.

    `save_cache=False` (check) reads SITE/.cache/ but writes nothing. A `session`
    (serve) lists the content files from what its watcher reported; a `prestat`
    helper (a large warm build) lists them in another process meanwhile. An `overlay`
    (import, before it writes) gives content files' bytes in place of the disk's, new
    files among them; it needs opts.use_cache False.
    """
    assert overlay is None or not opts.use_cache
    with collector_paused():
        history = read_history(out_dir or site_dir / "output")
        return _load_site(site_dir, opts, save_cache, session, prestat, overlay or {}, history)


def _load_site(site_dir: Path, opts: BuildOptions, save_cache: bool, session: Session | None,
               prestat: Prestat | None, overlay: Mapping[str, bytes],
               history: PlaceHistory) -> tuple[Site, Theme, list[Problem]]:
    problems = Problems()
    pinyin_cache = PinyinCache(site_dir, enabled=opts.use_cache)
    config = load_config(site_dir, problems)
    today = opts.today_in(config.tz)   # decided once per build; everything below uses this day
    places = load_places(site_dir, problems, history)
    topics = load_topics(site_dir, problems)
    theme = load_theme(site_dir, config.theme, config.language, problems)
    context = Context(config, places, topics)

    def meanwhile() -> None:   # while workers parse: the places' pinyin, and the templates compiled for the render
        places.readings  # noqa: B018 (made and kept by the tree; the render workers inherit them)
        if save_cache and opts.use_cache and not problems.errors:
            precompile(theme, site_dir / CACHE_DIR / "jinja")
    docs = _load_documents(site_dir, context, opts, problems, save_cache, session, prestat, meanwhile, overlay)
    places.readings  # noqa: B018 (if no worker parsed: made here, for the pinyin cache to keep)
    if save_cache:
        pinyin_cache.save()

    # Drafts and future-dated documents are validated above but published only with --drafts.
    def published(doc: Case | Report | Page) -> bool:
        if opts.drafts:
            return True
        return not doc.draft and (doc.when is None or doc.when.date <= today)
    live: list[Document] = []
    left_out: list[Document] = []
    for doc in docs:
        (live if published(doc) else left_out).append(doc)
    unpublished = (sum(1 for d in left_out if d.draft), sum(1 for d in left_out if not d.draft))
    for doc in live:  # personal data stops the build before anything is published
        problems.extend(privacy.problems(doc.path, doc.personal_found, doc.personal_allowed, config.language))
    # Photos and attachments: every file checked now, before anything is written.
    failed = _read_failed(site_dir, {p.path for p in problems.errors if p.path.endswith(".md")} - {d.path for d in docs},
                          overlay)
    found_media = mediafiles.inspect(site_dir, [*live, *_media_of_failed(failed, context)], problems,
                                site_dir / CACHE_DIR if opts.use_cache else None, save_cache)
    live = [mediafiles.with_media_digests(d, found_media) for d in live]
    cases = _newest_first([d for d in live if isinstance(d, Case)])
    reports = _newest_first([d for d in live if isinstance(d, Report)])
    pages = sorted((d for d in live if isinstance(d, Page)), key=lambda p: p.slug)

    # Cross-file rules need every document parsed first.
    check_collisions(cases, reports, pages, problems)
    # Links are checked even when some file failed: only a slug that file may have had is let
    # pass. Not when site.yaml, places or topics failed: no case could be read then.
    if not any(not p.path.endswith(".md") for p in problems.errors):
        maybe: set[str] = set()
        for rel, data in failed.items():
            maybe |= possible_slugs(rel, data.decode("utf-8", "replace"), places.readings)
        check_links(live, {c.slug for c in cases} | maybe, {r.slug for r in reports} | maybe,
                    {p.slug for p in pages} | maybe, problems)
    problems.raise_if_errors()

    base_url = (opts.base_url or config.base_url).rstrip("/") + "/"
    site = Site(config=config, places=places, topics=topics, cases=tuple(cases), reports=tuple(reports),
                pages=tuple(pages), base_url=base_url, today_iso=today.isoformat(), media=found_media,
                unpublished=unpublished)
    return site, theme, problems.warnings


def read_history(out_dir: Path) -> PlaceHistory:
    """The township URLs an earlier build published in OUT/data/places.json, if it is there."""
    try:
        return placesdata.read_history((out_dir / "data" / "places.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return {}


def _read_failed(site_dir: Path, rels: set[str], overlay: Mapping[str, bytes]) -> dict[str, bytes]:
    """The bytes of the files that failed validation, read once for the checks that still look at them."""
    found = {}
    for rel in sorted(rels):
        if rel in overlay:
            found[rel] = overlay[rel]
            continue
        try:
            found[rel] = (site_dir / rel).read_bytes()
        except OSError:
            continue
    return found


def _media_of_failed(failed: dict[str, bytes], context: Context) -> list[Any]:
    """Files that failed validation, as far as the media check needs them: every problem in one run."""
    found = []
    for rel, data in failed.items():
        refs = media_of_failed(rel, data, context)
        if refs:
            found.append(SimpleNamespace(path=rel, media=refs))
    return found


def _newest_first(docs: list[Any]) -> list[Any]:
    """Date descending, then slug ascending: two stable sorts (datetime.timestamp() is slow)."""
    docs.sort(key=lambda d: d.slug)
    docs.sort(key=lambda d: d.when.moment, reverse=True)
    return docs


def _context_key(site_dir: Path, places: PlaceTree) -> str:
    """What every file's validation depends on besides the file itself (the township slugs
    too: an earlier build's data/places.json can keep one where places.yaml alone would not)."""
    parts = [repr([p.slug for p in places.townships()]).encode()]
    for rel in ("site.yaml", "content/places.yaml", "content/topics.yaml"):
        try:
            parts.append((site_dir / rel).read_bytes())
        except OSError:
            parts.append(b"-")
    return hashlib.sha1(b"\0".join(parts)).hexdigest()


def _parse_files(items: list[tuple[str, str]]) -> list[tuple[Document | None, list[Problem]]]:
    """Read and parse content files (in a worker, the files are read there, not sent over)."""
    context, site_dir, overlay = worker_state["context"], worker_state["site_dir"], worker_state["overlay"]

    def read(rel: str) -> bytes:
        return overlay[rel] if rel in overlay else (site_dir / rel).read_bytes()  # type: ignore[index, operator, no-any-return]
    return [parse_document(kind, rel, read(rel), context) for kind, rel in items]  # type: ignore[arg-type]


def _parse_files_encoded(items: list[tuple[str, str]]) -> list[tuple[Any, Document | None, list[Problem]]]:
    """In a worker: parse, and send documents back as the cache's plain tuples, which the
    parent unpacks several times faster than it unpickles frozen dataclasses. (Pickled, not
    marshalled one by one: pickle writes an object that several rows hold, a township or a
    topic, once, and at 100,000 cases the rows read back took 26 MB more, the build 100 MB.)"""
    results: list[tuple[Any, Document | None, list[Problem]]] = []
    for doc, found in _parse_files(items):
        try:
            results.append((encode(doc), None, found))
        except TypeError:
            results.append((None, doc, found))
    return results


def _encoded_or_none(doc: Document | None) -> Any:
    try:
        return encode(doc)
    except TypeError:
        return None


def _load_documents(site_dir: Path, context: Context, opts: BuildOptions, problems: Problems,
                    save_cache: bool, session: Session | None, prestat: Prestat | None,
                    meanwhile: Callable[[], None] = lambda: None,
                    overlay: Mapping[str, bytes] | None = None) -> list[Document]:
    """Parse every content file, reusing cached results for files whose size and mtime did not change.
    `meanwhile` runs in this process while worker processes parse, if they do."""
    cache = DocCache(site_dir, _context_key(site_dir, context.places), enabled=opts.use_cache)
    docs: dict[str, Document] = {}
    misses: list[tuple[str, str, int, int]] = []
    outside: list[str] = []
    listing = session.listing(outside) if session is not None else None
    if listing is None and prestat is not None:
        listing = prestat.listing(outside)
    if listing is None:
        listing = discover_with_stats(site_dir, outside)
    if overlay:
        listed = {rel for _, rel, _, _ in listing}
        listing = list(listing) + [("cases", rel, len(data), 0) for rel, data in sorted(overlay.items())
                                   if rel not in listed and rel.startswith("content/cases/")]
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
    worker_state.update(context=context, site_dir=site_dir, overlay=overlay or {})
    if opts.jobs > 1 and len(items) >= 400:
        with worker_pool(opts.jobs) as pool:
            size = max(50, len(items) // (opts.jobs * 4) + 1)
            waiting = pool.map_async(_parse_files_encoded, [items[i:i + size] for i in range(0, len(items), size)])
            meanwhile()
            chunks = waiting.get()
        parsed = [(row, decode(row) if row is not None else doc, found) for chunk in chunks for row, doc, found in chunk]
    else:
        parsed = [(_encoded_or_none(doc), doc, found) for doc, found in _parse_files(items)]
    worker_state.clear()
    for (kind, rel, size, mtime), (row, doc, found) in zip(misses, parsed):
        problems.extend(found)
        if doc is not None:
            docs[rel] = doc
        if row is not None or doc is None:  # else a value the cache cannot hold: parse this file again next time
            cache.put(rel, size, mtime, row, tuple((p.path, p.line, p.message, p.warning) for p in found), doc)
    if save_cache:
        cache.save()
    return [docs[rel] for rel in sorted(docs)]
