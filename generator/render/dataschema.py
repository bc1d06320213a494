"""The documented schema of the open data: data/schema.json and the rows of the /data/ page. Pure.

One table, FIELDS, describes every field of a case record in data/cases.json
in Chinese and English; the JSON Schema and the data README page are both
made from it, so the two can never disagree. A test validates the built
cases.json against the schema, so a field added to the export without a line
here fails the build's tests.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.source.config import STAGE_KEYS
from generator.render.export import CSV_COLUMNS

if TYPE_CHECKING:
    from generator.source.model import Site

DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$"}
DAY = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
TEXT: dict[str, Any] = {"type": "string"}
TEXTS = {"type": "array", "items": {"type": "string"}}
COUNT = {"type": ["integer", "null"], "minimum": 0}
SLUG = {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}
STAGE = {"type": "string", "enum": list(STAGE_KEYS)}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    schema: dict[str, Any]
    zh: str
    en: str
    derived: bool = False          # computed by the build, not written by editors

    @property
    def kind(self) -> str:
        """A short type name for the page: string, integer, array, …"""
        kinds = self.schema.get("type", "object")
        return " | ".join(kinds) if isinstance(kinds, list) else str(kinds)

    @property
    def in_csv(self) -> bool:
        return self.name in CSV_COLUMNS


TIMELINE = {
    "type": "array",
    "items": {
        "type": "object", "additionalProperties": False, "required": ["date", "stage", "text"],
        "properties": {
            "date": {**DATE, "description": "日期 / date of the step"},
            "stage": {"type": ["string", "null"], "enum": list(STAGE_KEYS) + [None],
                      "description": "该步所处阶段，可为空 / the stage this step belongs to, or null"},
            "text": {**TEXT, "description": "经过 / what happened"},
        },
    },
}

FIELDS: tuple[Field, ...] = (
    Field("slug", SLUG, "案例的网址标识，固定不变，可用作编号", "the case's stable URL name; usable as an identifier"),
    Field("title", TEXT, "标题", "title"),
    Field("date", DATE, "提出或协商的日期（YYYY-MM-DD，只知道月份时为 YYYY-MM）",
          "when the case was raised or consulted (YYYY-MM-DD, or YYYY-MM when only the month is known)"),
    Field("url", {"type": "string", "format": "uri"}, "案例页面的完整网址", "full address of the case's page"),
    Field("province", TEXT, "省", "province"),
    Field("city", TEXT, "市", "city"),
    Field("county", TEXT, "县（区）", "county or district"),
    Field("township", TEXT, "乡镇（街道）名称", "township or street name"),
    Field("township_slug", SLUG, "乡镇（街道）的网址标识", "the township's URL name"),
    Field("villages", TEXTS, "涉及的村（社区）；CSV 中用 | 分隔", "villages or communities concerned; joined with | in the CSV"),
    Field("topics", TEXTS, "议题名称；CSV 中用 | 分隔", "topic names; joined with | in the CSV"),
    Field("topic_slugs", {"type": "array", "items": SLUG}, "议题的网址标识", "the topics' URL names"),
    Field("status", STAGE, "当前阶段：raised 群众点单、adopted 委员买单、consulting 协商接单、following_up 跟进查单、resolved 已办结",
          "current stage: raised, adopted, consulting, following_up or resolved"),
    Field("status_label", TEXT, "当前阶段在本站的名称", "the current stage's label on this site"),
    Field("form", TEXT, "协商形式，如 议事会、微协商、视察", "form of consultation, e.g. council meeting, micro-consultation, inspection"),
    Field("convener", TEXT, "召集人", "convener"),
    Field("participants", COUNT, "参与的委员人数；未填写时为空", "number of members taking part; null when not given"),
    Field("beneficiaries", COUNT, "受益群众人数；未填写时为空", "number of people who benefit; null when not given"),
    Field("outcome", TEXT, "一句话的结果", "the result in one line"),
    Field("follow_up", {"type": ["string", "null"], "pattern": DATE["pattern"]},
          "下次跟进的日期；未填写时为空", "when the next check is due; null when not set"),
    Field("updated", {"type": ["string", "null"], "pattern": DATE["pattern"]},
          "最近一次值得告知订阅者的修改日期；未填写时为空", "day of the last edit worth telling subscribers; null when not set"),
    Field("timeline", TIMELINE, "办理经过，按日期排列；CSV 中为 JSON 文本", "the case's history, by date; JSON text in the CSV"),
    Field("source_name", TEXT, "信息来源名称", "name of the source"),
    Field("source_url", {"type": "string", "pattern": r"^(https?://\S+)?$"}, "信息来源网址（http 或 https）",
          "address of the source (http or https)"),
    Field("photos", {"type": "array", "items": {"type": "string", "format": "uri"}},
          "照片（最大尺寸的 JPEG，已去除位置等元数据）的网址；CSV 中以 | 分隔",
          "addresses of the photos (the largest JPEG, metadata removed); | between them in the CSV", derived=True),
    Field("cover", {"type": ["string", "null"]}, "封面小图（480×320 JPEG）的网址；没有照片时为空",
          "address of the cover (a 480×320 JPEG); null without photos", derived=True),
    Field("reports", {"type": "array", "items": SLUG}, "报道了本案例的新闻报道（网址标识）", "news reports covering the case (their URL names)"),
    Field("raised_on", DAY, "提出之日：时间线中第一条「群众点单」，否则为最早的日期",
          "day raised: the first `raised` timeline entry, else the earliest date given", derived=True),
    Field("stage_since", DAY, "进入当前阶段之日", "day the case entered its current stage", derived=True),
    Field("days_in_stage", {"type": "integer", "minimum": 0}, "截至 as_of 在当前阶段停留的天数",
          "days in the current stage as of `as_of`", derived=True),
    Field("resolved_on", {"type": ["string", "null"], "pattern": DAY["pattern"]}, "办结之日；未办结或时间线未记载时为空",
          "day resolved; null when open or not recorded in the timeline", derived=True),
    Field("days_to_resolve", {"type": ["integer", "null"], "minimum": 0}, "从提出到办结的天数；未知时为空",
          "days from raised to resolved; null when unknown", derived=True),
    Field("overdue", {"type": "boolean"}, "是否逾期：跟进日期已过而尚未办结", "overdue: the follow-up date has passed and the case is not resolved",
          derived=True),
    Field("days_overdue", {"type": "integer", "minimum": 0}, "逾期天数；未逾期为 0", "days overdue; 0 when not overdue", derived=True),
)

DOCUMENT_FIELDS: tuple[Field, ...] = (
    Field("site", TEXT, "网站名称", "the site's title"),
    Field("url", {"type": "string", "format": "uri"}, "网站地址", "the site's address"),
    Field("count", {"type": "integer", "minimum": 0}, "案例数", "number of cases"),
    Field("as_of", DAY, "数据计算所依据的日期（天数和逾期据此计算）", "the day the figures were computed for (days and overdue)"),
    Field("cases", {"type": "array"}, "全部已发布案例，最新的在前", "every published case, newest first"),
)


def json_schema(site: Site) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for the site's data/cases.json."""
    def prop(f: Field) -> dict[str, Any]:
        return {**f.schema, "title": f.zh, "description": f.en}
    document = {f.name: prop(f) for f in DOCUMENT_FIELDS}
    document["cases"] = {**document["cases"], "items": {"$ref": "#/$defs/case"}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": site.base_url + "data/schema.json",
        "title": f"{site.config.title}：案例开放数据 / open data of consultation cases",
        "description": "data/cases.json 的结构；各字段说明见 data/ 页面。/ The structure of data/cases.json; "
                       "every field is explained on the data/ page.",
        "type": "object",
        "additionalProperties": False,
        "required": [f.name for f in DOCUMENT_FIELDS],
        "properties": document,
        "$defs": {"case": {
            "type": "object",
            "additionalProperties": False,
            "required": [f.name for f in FIELDS],
            "properties": {f.name: prop(f) for f in FIELDS},
        }},
    }


def schema_json(site: Site) -> str:
    return json.dumps(json_schema(site), ensure_ascii=False, sort_keys=True, indent=1) + "\n"
