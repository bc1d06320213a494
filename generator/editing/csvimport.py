"""`bulletin import` and `bulletin export`: cases to and from the spreadsheet of data/cases.csv.

Import makes one case file per row, from the columns of data/cases.csv
(render/export.py CSV_COLUMNS, plus an optional `body` column). With `update`, a
row whose slug is a case already in the site changes that file instead: only
the fields whose cells differ from what export writes for it, edited in place
(frontedit.py), so comments, key order and the body stay; rowfields.py
writes the cells as front matter. Before anything is
written the whole site is validated as a build would, with the new and edited
files in it (privacy check, links, collisions); a problem in a row's file is
reported as `cases.csv:ROW: …`, ROW being the file line where the row starts,
and if anything fails no file is written. Export writes the site's cases.csv.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from generator.editing.advance import load_context
from generator.editing.frontedit import EditError, set_fields
from generator.editing.rowfields import FIELD_ORDER, case_text, field_text, split_list, township_text
from generator.editing.sheet import DATE_COLUMNS, Row, read_sheet, spreadsheet_date
from generator.editing.textfiles import write_atomic
from generator.source.config import BuildOptions
from generator.source.readers import Context, stage_aliases
from generator.core.errors import Problem, Problems, SiteError
from generator.render.export import CSV_COLUMNS, cases_csv
from generator.core.slugs import slugify

# A column names its front matter key, but for these.
KEY_OF_COLUMN = {"status_label": "status", "source_name": "source", "source_url": "source"}
# Columns the build derives (from the township, the slug, the photo files): shown, never written.
DERIVED_COLUMNS = ("province", "city", "county", "url", "photos", "cover")
LIST_COLUMNS = ("villages", "topics", "photos")


@dataclass(frozen=True, slots=True)
class FieldChange:
    column: str
    before: str
    after: str


@dataclass(slots=True)
class ImportPlan:
    """What an import does; `writes` holds the new bytes of every file it creates or changes."""
    encoding: str = "utf-8"
    created: list[tuple[int, str, str]] = field(default_factory=list)               # (row, file, title)
    updated: list[tuple[int, str, list[FieldChange]]] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    writes: dict[str, bytes] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Current:
    """A case already in the site, as export sees it."""
    path: str
    cells: dict[str, str]       # column → cell text export writes
    township: tuple[str, ...]   # the township's path of names (its slug may be one an earlier build kept)
    body: str


def _normalized(row: Row) -> tuple[dict[str, str], set[str]]:
    """The row's cells with spreadsheet dates written as ISO dates, and which cells were such dates."""
    cells, converted = dict(row.cells), set()
    for column in DATE_COLUMNS:
        if cells.get(column):
            cells[column], was_sheet_form = spreadsheet_date(cells[column])
            if was_sheet_form:
                converted.add(column)
    return cells, converted


# -- comparing a row with the case it updates --------------------------------------------------

def _same(column: str, old: str, new: str, sheet_date: bool, cells: dict[str, str], current: _Current,
          context: Context) -> bool:
    if old == new:
        return True
    if not new and column in DERIVED_COLUMNS + ("status_label",):   # left blank: the build fills it
        return True
    if column in LIST_COLUMNS:
        return split_list(old) == split_list(new)
    if column == "timeline":
        try:
            return bool(json.loads(old or "[]") == json.loads(new or "[]"))
        except json.JSONDecodeError:
            return False
    if column in DATE_COLUMNS:
        # A month (2021-06) that a spreadsheet turned into its first day (2021/6/1) is the same month.
        return sheet_date and len(old) == 7 and new == old + "-01"
    if column == "township":   # read as the new file would write it: with its county where names repeat
        place, _ = context.places.resolve_township(township_text(cells, context))
        return place is not None and place.path == current.township
    if column in ("status", "status_label"):
        aliases = stage_aliases(context.config)
        return aliases.get(new) is not None and aliases.get(new) == aliases.get(old)
    return False


def _one_stage(cells: dict[str, str], now: str | None, context: Context, problems: Problems,
               where: tuple[str, int]) -> None:
    """One stage a row: when status and status_label name different stages, the label (the column
    Chinese editors read and change) wins. The editor is told, unless only the label moved
    away from the case's stage `now`: that is the edit a Chinese editor makes."""
    aliases = stage_aliases(context.config)
    key, label = cells.get("status", ""), cells.get("status_label", "")
    if aliases.get(key) and aliases.get(label) and aliases[key] != aliases[label]:
        if aliases[key] != now:
            problems.add(where[0], where[1], f"status 列（{key}）与 status_label 列（{label}）不是同一阶段，以 status_label 为准",
                         f"the status column ({key}) and the status_label column ({label}) name different stages; "
                         f"status_label is used", warning=True)
        cells["status"] = label


