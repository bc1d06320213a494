"""The persistent build cache in SITE/.cache/ (safe to delete at any time).

Two files, each written atomically and trusted only when its fingerprint matches:
- docs: every content file's parse result, keyed by (size, mtime_ns) and by a
  fingerprint of the generator's code and of what validation depends on
  (site.yaml, places.yaml, topics.yaml);
- pages-*: for one OUT folder, the key each output file was rendered from, so a
  page whose inputs did not change is linked from the old OUT, not rendered.
A corrupt, foreign or stale cache is ignored, never trusted.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

from generator.core.cachefiles import (
    CACHE_DIR, FORMAT, code_fingerprint, forget, kept_copy, read_cached, remember, remembered_stat, same_stat,
    temporary_for, write_cached,
)
from generator.build.doccodec import decode
from generator.source.model import Site


# -- files -------------------------------------------------------------------------

# Decoded documents of this process, by (cache fingerprint, path, size, mtime_ns).
_decoded: dict[tuple[str, str, int, int], tuple[Any, Any]] = {}


class DocCache:
    """Parse results by site-relative path: rel → (size, mtime_ns, encoded doc or None, problems).

    Kept in two files: the whole table, and the changes since it was written (with the
    size and mtime of the table they apply to), so that an edit to one file of 10,000
    rewrites a small file instead of 25 MB. The table is rewritten when the changes grow.
    """

    def __init__(self, site_dir: Path, context_key: str, enabled: bool = True) -> None:
        self.path = self.table_path(site_dir)
        self.delta_path = site_dir / CACHE_DIR / "docs-delta.marshal"
        self.fingerprint = hashlib.sha1(f"{code_fingerprint()}:{context_key}".encode()).hexdigest()
        self.enabled = enabled
        self.entries: dict[str, tuple[Any, ...]] = {}
        self.changes: dict[str, tuple[Any, ...] | None] = {}   # what the delta file holds
        self.base_stamp: tuple[int, int] | None = None
        if enabled:
            self._load()
        self.fresh: dict[str, tuple[Any, ...]] = {}

    @staticmethod
    def table_path(site_dir: Path) -> Path:
        return site_dir / CACHE_DIR / "docs.marshal"

    def _load(self) -> None:
        base = read_cached(self.path, self.fingerprint)
        if base is None:
            return
        self.entries = base["docs"]
        self.base_stamp = remembered_stat(self.path)
        delta = read_cached(self.delta_path, self.fingerprint)
        if delta is not None and tuple(delta["base"]) == self.base_stamp:
            self.changes = delta["changes"]
            self.entries = dict(self.entries)  # the table read is shared with later builds of this process
            for rel, entry in self.changes.items():
                if entry is None:
                    self.entries.pop(rel, None)
                else:
                    self.entries[rel] = entry

    def get(self, rel: str, size: int, mtime_ns: int) -> tuple[Any, Any] | None:
        entry = self.entries.get(rel)
        if entry is None or entry[0] != size or entry[1] != mtime_ns:
            return None
        self.fresh[rel] = entry
        memo = (self.fingerprint, rel, size, mtime_ns)
        found = _decoded.get(memo)
        if found is None:
            found = _decoded[memo] = (decode(entry[2]), entry[3])
        return found

    def put(self, rel: str, size: int, mtime_ns: int, row: Any, problems: tuple[Any, ...],
            doc: Any = None) -> None:
        """`row`: the document as `encode` made it (None for a file with errors); `doc`, the
        document itself, spares the next build in this process from decoding it again."""
        self.fresh[rel] = (size, mtime_ns, row, problems)
        if doc is not None and row is not None:
            _decoded[(self.fingerprint, rel, size, mtime_ns)] = (doc, problems)

    def save(self) -> None:
        if self.enabled:
            changed: dict[str, tuple[Any, ...] | None] = {
                rel: entry for rel, entry in self.fresh.items() if self.entries.get(rel) is not entry}
            changed.update((rel, None) for rel in self.entries.keys() - self.fresh.keys())
            if changed:
                changes = {**self.changes, **changed}
                if self.base_stamp is not None and len(changes) <= max(100, len(self.fresh) // 20):
                    write_cached(self.delta_path, {"fingerprint": self.fingerprint, "base": self.base_stamp,
                                             "changes": changes})
                else:
                    write_cached(self.path, {"fingerprint": self.fingerprint, "docs": self.fresh})
                    _remove(self.delta_path)
        if len(_decoded) > len(self.fresh):
            # Keep only this build's decoded documents (a removed or edited file's go).
            live = {(self.fingerprint, rel, e[0], e[1]) for rel, e in self.fresh.items()}
            for memo in [m for m in _decoded if m not in live]:
                del _decoded[memo]


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass  # gone already, or cannot go: a stale delta is ignored by its base stamp
    forget(path)


class PinyinCache:
    """Keeps slugs.known_pinyin between builds, so pypinyin's slow import is rarely paid."""

    def __init__(self, site_dir: Path, enabled: bool = True) -> None:
        from generator.core import slugs
        self.path = site_dir / CACHE_DIR / "pinyin.marshal"
        self.enabled = enabled
        loaded = read_cached(self.path, f"pinyin-{FORMAT}") if enabled else None
        if loaded:
            slugs.known_pinyin.update(loaded["pinyin"])
        self.size = len(slugs.known_pinyin)

    def save(self) -> None:
        from generator.core import slugs
        if self.enabled and len(slugs.known_pinyin) != self.size:
            write_cached(self.path, {"fingerprint": f"pinyin-{FORMAT}", "pinyin": dict(slugs.known_pinyin)})


