"""Stat the content files and OUT's files in a forked helper while the build reads its caches.

A warm build must look at every content file (was it edited?) and every file of OUT it
means to keep (was it edited by hand?): at 10,000 cases, 23,000 stat calls and 70 ms of
waiting on the kernel, with the second core idle meanwhile. A forked child makes those
calls while this process unpacks the document cache, and hands back the listing, the
output files whose size or mtime differ from what the page manifest recorded, and every
file of OUT (for the record of a build with nothing to do, build/unchanged.py). Whenever the
helper cannot answer, the build makes the calls itself: the result is the same either way.
"""
from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any

from generator.build.cache import DocCache
from generator.build.unchanged import out_tree
from generator.build.workers import fork_with_pipe, write_all
from generator.core.cachefiles import differing_files
from generator.source.discovery import Listing, discover_with_stats


def pays_off(site_dir: Path, use_cache: bool, jobs: int) -> bool:
    """Whether a helper stating files beside this process pays for its fork: a warm
    build of some thousands of documents (their cache is a few MB), with a core to spare."""
    try:
        return use_cache and jobs > 1 and DocCache.table_path(site_dir).stat().st_size > 2_000_000
    except OSError:
        return False


class Prestat:
    def __init__(self, site_dir: Path, out_dir: Path, manifest_path: Path) -> None:
        child = fork_with_pipe(lambda write_fd: _answer(site_dir, out_dir, manifest_path, write_fd))
        self._pid, self._read_fd = child if child is not None else (0, -1)

    def _receive(self) -> Any:
        """The helper's next message, or None once it cannot answer (then never again)."""
        if not self._pid:
            return None
        try:
            size = int.from_bytes(self._read_exactly(8), "little")
            return marshal.loads(self._read_exactly(size))
        except (OSError, EOFError, ValueError, TypeError):
            self.close()
            return None

    def _read_exactly(self, size: int) -> bytes:
        chunks, left = [], size
        while left:
            chunk = os.read(self._read_fd, min(left, 1 << 20))
            if not chunk:
                raise EOFError("the helper ended early")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def listing(self, outside: list[str]) -> Listing | None:
        """discover_with_stats(SITE, outside), or None when the helper could not tell."""
        answer = self._receive()
        if answer is None:
            return None
        listing, found_outside = answer
        outside.extend(found_outside)
        return [tuple(row) for row in listing]

    def out_differs(self) -> set[str] | None:
        """OUT's files whose size or mtime differ from the manifest's record (or are gone);
        asked after listing()."""
        answer = self._receive()
        return None if answer is None else set(answer)

    def out_tree(self) -> list[tuple[str, int, int, int]] | None:
        """unchanged.out_tree(OUT) as the helper found it before this build changed it; asked
        after out_differs(), and before the build's commit changes OUT."""
        answer = self._receive()
        return answer if isinstance(answer, list) else None

    def close(self) -> None:
        """Wait for the helper (never leave a child behind)."""
        if self._pid:
            os.close(self._read_fd)
            try:
                os.waitpid(self._pid, 0)
            except OSError:
                pass
            self._pid = 0


def _answer(site_dir: Path, out_dir: Path, manifest_path: Path, write_fd: int) -> None:
    """In the helper: the content listing first (the build needs it first), then OUT's check."""
    outside: list[str] = []
    _send(write_fd, (discover_with_stats(site_dir, outside), outside))
    try:
        recorded: Any = marshal.loads(manifest_path.read_bytes()).get("stats", {})
    except (OSError, EOFError, ValueError, TypeError, AttributeError):
        recorded = {}
    _send(write_fd, differing_files(out_dir, recorded))
    # Then every file of OUT, for the record of a build with nothing to do (build/unchanged.py),
    # which the build updates for the files it changed instead of walking OUT after its commit.
    # A walk takes twice the stat calls above: the build asks for it only before it commits.
    _send(write_fd, out_tree(out_dir))
    os.close(write_fd)


def _send(write_fd: int, value: Any) -> None:
    data = marshal.dumps(value)
    write_all(write_fd, len(data).to_bytes(8, "little") + data)