def _changes(cells: dict[str, str], header: list[str], converted: set[str], current: _Current,
             context: Context) -> list[FieldChange]:
    found = []
    for column in header:
        if column not in CSV_COLUMNS or column == "slug" or (column == "status_label" and cells.get("status")):
            continue   # (the label is compared through the status column, which _one_stage made agree)
        old, new = current.cells.get(column, ""), cells.get(column, "")
        if not _same(column, old, new, column in converted, cells, current, context):
            found.append(FieldChange(column, old, new))
    return found


def _update_text(data: bytes, changes: list[FieldChange], current: _Current, context: Context,
                 problems: Problems, where: tuple[str, int]) -> bytes | None:
    """The case file's new bytes with the changed fields edited in place."""
    merged = current.cells | {c.column: c.after for c in changes}
    if "status_label" in {c.column for c in changes}:   # a sheet without a status column
        merged["status"] = merged["status_label"]
    keys = dict.fromkeys(KEY_OF_COLUMN.get(c.column, c.column) for c in changes if c.column not in DERIVED_COLUMNS)
    fields = [(key, field_text(key, merged, context, problems, where)) for key in keys]
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = set_fields(data[len(bom):].decode("utf-8"), fields, FIELD_ORDER)
    except (EditError, UnicodeDecodeError) as exc:
        zh, en = (exc.zh, exc.en) if isinstance(exc, EditError) else ("文件不是 UTF-8 编码", "the file is not UTF-8")
        problems.add(where[0], where[1], f"{current.path}：{zh}，无法更新", f"{current.path}: {en}; cannot update it")
        return None
    return bom + text.encode("utf-8")


def _change_warnings(changes: list[FieldChange], problems: Problems, where: tuple[str, int]) -> None:
    """Changes that will not do what the editor may expect."""
    columns = {c.column for c in changes}
    if columns & {"status", "status_label"} and "timeline" not in columns:
        problems.add(where[0], where[1], "阶段改了，但时间线没有相应的新条目，网站会从案例日期起计算这一阶段的天数；"
                                         "要记下哪天进入这一阶段，请改用 bulletin advance",
                     "the stage changed but the timeline has no entry for it, so the site counts the stage's days "
                     "from the case's date; to record the day it changed, use bulletin advance instead", warning=True)
    township_changed = "township" in columns
    for change in changes:
        if change.column in DERIVED_COLUMNS and not (township_changed and change.column in ("province", "city", "county")):
            problems.add(where[0], where[1], f"列「{change.column}」由网站生成，改动不会写入案例文件",
                         f"column `{change.column}` is made by the build; the change is not written to the case file",
                         warning=True)


# -- the command -------------------------------------------------------------------------------

def plan_import(csv_path: Path, site_dir: Path, name: str | None = None, update: bool = False,
                encoding: str | None = None, opts: BuildOptions | None = None) -> ImportPlan:
    """Work out every file an import creates or changes and validate the site with them in it.

    Writes nothing; raises SiteError listing every problem.
    """
    shown = name or csv_path.name
    opts = opts or BuildOptions(jobs=_jobs())
    context = load_context(site_dir)
    problems = Problems(context.config.language)
    if not csv_path.is_file():
        raise SiteError([Problem(shown, 0, "文件不存在 / file not found")])
    sheet = read_sheet(csv_path.read_bytes(), shown, problems, encoding)
    problems.raise_if_errors()
    current = _current_cases(site_dir, opts)
    plan = ImportPlan(encoding=sheet.encoding)
    origin: dict[str, tuple[int, dict[int, str] | None]] = {}   # file → (row, its line → column when new)
    taken: dict[str, int] = {}
    for row in sheet.rows:
        cells, converted = _normalized(row)
        where = (shown, row.line)
        slug = cells.get("slug") or slugify(cells.get("title", ""), readings=context.places.readings)
        _one_stage(cells, current[slug].cells["status"] if slug in current else None, context, problems, where)
        if slug in taken:
            problems.add(shown, row.line, f"slug「{slug}」与第 {taken[slug]} 行重复", f"slug `{slug}` repeats line {taken[slug]}")
            continue
        if slug:
            taken[slug] = row.line
        if slug in current and not update:
            problems.add(shown, row.line, f"网站中已有 slug 为「{slug}」的案例：{current[slug].path}；要用表格更新已有案例，请加 --update",
                         f"the site already has a case with slug `{slug}`: {current[slug].path}; "
                         f"to update existing cases from the sheet, add --update")
            continue
        if slug in current:
            case = current[slug]
            changes = _changes(cells, sheet.header, converted, case, context)
            if cells.get("body", "").strip() and cells["body"].strip() != case.body.strip():
                problems.add(shown, row.line, f"--update 不修改正文；正文请直接在 {case.path} 中编辑",
                             f"--update leaves bodies as they are; edit the body in {case.path}", warning=True)
            _change_warnings(changes, problems, where)
            if not any(c.column not in DERIVED_COLUMNS for c in changes):
                plan.unchanged.append((row.line, case.path))
                continue
            data = _update_text((site_dir / case.path).read_bytes(), changes, case, context, problems, where)
            if data is not None:
                plan.writes[case.path] = data
                origin[case.path] = (row.line, None)
                plan.updated.append((row.line, case.path, changes))
            continue
        if not slug:   # still validated, under a name of its own, so its other problems show too
            problems.add(shown, row.line, "无法从标题生成 slug；请在 slug 列写一个英文或拼音的短名",
                         "no slug can be made from the title; write a short latin name in the slug column")
        rel = f"content/cases/{slug or f'row-{row.line}'}.md"
        text, columns = case_text(cells | {"slug": slug}, context, problems, where)
        if slug and (site_dir / rel).exists():
            problems.add(shown, row.line, f"文件 {rel} 已存在", f"{rel} already exists")
            continue
        plan.writes[rel] = text.encode("utf-8")
        origin[rel] = (row.line, columns)
        plan.created.append((row.line, rel, cells.get("title", "")))
    # Every problem in one run: the site's validation runs even when a row failed above.
    problems.extend(_validate(site_dir, opts, plan.writes, origin, shown, problems.zh()))
    problems.raise_if_errors()
    plan.warnings = problems.warnings
    return plan


