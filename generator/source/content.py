"""Parse and validate one content file (case, report or page) into a model value.

Pure: `parse_document` takes the file's bytes and hands the front matter to its
kind's reader (readers.py); the body's limits, control characters and links are
checked here, so every kind gets them.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Any

from generator.core.errors import Problem, Problems
from generator.core.frontmatter import FrontMatterError, decode, split
from generator.core.schema import Reader
from generator.core.yamlsrc import YamlError, YList, YMap, load_yaml
from generator.source.limits import body_limits
from generator.source.mediarefs import read_media
from generator.source.model import Case, Document, MediaRef
from generator.source.privacy import ALLOW_KEY, REASON_KEY, read_allowances, scan as scan_personal_data
from generator.source.privacy import problems as privacy_problems
from generator.source.readers import Context, Links, read_case, read_page, read_report

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_FULL_WIDTH_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*：(.*)$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # \t and \n are text (\r is folded on reading)
LINK_RE = re.compile(r"(?:\]\(\s*<?|\]:\s*|href=[\"'])(case|report|page):([^\s)>\"'#]*)")
# Root-absolute links and images (/cases/x/, /files/a.pdf): checked against the build's files.
PATH_RE = re.compile(r"(?:\]\(\s*<?|\]:\s*|(?:href|src)=[\"'])(/(?!/)[^\s)>\"'#?]*)")


def parse_document(kind: str, rel: str, data: bytes, ctx: Context) -> tuple[Document | None, list[Problem]]:
    problems = Problems(ctx.config.language)
    parsed = _parse(kind, rel, data, ctx, problems)
    if parsed is None or problems.errors:
        return None, problems.items
    doc, personal = parsed
    # The body is the tail of the file: what comes before it is what cards and lists show.
    front = data[: len(data) - len(doc.body.encode())] if doc.body else data
    extra: dict[str, Any] = {"loop": _hash(repr(_loop_fields(doc)).encode())} if isinstance(doc, Case) else {}
    return replace(doc, digest=_hash(rel.encode() + b"\0" + data),  # one replace: each costs 10 µs
                   card=_hash(rel.encode() + b"\0" + front), **personal, **extra), problems.items


def _loop_fields(case: Case) -> tuple[object, ...]:
    """What lifecycle figures (share resolved, median days, overdue) read from a case."""
    return (case.status, case.when.iso(), case.follow_up.iso() if case.follow_up else None,
            tuple((e.when.iso(), e.stage) for e in case.timeline))


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def media_of_failed(rel: str, data: bytes, ctx: Context) -> tuple[MediaRef, ...]:
    """The files a document that failed validation names, so that a missing photo is reported
    in the same run as the front matter's problems (those are reported by parse_document)."""
    try:
        parts = split(decode(data))
        data_map = load_yaml(parts.yaml_text, parts.yaml_offset)
    except (UnicodeDecodeError, FrontMatterError, YamlError):
        return ()
    if not isinstance(data_map, YMap):
        return ()
    data_map.line = parts.fence_line
    return read_media(Reader(data_map, rel, Problems(ctx.config.language)), rel, parts.body, parts.body_start_line)


