"""Strict YAML: real file lines, no YAML 1.1 surprises, no tags, no aliases."""
from __future__ import annotations

import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core.yamlsrc import YamlError, YList, YMap, load_yaml


def error_of(text: str, offset: int = 0) -> YamlError:
    with pytest.raises(YamlError) as info:
        load_yaml(text, offset)
    return info.value


def test_mappings_and_lists_remember_file_lines() -> None:
    data = load_yaml("title: 桥\ntopics:\n  - 交通出行\n  - 农田水利\nsource: {name: a, url: b}\n", line_offset=1)
    assert isinstance(data, YMap)
    assert data.key_line == {"title": 2, "topics": 3, "source": 6}
    assert data.value_line["title"] == 2
    assert data.value_line["topics"] == 4  # a block list starts at its first item
    assert isinstance(data["topics"], YList)
    assert data["topics"] == ["交通出行", "农田水利"]
    assert data["topics"].item_line == [4, 5]
    assert data["source"].key_line == {"name": 6, "url": 6}
    assert data.line_of("missing") == data.line == 2


@pytest.mark.parametrize(("text", "expected"), [
    ("v: no", "no"), ("v: No", "No"), ("v: off", "off"), ("v: on", "on"), ("v: yes", "yes"), ("v: y", "y"),
    ("v: NO", "NO"), ("v: true", True), ("v: False", False), ("v: 2021-06-20", "2021-06-20"),
    ("v: 2022-01-04 00:18:21", "2022-01-04 00:18:21"), ("v: 6", 6), ("v: ~", None), ("v: '12'", "12"),
])
def test_only_true_and_false_are_booleans_and_dates_stay_text(text: str, expected: object) -> None:
    value = load_yaml(text)["v"]
    assert value == expected and type(value) is type(expected)


def test_duplicate_key_names_both_lines() -> None:
    error = error_of("title: 一\ndate: 2021-06-20\ntitle: 二\n", offset=1)
    assert error.line == 4                      # the second `title`, as a file line
    assert "第 2 行" in error.zh and "line 2" in error.en   # the first one
    assert "title" in error.zh and "title" in error.en


def test_duplicate_key_in_a_nested_mapping() -> None:
    error = error_of("source:\n  name: a\n  url: b\n  name: c\n")
    assert error.line == 4 and "line 2" in error.en


def test_tab_indentation_is_refused_at_its_line() -> None:
    error = error_of("title: x\nsource:\n\tname: y\n", offset=1)
    assert error.line == 4
    assert "Tab" in error.zh and "tabs" in error.en


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",
    "a: &x [1, 2]\nb: *x\n",
    "b: *x\n",
])
def test_anchors_and_aliases_are_refused(text: str) -> None:
    error = error_of(text)
    assert "别名" in error.zh and "aliases" in error.en


def test_an_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    started = time.perf_counter()
    error = error_of("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1
    assert error.line == 1  # the anchor that is reused


def test_merge_keys_are_refused_as_merge_keys() -> None:
    error = error_of("base: {k: 1}\nother:\n  <<: {j: 2}\n")
    assert error.line == 3 and "<<" in error.zh and "merge" in error.en


@pytest.mark.parametrize(("text", "line"), [
    ("a: !!python/object/apply:os.system ['echo hi']\n", 1),
    ("x: 1\na: !!python/name:os.system\n", 2),
    ("a: !custom 1\n", 1),
    ("a: !Ref x\n", 1),
    ("a: !!omap [{a: 1}]\n", 1),    # once an internal TypeError
    ("a: !!pairs [{a: 1}]\n", 1),
    ("a: !!set {x, y}\n", 1),
    ("a: !!binary aGVsbG8=\n", 1),
    ("x: 1\na: !!timestamp 2021-06-20\n", 2),
])
def test_tags_that_build_objects_are_refused(text: str, line: int) -> None:
    error = error_of(text)
    assert error.line == line
    assert "标签" in error.zh and "tag" in error.en
    assert "tag:yaml.org" not in error.zh + error.en   # shown as the editor wrote it: !!python/..., !!omap


def test_non_scalar_keys_are_refused() -> None:
    error = error_of("x: 1\n? [a, b]\n: 2\n")
    assert error.line == 2 and "keys" in error.en


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    error = error_of("a: " + "[" * 500 + "]" * 500 + "\n")
    assert error.line >= 1 and error.en


@pytest.mark.parametrize(("text", "line", "zh_part", "en_part"), [
    ("title: 时间: 上午\n", 1, "冒号", "colon"),
    ("a: 1\nb:\n  - x\n - y\n", 4, "缩进", "indentation"),
    ("- name: a\n  children:\n    - name: b\n    slug: c\n", 4, "缩进", "indentation"),
    ("x: 1\na: [1, 2\nb: 3\n", 2, "括号", "bracket"),      # where the bracket was opened
    ("x: 1\ntitle: \"abc\nb: 3\n", 2, "引号", "quote"),
    ("convener: @储琳\n", 1, "引号", "quote"),
    ("a: 1\n---\nb: 2\n", 2, "---", "---"),
])
def test_syntax_errors_point_at_the_line_and_explain(text: str, line: int, zh_part: str, en_part: str) -> None:
    error = error_of(text, offset=1)
    assert error.line == line + 1
    assert zh_part in error.zh and en_part in error.en


def test_syntax_errors_are_explained_in_chinese() -> None:
    """No raw PyYAML English inside a Chinese message."""
    for text in ("a:\n  - x\n - y\n", "[a\n", "a: 'x\n", "a: `x`\n", "a: *x\n", "a: [b, c]]\n"):
        error = error_of(text)
        assert "expected" not in error.zh, error.zh


def test_empty_document_is_none() -> None:
    assert load_yaml("") is None
    assert load_yaml("# only a comment\n") is None


def test_standard_scalar_tags_still_work() -> None:
    assert load_yaml("a: !!str 12\n") == {"a": "12"}


@pytest.mark.parametrize(("text", "value"), [
    ("x: 1\na: !!bool maybe\n", "maybe"),   # once a KeyError traceback
    ("x: 1\na: !!float ''\n", ""),          # once an IndexError traceback
    ("x: 1\na: !!int zwei\n", "zwei"),
    ("x: 1\na: 0x_\n", "0x_"),              # no tag written: it only looks like a number
    ("x: 1\na: " + "9" * 5000 + "\n", "9" * 40 + "…"),   # more digits than Python reads; shown cut
])
def test_a_tagged_value_that_does_not_fit_its_tag_is_named(text: str, value: str) -> None:
    error = error_of(text)
    assert error.line == 2
    assert f"「{value}」" in error.zh and "!!" in error.en


@pytest.mark.parametrize("text", ["a: !!str {b: 1}\n", "a: !!map [1]\n", "a: !!seq {b: 1}\n", "a: !!int [1]\n"])
def test_a_standard_tag_on_the_wrong_kind_of_node_is_refused(text: str) -> None:
    error = error_of(text)
    assert error.line == 1 and "标签" in error.zh


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=False),
                     st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
                     st.sampled_from(["no", "yes", "on", "2024-05-01", "1_000", "0o17", "0x1F", "~", "null", ".inf", "1e3"]))
_keys = st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8),
                  st.integers(0, 99))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
                       max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=6))
def test_what_yaml_writes_comes_back_the_same(data: dict[object, object]) -> None:
    """The fast walk (yamlsrc._build) reads what PyYAML writes as PyYAML's own safe loader
    does (strings YAML 1.1 would take for booleans or dates are written quoted)."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert load_yaml(text) == yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
