"""`bulletin advance`: move case files to a stage by editing their front matter text in place.

Only these spans of a file change: the value of `status:`, one new timeline
entry appended in the style the file already uses (block items, flow items, or
a flow list), and `follow_up:` when asked. Comments, key order, quoting, line
endings, a BOM and the body stay byte for byte: the YAML is never re-dumped.
Every edited file must still validate as a case, else nothing is written at
all. Reads and writes only the files it is given; each write is an atomic
replace.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.source.config import STAGE_KEYS, SiteConfig, load_config, today_for
from generator.source.content import parse_document
from generator.source.readers import Context, stage_aliases
from generator.core.dates import DateError, parse_when
from generator.core.errors import Problem, Problems, SiteError, join_choices, suggestion
from generator.source.model import Case
from generator.source.places import load_places
from generator.source.topics import load_topics
from generator.editing.frontedit import EditError, Front, compose, front_span, line_end, newline_of, node_end, top_level
from generator.editing.textfiles import double_quoted, write_atomic, yaml_scalar

TIMELINE_ORDER = ("date", "stage", "text")


@dataclass(frozen=True, slots=True)
class Change:
    path: str          # site-relative
    before: str        # stage key
    after: str


def _requote(value: str, style: str | None) -> str:
    """A new value in the quoting style of the scalar it replaces."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"':
        return double_quoted(value)
    return yaml_scalar(value)



# -- editing one file's text -------------------------------------------------------------------

def _entry(keys: tuple[str, ...], values: dict[str, str], flow: bool) -> list[tuple[str, str]]:
    return [(k, yaml_scalar(values[k], flow=flow)) for k in keys if k in values]


def _timeline_edit(text: str, front: Front, root: Any, key: Any, node: Any | None,
                   values: dict[str, str], nl: str) -> tuple[int, int, str]:
    """(start, end, replacement) that appends one entry to the timeline in the file's own style."""
    def flow_map(pairs: list[tuple[str, str]], pad: str = "") -> str:
        return "{" + pad + ", ".join(f"{k}: {v}" for k, v in pairs) + pad + "}"

    if node is None:  # no timeline yet: a block list of flow items at the end of the front matter
        return front.end, front.end, f"timeline:{nl}  - {flow_map(_entry(TIMELINE_ORDER, values, True))}{nl}"
    if isinstance(node, yaml.ScalarNode):  # `timeline:` with nothing, or ~ / null
        start, end = front.start + node.start_mark.index, front.start + node.end_mark.index
        if start == end:
            at = line_end(text, front.start + key.end_mark.index)
            return at, at, f"  - {flow_map(_entry(TIMELINE_ORDER, values, True))}{nl}"
        return start, end, f"[{flow_map(_entry(TIMELINE_ORDER, values, True))}]"
    if not isinstance(node, yaml.SequenceNode):
        raise EditError(front.fence_line + node.start_mark.line + 1, "timeline 应为列表", "`timeline` should be a list")
    items = node.value
    last = items[-1] if items else None
    keys = TIMELINE_ORDER
    if isinstance(last, yaml.MappingNode):
        written = [k.value for k, _ in last.value if k.value in TIMELINE_ORDER]
        keys = tuple(written) + tuple(k for k in TIMELINE_ORDER if k not in written)
    if node.flow_style:
        if last is None:  # `[]`
            close = front.start + node.end_mark.index - 1
            return close, close, flow_map(_entry(keys, values, True))
        at = front.start + node_end(last)
        first_line, last_line = node.start_mark.line, last.start_mark.line
        if first_line == last_line:
            return at, at, ", " + flow_map(_entry(keys, values, True))
        line_start = text.rfind("\n", 0, front.start + last.start_mark.index) + 1
        indent = re.match(r"[ \t]*", text[line_start:])[0]  # type: ignore[index]
        return at, at, "," + nl + indent + flow_map(_entry(keys, values, True))
    # A block list: copy the last item's dash and indentation.
    assert last is not None  # a block sequence always has an item
    item_start = front.start + last.start_mark.index
    line_start = text.rfind("\n", 0, item_start) + 1
    prefix = text[line_start:item_start]
    if not re.fullmatch(r"[ \t]*-[ \t]+", prefix):
        prefix = " " * max(0, last.start_mark.column - 2) + "- "
    end = front.start + node_end(last)
    at = end if text[end - 1:end] == "\n" else line_end(text, end)
    lead = "" if text[at - 1:at] == "\n" else nl
    if isinstance(last, yaml.MappingNode) and not last.flow_style:
        pad = " " * len(prefix.expandtabs())
        pairs = _entry(keys, values, False)
        lines = [prefix + f"{pairs[0][0]}: {pairs[0][1]}"] + [pad + f"{k}: {v}" for k, v in pairs[1:]]
        return at, at, lead + nl.join(lines) + nl
    inner = " " if isinstance(last, yaml.MappingNode) and text[item_start + 1:item_start + 2] == " " else ""
    return at, at, lead + prefix + flow_map(_entry(keys, values, True), inner) + nl


