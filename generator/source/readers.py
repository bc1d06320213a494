"""Each kind's front matter (case, report, page) read into its model value.

Pure functions of a Reader over the parsed YAML and a Context; every problem goes to
the Reader's Problems with its line, and all fields are read before giving up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from generator.core.dates import DateError, When, date_from_filename, parse_when
from generator.core.errors import guess_text, join_choices, suggestion
from generator.core.schema import Reader
from generator.core.slugs import SHIPPED, Readings, is_valid_slug, slugify
from generator.core.yamlsrc import YList, YMap
from generator.source.config import STAGE_KEYS, DEFAULT_STAGE_LABELS, SiteConfig
from generator.source.model import Case, Page, Report, Source, TimelineEntry
from generator.source.places import PlaceTree, township_problem
from generator.source.topics import Topic

CASE_KEYS = ("title", "date", "township", "villages", "topics", "status", "form", "convener",
             "participants", "beneficiaries", "outcome", "timeline", "source", "slug", "draft",
             "follow_up", "updated", "photos", "attachments")
PAGE_KEYS = ("title", "slug", "date", "description", "draft", "photos", "attachments")
REPORT_KNOWN = ("title", "date", "categories", "tags", "author", "headimg", "thumbnail", "comments",
                "layout", "permalink", "cases", "slug", "draft", "photos", "attachments")
TIMELINE_KEYS = ("date", "stage", "text")
SOURCE_KEYS = ("name", "url")
Links = tuple[tuple[str, str, int], ...]   # (kind, slug, line) of each case:/report:/page: link


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a file's validation depends on besides its own bytes."""

    config: SiteConfig
    places: PlaceTree
    topics: tuple[Topic, ...]
    stages: dict[str, str] = field(init=False, compare=False, repr=False)   # stage_aliases(config)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", stage_aliases(self.config))   # made once: three stage fields a case


