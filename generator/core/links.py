"""Internal link checking over rendered pages (used by `check`). Pure."""
from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

_REF = re.compile(r'(?:href|src)="([^"]*)"')


def page_links(html: str) -> list[str]:
    return _REF.findall(html)


def broken_links(page_path: str, refs: list[str], existing: set[str]) -> list[tuple[str, str]]:
    """(link as written, site path it leads to) for links from `page_path` that lead to no output file."""
    broken = []
    base = posixpath.dirname(page_path)
    for ref in refs:
        parts = urlsplit(ref.replace("&amp;", "&"))
        if parts.scheme or parts.netloc or not parts.path or ref.startswith("#"):
            continue
        if parts.path.startswith("/"):
            continue  # root-absolute links only appear on 404.html, which may live at any depth
        target = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
        if parts.path.endswith("/") or target == ".":
            target = posixpath.join(target, "index.html") if target != "." else "index.html"
        if target.startswith("../") or (target not in existing and target + "/index.html" not in existing):
            broken.append((ref, target))
    return broken