class RecordCache:
    """Keeps the open-data record texts (render/export.RecordMemo) between builds.

    The file is a stream of marshal values (a header, then one record after another), and
    the records a build makes wait in a temporary file beside it until it is written: at
    100,000 cases they are 280 MB of text, which the main process would otherwise hold
    while its workers render (and the benchmark's memory peaks)."""

    def __init__(self, site_dir: Path, stamp: str, enabled: bool = True) -> None:
        from generator.render.export import RecordMemo
        self.path = site_dir / CACHE_DIR / "records.marshal"
        self.enabled = enabled
        self.made = _SpilledRecords(self.path.parent if enabled else None)
        self.memo = RecordMemo(stamp, None if enabled else {}, self._load, self.made)

    def _load(self) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        try:
            kept = kept_copy(self.path, os.stat(self.path))   # serve: what this process's last build wrote
            if kept is not None:
                return kept["records"] if kept.get("fingerprint") == self.memo.stamp else {}
            with open(self.path, "rb") as handle:
                head = marshal.load(handle)
                if not isinstance(head, dict) or head.get("fingerprint") != self.memo.stamp:
                    return {}
                while True:
                    try:
                        key, fragment, row = marshal.load(handle)
                    except EOFError:
                        return found
                    found[key] = (fragment, row)
        except (OSError, EOFError, ValueError, TypeError):
            return {}

    def save(self) -> None:
        used = self.memo.used
        try:
            if self.enabled and used and used.keys() != self.memo.entries.keys():
                temporary = temporary_for(self.path)
                records = {}
                with open(temporary, "wb") as handle:
                    marshal.dump({"fingerprint": self.memo.stamp}, handle)
                    for key in used:
                        records[key] = text = self.memo.text(key)
                        marshal.dump((key, *text), handle)
                os.replace(temporary, self.path)
                remember(self.path, {"fingerprint": self.memo.stamp, "records": records})
        except OSError:
            pass  # a cache that cannot be written only costs time
        finally:
            self.made.close()


