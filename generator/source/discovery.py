"""Find the content files of a site: every Markdown file under content/cases, reports and pages."""
from __future__ import annotations

import os
from stat import S_ISREG
from pathlib import Path

KINDS = ("cases", "reports", "pages")


def discover(site_dir: Path) -> list[tuple[str, str]]:
    """(kind, site-relative path) of every content file, sorted so order never matters."""
    return [(kind, rel) for kind, rel, _, _ in discover_with_stats(site_dir)]


Listing = list[tuple[str, str, int, int]]   # (kind, site-relative path, size, mtime_ns), sorted


def discover_with_stats(site_dir: Path, outside: list[str] | None = None) -> Listing:
    """(kind, site-relative path, size, mtime_ns) of every content file, sorted.

    os.scandir on strings: on 10,000 files pathlib's rglob costs more than the build, and
    a directory entry knows whether it is a link without another system call. Hidden
    files and folders are skipped; folders reached through links are not entered; a file
    that is a link out of SITE goes to `outside` (content is read from the site only).
    """
    found: list[tuple[str, str, int, int]] = []
    base = str(site_dir)
    real_base = os.path.realpath(base) + os.sep

    def walk(folder: str, rel_folder: str, kind: str) -> None:
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            return
        for entry in listed:
            name = entry.name
            if name.startswith("."):
                continue
            rel = f"{rel_folder}/{name}"
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, rel, kind)
            elif name.endswith(".md"):
                if entry.is_symlink() and not os.path.realpath(entry.path).startswith(real_base):
                    if outside is not None:
                        outside.append(rel)
                    continue
                try:
                    stat = entry.stat()
                except OSError:
                    continue
                if S_ISREG(stat.st_mode):
                    found.append((kind, rel, stat.st_size, stat.st_mtime_ns))
    for kind in KINDS:
        walk(os.path.join(base, "content", kind), f"content/{kind}", kind)
    return sorted(found)
