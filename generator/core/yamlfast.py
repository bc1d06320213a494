"""A fast path for the plain front matter editors usually write, read without libyaml.

yamlsrc.load_yaml tries this first. It reads a small, common subset of YAML line by
line and returns exactly what the libyaml path returns: the same values and types and
the same line numbers in every YMap and YList. For anything outside the subset, or
anything that might be an error, it returns None and yamlsrc reads the text with
libyaml, which words the error and finds its line. It never reports an error itself.

The subset:
- block mappings whose keys are plain ASCII names (`title:`), each value on the key's
  line or a block on the lines below (an empty value is None);
- block sequences: `- x`, `- key: value` mappings, `- - x`, and `key:` followed by
  `- x` at the key's own indentation;
- flow sequences and mappings of scalars on one line: `[a, b]`, `{name: a, url: b}`;
- plain scalars on one line, single-quoted scalars on one line (`''` is `'`),
  double-quoted scalars on one line without backslashes;
- blank lines, comment lines and ` # comments` after a value (a `#` with no space
  before it is part of a plain scalar, as in YAML: `url: https://x.org/#top`).
"""
from __future__ import annotations

import re
from typing import Any, Callable

# One line: its indentation, the `- ` dashes that open sequence items, a key (a plain
# ASCII name, short of libyaml's 1,024-character limit for keys) with its colon, the
# rest. No part holds a tab, CR, control character or surrogate, nor NEL, LS or PS (line
# breaks to libyaml) or a BOM (skipped by it): a line with one, which could change a
# value or a line number, does not match. Possessive (`*+`): a line matches the first
# way or not at all, so one that does not fails fast (a long run of spaces took seconds).
_NAME = r"([A-Za-z_][A-Za-z0-9_-]{0,99})"
_TEXT = "[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
_LINE = re.compile(r"^( *+)((?:- +)*+)(?:" + _NAME + r":(?: ++|$))?(" + _TEXT + "*+)$", re.M)
# `name: value` between commas: a part that is not is missing from the matches.
_FLOW_PAIR = re.compile(r"(?:^|(?<=,)) *" + _NAME + r": +([^,]*)")
_FLOW_KEY = re.compile(" *" + _NAME + ": +")
# A flow plain scalar runs to the next , ] or }; it stops at [ { and # too, so that
# nested collections and comments inside brackets are refused where it ends.
_FLOW_PLAIN = re.compile(r"[^,\[\]{}#]*")
# Brackets whose inside has none of these are split at commas (most are).
_FLOW_SIMPLE = re.compile(r"[^'\"\[\]{}#]*")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE = re.compile(r'"([^"\\]*)"')     # a backslash starts an escape: left to libyaml
# What may not start a plain scalar here (YAML indicators), but `-` before a digit or a dot.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_NUMBER_AFTER_MINUS = frozenset("0123456789.")
_COLLECTION_OR_QUOTE = frozenset("[{'\"")
# Well below yamlsrc.MAX_DEPTH, so that the libyaml path reports the deep ones.
MAX_DEPTH = 50

# (file line, column, key, rest): the key is "" when the line has none, DASH for a `- `.
Entry = tuple[int, int, str, str]
DASH = "-"


class _Unsupported(Exception):
    """Outside the subset: yamlsrc reads the text with libyaml."""


def fast_load(text: str, line_offset: int, plain: Callable[[str], Any],
              ymap: type[Any], ylist: type[Any]) -> Any | None:
    """The value of `text` (YMap, YList or scalars, lines shifted by `line_offset`), or
    None if it is outside the subset. `plain` gives a plain scalar's value, raising
    ValueError where libyaml's path reports an error; `ymap` and `ylist` are the classes
    to build (yamlsrc passes its own, so that this module needs nothing from it)."""
    try:
        entries = _entries(text, line_offset)
        if not entries:
            return None      # comments only: libyaml says None
        value, at = _Reader(entries, plain, ymap, ylist).block(0, entries[0][1], 1)
        # A block takes the lines at its own column only, so a line left over is at a
        # column no block owns: one that continues a scalar (`a: b` then `  c`), or an error.
        return value if at == len(entries) else None
    except (_Unsupported, ValueError):
        return None


