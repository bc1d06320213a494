"""Plain Markdown bodies to HTML in one pass, byte for byte what Python-Markdown makes. Pure.

Most case bodies are headings, paragraphs, lists, quotes, **bold** text and plain links
(`[凉泉乡南干渠架桥](case:liangquan-bridge)`). Python-Markdown spends 0.22 ms on such a 2 KB
body (it tries every block processor on every block and every inline pattern on every piece
of text); this module 0.035 ms. It takes only what it is sure of: convert() returns None for
a body holding anything else (images, code, tables, raw HTML, entities, links with titles,
indents, line breaks, nested or loose lists...), and the caller gives that body to
Python-Markdown. Tests compare the two on thousands of generated bodies.
"""
from __future__ import annotations

import re

from markdown.extensions.toc import slugify_unicode

# What starts a construct handled only by Python-Markdown: raw HTML and autolinks, entities,
# code, escapes, images, footnotes, link references, emphasis by underscore, tables, fences;
# tabs and carriage returns, which Python-Markdown rewrites first; its own placeholders.
_REFUSED = re.compile(r"[<&`\\_|~\t\r\x02\x03]")
_REFUSED_BRACKETS = re.compile(r"!\[|\[\^|\][ ]*:")   # (a character class alone is searched 4 times faster)
_HEADING = re.compile(r"(#{1,6}) +([^#*\[\]]+)")
_BULLET = re.compile(r"[-*+] ")
_NUMBER = re.compile(r"\d+\. ")
# A line that would start a block of another kind: a heading, quote, list item, rule or
# underline (setext heading), wherever it stands in a block.
_BLOCK_START = re.compile(r"[#>=]|[-*+](?: |$)|\d+\.(?: |$)|[-*_ ]+$")
# An inline link with a plain address: no spaces, quotes, brackets or title.
_LINK = re.compile(r"\[([^\[\]\n*]+)\]\(([^\s()<>\"'\[\]*]+)\)")
_STRONG = re.compile(r"\*\*([^*\s](?:[^*]*[^*\s])?)\*\*")


def convert(text: str) -> str | None:
    """The HTML Python-Markdown (with markup.py's extensions) makes of `text`, or None."""
    if _REFUSED.search(text) or ("[" in text and _REFUSED_BRACKETS.search(text)):
        return None
    return _blocks(text.split("\n"), set())


def _blocks(lines: list[str], ids: set[str]) -> str | None:
    """The blocks of `lines`, separated by blank lines; a heading line is a block of its own."""
    out: list[str] = []
    block: list[str] = []
    previous = ""   # the kind of the block before, to refuse lists and quotes that would merge

    def flush() -> bool:
        nonlocal previous
        if not block:
            return True
        kind, html_text = _block(block, ids)
        block.clear()
        if html_text is None or (kind == previous and kind in ("list", "quote")):
            return False
        out.append(html_text)
        previous = kind
        return True

    for line in lines:
        if not line:
            if not flush():
                return None
            continue
        if line != line.strip():
            return None   # indents make code or nested lists, two trailing spaces a line break
        heading = _HEADING.fullmatch(line)
        if heading is None or heading[2][0].isspace():
            block.append(line)
            continue
        if not flush():
            return None
        level, title = len(heading[1]), heading[2].rstrip()
        out.append(f'<h{level} id="{heading_id(title, ids)}">{title.replace(">", "&gt;")}</h{level}>')
        previous = "heading"
    if not flush():
        return None
    return "\n".join(out)


def _block(lines: list[str], ids: set[str]) -> tuple[str, str | None]:
    """(kind, HTML) of one block of non-blank lines; HTML None when this module cannot say."""
    first = lines[0]
    if first.startswith(">"):
        if not all(line.startswith(">") for line in lines):
            return "quote", None
        inner = [line[2:] if line.startswith("> ") else line[1:] for line in lines]
        if not inner[-1]:
            return "quote", None   # Python-Markdown keeps a newline at the end of its last paragraph
        html_text = _blocks(inner, ids)
        return "quote", None if html_text is None else f"<blockquote>\n{html_text}\n</blockquote>"
    for tag, marker in (("ul", _BULLET), ("ol", _NUMBER)):
        if marker.match(first):
            if tag == "ol" and not first.startswith("1. "):
                return "list", None   # a list that starts at another number gets a start attribute
            items = []
            for line in lines:
                item = marker.match(line)
                if item is None:
                    return "list", None
                text = _inline([line[item.end():]])   # (None for text that starts with a space of any kind)
                if text is None:
                    return "list", None
                items.append(f"<li>{text}</li>")
            return "list", f"<{tag}>\n" + "\n".join(items) + f"\n</{tag}>"
    text = _inline(lines)
    return "paragraph", None if text is None else f"<p>{text}</p>"


def _inline(lines: list[str]) -> str | None:
    """Text, links and **bold** of a paragraph or list item, escaped as Python-Markdown escapes it."""
    if lines[0][:1].isspace() or any(_BLOCK_START.match(line) for line in lines):
        return None
    text = "\n".join(lines).replace(">", "&gt;")
    if "[" in text or "]" in text:
        text = _LINK.sub(r'<a href="\2">\1</a>', text)
        if "[" in text or "]" in text:
            return None
    if "*" in text:
        text = _STRONG.sub(r"<strong>\1</strong>", text)
        if "*" in text:
            return None
    return text


def heading_id(title: str, ids: set[str]) -> str:
    """A heading's id from its text, Chinese kept (`## 一、基本情况` → `一基本情况`), made unique in
    the document with _1, _2 … like Python-Markdown's toc extension, in linear time."""
    base = slugify_unicode(title, "-") or "section"
    ident, n = base, 0
    while ident in ids:
        n += 1
        ident = f"{base}_{n}"
    ids.add(ident)
    return ident
