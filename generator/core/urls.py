"""Every URL and output path rule in one place, plus `safe_join`. Pure.

URLs here are site-relative with no leading slash ("cases/x/"); pages turn them
into relative links with their own `root` ("../../"), so a site works under any
base path and from a folder.
"""
from __future__ import annotations

from pathlib import Path


def paged(base: str, page: int) -> str:
    return base if page <= 1 else f"{base}page/{page}/"


def case(slug: str) -> str:
    return f"cases/{slug}/"


def township(slug: str, page: int = 1) -> str:
    return paged(f"townships/{slug}/", page)


def township_stage(slug: str, key: str, page: int = 1) -> str:
    """A township's cases at one stage (its stage feed lives in the same folder)."""
    return paged(f"townships/{slug}/stages/{key}/", page)


def topic(slug: str, page: int = 1) -> str:
    return paged(f"topics/{slug}/", page)


def stage(key: str, page: int = 1) -> str:
    return paged(f"stages/{key}/", page)


def report(slug: str) -> str:
    return f"reports/{slug}/"


def reports(page: int = 1) -> str:
    return paged("reports/", page)


def page(slug: str) -> str:
    return f"{slug}/"


def for_kind(kind: str, slug: str) -> str:
    return {"case": case, "report": report, "page": page}[kind](slug)


def out_path(url: str) -> str:
    """The file that serves `url`: directories get index.html."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def root_for(url: str) -> str:
    """The relative prefix from the page at `url` back to the site root."""
    depth = url.count("/")
    return "../" * depth if depth else "./"


def safe_join(root: Path | str, rel: str) -> str:
    """`root/rel` as a string, refusing anything that would land outside root (string work:
    a build joins 17,000 paths at 10,000 cases, and pathlib made a fifth of a page write)."""
    parts = rel.split("/")
    if not rel or rel[0] == "/" or "\\" in rel or "\x00" in rel or "" in parts or ".." in parts:
        raise ValueError(f"unsafe output path: {rel!r}")
    return f"{root}/{rel}"
