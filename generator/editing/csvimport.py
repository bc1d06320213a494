"""`bulletin import` and `bulletin export`: cases to and from the spreadsheet of data/cases.csv.

Import makes one case file per row, from the columns of data/cases.csv
(render/export.py CSV_COLUMNS, plus an optional `body` column). Every row is
checked by the same validator the build uses; a problem is reported as
`cases.csv:ROW: message`, ROW being the file line where the row starts, and
if any row fails no file is written. Export writes the site's cases.csv.
Reads the CSV and the site; writes only the new case files (atomically).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.editing.advance import load_context
from generator.editing.textfiles import write_atomic, yaml_scalar
from generator.source.config import BuildOptions
from generator.source.content import parse_document
from generator.source.discovery import discover
from generator.source.readers import Context
from generator.core.errors import Problem, Problems, SiteError, join_choices, suggestion
from generator.source.model import Case
from generator.render.export import CSV_COLUMNS, cases_csv
from generator.core.slugs import slugify

EXTRA_COLUMNS = ("body",)
REQUIRED_COLUMNS = ("title", "date", "township", "topics", "status")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Row:
    line: int                      # file line where the row starts
    cells: dict[str, str]


def unescape_cell(value: str) -> str:
    """Undo the export's formula guard: a quote in front of = + - @ goes."""
    return value[1:] if value[:1] == "'" and value[1:2] in _FORMULA_START and value[1:2] != "" else value


def read_rows(data: bytes, name: str, problems: Problems) -> list[Row]:
    """The CSV's data rows keyed by column; header problems are reported at line 1."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.add(name, line, "文件不是 UTF-8 编码（可能是 GBK）；请在电子表格软件中另存为「CSV UTF-8」",
                     "the file is not UTF-8 (perhaps GBK); save it from the spreadsheet as \"CSV UTF-8\"")
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        problems.add(name, 1, "文件是空的；第一行应为列名，如 title,date,township,topics,status",
                     "the file is empty; the first line should name the columns, e.g. title,date,township,topics,status")
        return []
    except csv.Error as exc:
        problems.add(name, 1, f"CSV 格式错误：{exc}", f"CSV format error: {exc}")
        return []
    known = CSV_COLUMNS + EXTRA_COLUMNS
    for column in header:
        if column and column not in known:
            problems.add(name, 1, f"未知的列「{column}」{suggestion(problems, column, known) or '；可用的列：' + join_choices(problems, known)}",
                         f"unknown column `{column}`{suggestion(problems, column, known) or '; known columns: ' + ', '.join(known)}")
    for column in REQUIRED_COLUMNS:
        if column not in header:
            problems.add(name, 1, f"缺少必需的列「{column}」", f"the required column `{column}` is missing")
    seen = set()
    for column in header:
        if column and column in seen:
            problems.add(name, 1, f"列「{column}」出现了两次", f"column `{column}` appears twice")
        seen.add(column)
    rows: list[Row] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            cells = {h: unescape_cell(v.strip()) for h, v in zip(header, record) if h}
            if any(cells.values()):
                rows.append(Row(start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.add(name, start, f"CSV 格式错误：{exc}", f"CSV format error: {exc}")
    return rows


def _township(cells: dict[str, str], context: Context) -> str:
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


def _list(text: str) -> list[str]:
    return [v.strip() for v in text.split("|") if v.strip()]


def _flow_list(values: list[str]) -> str:
    return "[" + ", ".join(yaml_scalar(v, flow=True) for v in values) + "]"


def _flow_value(value: Any) -> str:
    return yaml_scalar(value, flow=True) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def case_text(row: Row, context: Context, slug: str, problems: Problems, name: str) -> tuple[str, dict[int, str]]:
    """A case file's text for one row, and which column each front matter line came from."""
    cells = row.cells
    lines: list[tuple[str, str]] = []   # (column, text line)

    def put(column: str, key: str, value: str | None) -> None:
        if value:
            lines.append((column, f"{key}: {value}"))
    put("title", "title", yaml_scalar(cells.get("title", "")) if cells.get("title") else None)
    put("date", "date", yaml_scalar(cells.get("date", "")) if cells.get("date") else None)
    put("township", "township", yaml_scalar(_township(cells, context)) if cells.get("township") else None)
    put("villages", "villages", _flow_list(_list(cells.get("villages", ""))) if _list(cells.get("villages", "")) else None)
    put("topics", "topics", _flow_list(_list(cells.get("topics", ""))) if _list(cells.get("topics", "")) else None)
    status = cells.get("status") or cells.get("status_label", "")
    put("status", "status", yaml_scalar(status) if status else None)
    for column in ("form", "convener"):
        put(column, column, yaml_scalar(cells[column]) if cells.get(column) else None)
    for column in ("participants", "beneficiaries"):
        value = cells.get(column, "")
        put(column, column, value if re.fullmatch(r"-?\d+", value) else yaml_scalar(value) if value else None)
    put("outcome", "outcome", yaml_scalar(cells["outcome"]) if cells.get("outcome") else None)
    put("follow_up", "follow_up", yaml_scalar(cells["follow_up"]) if cells.get("follow_up") else None)
    put("updated", "updated", yaml_scalar(cells["updated"]) if cells.get("updated") else None)
    if cells.get("timeline"):
        try:
            entries = json.loads(cells["timeline"])
        except json.JSONDecodeError:
            problems.add(name, row.line, "timeline 列应为 JSON 文本，例如 [{\"date\": \"2021-06\", \"stage\": \"raised\", \"text\": \"群众反映\"}]",
                         "the timeline column should be JSON, e.g. [{\"date\": \"2021-06\", \"stage\": \"raised\", \"text\": \"...\"}]")
            entries = []
        if not isinstance(entries, list):
            entries = [entries]
        if entries:
            lines.append(("timeline", "timeline:"))
        for entry in entries:
            if isinstance(entry, dict):
                pairs = [f"{k}: {_flow_value(v)}" for k, v in entry.items() if v is not None]
                lines.append(("timeline", "  - {" + ", ".join(pairs) + "}"))
            else:
                lines.append(("timeline", "  - " + json.dumps(entry, ensure_ascii=False)))
    source = [(k, cells.get(f"source_{k}", "")) for k in ("name", "url")]
    if any(v for _, v in source):
        lines.append(("source_url", "source: {" + ", ".join(f"{k}: {yaml_scalar(v, flow=True)}" for k, v in source if v) + "}"))
    put("slug", "slug", yaml_scalar(slug) if slug else None)
    text = "---\n" + "".join(line + "\n" for _, line in lines) + "---\n" + cells.get("body", "").replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text, {i + 2: column for i, (column, _) in enumerate(lines)}