def _parse(kind: str, rel: str, data: bytes, ctx: Context, problems: Problems) -> tuple[Document, dict[str, Any]] | None:
    """The document, and its personal-data fields (set with the digests in parse_document)."""
    if _utf16(data):
        problems.add(rel, 1, "文件是 UTF-16 编码（记事本等的「Unicode」）；请另存为 UTF-8",
                     "the file is UTF-16 (\"Unicode\" in Notepad and the like); save it as UTF-8")
        return None
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        problems.add(rel, line, "文件中有空字符（NUL），可能不是文本文件；请删除该字符或用文本编辑器另存",
                     "the file contains a NUL byte and may not be text; remove it or re-save the file as text")
        return None
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        problems.add(rel, exc.line,  # type: ignore[attr-defined]
                     "文件不是 UTF-8 编码（这一行起无法读取，可能是 GBK）；请在编辑器中以 UTF-8 编码另存",
                     "the file is not UTF-8 (unreadable from this line on, perhaps GBK); save it as UTF-8")
        return None
    try:
        parts = split(text)
    except FrontMatterError as exc:
        problems.add(rel, exc.line, exc.zh, exc.en)
        return None
    if _full_width_colons(parts.yaml_text, parts.yaml_offset, rel, problems):
        return None   # YAML's own message about these lines would only puzzle
    try:
        data_map = load_yaml(parts.yaml_text, parts.yaml_offset)
    except YamlError as exc:
        problems.add(rel, exc.line, exc.zh, exc.en)
        return None
    if not isinstance(data_map, YMap):
        problems.add(rel, parts.fence_line, "front matter 应为「键: 值」形式，例如 title: 标题",
                     "front matter should be `key: value` lines, e.g. title: My title")
        return None
    data_map.line = parts.fence_line
    r = Reader(data_map, rel, problems)
    allowed = read_allowances(r)  # any kind of file; the keys are then out of the way of unknown_keys
    for key in (ALLOW_KEY, REASON_KEY):
        data_map.pop(key, None)
    _check_body(parts.body, parts.body_start_line, rel, problems)
    if "\\" in parts.yaml_text:  # only a YAML escape such as "\0" can put a control character in text
        _check_controls(data_map, data_map.line, rel, problems)
    links = _scan_links(parts.body, parts.body_start_line)
    media = read_media(r, rel, parts.body, parts.body_start_line)
    parse = {"cases": read_case, "reports": read_report}.get(kind, read_page)
    doc = parse(r, rel, parts.body, parts.body_start_line, ctx, links)
    if doc is None:
        # The front matter failed; its personal data is reported in the same run all the same.
        problems.extend(privacy_problems(rel, scan_personal_data(data, None), allowed, ctx.config.language))
        return None
    return doc, {"personal_allowed": allowed, "personal_found": scan_personal_data(data, doc), "media": media}


def _utf16(data: bytes) -> bool:
    """A UTF-16 file: its byte-order mark, or (without one) a NUL beside every ASCII character."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:200]
    return len(head) >= 8 and (head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4)


def _full_width_colons(yaml_text: str, offset: int, rel: str, problems: Problems) -> bool:
    """`title：桥` (a Chinese input method's colon after a key): named at its own line."""
    found = False
    for number, line in enumerate(yaml_text.split("\n"), offset + 1):
        if m := _FULL_WIDTH_KEY.match(line):
            problems.add(rel, number, f"「{m[1]}」后面是全角冒号（：）；键后面要用半角冒号加空格，写成 {m[1]}: {m[2].strip()}",
                         f"`{m[1]}` is followed by a full-width colon (：); write a plain colon and a space: "
                         f"{m[1]}: {m[2].strip()}")
            found = True
    return found


def _check_controls(node: Any, line: int, rel: str, problems: Problems) -> None:
    """Text with control characters (NUL and the like) must not reach pages, feeds or data."""
    if isinstance(node, str):
        if m := _CONTROL.search(node):
            problems.add(rel, line, f"文字中有不可见的控制字符 U+{ord(m[0]):04X}（多半来自 \\ 转义）；请删除它",
                         f"the text holds the invisible control character U+{ord(m[0]):04X} (from a \\ escape, probably); remove it")
    elif isinstance(node, YMap):
        for key, value in node.items():
            _check_controls(value, node.value_line.get(key, line), rel, problems)
    elif isinstance(node, YList):
        for item, item_line in zip(node, node.item_line):
            _check_controls(item, item_line, rel, problems)


def _check_body(body: str, start: int, rel: str, problems: Problems) -> None:
    """Markdown that would take the renderer minutes and gigabytes is refused here."""
    for offset, zh, en in body_limits(body):
        problems.add(rel, start + offset, "正文" + zh, "the body: " + en)


def _scan_links(body: str, start: int) -> Links:
    """case:/report:/page: links, and root-absolute paths as ("path", PATH, line), with their file lines;
    code (fenced blocks, `spans`) shows syntax, links nothing."""
    found = []
    fence = ""
    for offset, line in enumerate(body.split("\n")):
        if fence:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
            continue
        if m := _FENCE.match(line):
            fence = m[1]
            continue
        if ":" in line or "/" in line:
            text = _CODE_SPAN.sub("", line)
            for m in LINK_RE.finditer(text):
                found.append((m[1], m[2], start + offset))
            for m in PATH_RE.finditer(text):
                found.append(("path", m[1], start + offset))
    return tuple(found)

