"""What a long-running preview knows between builds, so that a rebuild can skip checking it.

A one-off `bulletin build` stats every content file (to find edits) and every output
file (to notice hand edits of OUT): about 0.1 s at 10,000 cases. `bulletin serve` is
told by its watcher which sources changed, and OUT is written by nobody but itself;
a Session keeps the content listing up to date from those reports and trusts OUT to
hold what the last build wrote. The full checks still run, by `audit()`, once the
preview is idle: a difference there (a missed event, a hand edit of OUT) makes the
next build check everything again.
"""
from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

from generator.core.cachefiles import differing_files
from generator.site.lifecycle import LoopMemo, track
from generator.source.discovery import KINDS, Listing, discover_with_stats
from generator.source.model import Site


class Session:
    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self._files: dict[str, tuple[str, int, int]] | None = None   # rel → (kind, size, mtime_ns)
        self._outside: list[str] = []
        self._reported: set[str] = set()   # paths the watcher reported since the last listing
        self.out_trusted = False   # set by a build that wrote OUT and recorded its files' stats
        self.loops = LoopMemo()    # case loops (site/lifecycle.py), computed once, not every build

    def keep_loops(self, site: Site) -> None:
        """Make every case's loop now, after the reload, where the memo lacks them (the first
        build, a new day): the next rebuild's site-wide pages read them all, and would otherwise
        make them while the browser waits (0.05 s at 10,000 cases)."""
        day = dt.date.fromisoformat(site.today_iso)
        if len(self.loops.on(day, len(site.cases))) < len(site.cases):
            track(site, memo=self.loops).loops.values()

    def note(self, changed: list[str]) -> None:
        """Paths (site-relative) the watcher reported; the next listing looks at them again."""
        self._reported.update(changed)

    def listing(self, outside: list[str]) -> Listing:
        """Every content file with its size and mtime, as discover_with_stats gives them."""
        reported, self._reported = self._reported, set()
        if self._files is None or not self._update(reported):
            self._outside = []
            found = discover_with_stats(self.site_dir, self._outside)
            self._files = {rel: (kind, size, mtime) for kind, rel, size, mtime in found}
        outside.extend(self._outside)
        return sorted((kind, rel, size, mtime) for rel, (kind, size, mtime) in self._files.items())

    def _update(self, reported: set[str]) -> bool:
        """Apply the watcher's reports to the listing; False when only a full walk can tell
        (a folder or a link changed, or something this listing cannot place)."""
        assert self._files is not None
        for rel in reported:
            parts = rel.split("/")
            if parts[0] != "content":
                continue   # site.yaml, templates, static, themes: not listed
            if len(parts) < 3 or parts[1] not in KINDS:
                if len(parts) <= 2 and not rel.endswith((".yaml", ".yml")):
                    return False   # content/ or a kind's folder itself, or a new folder beside them
                continue
            try:
                info = os.lstat(self.site_dir / rel)
            except FileNotFoundError:
                info = None
            except OSError:
                return False
            if info is None:
                if any(known.startswith(rel + "/") for known in self._files):
                    return False   # a folder of content files went away
                self._files.pop(rel, None)
            elif stat.S_ISDIR(info.st_mode) or stat.S_ISLNK(info.st_mode):
                return False
            elif rel.endswith(".md") and stat.S_ISREG(info.st_mode) and not any(p.startswith(".") for p in parts):
                self._files[rel] = (parts[1], info.st_size, info.st_mtime_ns)
        return True

    def audit(self, out_dir: Path, out_stats: dict[str, tuple[int, int]]) -> list[str]:
        """Check what was trusted: the listing against a full walk of content/, and OUT's
        files against the stats the last build recorded. Returns the paths that differ
        (site-relative, or OUT-relative prefixed with OUT's name); the next build then
        checks everything itself."""
        differ: list[str] = []
        if self._files is not None:
            found = {rel: (kind, size, mtime) for kind, rel, size, mtime in discover_with_stats(self.site_dir)}
            differ += sorted(rel for rel in found.keys() | self._files.keys() if found.get(rel) != self._files.get(rel))
            if differ:
                self._files = None
        if self.out_trusted:
            changed_out = differing_files(out_dir, out_stats)
            if changed_out:
                self.out_trusted = False
                differ += [f"{out_dir.name}/{rel}" for rel in sorted(changed_out)]
        return differ