class _SpilledRecords(MutableMapping[str, tuple[str, str]]):
    """The records a build made, in an unnamed temporary file (`folder`: where; None: the
    system's temporary folder) instead of in memory."""

    def __init__(self, folder: Path | None) -> None:
        self._folder = folder
        self._file: Any = None
        self._where: dict[str, int] = {}
        self._end = 0
        self._appending = True

    def _handle(self) -> Any:
        if self._file is None:
            if self._folder is not None:
                self._folder.mkdir(parents=True, exist_ok=True)
            self._file = tempfile.TemporaryFile(dir=self._folder)
        return self._file

    def __setitem__(self, key: str, value: tuple[str, str]) -> None:
        handle = self._handle()
        if not self._appending:
            handle.seek(self._end)
            self._appending = True
        self._where[key] = self._end
        marshal.dump(value, handle)
        self._end = handle.tell()

    def __getitem__(self, key: str) -> tuple[str, str]:
        at = self._where[key]
        handle = self._handle()
        handle.seek(at)
        self._appending = False
        fragment, row = marshal.load(handle)
        return fragment, row

    def __delitem__(self, key: str) -> None:
        del self._where[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._where.clear()
        self._end, self._appending = 0, True


class PageManifest:
    """For one OUT folder: job id → (render key, output path), and the size and
    mtime each output file had when written, so a hand-edited OUT is noticed."""

    def __init__(self, site_dir: Path, out_dir: Path, enabled: bool = True) -> None:
        self.path = self.path_for(site_dir, out_dir)
        self.fingerprint = code_fingerprint()
        self.out_dir = out_dir
        self._out = str(out_dir) + os.sep
        loaded = read_cached(self.path, self.fingerprint) if enabled else None
        self.enabled = enabled
        self.entries: dict[str, tuple[str, str]] = loaded["jobs"] if loaded else {}
        self.stats: dict[str, tuple[int, int]] = loaded["stats"] if loaded else {}
        # Every case's digest, keys.Keys.case_frame and case_places (each case's card and the
        # lists it was in) when the entries were made
        self.digests: dict[str, str] = loaded.get("digests", {}) if loaded else {}
        self.frame: str = loaded.get("frame", "") if loaded else ""
        self.places: dict[str, str] = loaded.get("places", {}) if loaded else {}
        self.next_cases: tuple[dict[str, str], str, dict[str, str]] = ({}, "", {})   # this build's, saved with its entries
        self.trusted = False   # OUT is known to hold what the stats say (serve: see session.Session)
        self.differs: set[str] | None = None   # OUT's files whose stats differ, when a helper looked (prestat.py)

    @classmethod
    def path_for(cls, site_dir: Path, out_dir: Path) -> Path:
        return site_dir / CACHE_DIR / f"pages-{cls.name(out_dir)}.marshal"

    @staticmethod
    def name(out_dir: Path) -> str:
        """A short name for an OUT folder, for the cache files kept about it."""
        return hashlib.sha1(str(out_dir.resolve()).encode()).hexdigest()[:16]

    def unchanged(self, rel: str) -> bool:
        """True when OUT still holds the file exactly as this cache last saw it."""
        seen = self.stats.get(rel)
        if seen is None:
            return False
        if self.trusted:
            return True
        if self.differs is not None:
            return rel not in self.differs
        return same_stat(self._out + rel, seen)

    def save(self, entries: dict[str, tuple[str, str]], changed: set[str] | None = None) -> bool:
        """Record this build's keys; files not in `changed` kept their inode, so their stats stand.
        False when nothing could be recorded."""
        if not self.enabled:
            return False
        stats = {}
        for _, rel in entries.values():
            if changed is not None and rel not in changed and rel in self.stats:
                stats[rel] = self.stats[rel]
                continue
            try:
                stat = os.stat(self._out + rel)
            except OSError:
                continue
            stats[rel] = (stat.st_size, stat.st_mtime_ns)
        digests, frame, places = self.next_cases
        return write_cached(self.path, {"fingerprint": self.fingerprint, "jobs": entries, "stats": stats,
                                  "digests": digests, "frame": frame, "places": places})


def records_stamp(site: Site) -> str:
    """What every open-data record shares besides its own case (see export.RecordMemo)."""
    parts = [code_fingerprint(), repr(site.config), repr(site.places.places), repr(site.topics), site.base_url,
             site.today_iso]
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()
