"""Markdown bodies to safe HTML, and per-page resolution of internal links. Pure.

Configured Markdown instances are kept per process and `reset()` between
documents (building one costs about as much as converting a short document).
"""
from __future__ import annotations

import html
import importlib
import re
import signal
import threading
from collections.abc import Callable

from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from generator.core.sanitize import clean, clean_plain
from generator.render import quickmark

# Only what bulletin content uses (measured per document on the benchmark corpus, CPU time:
# bare 0.34 ms; "extra" +0.11 ms, of which def_list, abbr, attr_list and md_in_html are
# +0.08 ms and unused; "toc" +0.10 ms, replaced by the heading ids below at a tenth of that).
EXTENSIONS = ["tables", "fenced_code", "footnotes", "sane_lists"]
# Made from their classes, imported when first needed: a name makes Python-Markdown look
# through every installed package's entry points, and fenced_code imports Pygments (when
# installed) for codehilite: each about 10 ms of a build that renders one body.
_EXTENSION_CLASSES = {"tables": "tables:TableExtension", "fenced_code": "fenced_code:FencedCodeExtension",
                      "footnotes": "footnotes:FootnoteExtension", "sane_lists": "sane_lists:SaneListExtension"}

# Python-Markdown tries every inline pattern on every piece of text, and every block
# processor on every block, whether the body could match it or not. A body without the
# character a construct starts with cannot contain it, so it is converted by an instance
# without that construct: the same HTML, 40% less time on the benchmark corpus (tests
# compare both ways on many bodies).
_EXTENSION_NEEDS = {"tables": ("|",), "fenced_code": ("```", "~~~"), "footnotes": ("[^",)}
_INLINE_NEEDS = {
    "backtick": ("`",), "escape": ("\\",), "footnote": ("[^",), "entity": ("&",),
    "reference": ("[",), "link": ("[",), "short_reference": ("[",),
    "image_link": ("![",), "image_reference": ("![",), "short_image_ref": ("![",),
    "autolink": ("<",), "automail": ("<",), "html": ("<",),
    "em_strong": ("*", "_"), "em_strong2": ("_",), "not_strong": ("*", "_"),
    # (tabs become spaces and "\r" newlines before inline patterns run; see also _markdown)
    "linebreak": (" \n", "\t\n", "\r"),
}
# Block processors by what their block must hold (tabs are spaces by then; "empty" and
# "paragraph" take any block). Tried on every block in turn: a paragraph met seven of them.
_BLOCK_NEEDS = {
    "indent": ("    ", "\t"), "code": ("    ", "\t"), "hashheader": ("#",), "setextheader": ("=", "-"),
    "hr": ("-", "_", "*"), "olist": (".",), "ulist": ("*", "+", "-"), "quote": (">",), "reference": ("]:",),
}
_instances: dict[tuple[tuple[str, ...], ...], markdown.Markdown] = {}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_STASH = re.compile("\x02wzxhzdk:\\d+\x03")


class _HeadingIds(Treeprocessor):
    """Give each heading an id from its text, Chinese kept (`## 一、基本情况` → `id="一基本情况"`),
    made unique with _1, _2 … like Python-Markdown's toc extension, in linear time."""

    def run(self, root: Element) -> None:
        used: set[str] = set()
        for element in root.iter():
            if element.tag in _HEADINGS and "id" not in element.attrib:
                text = html.unescape(_STASH.sub("", "".join(element.itertext())))
                element.set("id", quickmark.heading_id(text, used))


class _HeadingIdExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        md.treeprocessors.register(_HeadingIds(md), "heading_ids", 5)