def _blank(value: Any) -> bool:
    """No value: absent, `key:` with nothing after it, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def _date(r: Reader, key: str, tz: Any, required: bool) -> When | None:
    value = r.data.get(key)
    if _blank(value):
        if required:
            r.missing(key, "2021-06-20")
        return None
    try:
        return parse_when(value, tz)
    except DateError:
        r.error(key, f"无法识别的日期「{value}」；可写成 2021-06-20、2021-06 或 2021年6月20日",
                f"unreadable date `{value}`; write it as 2021-06-20, 2021-06 or 2021年6月20日", at_value=True)
        return None


def _slug(r: Reader, fallback: Callable[[], str]) -> str:
    """The given slug, validated; else `fallback()` (pinyin is computed only when needed)."""
    slug = r.get("slug", str, example="liangquan-bridge", default="")
    if slug and not is_valid_slug(slug):
        better = slugify(slug)
        hint_zh = f"，例如 {better}" if better else ""
        hint_en = f", e.g. {better}" if better else ""
        r.error("slug", f"slug「{slug}」只能用小写英文字母、数字和单个连字符（最多 80 个字符）{hint_zh}",
                f"slug `{slug}` may only use a-z, 0-9 and single hyphens (at most 80 characters){hint_en}", at_value=True)
        return ""
    made = slug or fallback()
    if not made:   # a title and a file name of dots and slashes: no address could be made
        r.error("slug", "无法从标题或文件名生成网址；请写上 slug，只用小写英文字母、数字和连字符，例如 slug: liangquan-bridge",
                "no address can be made from the title or the file name; add a slug of a-z, 0-9 and hyphens, "
                "e.g. slug: liangquan-bridge")
    return made


def stage_aliases(config: SiteConfig) -> dict[str, str]:
    """Every accepted spelling of a stage → its key: keys, configured and default labels."""
    aliases = {k: k for k in STAGE_KEYS}
    for labels in DEFAULT_STAGE_LABELS.values():
        aliases.update({label: key for key, label in zip(STAGE_KEYS, labels)})
    aliases.update({s.label: s.key for s in config.stages})
    return aliases


def _stage(r: Reader, value: Any, line: int, ctx: Context, key: str = "status") -> str | None:
    aliases = ctx.stages
    if isinstance(value, str) and value.strip() in aliases:
        return aliases[value.strip()]
    problems = r.problems
    labels = [s.label for s in ctx.config.stages]
    text = str(value).strip()
    # 跟进中 → 跟进查单: a label that begins as the text does, else the closest spelling.
    guess = next((label for label in labels if len(text) >= 2 and label.startswith(text[:2])), None)
    hint = guess_text(problems, guess) if guess else suggestion(problems, text, list(STAGE_KEYS) + labels)
    problems.add(r.path, line, f"「{key}」的值「{value}」不是已知的阶段；应为 {join_choices(problems, labels)} 之一"
                 f"（或 {join_choices(problems, STAGE_KEYS)}）{hint}",
                 f"`{key}` value `{value}` is not a known stage; use one of {', '.join(STAGE_KEYS)} (or its label){hint}")
    return None


def read_case(r: Reader, rel: str, body: str, body_line: int, ctx: Context,
                links: Links) -> Case | None:
    problems, tz = r.problems, ctx.config.tz
    r.unknown_keys(CASE_KEYS, "案例 front matter ", "case front matter")
    title = r.get("title", str, required=True, example="南干渠新架桥梁")
    when = _date(r, "date", tz, required=True)
    township_text = r.get("township", str, required=True, example="凉泉乡")
    township = None
    if township_text:
        township, _ = ctx.places.resolve_township(township_text)
        if township is None and ctx.places.townships():  # no township level: places.yaml reports it once
            zh, en = township_problem(ctx.places, township_text, problems)
            r.error("township", zh, en, at_value=True)
    villages = r.get_text_list("villages", example="[韩店村, 凉泉村]")
    if township is not None:
        for village, line in villages:
            if village not in township.children:
                hint = suggestion(problems, village, township.children)
                problems.add(rel, line, f"「{township.name}」下没有村（社区）「{village}」{hint or '；请先在 content/places.yaml 中把它加到该乡镇的 children'}",
                             f"`{township.name}` has no village `{village}`{hint or '; add it to its children in content/places.yaml'}")
    topic_slugs = []
    by_name = {t.name: t for t in ctx.topics}
    by_name.update({t.slug: t for t in ctx.topics})
    for name, line in r.get_text_list("topics", required=True, example="[交通出行]"):
        topic = by_name.get(name)
        if topic is None:
            if ctx.topics:
                hint = suggestion(problems, name, [t.name for t in ctx.topics]) or (
                    "；可用的议题：" + join_choices(problems, (t.name for t in ctx.topics)) if problems.zh()
                    else "; known topics: " + ", ".join(t.name for t in ctx.topics))
                problems.add(rel, line, f"content/topics.yaml 中没有议题「{name}」{hint}",
                             f"no topic `{name}` in content/topics.yaml{hint}")
        elif topic.slug not in topic_slugs:
            topic_slugs.append(topic.slug)
    status = None
    if _blank(r.data.get("status")):
        r.missing("status", "resolved")
    else:
        status = _stage(r, r.data["status"], r.value_line("status"), ctx)
    timeline = _timeline(r, ctx)
    source = _source(r)
    follow_up = _date(r, "follow_up", tz, required=False)
    updated = _date(r, "updated", tz, required=False)
    draft = r.get("draft", bool, example="false", default=False)
    slug = _slug(r, lambda: slugify(title or "", readings=ctx.places.readings) or file_slug(rel))
    # Read every optional field before giving up, so all of a file's problems are reported at once.
    optional = dict(form=r.get("form", str, default=""), convener=r.get("convener", str, default=""),
                    participants=r.get_count("participants"), beneficiaries=r.get_count("beneficiaries"),
                    outcome=r.get("outcome", str, default=""))
    if problems.errors or title is None or when is None or township is None or status is None:
        return None
    return Case(
        path=rel, slug=slug, title=title, when=when, township=township.slug,
        villages=tuple(v for v, _ in villages), topics=tuple(topic_slugs), status=status,
        body=body, body_start_line=body_line, timeline=timeline, source=source, draft=draft,
        follow_up=follow_up, updated=updated, links=links, slug_line=_slug_line(r), **optional,
    )


def _timeline(r: Reader, ctx: Context) -> tuple[TimelineEntry, ...]:
    raw = r.data.get("timeline")
    if raw is None:
        return ()
    if not isinstance(raw, YList):
        r.error("timeline", "timeline 应为列表，每项如 - {date: 2021-06, stage: raised, text: 群众反映}",
                "`timeline` should be a list of entries like - {date: 2021-06, stage: raised, text: ...}", at_value=True)
        return ()
    entries = []
    for item, line in zip(raw, raw.item_line):
        if not isinstance(item, YMap):
            r.problems.add(r.path, line, "timeline 的每一项应包含 date 和 text，例如 {date: 2021-06, text: 召开议事会}",
                           "each timeline entry needs date and text, e.g. {date: 2021-06, text: meeting held}")
            continue
        item.line = line
        sub = Reader(item, r.path, r.problems)
        for extra in [k for k in item if k not in TIMELINE_KEYS and item[k] is None and "text" in item]:
            # {date: 2021-07, text: 召开会议, 群众满意}: YAML ends the text at the comma
            sub.error(str(extra), f"文字「{item['text']}, {extra}」里的英文逗号（,）把这一条断开了；"
                      f"请改用中文逗号（，），或给文字加引号：text: \"{item['text']}, {extra}\"",
                      f"the ASCII comma in the text `{item['text']}, {extra}` splits the entry; use a Chinese "
                      f"comma (，) or quote the text: text: \"{item['text']}, {extra}\"")
            del item[extra]
        sub.unknown_keys(TIMELINE_KEYS, "timeline 条目", "a timeline entry")
        when = _date(sub, "date", ctx.config.tz, required=True)
        text = sub.get("text", str, required=True, example="召开议事会")
        stage = None
        if item.get("stage") is not None:
            stage = _stage(sub, item["stage"], sub.value_line("stage"), ctx, key="stage")
        if when is not None and text:
            entries.append(TimelineEntry(when, stage, text))
    return tuple(sorted(entries, key=lambda e: e.when.moment))


def _source(r: Reader) -> Source | None:
    raw = r.data.get("source")
    if raw is None:
        return None
    if isinstance(raw, str):
        raw_map = YMap({"url": raw})
        raw_map.key_line, raw_map.value_line, raw_map.line = {"url": r.line("source")}, {"url": r.value_line("source")}, r.line("source")
        raw = raw_map
    if not isinstance(raw, YMap):
        r.error("source", "source 应写成 {name: 来源名称, url: https://…}", "`source` should be {name: ..., url: https://...}", at_value=True)
        return None
    raw.line = r.line("source")
    sub = Reader(raw, r.path, r.problems)
    sub.unknown_keys(SOURCE_KEYS, "source ", "source")
    name = sub.get("name", str, default="")
    url = sub.get("url", str, example="https://example.org/a", default="")
    if url:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in url for c in "\"'<> \t\n"):
            sub.error("url", f"来源链接「{url}」只能是 http:// 或 https:// 开头的网址",
                      f"source url `{url}` must be an http:// or https:// address", at_value=True)
            return None
    if not name and not url:
        return None
    return Source(name or urlsplit(url).netloc, url)


def _slug_line(r: Reader) -> int:
    return r.line("slug") if "slug" in r.data else r.line("title")


def file_slug(rel: str) -> str:
    """The slug a file's name gives it (content/cases/2021-06-20-x.md and content/cases/x/index.md: x)."""
    stem = Path(rel).stem
    if stem == "index" and rel.count("/") > 2:   # content/cases/NAME/index.md: a case in a folder of its own
        stem = Path(rel).parent.name
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", stem)
    if is_valid_slug(stem):
        return stem
    return slugify(stem)