def _entries(text: str, line_offset: int) -> list[Entry]:
    """The lines that hold something, each `- ` split off as an entry of its own at its
    own column (`- - a: b` gives two dashes and `a: b`), so that a mapping or a sequence
    that starts after a dash sits at its column like any other."""
    lines = _LINE.findall(text)
    if len(lines) != text.count("\n") + 1:
        raise _Unsupported   # a line with a character that is no part of any (see _LINE)
    entries: list[Entry] = []
    for number, (indent, dashes, key, rest) in enumerate(lines, line_offset + 1):
        if not dashes and not key and (not rest or rest[0] == "#"):
            continue     # a blank or comment line
        column = len(indent)
        if dashes:
            if not key and (not rest or rest[0] == "#"):
                raise _Unsupported   # an item whose value is on the next lines, or empty
            for dash in dashes.split("-")[1:]:
                entries.append((number, column, DASH, ""))
                column += 1 + len(dash)
        entries.append((number, column, key, rest.rstrip(" ")))
    return entries


def _plain_ok(text: str) -> bool:
    """Whether `text` reads as one plain scalar in both block and flow context: it starts
    with no indicator, holds no `: ` nor `:?` and does not end in `:` (a key, a colon
    error, or in brackets a `:` that libyaml takes for a separator)."""
    if not text or (text[0] in _INDICATORS and (text[0] != "-" or text[1:2] not in _NUMBER_AFTER_MINUS)):
        return False
    return ":" not in text or (": " not in text and ":?" not in text and text[-1] != ":")


def _quoted(text: str, pos: int) -> tuple[str, int]:
    """A one-line quoted scalar at `pos`: its value and where it ends."""
    if text[pos] == "'":
        match = _SINGLE.match(text, pos)
        if match is None:
            raise _Unsupported   # it goes on on the next line, or is never closed
        return match.group(1).replace("''", "'"), match.end()
    match = _DOUBLE.match(text, pos)
    if match is None:
        raise _Unsupported       # the same, or it holds a backslash
    return match.group(1), match.end()