def write_plan(site_dir: Path, plan: ImportPlan) -> None:
    """Write every planned file, each by an atomic replace, then flush them to disk once."""
    for rel, data in plan.writes.items():
        target = site_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data, durable=False)
    if plan.writes:
        os.sync()   # one flush for every file, instead of an fsync each (4 s per 1,000 files)


def _jobs() -> int:
    from generator.build.workers import default_jobs
    return default_jobs()


def _current_cases(site_dir: Path, opts: BuildOptions) -> dict[str, _Current]:
    """Every case of the site, drafts too, with the cells export writes for it."""
    from generator.build.load import load_site
    from generator.render.export import case_record, cell_text
    from generator.site.taxonomy import build_index
    site, _, _ = load_site(site_dir, BuildOptions(drafts=True, jobs=opts.jobs, today=opts.today), save_cache=False)
    index = build_index(site)
    found = {}
    for case in site.cases:
        record = case_record(site, case, index)
        township = site.places.township_by_slug()[case.township].path
        found[case.slug] = _Current(case.path, {c: cell_text(record[c]) for c in CSV_COLUMNS}, township, case.body)
    return found


def _validate(site_dir: Path, opts: BuildOptions, writes: dict[str, bytes],
              origin: dict[str, tuple[int, dict[int, str] | None]], shown: str, zh: bool) -> list[Problem]:
    """Load the site as a build would, with the planned files in place of the disk's: its problems
    and warnings, those of a planned file told at its CSV row."""
    from generator.build.load import load_site
    check_opts = BuildOptions(drafts=opts.drafts, jobs=opts.jobs, today=opts.today, use_cache=False)
    try:
        _, _, found = load_site(site_dir, check_opts, save_cache=False, overlay=writes)
    except SiteError as exc:
        found = exc.problems + exc.warnings
    return [_at_row(p, origin, shown, zh) for p in found]


def _at_row(problem: Problem, origin: dict[str, tuple[int, dict[int, str] | None]], shown: str, zh: bool) -> Problem:
    """A problem of a planned file, told at the CSV row it comes from (and the column, in a new file)."""
    if problem.path not in origin:
        return problem
    row, columns = origin[problem.path]
    if columns is None:   # an updated file: say where in it
        prefix = f"{problem.path}:{problem.line}: " if problem.line else f"{problem.path}: "
    else:
        column = columns.get(problem.line or 0) or ("body" if problem.line and problem.line > len(columns) + 2 else None)
        prefix = "" if column is None else f"{column} 列：" if zh else f"column {column}: "
    return Problem(shown, row, prefix + problem.message, problem.warning)


def change_table(plan: ImportPlan, zh: bool) -> list[tuple[str, ...]]:
    """The plan as table rows: CSV row, file, field, before, after."""
    lines: list[tuple[str, ...]] = [("行", "文件", "字段", "原值", "新值") if zh else ("row", "file", "field", "before", "after")]
    events: list[tuple[int, tuple[str, ...]]] = []
    for row, rel, title in plan.created:
        events.append((row, (str(row), rel, "（新建）" if zh else "(new)", "", title)))
    for row, rel, changes in plan.updated:
        for change in changes:
            if change.column not in DERIVED_COLUMNS:
                events.append((row, (str(row), rel, change.column, _short(change.before), _short(change.after))))
    return lines + [line for _, line in sorted(events, key=lambda e: e[0])]


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def export_csv(site_dir: Path, opts: BuildOptions) -> str:
    """The site's data/cases.csv, as a build would write it."""
    from generator.build.load import load_site
    from generator.site.taxonomy import build_index
    site, _, _ = load_site(site_dir, opts)
    return cases_csv(site, build_index(site))