def _text_or_list(r: Reader, key: str, split_spaces: bool) -> tuple[str, ...]:
    value = r.data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v for v in (value.split() if split_spaces else [value.strip()]) if v)
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value if isinstance(v, (str, int)) and str(v).strip())
    return ()


def read_report(r: Reader, rel: str, body: str, body_line: int, ctx: Context,
                  links: Links) -> Report | None:
    title = r.get("title", str, required=True, example="政协履职深植基层")
    when = _date(r, "date", ctx.config.tz, required=False) or date_from_filename(Path(rel).name, ctx.config.tz)
    if when is None and _blank(r.data.get("date")):  # `date:` left empty counts as missing
        r.missing("date", "2022-01-04")
    cases = r.get_text_list("cases", example="[liangquan-bridge]")
    case_links = tuple((("case", slug, line)) for slug, line in cases)
    draft = r.get("draft", bool, example="false", default=False)
    stem = file_slug(rel)
    slug = _slug(r, lambda: stem if is_valid_slug(stem) and not re.fullmatch(r"[0-9-]+", stem) else slugify(title or "", readings=ctx.places.readings) or stem)
    image = r.get("headimg", str, default="") or r.get("thumbnail", str, default="")
    author = r.get("author", str, default="")
    if r.problems.errors or title is None or when is None:
        return None
    if image and urlsplit(image).scheme.lower() not in ("http", "https", ""):
        image = ""
    return Report(path=rel, slug=slug, title=title, when=when, body=body, body_start_line=body_line,
                  categories=_text_or_list(r, "categories", False), tags=_text_or_list(r, "tags", True),
                  author=author, image=image,
                  cases=tuple(s for s, _ in cases), draft=draft, links=links + case_links, slug_line=_slug_line(r))


def read_page(r: Reader, rel: str, body: str, body_line: int, ctx: Context,
                links: Links) -> Page | None:
    r.unknown_keys(PAGE_KEYS, "页面 front matter ", "page front matter")
    title = r.get("title", str, required=True, example="关于本公报")
    when = _date(r, "date", ctx.config.tz, required=False)
    slug = _slug(r, lambda: file_slug(rel) or slugify(title or "", readings=ctx.places.readings))
    draft = r.get("draft", bool, example="false", default=False)
    description = r.get("description", str, default="")
    if r.problems.errors or title is None:
        return None
    return Page(path=rel, slug=slug, title=title, when=when, body=body, body_start_line=body_line,
                description=description, draft=draft, links=links, slug_line=_slug_line(r))


_SLUG_LINE = re.compile(r"^slug:\s*['\"]?([^'\"\s#]+)", re.M)
_TITLE_LINE = re.compile(r"^title:\s*['\"]?([^'\"#\n]+)", re.M)


def possible_slugs(rel: str, text: str, readings: Readings = SHIPPED) -> set[str]:
    """The slugs a file that failed validation may have meant to have: from its `slug:`
    line, its title and its name. Links to these are not reported, since the file's own
    error is the one to fix first."""
    found = {file_slug(rel)}
    if m := _SLUG_LINE.search(text):
        found.add(m[1])
    if m := _TITLE_LINE.search(text):
        found.add(slugify(m[1].strip(), readings=readings))
    return found - {""}