def advance_text(text: str, stage: str, stage_text: str, date: str, note: str, follow_up: str | None = None) -> str:
    """The file text with `status:` set to `stage_text` and a timeline entry appended.

    `text` is the decoded file without a BOM (line endings as in the file); raises EditError.
    """
    front = front_span(text)
    root = compose(text, front)
    nl = newline_of(text)
    nodes = top_level(root)
    edits: list[tuple[int, int, str]] = []
    if "status" not in nodes or not isinstance(nodes["status"][1], yaml.ScalarNode):
        raise EditError(front.fence_line, "缺少 status 字段", "the `status` field is missing")
    status_node = nodes["status"][1]
    value = stage if status_node.value.strip() in STAGE_KEYS else stage_text
    edits.append((front.start + status_node.start_mark.index, front.start + status_node.end_mark.index,
                  _requote(value, status_node.style)))
    if follow_up is not None:
        if "follow_up" in nodes and isinstance(nodes["follow_up"][1], yaml.ScalarNode) and nodes["follow_up"][1].value:
            node = nodes["follow_up"][1]
            edits.append((front.start + node.start_mark.index, front.start + node.end_mark.index,
                          _requote(follow_up, node.style)))
        elif "follow_up" in nodes:  # `follow_up:` with no value
            key = nodes["follow_up"][0]
            at = front.start + key.end_mark.index + 1
            edits.append((at, at, " " + follow_up))
        else:
            at = line_end(text, front.start + node_end(status_node))
            lead = "" if text[at - 1:at] == "\n" else nl
            edits.append((at, at, f"{lead}follow_up: {follow_up}{nl}"))
    timeline_key, timeline_node = nodes.get("timeline", (None, None))
    edits.append(_timeline_edit(text, front, root, timeline_key, timeline_node, {"date": date, "stage": stage, "text": note}, nl))
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


# -- the command -------------------------------------------------------------------------------

def find_site(path: Path) -> Path | None:
    """The nearest folder above `path` that holds a site (site.yaml or content/places.yaml)."""
    for folder in path.resolve().parents:
        if (folder / "site.yaml").is_file() or (folder / "content" / "places.yaml").is_file():
            return folder
    return None


def load_context(site_dir: Path) -> Context:
    """Config, places and topics of a site; raises SiteError when they have problems."""
    problems = Problems()
    config = load_config(site_dir, problems)
    context = Context(config, load_places(site_dir, problems), load_topics(site_dir, problems))
    problems.raise_if_errors()
    return context


def resolve_stage(config: SiteConfig, text: str, problems: Problems, where: tuple[str, int]) -> str | None:
    aliases = stage_aliases(config)
    if text.strip() in aliases:
        return aliases[text.strip()]
    hint = suggestion(problems, text, list(STAGE_KEYS) + [s.label for s in config.stages])
    problems.add(where[0], where[1], f"未知的阶段「{text}」；应为 {join_choices(problems, STAGE_KEYS)} 之一（或其中文名称）{hint}",
                 f"unknown stage `{text}`; use one of {', '.join(STAGE_KEYS)} (or its label){hint}")
    return None


def _display(path: Path, site_dir: Path) -> str:
    return path.resolve().relative_to(site_dir.resolve()).as_posix()


def advance(files: list[Path], to: str, date: str | None, note: str | None, follow_up: str | None = None,
            site_dir: Path | None = None, today: dt.date | None = None, force: bool = False) -> list[Change]:
    """Move every file to stage `to`; all or nothing. Raises SiteError listing every problem.

    A move that is probably a slip (back to an earlier stage, the stage the case is in
    already, a date before its last timeline entry or after today) is refused, saying
    what it would have done, unless `force`."""
    site = site_dir or (find_site(files[0]) if files else None)
    if site is None:
        raise SiteError([Problem(str(files[0]) if files else ".", 0,
                                 "找不到网站目录（含 site.yaml 或 content/places.yaml 的目录）；请用 --site 指定 / "
                                 "no site folder (with site.yaml or content/places.yaml) above the file; pass --site")])
    context = load_context(site)
    problems = Problems(context.config.language)
    stage = resolve_stage(context.config, to, problems, ("--to", 0))
    today = today or today_for(context.config.tz)
    date_text = _option_date("--date", date, context, problems) or today.isoformat()
    follow_text = _option_date("--follow-up", follow_up, context, problems)
    problems.raise_if_errors()
    assert stage is not None
    label = context.config.stage(stage).label
    text_note = note.strip() if note and note.strip() else label
    planned: list[tuple[Path, bytes, Change]] = []
    for path in dict.fromkeys(p.resolve() for p in files):
        outcome = _advance_one(path, site, context, problems, stage, label, date_text, text_note, follow_text,
                               None if force else today)
        if outcome is not None:
            planned.append(outcome)
    problems.raise_if_errors()
    for path, data, _ in planned:
        write_atomic(path, data)
    return [change for _, _, change in planned]


