"""A spreadsheet row's cells as front matter text: each field's YAML as it follows `key:`,
and a whole new case file. Pure; used by `bulletin import` (csvimport.py)."""
from __future__ import annotations

import json
import re
from typing import Any

from generator.core.errors import Problems
from generator.editing.textfiles import yaml_scalar
from generator.source.readers import Context

# Front matter keys in the order a new file writes them.
FIELD_ORDER = ("title", "date", "township", "villages", "topics", "status", "form", "convener", "participants",
               "beneficiaries", "outcome", "follow_up", "updated", "timeline", "source", "slug")


def township_text(cells: dict[str, str], context: Context) -> str:
    """The township as a case names it: its name, or a path from its county where names repeat."""
    name = cells.get("township", "")
    place, candidates = context.places.resolve_township(name)
    if place is not None or not candidates:
        return name
    for path in ([cells.get("county", ""), name], [cells.get("city", ""), cells.get("county", ""), name],
                 [cells.get("province", ""), cells.get("city", ""), cells.get("county", ""), name]):
        text = "/".join(p for p in path if p)
        if context.places.resolve_township(text)[0] is not None:
            return text
    return name


def split_list(text: str) -> list[str]:
    return [v.strip() for v in text.split("|") if v.strip()]


def _flow_list(values: list[str]) -> str:
    return "[" + ", ".join(yaml_scalar(v, flow=True) for v in values) + "]"


def _flow_value(value: Any) -> str:
    return yaml_scalar(value, flow=True) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def field_text(key: str, cells: dict[str, str], context: Context, problems: Problems, where: tuple[str, int]) -> str | None:
    """The YAML text that follows `key:` for a row's cells (` 长岭镇`, or block lines), None when empty."""
    value = cells.get(key, "")
    if key == "township":
        return " " + yaml_scalar(township_text(cells, context)) if value else None
    if key in ("villages", "topics"):
        items = split_list(value)
        return " " + _flow_list(items) if items else None
    if key == "status":
        value = cells.get("status") or cells.get("status_label", "")
    if key in ("participants", "beneficiaries") and re.fullmatch(r"-?\d+", value):
        return " " + value
    if key == "timeline":
        return _timeline_text(value, problems, where) if value else None
    if key == "source":
        pairs = [(k, cells.get(f"source_{k}", "")) for k in ("name", "url")]
        if not any(v for _, v in pairs):
            return None
        return " {" + ", ".join(f"{k}: {yaml_scalar(v, flow=True)}" for k, v in pairs if v) + "}"
    return " " + yaml_scalar(value) if value else None


def _timeline_text(value: str, problems: Problems, where: tuple[str, int]) -> str | None:
    try:
        entries = json.loads(value)
    except json.JSONDecodeError:
        problems.add(where[0], where[1], "timeline 列应为 JSON 文本，例如 [{\"date\": \"2021-06\", \"stage\": \"raised\", \"text\": \"群众反映\"}]",
                     "the timeline column should be JSON, e.g. [{\"date\": \"2021-06\", \"stage\": \"raised\", \"text\": \"...\"}]")
        return None
    if not isinstance(entries, list):
        entries = [entries]
    lines = []
    for entry in entries:
        if isinstance(entry, dict):
            pairs = [f"{k}: {_flow_value(v)}" for k, v in entry.items() if v is not None]
            lines.append("\n  - {" + ", ".join(pairs) + "}")
        else:
            lines.append("\n  - " + json.dumps(entry, ensure_ascii=False))
    return "".join(lines) or None


def case_text(cells: dict[str, str], context: Context, problems: Problems, where: tuple[str, int]) -> tuple[str, dict[int, str]]:
    """A new case file's text for one row, and which column each front matter line came from."""
    lines: list[tuple[str, str]] = []   # (column, text line)
    for key in FIELD_ORDER:
        text = field_text(key, cells, context, problems, where)
        if text is not None:
            first, *rest = f"{key}:{text}".split("\n")
            lines += [(key, first)] + [(key, line) for line in rest]
    text = "---\n" + "".join(line + "\n" for _, line in lines) + "---\n" + cells.get("body", "").replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text, {i + 2: column for i, (column, _) in enumerate(lines)}
