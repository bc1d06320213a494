"""The place tree from content/places.yaml, and township lookup by name or path.

Levels by depth: province (0) > city (1) > county/district (2) > township/street (3)
> village/community (4). Pure apart from `load_places`, which reads one file.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from generator.core.errors import Problems, join_choices, suggestion
from generator.core.schema import Reader, read_yaml_list
from generator.core.slugs import PLACE_NAMES, SHIPPED, Readings, is_valid_slug, slugify, syllables
from generator.core.yamlsrc import YList, YMap

PLACES_FILE = "content/places.yaml"
TOWNSHIP_DEPTH = 3
PLACE_KEYS = ("name", "slug", "pinyin", "description", "children")
_PINYIN = re.compile(r"[a-zü]+(?:[ '-][a-zü]+)*")
_LEVELS = (("省", "province"), ("市", "city"), ("县（区）", "county"), ("乡镇（街道）", "township"), ("村（社区）", "village"))


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    slug: str
    path: tuple[str, ...]          # names from the root down to this place
    description: str
    children: tuple[str, ...]      # names of the children
    line: int
    reading: str = ""              # its pinyin syllables, space-separated: places.yaml `pinyin:`, or made
                                   # here for a place without a slug (else PlaceTree.reading makes it)

    @property
    def depth(self) -> int:
        return len(self.path) - 1

    @property
    def label(self) -> str:
        return "/".join(self.path)


# From an earlier build's data/places.json: township label → (its slug then, its slugs before).
PlaceHistory = Mapping[str, tuple[str, tuple[str, ...]]]


@dataclass(frozen=True)
class PlaceTree:
    places: tuple[Place, ...]                 # depth-first, file order
    moved: tuple[tuple[str, str], ...] = ()   # (an earlier township slug, the slug that township has now)

    @cached_property
    def readings(self) -> Readings:
        """How the site's place names are read, for slugs made from titles that name them
        (镇长走访长岭镇 → zhen-zhang-zou-fang-chang-ling-zhen)."""
        return Readings({p.name: reading for p in self.places if (reading := self.reading(p))}, SHIPPED)

    def reading(self, place: Place) -> str:
        """A place's pinyin syllables: places.yaml's `pinyin:`, else made from its name. Made
        when first asked for: a site whose places all have slugs needs no pinyin to load, and
        pypinyin's import (0.1 s) is then paid while worker processes parse (build/load.py).
        (slugs.known_pinyin keeps what pypinyin said, so asking again costs little.)"""
        return place.reading or _reading_of(place.name)

    @cached_property
    def _townships(self) -> tuple[Place, ...]:
        return tuple(p for p in self.places if p.depth == TOWNSHIP_DEPTH)

    def townships(self) -> tuple[Place, ...]:
        return self._townships

    def counties(self) -> tuple[Place, ...]:
        return tuple(p for p in self.places if p.depth == TOWNSHIP_DEPTH - 1)

    @cached_property
    def _by_path(self) -> dict[tuple[str, ...], Place]:
        return {p.path: p for p in self.places}

    @cached_property
    def _township_by_slug(self) -> dict[str, Place]:
        return {p.slug: p for p in self._townships}

    @cached_property
    def _by_name(self) -> dict[str, tuple[Place, ...]]:
        found: dict[str, list[Place]] = {}
        for p in self.places:
            found.setdefault(p.name, []).append(p)
        return {k: tuple(v) for k, v in found.items()}

    def by_path(self) -> dict[tuple[str, ...], Place]:
        """Every place by its path of names (built once: callers look up per case)."""
        return self._by_path

    def township_by_slug(self) -> dict[str, Place]:
        return self._township_by_slug

    def named(self, name: str) -> tuple[Place, ...]:
        """Places of any level with this name."""
        return self._by_name.get(name, ())

    def ancestors(self, place: Place) -> tuple[Place, ...]:
        index = self.by_path()
        return tuple(index[place.path[:i]] for i in range(1, len(place.path)))

    @cached_property
    def _resolved(self) -> dict[str, tuple[Place | None, tuple[Place, ...]]]:
        return {}

    def resolve_township(self, text: str) -> tuple[Place | None, tuple[Place, ...]]:
        """Find the township `text` names: (place, ()) or (None, candidates).
        Remembered: thousands of cases name the same few hundred townships."""
        found = self._resolved.get(text)
        if found is None:
            found = self._resolved[text] = self._resolve(text)
        return found

    def _resolve(self, text: str) -> tuple[Place | None, tuple[Place, ...]]:
        parts = tuple(p.strip() for p in text.split("/") if p.strip())
        if not parts:
            return None, ()
        same_name = tuple(p for p in self._by_name.get(parts[-1], ()) if p.depth == TOWNSHIP_DEPTH)
        matches = tuple(t for t in same_name if _is_subsequence(parts, t.path))
        if len(matches) == 1:
            return matches[0], ()
        if not matches and len(parts) == 1:
            by_slug = [t for t in self.townships() if t.slug == parts[0]]
            if len(by_slug) == 1:
                return by_slug[0], ()
        return None, matches


def _is_subsequence(parts: tuple[str, ...], path: tuple[str, ...]) -> bool:
    position = 0
    for name in path:
        if position < len(parts) and parts[position] == name:
            position += 1
    return position == len(parts)


def load_places(site_dir: Path, problems: Problems, history: PlaceHistory | None = None) -> PlaceTree:
    """The place tree; `history` (an earlier build's township URLs) keeps each township at the
    address it had, and records the old address of any that moved, for a redirect page."""
    data = read_yaml_list(site_dir, PLACES_FILE, problems,
                          "缺少地名文件 content/places.yaml；请按 省 > 市 > 县（区） > 乡镇（街道） 列出地名",
                          "content/places.yaml is missing; list places as province > city > county > township")
    if data is None:
        return PlaceTree(())
    places: list[Place] = []
    earlier = len(problems.errors)
    _read_level(data, (), problems, places)
    moved = _assign_slugs(places, problems, history or {})
    if places and len(problems.errors) == earlier and not any(p.depth == TOWNSHIP_DEPTH for p in places):
        # One error here, instead of one "no such township" per case.
        problems.add(PLACES_FILE, places[0].line,
                     "places.yaml 中没有乡镇（街道）一级：乡镇（街道）应写在 省 > 市 > 县（区） 之下，"
                     "例如 安徽省 > 安庆市 > 望江县 > 凉泉乡",
                     "places.yaml has no township level: townships go under province > city > county, "
                     "e.g. 安徽省 > 安庆市 > 望江县 > 凉泉乡")
    return PlaceTree(tuple(places), moved)


def _read_level(items: YList, parent: tuple[str, ...], problems: Problems, out: list[Place]) -> None:
    seen: dict[str, int] = {}
    for item, line in zip(items, items.item_line):
        reading = ""
        if isinstance(item, (str, int)) and not isinstance(item, bool):
            name, slug, description, children, node_line = str(item).strip(), "", "", None, line
        elif isinstance(item, YMap):
            r = Reader(item, PLACES_FILE, problems)
            r.unknown_keys(PLACE_KEYS, "地名", "a place")
            name = r.get("name", str, required=True, example="凉泉乡") or ""
            slug = r.get("slug", str, example="liangquan", default="")
            if slug and not is_valid_slug(slug):
                r.error("slug", f"slug「{slug}」只能用小写英文字母、数字和连字符，例如 liangquan",
                        f"slug `{slug}` may only use a-z, 0-9 and hyphens, e.g. liangquan", at_value=True)
                slug = ""
            reading = " ".join(r.get("pinyin", str, example="chang ling zhen", default="").lower().split())
            if reading and not _PINYIN.fullmatch(reading):
                r.error("pinyin", f"pinyin「{reading}」应为不带声调的拼音，音节之间用空格隔开，例如 pinyin: chang ling zhen",
                        f"`pinyin` `{reading}` should be toneless pinyin, syllables apart, e.g. pinyin: chang ling zhen",
                        at_value=True)
                reading = ""
            description = r.get("description", str, default="")
            children = item.get("children")
            node_line = item.line
            if children is not None and not isinstance(children, YList):
                r.error("children", "children 应为列表", "`children` should be a list", at_value=True)
                children = None
        else:
            problems.add(PLACES_FILE, line, "每个地名应为名称或 name: 形式的条目", "each place should be a name or a `name:` entry")
            continue
        if not name:
            continue
        if "/" in name:
            problems.add(PLACES_FILE, node_line, f"地名「{name}」不能包含 /", f"place name `{name}` cannot contain /")
            continue
        if name in seen:
            problems.add(PLACES_FILE, node_line, f"「{name}」在同一上级下重复（第 {seen[name]} 行已有）",
                         f"`{name}` appears twice under the same parent (also on line {seen[name]})")
            continue
        seen[name] = node_line
        path = parent + (name,)
        child_names = tuple(str(c.get("name", "")).strip() if isinstance(c, YMap) else str(c).strip()
                            for c in (children or ()))
        out.append(Place(name, slug, path, description, child_names, node_line, reading))
        if children:
            _read_level(children, path, problems, out)


def _reading_of(name: str) -> str:
    """The pinyin syllables of a place's name, space-separated (长 in it read chang)."""
    return " ".join(syllables(name, PLACE_NAMES))


def _assign_slugs(places: list[Place], problems: Problems, history: PlaceHistory) -> tuple[tuple[str, str], ...]:
    """Give every place its slug; returns the townships' moved addresses (old slug, new slug).

    A slug written in places.yaml wins. A township the last build published keeps the slug
    it had there, so its URL does not move when another county adds a township of the same
    name. Any other gets its pinyin, with its county's slug in front when the name repeats
    or the plain one is taken.
    """
    by_path = {p.path: p for p in places}
    name_count: dict[tuple[int, str], int] = {}
    for p in places:
        name_count[(p.depth, p.name)] = name_count.get((p.depth, p.name), 0) + 1
    for i, p in enumerate(places):   # the reading of every place that may need a slug made from it
        if not p.slug and not p.reading:
            places[i] = p = Place(p.name, p.slug, p.path, p.description, p.children, p.line, _reading_of(p.name))
            by_path[p.path] = p
    written = {p.slug for p in places if p.slug and p.depth == TOWNSHIP_DEPTH}
    kept: set[str] = set()
    for i, p in enumerate(places):
        if not p.slug and p.depth == TOWNSHIP_DEPTH and p.label in history:
            earlier = history[p.label][0]
            if is_valid_slug(earlier) and earlier not in written and earlier not in kept:
                places[i] = p = Place(p.name, earlier, p.path, p.description, p.children, p.line, p.reading)
                kept.add(earlier)
    for i, p in enumerate(places):
        if p.slug:
            continue
        plain = slugify(p.reading) or f"place-{i}"
        slug = plain
        if p.depth >= 1 and (name_count[(p.depth, p.name)] > 1 or (p.depth == TOWNSHIP_DEPTH and plain in kept)):
            parent = by_path[p.path[:-1]]
            slug = f"{parent.slug}-{plain}"   # (the parent, earlier in the list, has its slug by now)
        places[i] = p = Place(p.name, slug, p.path, p.description, p.children, p.line, p.reading)
        by_path[p.path] = p
    # Townships and counties each share one URL space: a repeated slug is an error naming both.
    for depth in (TOWNSHIP_DEPTH - 1, TOWNSHIP_DEPTH):
        owners: dict[str, Place] = {}
        for p in places:
            if p.depth != depth:
                continue
            if p.slug in owners:
                other = owners[p.slug]
                problems.add(PLACES_FILE, p.line,
                             f"「{p.label}」的 slug「{p.slug}」与第 {other.line} 行的「{other.label}」相同；请给其中一个写不同的 slug",
                             f"`{p.label}` has slug `{p.slug}`, the same as `{other.label}` on line {other.line}; give one a different slug")
            else:
                owners[p.slug] = p
    return _moves(places, problems, history)


def _moves(places: list[Place], problems: Problems, history: PlaceHistory) -> tuple[tuple[str, str], ...]:
    """Old township addresses that now lead elsewhere: the last build's slug when it changed
    (with a warning), and every earlier one still recorded, unless a township has it now."""
    townships = [p for p in places if p.depth == TOWNSHIP_DEPTH]
    taken = {p.slug for p in townships}
    moved: dict[str, str] = {}
    for p in townships:
        if p.label not in history:
            continue
        earlier, before = history[p.label]
        for old in (*before, earlier):
            if old != p.slug and old not in taken and is_valid_slug(old):
                moved[old] = p.slug
        if earlier != p.slug:
            problems.add(PLACES_FILE, p.line,
                         f"「{p.label}」的网址由 townships/{earlier}/ 改为 townships/{p.slug}/；旧网址会生成一个跳转到新网址的页面"
                         + ("" if earlier not in taken else "（但旧网址现在属于另一个乡镇，无法跳转）"),
                         f"the address of `{p.label}` changes from townships/{earlier}/ to townships/{p.slug}/; "
                         f"the old address gets a page that leads to the new one"
                         + ("" if earlier not in taken else " (but another township has the old address now)"),
                         warning=True, once=True)   # OUT's places.json has the new address after this build
    return tuple(sorted(moved.items()))


def township_problem(tree: PlaceTree, text: str, problems: Problems) -> tuple[str, str]:
    """The (zh, en) message for a township that does not resolve."""
    place, candidates = tree.resolve_township(text)
    assert place is None
    if candidates:
        zh_list = join_choices(problems, (c.label for c in candidates))
        return (f"乡镇「{text}」有重名：{zh_list}；请写成带上级的路径，例如 {candidates[0].path[-2]}/{candidates[0].name}",
                f"township `{text}` is ambiguous: {', '.join(c.label for c in candidates)}; "
                f"write it as a path, e.g. {candidates[0].path[-2]}/{candidates[0].name}")
    elsewhere = [p for p in tree.named(text.split("/")[-1].strip()) if p.depth != TOWNSHIP_DEPTH]
    if elsewhere:
        place = elsewhere[0]
        index = tree.by_path()
        above = index.get(place.path[:TOWNSHIP_DEPTH + 1]) if place.depth > TOWNSHIP_DEPTH else None
        below = index.get(place.path + place.children[:1]) if place.depth == TOWNSHIP_DEPTH - 1 and place.children else None
        example = (above or below or (tree.townships() or (place,))[0]).name
        level_zh, level_en = _LEVELS[min(place.depth, 4)]
        return (f"「{place.name}」在 content/places.yaml 中是{level_zh}，不是乡镇（街道）；township 应写县（区）下一级的名称，例如 {example}",
                (f"`{place.name}` is a {level_en} in content/places.yaml, not a township; "
                 f"township takes a name from the level under a county, e.g. {example}"))
    names = [t.name for t in tree.townships()]
    hint = suggestion(problems, text.split("/")[-1], names)
    if not hint:
        hint = "；请先在 content/places.yaml 中添加它" if problems.zh() else "; add it to content/places.yaml first"
    return (f"content/places.yaml 中没有乡镇（街道）「{text}」{hint}", f"no township `{text}` in content/places.yaml{hint}")
