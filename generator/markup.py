"""Markdown bodies to safe HTML, and per-page resolution of internal links. Pure.

One configured Markdown instance per process, `reset()` between documents
(building an instance costs more than converting a short document).
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable

import markdown
from markdown.extensions.toc import slugify_unicode

from .sanitize import clean

EXTENSIONS = ["extra", "toc", "sane_lists"]
_md: markdown.Markdown | None = None

_INTERNAL = re.compile(r'(href|src)="(case|report|page):([^"#]*)(#[^"]*)?"')
_ROOT_ABSOLUTE = re.compile(r'(href|src)="/(?!/)([^"]*)"')
_TAG = re.compile(r"<[^>]+>")


def _markdown() -> markdown.Markdown:
    global _md
    if _md is None:
        _md = markdown.Markdown(extensions=EXTENSIONS, extension_configs={
            "toc": {"slugify": slugify_unicode, "permalink": False}})
    return _md


def render_body(text: str) -> str:
    """Markdown → sanitised HTML; internal links stay as case:/report:/page: for now."""
    return clean(_markdown().reset().convert(text))


def resolve_links(body_html: str, target: Callable[[str, str], str], root: str) -> str:
    """Point case:/report:/page: links and root-absolute links at real URLs for one page."""
    def internal(m: re.Match[str]) -> str:
        return f'{m[1]}="{html.escape(target(m[2], m[3]))}{m[4] or ""}"'
    body_html = _INTERNAL.sub(internal, body_html)
    return _ROOT_ABSOLUTE.sub(lambda m: f'{m[1]}="{root}{m[2]}"', body_html)


def plain_text(body_html: str) -> str:
    """Text of an HTML fragment, whitespace folded (for excerpts and search)."""
    return " ".join(html.unescape(_TAG.sub(" ", body_html)).split())