def _slips(rel: str, case: Case, stage: str, date_text: str, today: dt.date, context: Context,
           problems: Problems) -> bool:
    """Report the ways this move looks like a slip of the keyboard; True if there were any."""
    config = context.config
    now, after = config.stage(case.status).label, config.stage(stage).label
    entry = f"{date_text} {after}"
    force_zh, force_en = "；如确需如此，请加 --force", "; if that is what you mean, add --force"
    found = False
    if stage == case.status:
        problems.add(rel, None, f"案例已处于「{now}」阶段；这次会再添加一条「{entry}」的时间线{force_zh}",
                     f"the case is at `{now}` already; this would add a second timeline entry `{entry}`{force_en}")
        found = True
    elif STAGE_KEYS.index(stage) < STAGE_KEYS.index(case.status):
        problems.add(rel, None, f"这会把案例从「{now}」退回到「{after}」，并添加时间线「{entry}」{force_zh}",
                     f"this would move the case back from `{now}` to `{after}` and add the timeline entry `{entry}`{force_en}")
        found = True
    when = parse_when(date_text, config.tz)
    if case.timeline:
        last = case.timeline[-1].when
        # A month (2022-03) is not before a day in that month (2022-03-20).
        if when.moment < last.moment and not last.iso().startswith(when.iso()):
            problems.add(rel, None, f"日期 {date_text} 早于时间线最后一条（{last.iso()}）；新的一条会排在它前面{force_zh}",
                         f"the date {date_text} is before the last timeline entry ({last.iso()}); "
                         f"the new entry would sort before it{force_en}")
            found = True
    if when.date > today:
        problems.add(rel, None, f"日期 {date_text} 晚于今天（{today.isoformat()}）；时间线记录的是已经发生的事{force_zh}",
                     f"the date {date_text} is after today ({today.isoformat()}); the timeline records what has happened{force_en}")
        found = True
    return found


def _option_date(option: str, value: str | None, context: Context, problems: Problems) -> str | None:
    """A date given on the command line, as it will be written (2022-03-01 or 2022-03)."""
    if value is None:
        return None
    try:
        return parse_when(value, context.config.tz).iso()
    except DateError:
        problems.add(option, 0, f"无法识别的日期「{value}」；可写成 2022-03-01、2022-03 或 2022年3月1日",
                     f"unreadable date `{value}`; write it as 2022-03-01, 2022-03 or 2022年3月1日")
        return None


def _advance_one(path: Path, site: Path, context: Context, problems: Problems, stage: str, label: str,
                 date_text: str, note: str, follow_text: str | None,
                 guard_today: dt.date | None) -> tuple[Path, bytes, Change] | None:
    try:
        rel = _display(path, site)
    except ValueError:
        problems.add(str(path), 0, f"文件不在网站 {site} 中", f"the file is not inside the site {site}")
        return None
    if not rel.startswith("content/cases/") or not rel.endswith(".md"):
        problems.add(rel, 0, "只能推进 content/cases/ 下的案例文件（.md）", "only case files (content/cases/**.md) can be advanced")
        return None
    if not path.is_file():
        problems.add(rel, 0, "文件不存在", "the file does not exist")
        return None
    data = path.read_bytes()
    case, found = parse_document("cases", rel, data, context)
    if case is None or not isinstance(case, Case):
        problems.extend(found)  # the file must be valid before it is edited
        return None
    if guard_today is not None and _slips(rel, case, stage, date_text, guard_today, context, problems):
        return None
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = advance_text(data[len(bom):].decode("utf-8"), stage, label, date_text, note, follow_text)
    except EditError as exc:
        problems.add(rel, exc.line, exc.zh, exc.en)
        return None
    new = bom + text.encode("utf-8")
    edited, found = parse_document("cases", rel, new, context)
    if not isinstance(edited, Case) or edited.status != stage or len(edited.timeline) != len(case.timeline) + 1:
        problems.extend(found)
        if not found:
            problems.add(rel, 0, "修改后的文件无法通过检查，未写入", "the edited file would not validate; nothing written")
        return None
    return path, new, Change(rel, case.status, stage)
