"""The topic list from content/topics.yaml. Pure apart from `load_topics`."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.core.errors import Problems
from generator.core.schema import Reader, read_yaml_list
from generator.core.slugs import is_valid_slug, slugify
from generator.core.yamlsrc import YMap

TOPICS_FILE = "content/topics.yaml"
TOPIC_KEYS = ("name", "slug", "description")


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    slug: str
    description: str
    line: int


def load_topics(site_dir: Path, problems: Problems) -> tuple[Topic, ...]:
    data = read_yaml_list(site_dir, TOPICS_FILE, problems,
                          "缺少议题文件 content/topics.yaml；请列出议题，如 - name: 交通出行",
                          "content/topics.yaml is missing; list the topics, e.g. - name: Transport")
    if data is None:
        return ()
    topics: list[Topic] = []
    names: dict[str, int] = {}
    slugs: dict[str, Topic] = {}
    for item, line in zip(data, data.item_line):
        if isinstance(item, str):
            name, slug, description = item.strip(), "", ""
        elif isinstance(item, YMap):
            r = Reader(item, TOPICS_FILE, problems)
            r.unknown_keys(TOPIC_KEYS, "议题", "a topic")
            name = r.get("name", str, required=True, example="交通出行") or ""
            slug = r.get("slug", str, example="transport", default="")
            description = r.get("description", str, default="")
            if slug and not is_valid_slug(slug):
                r.error("slug", f"slug「{slug}」只能用小写英文字母、数字和连字符，例如 transport",
                        f"slug `{slug}` may only use a-z, 0-9 and hyphens, e.g. transport", at_value=True)
                slug = ""
        else:
            problems.add(TOPICS_FILE, line, "每个议题应为名称或 name: 形式的条目", "each topic should be a name or a `name:` entry")
            continue
        if not name:
            continue
        if name in names:
            problems.add(TOPICS_FILE, line, f"议题「{name}」重复（第 {names[name]} 行已有）",
                         f"topic `{name}` is listed twice (also on line {names[name]})")
            continue
        names[name] = line
        topic = Topic(name, slug or slugify(name) or f"topic-{len(topics) + 1}", description, line)
        if topic.slug in slugs:
            other = slugs[topic.slug]
            problems.add(TOPICS_FILE, line, f"议题「{name}」的 slug「{topic.slug}」与第 {other.line} 行的「{other.name}」相同；请写不同的 slug",
                         f"topic `{name}` has slug `{topic.slug}`, the same as `{other.name}` on line {other.line}; give it another slug")
            continue
        slugs[topic.slug] = topic
        topics.append(topic)
    return tuple(topics)
