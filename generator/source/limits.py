"""Markdown bodies that would cost the renderer minutes and gigabytes, refused while reading. Pure."""
from __future__ import annotations

import re

# Python-Markdown recurses once per nesting level and is quadratic in a few constructs
# (heading ids, abbreviations, runs of definitions); past these limits a body is
# refused at validation time instead of costing minutes and gigabytes (see SECURITY.md).
MAX_NESTING = 100        # levels of lists, quotes and 4-space indentation on one line
MAX_HEADINGS = 1000
MAX_ABBREVIATIONS = 200
MAX_DEFINITIONS = 200    # `: definition` lines in one block
MAX_MARKDOWN_IN_HTML = 200
_DEEP_PREFIX = re.compile(r"^(?:[ \t>]|[-*+][ \t]|\d{1,9}[.)][ \t]){%d,}" % MAX_NESTING, re.M)
_PREFIX_TOKEN = re.compile(r">|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])|[ \t]+")
_HEADING = re.compile(r"^(?:#{1,6}(?:[ \t]|$)|(?:=+|-+)[ \t]*$)", re.M)
_ABBREVIATION = re.compile(r"^\*\[[^\]\n]+\]:", re.M)
_DEFINITION = re.compile(r"^ {0,3}:[ \t]", re.M)


def _depth(prefix: str) -> int:
    depth = 0
    for token in _PREFIX_TOKEN.findall(prefix):
        depth += len(token.expandtabs(4)) // 4 if token[0] in " \t" else 1
    return depth


def body_limits(text: str) -> list[tuple[int, str, str]]:
    """Why a Markdown body is too costly to render: (0-based line, zh, en) each; fast when it is fine."""
    found: list[tuple[int, str, str]] = []

    def line_of(offset: int) -> int:
        return text.count("\n", 0, offset)
    for m in _DEEP_PREFIX.finditer(text):
        depth = _depth(m[0])
        if depth > MAX_NESTING:
            found.append((line_of(m.start()), f"嵌套过深（{depth} 层列表、引用或缩进，最多 {MAX_NESTING} 层）；请减少缩进或拆开",
                          f"nested too deeply ({depth} levels of lists, quotes or indentation; at most {MAX_NESTING}); indent less"))
            break
    counted = (("#", _HEADING, MAX_HEADINGS, "标题", "headings"), ("*[", _ABBREVIATION, MAX_ABBREVIATIONS, "缩写定义", "abbreviations"),
               ("markdown=", re.compile("markdown="), MAX_MARKDOWN_IN_HTML, "markdown= 属性", "markdown= attributes"))
    for needle, pattern, limit, zh, en in counted:
        if text.count(needle) > limit or (needle == "#" and text.count("\n") > limit):
            hits = [m.start() for m in pattern.finditer(text)]
            if len(hits) > limit:
                found.append((line_of(hits[limit]), f"中的{zh}过多（{len(hits)} 个，最多 {limit} 个）；请拆成几篇",
                              f"too many {en} in the body ({len(hits)}; at most {limit}); split it up"))
    if text.count("\n:") > MAX_DEFINITIONS:
        offset = 0
        for block in text.split("\n\n"):
            if len(_DEFINITION.findall(block)) > MAX_DEFINITIONS:
                found.append((line_of(offset), f"一段中定义列表的「: 」行过多（最多 {MAX_DEFINITIONS} 行）；请用空行分开",
                              f"too many `: ` definition lines in one block (at most {MAX_DEFINITIONS}); separate them with blank lines"))
                break
            offset += len(block) + 2
    return found
