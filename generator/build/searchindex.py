"""Full-text search for /search/: a static index for Chinese, written by the build itself.

The format is build/searchformat.py's (tokens, postings) and build/searchfiles.py's (the files). A build that changed a few documents patches only
the files they touch; a new or much changed site is indexed anew (build/searchbuild.py
with numpy from NUMPY_FROM documents).
"""
from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.build.cache import PageManifest
from generator.core.cachefiles import CACHE_DIR, code_fingerprint, read_cached, same_stat, write_cached
from generator.source.model import Document, Site
from generator.build.searchfiles import (
    FACETS, INDEX, Facets, all_files, binary_file, chunk_file, chunk_path, index_file, read_binary, read_json, shard_file,
    shard_path,
)
from generator.build.searchformat import (
    BATCH, CHUNK, NUMPY_FROM, PATCH_LIMIT, Record, Texts, decode_ids, encode_ids, parse_shard, records, shard_count,
    shard_of, site_fingerprint, tokens,
)

if TYPE_CHECKING:
    from generator.build.writer import Transaction



@dataclass
class Bundle:
    """What write_index() produced: every file of the index, those whose bytes changed, and
    the state to remember for the next build (saved once OUT holds the new files)."""
    files: set[str]
    written: set[str]
    how: str                                   # "cold", "patched" or "unchanged"
    state_path: Path | None = None
    state: dict[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None
    known: dict[str, tuple[int, int]] = field(default_factory=dict)  # stats of files kept as they were

    def save(self) -> None:
        """Remember the records and each file's size and mtime, to trust OUT's index next time."""
        if self.state_path is None or self.out_dir is None:
            return
        stats = {rel: seen for rel, seen in self.known.items() if rel in self.files and rel not in self.written}
        root = str(self.out_dir)
        for rel in sorted(self.files - stats.keys()):
            try:
                st = os.stat(f"{root}/{rel}")
            except OSError:
                return  # OUT is not what this build wrote: remember nothing
            stats[rel] = (st.st_size, st.st_mtime_ns)
        write_cached(self.state_path, {**self.state, "files": stats})


def state_path(site_dir: Path, out_dir: Path) -> Path:
    return site_dir / CACHE_DIR / f"search-{PageManifest.name(out_dir)}.marshal"


def write_index(site: Site, site_dir: Path, tx: Transaction, use_cache: bool = True, jobs: int = 1) -> Bundle:
    """Write the search index through `tx`: patch the last build's when it can, else make it anew.

    `jobs` is not used: the index is made in this one process. Forked workers would each count
    the whole site in their resident memory, and spawned ones re-import the caller's main
    module (a script without a __main__ guard would start them over and over).
    """
    recs = records(site)
    site_fp = site_fingerprint(site)
    facets = Facets.of(site)
    path = state_path(site_dir, tx.out_dir) if use_cache else None
    fingerprint = f"{code_fingerprint()}:{site_fp}"
    keys = [(r.url, r.doc.digest) for r in recs]
    state = {"fingerprint": fingerprint, "records": keys, "facets": facets.values}
    previous = read_cached(path, fingerprint) if path is not None else None
    bundle = None
    if previous is not None:
        bundle = _patch(previous, recs, keys, facets, site, site_fp, tx)
    if bundle is None:
        bundle = _build(recs, keys, facets, site, site_fp, tx)
    bundle.state_path, bundle.state, bundle.out_dir = path, state, tx.out_dir
    return bundle


def _put(tx: Transaction, rel: str, data: bytes, written: set[str]) -> None:
    if tx.put(rel, data):
        written.add(rel)


def _build(recs: list[Record], keys: list[tuple[str, str]], facets: Facets, site: Site, site_fp: str,
           tx: Transaction) -> Bundle:
    """The whole index, from every document."""
    written: set[str] = set()
    shards = shard_count(len(recs))
    if len(recs) >= NUMPY_FROM:
        from generator.build import searchbuild  # numpy: imported only when an index is made anew, and not for a few documents
        written |= searchbuild.build_index(recs, Texts(site), tx.put, shards, BATCH)
    else:
        for rel, data in small_index(recs, Texts(site), shards):
            _put(tx, rel, data, written)
    _put(tx, FACETS, binary_file(FACETS, facets.rows(recs)), written)
    _put(tx, INDEX, index_file(keys, facets, site_fp), written)
    return Bundle(all_files(len(recs)), written, "cold")


def small_index(recs: list[Record], text_of: Callable[[Document], str], shards: int) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of every docs/N.js and shards/N.js, in plain Python: for small sites, and
    the reference that searchbuild.build_index() is tested against."""
    body: dict[str, list[int]] = {}
    title: dict[str, list[int]] = {}
    rows = []
    for i, r in enumerate(recs):
        text = text_of(r.doc)
        rows.append([r.url, r.title, r.date, text])
        for token in tokens(f"{r.title} {text}"):
            body.setdefault(token, []).append(i)
        for token in tokens(r.title):
            title.setdefault(token, []).append(i)
    for c in range(0, len(rows), CHUNK):
        yield chunk_path(c // CHUNK), chunk_file(c // CHUNK, rows[c:c + CHUNK])
    entries: list[dict[str, tuple[bytes, bytes]]] = [{} for _ in range(shards)]
    for token, ids in body.items():
        entries[shard_of(token, shards)][token] = (encode_ids(ids), encode_ids(title.get(token, [])))
    for number, found in enumerate(entries):
        yield shard_path(number), shard_file(number, found)


def _unchanged(out_dir: Path, stats: dict[str, tuple[int, int]]) -> bool:
    root = str(out_dir)
    return all(same_stat(f"{root}/{rel}", seen) for rel, seen in stats.items())


def _patch(previous: dict[str, Any], recs: list[Record], keys: list[tuple[str, str]], facets: Facets, site: Site, site_fp: str,
           tx: Transaction) -> Bundle | None:
    """Update the last build's index for the documents that changed, or None when ids moved."""
    old = previous.get("records")
    if (not isinstance(old, list) or len(old) != len(recs) or previous.get("facets") != facets.values
            or not all(digest for _, digest in keys)):
        return None
    changed = [i for i, (was, now) in enumerate(zip(old, keys)) if was != now]
    if len(changed) > PATCH_LIMIT or any(old[i][0] != keys[i][0] for i in changed):
        return None  # ids moved (a document added, removed, renamed or re-dated), or too much to patch
    files = all_files(len(recs))
    stats = previous.get("files")
    if not isinstance(stats, dict) or set(stats) != files or not _unchanged(tx.out_dir, stats):
        return None  # OUT is not what the last build wrote
    try:
        new_files = _patched_files(changed, recs, keys, facets, site, site_fp, tx.out_dir)
    except (OSError, ValueError, LookupError, TypeError):
        return None  # OUT's index files are not what they should be: make them anew
    written: set[str] = set()
    for rel, data in new_files.items():
        _put(tx, rel, data, written)
    for rel in files - new_files.keys():
        tx.keep(rel)
    return Bundle(files, written, "patched" if changed else "unchanged", known=stats)


def _patched_files(changed: list[int], recs: list[Record], keys: list[tuple[str, str]], facets: Facets, site: Site,
                   site_fp: str, out_dir: Path) -> dict[str, bytes]:
    """The new bytes of the index files that documents `changed` touch, from OUT's files (read only)."""
    shards = shard_count(len(recs))
    text_of = Texts(site)
    edits: dict[int, dict[str, list[tuple[int, int, bool]]]] = {}  # shard → token → (id, list, add)
    chunks: dict[int, list[list[str]]] = {}
    for i in changed:
        rows = chunks.get(i // CHUNK)
        if rows is None:
            rows = chunks[i // CHUNK] = read_json((out_dir / chunk_path(i // CHUNK)).read_bytes())
        _, old_title, _, old_text = rows[i % CHUNK]
        r = recs[i]
        new_text = text_of(r.doc)
        rows[i % CHUNK] = [r.url, r.title, r.date, new_text]
        for which, before, after in ((0, tokens(f"{old_title} {old_text}"), tokens(f"{r.title} {new_text}")),
                                     (1, tokens(old_title), tokens(r.title))):
            for token, add in [(t, False) for t in before - after] + [(t, True) for t in after - before]:
                edits.setdefault(shard_of(token, shards), {}).setdefault(token, []).append((i, which, add))
    out: dict[str, bytes] = {}
    for number, ops in edits.items():
        entries = parse_shard(read_binary((out_dir / shard_path(number)).read_bytes()))
        for token, changes in ops.items():
            lists = [decode_ids(part) for part in entries.get(token, (b"\x00", b"\x00"))]
            for i, which, add in changes:
                ids = lists[which]
                at = bisect_left(ids, i)
                if add:
                    ids.insert(at, i)
                elif at < len(ids) and ids[at] == i:
                    del ids[at]
            if lists[0]:
                entries[token] = (encode_ids(lists[0]), encode_ids(lists[1]))
            else:
                entries.pop(token, None)
        out[shard_path(number)] = shard_file(number, entries)
    for number, rows in chunks.items():
        out[chunk_path(number)] = chunk_file(number, rows)
    width = sum(facets.widths)
    facet_rows = bytearray(read_binary((out_dir / FACETS).read_bytes()))
    for i in changed:
        facet_rows[i * width:(i + 1) * width] = facets.row(recs[i])
    out[FACETS] = binary_file(FACETS, bytes(facet_rows))
    out[INDEX] = index_file(keys, facets, site_fp)
    return out
