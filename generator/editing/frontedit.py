"""Editing a content file's front matter as text: find the spans of its fields and replace
only those, so comments, key order, quoting, line endings and the body stay byte for byte.
Used by `advance` (status and timeline) and `import --update` (the fields whose cells changed).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


class EditError(Exception):
    """The text could not be edited: (1-based file line, zh, en)."""

    def __init__(self, line: int, zh: str, en: str) -> None:
        super().__init__(en)
        self.line, self.zh, self.en = line, zh, en


@dataclass(frozen=True, slots=True)
class Front:
    start: int        # index of the first character of the YAML text
    end: int          # index of the closing fence line
    fence_line: int   # 1-based file line of the opening fence


def front_span(text: str) -> Front:
    """Where the front matter's YAML lies in `text`; raises EditError without one."""
    offset, line_no, opening = 0, 0, None
    for line in text.split("\n"):
        line_no += 1
        if opening is None:
            if line.strip() == "":
                offset += len(line) + 1
                continue
            if line.rstrip() != "---":
                raise EditError(line_no, "文件开头缺少 front matter（第一行应为 ---）",
                                "missing front matter (the first line should be ---)")
            opening = (offset + len(line) + 1, line_no)
        elif line.rstrip() in ("---", "..."):
            return Front(opening[0], offset, opening[1])
        offset += len(line) + 1
    raise EditError(opening[1] if opening else 1, "front matter 没有结束：缺少第二个 ---",
                    "front matter is not closed: add a --- line after the fields")


def compose(text: str, front: Front) -> Any:
    """The front matter's YAML node tree (a mapping); raises EditError."""
    try:
        root = yaml.compose(text[front.start:front.end], Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise EditError(front.fence_line + (mark.line + 1 if mark else 1), f"YAML 无法解析：{exc}",
                        f"YAML cannot be parsed: {exc}") from None
    if not isinstance(root, yaml.MappingNode):
        raise EditError(front.fence_line, "front matter 应为「键: 值」形式", "front matter should be `key: value` lines")
    return root


def top_level(root: Any) -> dict[str, tuple[Any, Any]]:
    """Key text → (key node, value node) of the front matter's own fields."""
    return {k.value: (k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)}


def line_end(text: str, pos: int) -> int:
    """Index just after the line break that ends the line holding `pos`."""
    found = text.find("\n", pos)
    return len(text) if found < 0 else found + 1


def node_end(node: Any) -> int:
    """Where a node's own text ends: block collections end with their last child."""
    if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
        return node_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        return node_end(node.value[-1])
    return int(node.end_mark.index)


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def set_fields(text: str, fields: list[tuple[str, str | None]], order: tuple[str, ...] = ()) -> str:
    """`text` with each top-level field set to a value, or removed when the value is None.

    A value is YAML text as it follows `key:`: ` 长岭镇`, ` [a, b]`, or lines of a block
    (`\\n  - {...}`). A field that is there keeps its place, the comments before it and one
    after its value on the same line. A new field goes after the nearest field before it in
    `order` that the file has, else last. Raises EditError.
    """
    front = front_span(text)
    nodes = top_level(compose(text, front))
    nl = newline_of(text)
    edits: list[tuple[int, int, str]] = []
    added: dict[int, str] = {}   # insertion point → new lines, in the order given
    for key, value in fields:
        value_text = None if value is None else value.replace("\n", nl)
        if key in nodes:
            key_node, value_node = nodes[key]
            start = front.start + key_node.start_mark.index
            end = front.start + max(node_end(value_node), key_node.end_mark.index + 1)
            if value_text is None:   # the whole line(s), with their line break
                line_start = text.rfind("\n", 0, start) + 1
                edits.append((line_start, line_end(text, end - 1), ""))
            else:
                edits.append((start, _block_end(text, end), f"{key}:{value_text}"))
        elif value_text is not None:
            at = _insertion_point(text, front, nodes, key, order)
            added[at] = added.get(at, "") + f"{key}:{value_text}{nl}"
    for at, lines in added.items():
        lead = "" if text[at - 1:at] == "\n" else nl
        edits.append((at, at, lead + lines))
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _insertion_point(text: str, front: Front, nodes: dict[str, tuple[Any, Any]], key: str,
                     order: tuple[str, ...]) -> int:
    """Where a new field goes: on the line after the nearest earlier field (in `order`) of the file."""
    earlier = order[:order.index(key)] if key in order else ()
    for name in reversed(earlier):
        if name in nodes:
            _, value_node = nodes[name]
            end = front.start + node_end(value_node)
            return end if text[end - 1:end] == "\n" else line_end(text, end)
    return front.end


def _block_end(text: str, end: int) -> int:
    """A block value ends after its last line break; keep that break out of the replaced span."""
    while end > 0 and text[end - 1] in "\r\n":
        end -= 1
    return end