_INTERNAL = re.compile(r'(href|src)="(case|report|page):([^"#]*)(#[^"]*)?"')
_ROOT_ABSOLUTE = re.compile(r'(href|src)="/(?!/)([^"]*)"')
_PATH_TAIL = re.compile(r"([^#?]*)(.*)", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


_NEEDLES = tuple(sorted({n for needs in (*_EXTENSION_NEEDS.values(), *_INLINE_NEEDS.values(), *_BLOCK_NEEDS.values())
                         for n in needs}))
_by_needles: dict[tuple[tuple[str, ...], bool], markdown.Markdown] = {}


def _markdown(text: str) -> markdown.Markdown:
    """The instance for this body: only the extensions and inline patterns it can use.
    Looked up by which of the few strings those need the body holds (one pass over them)."""
    present = tuple(n for n in _NEEDLES if n in text)
    # Spaces can come to stand before a newline that is not in the text: at its end
    # (Python-Markdown appends newlines), or before raw HTML that starts a block of its own
    # (`trailing  <div>` becomes `trailing  \n<div>`).
    spaces_may_end_a_line = text.endswith((" ", "\t")) or ("<" in present and ("  " in text or "\t" in text))
    md = _by_needles.get((present, spaces_may_end_a_line))
    if md is None:
        md = _by_needles[(present, spaces_may_end_a_line)] = _pruned(set(present), spaces_may_end_a_line)
    return md


def _pruned(present: set[str], spaces_may_end_a_line: bool) -> markdown.Markdown:
    unused_ext = tuple(e for e, needs in _EXTENSION_NEEDS.items() if present.isdisjoint(needs))
    unused_inline = tuple(p for p, needs in _INLINE_NEEDS.items()
                          if present.isdisjoint(needs) and not (p == "linebreak" and spaces_may_end_a_line))
    unused_block = tuple(p for p, needs in _BLOCK_NEEDS.items() if present.isdisjoint(needs))
    key = (unused_ext, unused_inline, unused_block)
    md = _instances.get(key)
    if md is None:
        md = _instance([e for e in EXTENSIONS if e not in unused_ext])
        for name in unused_inline:
            md.inlinePatterns.deregister(name, strict=False)
        for name in unused_block:
            md.parser.blockprocessors.deregister(name, strict=False)
        # Passes over the whole body that find nothing to do: html_block reads "<" (raw HTML)
        # and "&" (it completes `&#12` to `&#12;`), and only a backslash escape leaves the
        # placeholders `unescape` turns back.
        if "html" in unused_inline and "entity" in unused_inline:
            md.preprocessors.deregister("html_block", strict=False)
        if "escape" in unused_inline:
            md.treeprocessors.deregister("unescape", strict=False)
        _instances[key] = md
    return md


def _markdown_full() -> markdown.Markdown:
    """Every extension and pattern (tests compare it with the instances above)."""
    return _instance(EXTENSIONS)


def _instance(extensions: list[str]) -> markdown.Markdown:
    made: list[Extension] = []
    for name in extensions:
        module, cls = _EXTENSION_CLASSES[name].split(":")
        made.append(getattr(importlib.import_module(f"markdown.extensions.{module}"), cls)())
    return markdown.Markdown(extensions=[*made, _HeadingIdExtension()])


class BodyTooComplex(Exception):
    """Rendering one body took longer than RENDER_SECONDS (Python-Markdown is quadratic on some
    inputs the limits above do not catch, e.g. thousands of unclosed `[` in one paragraph)."""


RENDER_SECONDS = 10.0


def _expire(signum: int, frame: object) -> None:
    raise BodyTooComplex()


def render_body(text: str) -> str:
    """Markdown → sanitised HTML; internal links stay as case:/report:/page: for now.

    Plain bodies go through quickmark (the same HTML in a sixth of the time), the rest through
    Python-Markdown: in a main thread (a build and its worker processes) at most RENDER_SECONDS a body.
    """
    quick = quickmark.convert(text)
    if quick is not None:
        return clean_plain(quick)
    if threading.current_thread() is not threading.main_thread():
        return clean(_markdown(text).reset().convert(text))
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, RENDER_SECONDS)
    try:
        html_text = _markdown(text).reset().convert(text)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return clean(html_text)


def resolve_links(body_html: str, target: Callable[[str, str], str], root: str,
                  local: Callable[[str], str] | None = None) -> str:
    """Point case:/report:/page: links and root-absolute links at real URLs for one page.

    `local` makes a site path (without its #fragment or ?query) a link from the page, as
    the page's own links are made (ending in index.html unless `index_links: false`);
    by default the path is appended to `root`."""
    def internal(m: re.Match[str]) -> str:
        return f'{m[1]}="{html.escape(target(m[2], m[3]))}{m[4] or ""}"'

    def site_path(m: re.Match[str]) -> str:
        path, tail = _PATH_TAIL.match(m[2]).groups()  # type: ignore[union-attr]  # always matches
        return f'{m[1]}="{local(path) if local else root + path}{tail}"'
    body_html = _INTERNAL.sub(internal, body_html)
    return _ROOT_ABSOLUTE.sub(site_path, body_html)


def plain_text(body_html: str) -> str:
    """Text of an HTML fragment, whitespace folded (for excerpts and search)."""
    return " ".join(html.unescape(_TAG.sub(" ", body_html)).split())
