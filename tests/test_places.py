"""The place tree: lookup by name and by path, ambiguity, default slugs, file problems."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MINI_PLACES, make_site

from generator.core.errors import Problems
from generator.source.places import PlaceTree, load_places, township_problem

REPEATED = """\
- name: 安徽省
  children:
    - name: 安庆市
      children:
        - name: 望江县
          slug: wangjiang
          children:
            - name: 凉泉乡
              children: [韩店村, 凉泉村]
            - name: 城关镇
        - name: 太湖县
          slug: taihu
          children:
            - name: 城关镇
            - name: 凉泉乡
    - name: 合肥市
      children:
        - name: 肥西县
          children:
            - name: 杨庙镇
            - name: 城关镇
"""


def tree_of(tmp_path: Path, text: str, lang: str = "zh-CN") -> tuple[PlaceTree, Problems]:
    make_site(tmp_path, {"content/places.yaml": text}, defaults=False)
    problems = Problems(lang)
    return load_places(tmp_path, problems), problems


def test_levels_and_order(tmp_path: Path) -> None:
    tree, problems = tree_of(tmp_path, MINI_PLACES)
    assert not problems.items
    assert [p.name for p in tree.counties()] == ["望江县", "长丰县"]
    assert [p.name for p in tree.townships()] == ["凉泉乡", "赛口镇", "杨庙镇"]
    liangquan = tree.townships()[0]
    assert liangquan.path == ("安徽省", "安庆市", "望江县", "凉泉乡")
    assert liangquan.children == ("韩店村", "凉泉村")
    assert liangquan.slug == "liangquan" and liangquan.line == 10
    assert [p.name for p in tree.ancestors(liangquan)] == ["安徽省", "安庆市", "望江县"]
    villages = [p for p in tree.places if p.depth == 4]
    assert [v.name for v in villages] == ["韩店村", "凉泉村", "庙南社区"]


def test_lookup_by_name_by_path_and_by_slug(tmp_path: Path) -> None:
    tree, _ = tree_of(tmp_path, REPEATED)
    place, candidates = tree.resolve_township("杨庙镇")
    assert place is not None and place.path[-2] == "肥西县" and candidates == ()
    place, _ = tree.resolve_township("望江县/凉泉乡")
    assert place is not None and place.path == ("安徽省", "安庆市", "望江县", "凉泉乡")
    place, _ = tree.resolve_township("太湖县/凉泉乡")
    assert place is not None and place.path[-2] == "太湖县"
    place, _ = tree.resolve_township("合肥市/城关镇")         # any ancestor will do
    assert place is not None and place.path[-2] == "肥西县"
    place, _ = tree.resolve_township(" 安徽省 / 安庆市 / 望江县 / 城关镇 ")
    assert place is not None and place.path[-2] == "望江县"
    place, _ = tree.resolve_township("yang-miao-zhen")
    assert place is not None and place.name == "杨庙镇"


def test_ambiguous_names_list_every_candidate(tmp_path: Path) -> None:
    tree, problems = tree_of(tmp_path, REPEATED)
    place, candidates = tree.resolve_township("城关镇")
    assert place is None
    assert [c.label for c in candidates] == ["安徽省/安庆市/望江县/城关镇", "安徽省/安庆市/太湖县/城关镇",
                                             "安徽省/合肥市/肥西县/城关镇"]
    place, candidates = tree.resolve_township("安庆市/城关镇")
    assert place is None and len(candidates) == 2
    zh, en = township_problem(tree, "城关镇", problems)
    assert zh == ("乡镇「城关镇」有重名：安徽省/安庆市/望江县/城关镇、安徽省/安庆市/太湖县/城关镇、安徽省/合肥市/肥西县/城关镇；"
                  "请写成带上级的路径，例如 望江县/城关镇")
    assert "ambiguous" in en and "望江县/城关镇" in en


def test_unknown_township_suggests_the_closest_name(tmp_path: Path) -> None:
    tree, problems = tree_of(tmp_path, REPEATED)
    assert tree.resolve_township("凉泉镇") == (None, ())
    zh, en = township_problem(tree, "凉泉镇", problems)
    assert zh == "content/places.yaml 中没有乡镇（街道）「凉泉镇」；你是不是想写 凉泉乡？"
    zh, en = township_problem(tree, "北京", Problems("en"))
    assert en == "no township `北京` in content/places.yaml; add it to content/places.yaml first"
    # a county or a village is not a township
    assert tree.resolve_township("望江县")[0] is None
    assert tree.resolve_township("韩店村")[0] is None
    assert tree.resolve_township("肥西县/凉泉乡") == (None, ())
    assert tree.resolve_township("/") == (None, ())


def test_same_named_townships_get_distinct_default_slugs(tmp_path: Path) -> None:
    tree, problems = tree_of(tmp_path, REPEATED)
    assert not problems.items
    slugs = {t.label: t.slug for t in tree.townships()}
    assert slugs["安徽省/安庆市/望江县/城关镇"] == "wangjiang-cheng-guan-zhen"
    assert slugs["安徽省/安庆市/太湖县/城关镇"] == "taihu-cheng-guan-zhen"
    assert slugs["安徽省/合肥市/肥西县/城关镇"] == "fei-xi-xian-cheng-guan-zhen"
    assert slugs["安徽省/安庆市/望江县/凉泉乡"] == "wangjiang-liang-quan-xiang"
    assert slugs["安徽省/合肥市/肥西县/杨庙镇"] == "yang-miao-zhen"   # unique names need no prefix
    assert len(set(slugs.values())) == len(slugs)
    # Only the county slug is borrowed: the county's own default slug stays unprefixed.
    assert [c.slug for c in tree.counties()] == ["wangjiang", "taihu", "fei-xi-xian"]
    assert set(tree.township_by_slug()) == set(slugs.values())


def test_slug_collisions_name_both_places(tmp_path: Path) -> None:
    text = REPEATED.replace("            - name: 杨庙镇\n", "            - name: 杨庙镇\n              slug: taihu-cheng-guan-zhen\n")
    _, problems = tree_of(tmp_path, text)
    [problem] = problems.errors
    assert problem.path == "content/places.yaml" and problem.line == 20
    assert "taihu-cheng-guan-zhen" in problem.message and "第 14 行" in problem.message
    assert "杨庙镇" in problem.message and "太湖县/城关镇" in problem.message


@pytest.mark.parametrize(("text", "line", "part"), [
    ("- name: 安徽省\n  slug: Anhui\n", 2, "slug「Anhui」"),
    ("- name: 安徽省\n  slgu: anhui\n", 2, "你是不是想写 slug"),
    ("- name: 安徽/省\n", 1, "不能包含 /"),
    ("- name: 安徽省\n  children:\n    - name: 合肥市\n    - name: 合肥市\n", 4, "重复（第 3 行已有）"),
    ("- name: 安徽省\n  children: 合肥市\n", 2, "children 应为列表"),
    ("- slug: anhui\n", 1, "缺少必填字段「name」"),
    ("- [a, b]\n", 1, "每个地名"),
    ("name: 安徽省\n", 1, "应为列表"),
    ("- name: 安徽省\n\t- name: x\n", 2, "Tab"),
    ("- name: 安徽省\n  name: 合肥\n", 2, "重复"),
])
def test_file_problems_are_located(tmp_path: Path, text: str, line: int, part: str) -> None:
    _, problems = tree_of(tmp_path, text)
    assert [(p.path, p.line) for p in problems.errors] == [("content/places.yaml", line)], problems.errors
    assert part in problems.errors[0].message


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    problems = Problems()
    assert load_places(tmp_path, problems).places == ()
    assert [p.format() for p in problems.errors] == [
        "content/places.yaml: 缺少地名文件 content/places.yaml；请按 省 > 市 > 县（区） > 乡镇（街道） 列出地名"]
    make_site(tmp_path, {"content/places.yaml": "- name: 安徽省\n".encode("gbk")}, defaults=False)
    problems = Problems("en")
    load_places(tmp_path, problems)
    assert [p.format() for p in problems.errors] == ["content/places.yaml: the file is not UTF-8; save it as UTF-8"]


def test_bom_and_comments_are_fine(tmp_path: Path) -> None:
    tree, problems = tree_of(tmp_path, "\ufeff# 地名\n- name: 安徽省\n  children:\n    - name: 合肥市\n      children:\n"
                                       "        - name: 长丰县\n          children: [杨庙镇]\n")
    assert not problems.items and [p.name for p in tree.places] == ["安徽省", "合肥市", "长丰县", "杨庙镇"]


def test_a_county_or_village_is_explained_not_just_unknown(tmp_path: Path) -> None:
    tree, problems = tree_of(tmp_path, MINI_PLACES)
    zh, en = township_problem(tree, "望江县", problems)
    assert zh == "「望江县」在 content/places.yaml 中是县（区），不是乡镇（街道）；township 应写县（区）下一级的名称，例如 凉泉乡"
    zh, en = township_problem(tree, "庙南社区", problems)
    assert zh == "「庙南社区」在 content/places.yaml 中是村（社区），不是乡镇（街道）；township 应写县（区）下一级的名称，例如 杨庙镇"
    assert en.startswith("`庙南社区` is a village in content/places.yaml, not a township")


def test_a_tree_without_a_township_level_is_one_error(tmp_path: Path) -> None:
    tree, problems = tree_of(tmp_path, "# 少写了省和市\n- name: 望江县\n  children:\n    - name: 凉泉乡\n")
    assert [p.format() for p in problems.errors] == [
        ("content/places.yaml:2: places.yaml 中没有乡镇（街道）一级：乡镇（街道）应写在 省 > 市 > 县（区） 之下，"
         "例如 安徽省 > 安庆市 > 望江县 > 凉泉乡")]
    assert tree.townships() == ()
