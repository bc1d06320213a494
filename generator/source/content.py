"""Parse and validate one content file (case, report or page) into a model value.

Pure: `parse_document` takes the file's bytes; `discover` is the only function
that lists the file system.
"""
from __future__ import annotations

import hashlib
import os
import re
from stat import S_ISREG
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from generator.source.config import STAGE_KEYS, DEFAULT_STAGE_LABELS, SiteConfig
from generator.core.dates import DateError, When, date_from_filename, parse_when
from generator.core.errors import Problem, Problems, join_choices, suggestion
from generator.core.frontmatter import FrontMatterError, decode, split
from generator.source.model import Case, Document, MediaRef, Page, Report, Source, TimelineEntry
from generator.source.limits import body_limits
from generator.source.mediarefs import read_media
from generator.source.places import PlaceTree, township_problem
from generator.source.privacy import ALLOW_KEY, REASON_KEY, read_allowances, scan as scan_personal_data
from generator.core.schema import Reader
from generator.core.slugs import is_valid_slug, slugify
from generator.source.topics import Topic
from generator.core.yamlsrc import YamlError, YList, YMap, load_yaml

KINDS = ("cases", "reports", "pages")
CASE_KEYS = ("title", "date", "township", "villages", "topics", "status", "form", "convener",
             "participants", "beneficiaries", "outcome", "timeline", "source", "slug", "draft",
             "follow_up", "updated", "photos", "attachments")
PAGE_KEYS = ("title", "slug", "date", "description", "draft", "photos", "attachments")
REPORT_KNOWN = ("title", "date", "categories", "tags", "author", "headimg", "thumbnail", "comments",
                "layout", "permalink", "cases", "slug", "draft", "photos", "attachments")
TIMELINE_KEYS = ("date", "stage", "text")
SOURCE_KEYS = ("name", "url")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # \t and \n are text (\r is folded on reading)
LINK_RE = re.compile(r"(?:\]\(\s*<?|\]:\s*|href=[\"'])(case|report|page):([^\s)>\"'#]*)")


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a file's validation depends on besides its own bytes."""

    config: SiteConfig
    places: PlaceTree
    topics: tuple[Topic, ...]
    stages: dict[str, str] = field(init=False, compare=False, repr=False)   # stage_aliases(config)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", stage_aliases(self.config))   # made once: three stage fields a case


def discover(site_dir: Path) -> list[tuple[str, str]]:
    """(kind, site-relative path) of every content file, sorted so order never matters."""
    return [(kind, rel) for kind, rel, _, _ in discover_with_stats(site_dir)]


Listing = list[tuple[str, str, int, int]]   # (kind, site-relative path, size, mtime_ns), sorted


def discover_with_stats(site_dir: Path, outside: list[str] | None = None) -> Listing:
    """(kind, site-relative path, size, mtime_ns) of every content file, sorted.

    os.scandir on strings: on 10,000 files pathlib's rglob costs more than the build, and
    a directory entry knows whether it is a link without another system call. Hidden
    files and folders are skipped; folders reached through links are not entered; a file
    that is a link out of SITE goes to `outside` (content is read from the site only).
    """
    found: list[tuple[str, str, int, int]] = []
    base = str(site_dir)
    real_base = os.path.realpath(base) + os.sep

    def walk(folder: str, rel_folder: str, kind: str) -> None:
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            return
        for entry in listed:
            name = entry.name
            if name.startswith("."):
                continue
            rel = f"{rel_folder}/{name}"
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, rel, kind)
            elif name.endswith(".md"):
                if entry.is_symlink() and not os.path.realpath(entry.path).startswith(real_base):
                    if outside is not None:
                        outside.append(rel)
                    continue
                try:
                    stat = entry.stat()
                except OSError:
                    continue
                if S_ISREG(stat.st_mode):
                    found.append((kind, rel, stat.st_size, stat.st_mtime_ns))
    for kind in KINDS:
        walk(os.path.join(base, "content", kind), f"content/{kind}", kind)
    return sorted(found)


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
        data_map = load_yaml(parts.yaml_text, parts.yaml_offset)
    except FrontMatterError as exc:
        problems.add(rel, exc.line, exc.zh, exc.en)
        return None
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
    parse = {"cases": _parse_case, "reports": _parse_report}.get(kind, _parse_page)
    doc = parse(r, rel, parts.body, parts.body_start_line, ctx, links)
    if doc is None:
        return None
    return doc, {"personal_allowed": allowed, "personal_found": scan_personal_data(data, doc), "media": media}


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


def _scan_links(body: str, start: int) -> tuple[tuple[str, str, int], ...]:
    """case:/report:/page: links with their file lines; code (fenced blocks, `spans`) shows syntax, links nothing."""
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
        if ":" in line:
            for m in LINK_RE.finditer(_CODE_SPAN.sub("", line)):
                found.append((m[1], m[2], start + offset))
    return tuple(found)


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
    return slug or fallback()


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
    hint = suggestion(problems, str(value), list(STAGE_KEYS) + [s.label for s in ctx.config.stages])
    keys = join_choices(problems, STAGE_KEYS)
    problems.add(r.path, line, f"「{key}」的值「{value}」不是已知的阶段；应为 {keys} 之一（或其中文名称）{hint}",
                 f"`{key}` value `{value}` is not a known stage; use one of {', '.join(STAGE_KEYS)} (or its label){hint}")
    return None


def _parse_case(r: Reader, rel: str, body: str, body_line: int, ctx: Context,
                links: tuple[tuple[str, str, int], ...]) -> Case | None:
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
    slug = _slug(r, lambda: slugify(title or "") or _file_slug(rel))
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


def _file_slug(rel: str) -> str:
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


def _parse_report(r: Reader, rel: str, body: str, body_line: int, ctx: Context,
                  links: tuple[tuple[str, str, int], ...]) -> Report | None:
    title = r.get("title", str, required=True, example="政协履职深植基层")
    when = _date(r, "date", ctx.config.tz, required=False) or date_from_filename(Path(rel).name, ctx.config.tz)
    if when is None and _blank(r.data.get("date")):  # `date:` left empty counts as missing
        r.missing("date", "2022-01-04")
    cases = r.get_text_list("cases", example="[liangquan-bridge]")
    case_links = tuple((("case", slug, line)) for slug, line in cases)
    draft = r.get("draft", bool, example="false", default=False)
    stem = _file_slug(rel)
    slug = _slug(r, lambda: stem if is_valid_slug(stem) and not re.fullmatch(r"[0-9-]+", stem) else slugify(title or "") or stem)
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


def _parse_page(r: Reader, rel: str, body: str, body_line: int, ctx: Context,
                links: tuple[tuple[str, str, int], ...]) -> Page | None:
    r.unknown_keys(PAGE_KEYS, "页面 front matter ", "page front matter")
    title = r.get("title", str, required=True, example="关于本公报")
    when = _date(r, "date", ctx.config.tz, required=False)
    slug = _slug(r, lambda: _file_slug(rel) or slugify(title or ""))
    draft = r.get("draft", bool, example="false", default=False)
    description = r.get("description", str, default="")
    if r.problems.errors or title is None:
        return None
    return Page(path=rel, slug=slug, title=title, when=when, body=body, body_start_line=body_line,
                description=description, draft=draft, links=links, slug_line=_slug_line(r))
