"""`bulletin init` (a skeleton that builds as is) and `bulletin new` (a case from the archetype)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jinja2

from generator.source.config import load_config
from generator.core.errors import Problems, SiteError, suggestion
from generator.core.frontmatter import FrontMatterError, decode, split
from generator.source.places import load_places, township_problem
from generator.core.slugs import Readings, slugify
from generator.core.themedir import builtin_theme_dir
from generator.render.theme import load_theme
from generator.source.topics import load_topics
from generator.core.yamlsrc import YamlError, load_yaml

SKELETON = {
    "site.yaml": """\
title: 协商公报
description: 基层协商议事成果公开
base_url: https://example.org/
language: zh-CN
timezone: Asia/Shanghai
per_page: 10
""",
    "content/places.yaml": """\
- name: 安徽省
  slug: anhui
  children:
    - name: 安庆市
      slug: anqing
      children:
        - name: 望江县
          slug: wangjiang
          children:
            - name: 凉泉乡
              slug: liangquan
              children: [韩店村, 凉泉村]
""",
    "content/topics.yaml": """\
- name: 交通出行
  slug: transport
  description: 道路、桥梁与公共交通
""",
    "content/cases/first-case.md": """\
---
title: 第一个协商案例
date: 2021-06-20
township: 凉泉乡
topics: [交通出行]
status: raised
outcome: 群众反映的问题已登记
slug: first-case
---
在这里用 Markdown 写案例经过：群众反映了什么、委员如何协商、结果怎样。
""",
    "content/pages/about.md": """\
---
title: 关于本公报
slug: about
---
本站公开基层协商议事的过程与结果。
""",
}


def init_site(target: Path) -> None:
    for rel, text in SKELETON.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def new_case(site_dir: Path, title: str, township: str, topics: list[str], today: dt.date) -> Path:
    """Write content/cases/SLUG.md from the theme's archetype; never overwrite."""
    problems = Problems()
    config = load_config(site_dir, problems)
    places = load_places(site_dir, problems)
    known_topics = load_topics(site_dir, problems)
    theme = load_theme(site_dir, config.theme, config.language, problems)
    problems.raise_if_errors()
    place, _ = places.resolve_township(township)
    if place is None:
        zh, en = township_problem(places, township, problems)
        problems.add("content/places.yaml", None, zh, en)
    names = {t.name for t in known_topics} | {t.slug for t in known_topics}
    for topic in topics:
        if topic not in names:
            hint = suggestion(problems, topic, [t.name for t in known_topics])
            problems.add("content/topics.yaml", None, f"没有议题「{topic}」{hint}", f"no topic `{topic}`{hint}")
    slug = slugify(title, readings=places.readings)
    if not slug:
        problems.add("content/cases", None, f"无法从标题「{title}」生成网址；请换一个标题",
                     f"cannot make a slug from the title `{title}`; choose another title")
    problems.raise_if_errors()
    path = site_dir / "content" / "cases" / f"{slug}.md"
    if path.exists():
        raise SiteError([problems_item(path.relative_to(site_dir).as_posix(), config.language)])
    owner = _slug_owner(site_dir, slug, places.readings)
    if owner:
        problems.add(owner, None, f"网址 slug「{slug}」已被这个案例使用，新案例会与它冲突；请换一个标题",
                     f"the slug `{slug}` is already used by this case, so a new case would collide with it; choose another title")
        problems.raise_if_errors()
    archetype = theme.find("archetypes", "case.md") or builtin_theme_dir() / "archetypes" / "case.md"
    template = jinja2.Environment(keep_trailing_newline=True, autoescape=False).from_string(archetype.read_text("utf-8"))
    text = template.render(title=json.dumps(title, ensure_ascii=False), date=today.isoformat(),
                           township=json.dumps(township, ensure_ascii=False),
                           topics=json.dumps(topics, ensure_ascii=False), slug=slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _slug_owner(site_dir: Path, slug: str, readings: Readings) -> str | None:
    """The case file that already has `slug` (given, or made from its title), if any.

    Reads front matter only, so it stays quick on large sites; unreadable files are left to `build`.
    """
    for path in sorted((site_dir / "content" / "cases").rglob("*.md")):
        try:
            data = load_yaml(split(decode(path.read_bytes())).yaml_text)
        except (OSError, UnicodeDecodeError, FrontMatterError, YamlError):
            continue
        if not isinstance(data, dict):
            continue
        given, title = data.get("slug"), data.get("title")
        taken = given if isinstance(given, str) and given.strip() else slugify(str(title), readings=readings) if title else path.stem
        if str(taken).strip() == slug:
            return path.relative_to(site_dir).as_posix()
    return None


def problems_item(rel: str, language: str):  # type: ignore[no-untyped-def]
    problems = Problems(language)
    problems.add(rel, None, "文件已存在，不会覆盖；请换一个标题或先改名原文件",
                 "the file already exists and will not be overwritten; choose another title")
    return problems.items[0]