class _Reader:
    """A recursive descent over the entries. Each block reader starts at entry `at` and
    returns its value and the first entry it did not take."""

    def __init__(self, entries: list[Entry], plain: Callable[[str], Any], ymap: type[Any], ylist: type[Any]) -> None:
        self.entries, self.plain, self.ymap, self.ylist = entries, plain, ymap, ylist

    def block(self, at: int, column: int, depth: int) -> tuple[Any, int]:
        """The mapping or sequence that starts at entry `at`, at `column`."""
        if depth > MAX_DEPTH:
            raise _Unsupported
        if self.entries[at][2] is DASH:
            return self.sequence(at, column, depth)
        return self.mapping(at, column, depth)

    def new_map(self, line: int) -> Any:
        result = self.ymap()
        result.key_line, result.value_line, result.line = {}, {}, line
        return result

    def new_list(self, line: int) -> Any:
        result = self.ylist()
        result.item_line, result.line = [], line
        return result

    def mapping(self, at: int, column: int, depth: int) -> tuple[Any, int]:
        entries, plain, count = self.entries, self.plain, len(self.entries)
        result = self.new_map(entries[at][0])
        key_line, value_line = result.key_line, result.value_line
        while at < count:
            line, at_column, key, rest = entries[at]
            if at_column != column or not key or key is DASH:
                break    # the mapping ends (a line no block takes is left over, see fast_load)
            if key in result or type(plain(key)) is not str:
                raise _Unsupported   # a duplicate, or a key that is no text (`null:`, `true:`)
            at += 1
            if rest and rest[0] != "#":
                result[key] = self.inline(rest, line)
                value_line[key] = line
            elif at < count and (entries[at][1] > column or (entries[at][1] == column and entries[at][2] is DASH)):
                # A block below, from its first line; `- ` at the key's column is a sequence too.
                value_line[key] = entries[at][0]
                result[key], at = self.block(at, entries[at][1], depth + 1)
            else:
                result[key], value_line[key] = None, line   # libyaml gives an empty value the key's line
            key_line[key] = line
        return result, at

    def sequence(self, at: int, column: int, depth: int) -> tuple[Any, int]:
        entries, count = self.entries, len(self.entries)
        items = self.new_list(entries[at][0])
        item_line = items.item_line
        while at < count:
            line, at_column, key, _ = entries[at]
            if at_column != column or key is not DASH:
                break
            _, item_column, item_key, item_text = entries[at + 1]   # _entries puts something after every dash
            if item_key:     # a mapping or a sequence that starts on the dash's line
                item, at = self.block(at + 1, item_column, depth + 1)
            else:
                item, at = self.inline(item_text, line), at + 2
            items.append(item)
            item_line.append(line)
        return items, at

    def inline(self, text: str, line: int) -> Any:
        """The value that fills the rest of a line: a flow collection, a quoted or a plain
        scalar, then at most a comment."""
        first = text[0]
        if first not in _COLLECTION_OR_QUOTE:
            cut = text.find(" #")
            if cut >= 0:
                text = text[:cut].rstrip(" ")
            if not _plain_ok(text):
                raise _Unsupported
            return self.plain(text)
        if first == "[" or first == "{":
            value, end = self.flow(text, line)
        else:
            value, end = _quoted(text, 0)
        if end < len(text) and (text[end] != " " or text[end:].lstrip(" ")[0] != "#"):
            raise _Unsupported   # more after the value than a comment
        return value

    def flow(self, text: str, line: int) -> tuple[Any, int]:
        """A one-line flow sequence or mapping of scalars at the start of `text`: its value
        and where it ends. Every part of it is on `line`."""
        is_map = text[0] == "{"
        end = text.find("}" if is_map else "]")
        if end < 0 or _FLOW_SIMPLE.fullmatch(text, 1, end) is None:
            return self.flow_scanned(text, line, is_map)
        # No quotes, brackets or comments inside (most brackets): the items lie between commas.
        plain, inside = self.plain, text[1:end]
        if not is_map:
            result = self.new_list(line)
            if inside.strip(" "):
                for item in inside.split(","):
                    item = item.strip(" ")
                    if not _plain_ok(item):
                        raise _Unsupported   # empty (`[a, , b]`, `[a, b,]`), or not plain
                    result.append(plain(item))
            result.item_line = [line] * len(result)
            return result, end + 1
        result = self.new_map(line)
        if inside.strip(" "):
            pairs = _FLOW_PAIR.findall(inside)
            if len(pairs) != inside.count(",") + 1:
                raise _Unsupported   # a part that is not `name: value`
            for name, value in pairs:
                value = value.rstrip(" ")
                if not _plain_ok(value) or name in result or type(plain(name)) is not str:
                    raise _Unsupported   # not plain, a duplicate, `null:`
                result[name] = plain(value)
        result.key_line = dict.fromkeys(result, line)
        result.value_line = result.key_line.copy()
        return result, end + 1

    def flow_scanned(self, text: str, line: int, is_map: bool) -> tuple[Any, int]:
        """flow() for brackets that hold quotes (or odd things), read scalar by scalar."""
        close = "}" if is_map else "]"
        result = self.new_map(line) if is_map else self.new_list(line)
        pos = 1
        while text[pos:pos + 1] == " ":
            pos += 1
        if text[pos:pos + 1] == close:
            return result, pos + 1
        while True:
            if is_map:
                match = _FLOW_KEY.match(text, pos)
                if match is None:
                    raise _Unsupported   # not `name: `, or an empty entry
                key = match.group(1)
                if key in result or type(self.plain(key)) is not str:
                    raise _Unsupported   # a duplicate, `null:`
                value, pos = self.flow_scalar(text, match.end())
                result[key] = value
                result.key_line[key] = result.value_line[key] = line
            else:
                value, pos = self.flow_scalar(text, pos)
                result.append(value)
                result.item_line.append(line)
            if text[pos:pos + 1] == close:
                return result, pos + 1
            if text[pos:pos + 1] != ",":
                raise _Unsupported   # never closed on this line, a nested collection, `:` ...
            pos += 1

    def flow_scalar(self, text: str, pos: int) -> tuple[Any, int]:
        """A scalar inside brackets at `pos` (spaces around it skipped): value, end."""
        while text[pos:pos + 1] == " ":
            pos += 1
        if text[pos:pos + 1] in ("'", '"'):
            value, pos = _quoted(text, pos)
        else:
            match = _FLOW_PLAIN.match(text, pos)
            raw = match.group().rstrip(" ") if match is not None else ""
            if not _plain_ok(raw):
                raise _Unsupported   # empty (`[a, , b]`, `[a, b,]`), or not plain
            value, pos = self.plain(raw), pos + len(raw)
        while text[pos:pos + 1] == " ":
            pos += 1
        return value, pos