def _existing_slugs(site_dir: Path, context: Context) -> dict[str, str]:
    """Slug → file of every case already in the site (those that parse)."""
    slugs: dict[str, str] = {}
    for kind, rel in discover(site_dir):
        if kind == "cases":
            doc, _ = parse_document(kind, rel, (site_dir / rel).read_bytes(), context)
            if isinstance(doc, Case):
                slugs[doc.slug] = rel
    return slugs


def import_csv(csv_path: Path, site_dir: Path, name: str | None = None) -> list[str]:
    """Create a case file per row; all or nothing. Returns the new files (site-relative)."""
    shown = name or csv_path.name
    context = load_context(site_dir)
    problems = Problems(context.config.language)
    if not csv_path.is_file():
        raise SiteError([Problem(shown, 0, "文件不存在 / file not found")])
    rows = read_rows(csv_path.read_bytes(), shown, problems)
    problems.raise_if_errors()
    existing = _existing_slugs(site_dir, context)
    planned: dict[str, tuple[str, int]] = {}   # rel → (text, row line)
    taken: dict[str, int] = {}
    for row in rows:
        slug = row.cells.get("slug") or slugify(row.cells.get("title", ""))
        rel = f"content/cases/{slug or 'case'}.md"
        text, columns = case_text(row, context, slug, problems, shown)
        _, found = parse_document("cases", rel, text.encode("utf-8"), context)
        for problem in found:
            column = columns.get(problem.line)
            prefix = ("" if column is None else f"{column} 列：" if problems.zh() else f"column {column}: ")
            problems.items.append(Problem(shown, row.line, prefix + problem.message, problem.warning))
        if not slug:
            continue
        if slug in taken:
            problems.add(shown, row.line, f"slug「{slug}」与第 {taken[slug]} 行重复", f"slug `{slug}` repeats line {taken[slug]}")
        elif slug in existing:
            problems.add(shown, row.line, f"网站中已有 slug 为「{slug}」的案例：{existing[slug]}",
                         f"the site already has a case with slug `{slug}`: {existing[slug]}")
        elif (site_dir / rel).exists():
            problems.add(shown, row.line, f"文件 {rel} 已存在", f"{rel} already exists")
        taken.setdefault(slug, row.line)
        planned[rel] = (text, row.line)
    problems.raise_if_errors()
    for rel, (text, _) in planned.items():
        target = site_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text.encode("utf-8"), durable=False)
    if planned:
        os.sync()   # one flush for every new file, instead of an fsync each (4 s per 1,000 files)
    return list(planned)


def export_csv(site_dir: Path, opts: BuildOptions) -> str:
    """The site's data/cases.csv, as a build would write it."""
    from generator.build.load import load_site
    from generator.site.taxonomy import build_index
    site, _, _ = load_site(site_dir, opts)
    return cases_csv(site, build_index(site))
