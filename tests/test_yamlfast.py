"""The YAML fast path (yamlfast.py) gives exactly what libyaml gives, or falls back.

Every comparison is on values, types and every line number (`line`, `key_line`,
`value_line`, `item_line`), against yamlsrc.load_yaml_libyaml; where libyaml reports
an error the fast path must have fallen back, and load_yaml must report the same one.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import REPO
from generator.core.frontmatter import FrontMatterError, decode, split
from generator.core.yamlsrc import YamlError, YList, YMap, load_yaml, load_yaml_fast, load_yaml_libyaml


def assert_same(fast: Any, slow: Any, path: str = "$") -> None:
    """The same types, values and lines, all the way down."""
    assert type(fast) is type(slow), f"{path}: {type(fast).__name__} {fast!r} != {type(slow).__name__} {slow!r}"
    if isinstance(slow, YMap):
        assert list(fast) == list(slow), path
        assert fast.line == slow.line, f"{path}: line {fast.line} != {slow.line}"
        assert fast.key_line == slow.key_line, f"{path}: key_line {fast.key_line} != {slow.key_line}"
        assert fast.value_line == slow.value_line, f"{path}: value_line {fast.value_line} != {slow.value_line}"
        for key in slow:
            assert_same(fast[key], slow[key], f"{path}.{key}")
    elif isinstance(slow, YList):
        assert len(fast) == len(slow), path
        assert fast.line == slow.line, f"{path}: line {fast.line} != {slow.line}"
        assert fast.item_line == slow.item_line, f"{path}: item_line {fast.item_line} != {slow.item_line}"
        for index, (one, other) in enumerate(zip(fast, slow)):
            assert_same(one, other, f"{path}[{index}]")
    elif isinstance(slow, float) and slow != slow:
        assert fast != fast, path     # NaN
    else:
        assert fast == slow, f"{path}: {fast!r} != {slow!r}"


def check(text: str, offset: int = 0) -> Any:
    """Compare the paths on `text`; the fast path's value, None if it fell back."""
    fast = load_yaml_fast(text, offset)
    try:
        slow = load_yaml_libyaml(text, offset)
    except YamlError as error:
        assert fast is None, f"the fast path read what libyaml refuses: {text!r}"
        with pytest.raises(YamlError) as info:
            load_yaml(text, offset)
        assert info.value == error
        return None
    if fast is not None:
        assert_same(fast, slow)
    assert_same(load_yaml(text, offset), slow)
    return fast


def front_matters(paths: list[Path]) -> list[tuple[Path, str, int]]:
    found = []
    for path in paths:
        try:
            parts = split(decode(path.read_bytes()))
        except (FrontMatterError, UnicodeDecodeError):
            continue
        found.append((path, parts.yaml_text, parts.yaml_offset))
    return found


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import generate  # the benchmark corpus generator
    finally:
        sys.path.pop(0)
    root = tmp_path_factory.mktemp("yamlfast") / "site"
    generate.write_bulletin(300, root)
    return root


PHOTOS = "photos:\n  - {file: photo-1.jpg, alt: 桥现场}\n  - {file: photo-2.jpg, alt: 桥改造后}\nslug:"


def test_the_fast_path_reads_every_generated_case_as_libyaml_does(corpus: Path) -> None:
    cases = front_matters(sorted((corpus / "content" / "cases").glob("*.md")))
    assert len(cases) == 300
    for path, text, offset in cases:
        for variant in (text, text.replace("\nslug:", "\n" + PHOTOS, 1)):
            assert check(variant, offset) is not None, f"{path.name}: the fast path fell back"
    for name in ("places.yaml", "topics.yaml"):
        assert check((corpus / "content" / name).read_text("utf-8")) is not None, name
    assert check((corpus / "site.yaml").read_text("utf-8")) is not None


def test_every_markdown_and_yaml_file_in_the_repository_reads_the_same() -> None:
    paths = sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "tests" / "fixtures").rglob("*.md"))
    found = front_matters(paths)
    assert len(found) > 40
    fell_back = [path for path, text, offset in found if check(text, offset) is None]
    assert len(fell_back) < len(found) // 4
    assert not [path for path in fell_back if path.is_relative_to(REPO / "content")]   # the example site
    for path in sorted(REPO.glob("*.yaml")) + sorted((REPO / "content").glob("*.yaml")) + \
            sorted((REPO / "themes").rglob("*.yaml")) + sorted((REPO / "tests" / "fixtures").rglob("*.yaml")):
        try:
            check(decode(path.read_bytes()))
        except UnicodeDecodeError:
            continue


def test_line_numbers_of_each_shape() -> None:
    text = ("# a comment\ntitle: 桥\nempty:\nnext: 1\ntopics:\n\n  # between\n  - 交通出行\n  - 农田水利  # why\n"
            "source:\n  name: a\n  url: 'b'\nflat:\n- x\n- {a: 1}\nphotos:\n  - file: a.jpg\n    alt: 说明\n"
            "  - - 1\n    - 2\n")
    data = check(text, 3)
    assert data is not None
    assert data.line == 5 and data.key_line["title"] == 5
    assert data.value_line["empty"] == 6 and data["empty"] is None     # an empty value: the key's line
    assert data.value_line["topics"] == 11 and data["topics"].item_line == [11, 12]
    assert data["source"].line == data.value_line["source"] == 14
    assert data["flat"].line == 17 and data["flat"][1].line == 18
    assert data["photos"][0].line == 20 and data["photos"][1] == [1, 2]


@pytest.mark.parametrize("text", [
    "title: 凉泉乡\n", "a: 1\nb: [1, 2]\nc: {d: e}\n", "- a\n- b\n", "a:\n  b:\n    c: 1\n", "a: 'x'  # c\n",
    "a: \"说 'x'\"\n", "a: []\nb: {}\nc: [ ]\n", "a: x#y\n", "url: https://example.org/a#b\n",
    'source: {name: 中安在线, url: "https://www.anhuinews.com/"}\n', "a: [ 'x, y' , \"]\" ]\n",
    "a: [\u3000全角\u3000, \xa0x]\nb: {c: \u3000x\u3000}\n", "- -1\n- - .5\n  - 1:20\n",
])
def test_common_shapes_take_the_fast_path(text: str) -> None:
    assert check(text, 1) is not None


@pytest.mark.parametrize("text", [
    "a: |\n  x\n", "a: >\n  x\n", "a: b\n  c\n", "a: 'b\n  c'\n", "a: \"b\n  c\"\n", "- a\n  b\n",
    "a: &x 1\nb: *x\n", "a: *x\n", "a: !!str 1\n", "a: !x 1\n", "? a\n: b\n", "a:\tb\n", "\ta: 1\n",
    "a: \"x\\ny\"\n", "---\na: 1\n", "a: 1\n...\n", "a: 1\n---\nb: 2\n", "%YAML 1.1\n---\na: 1\n",
    "a: [[1]]\n", "a: {b: [1]}\n", "a: [{b: 1}]\n", "a: 1\na: 2\n", "a: {b: 1, b: 2}\n", "a:\n  b: 1\n  b: 2\n",
    "a b: 1\n", "'a': 1\n", "中文: 1\n", "null: 1\n", "true: 1\n", "1: a\n", "<<: {a: 1}\n", "a : 1\n",
    "a: b: c\n", "a: [b #c]\n", "a: [b, c] d\n", "a: 'x' y\n", "a: 'x'#c\n", "a: -x\n", "a: - x\n", "a: @x\n",
    "a: `x`\n", "a: %x\n", "a: ?x\n", "a: :x\n", "a: ,x\n", "- \n", "-\n  a\n", "- # c\n", "a: [1,\n  2]\n",
    "a: {b: 1,\n  c: 2}\n", "a: b\n c: d\n", "  a: 1\nb: 2\n", "a: 1\n  b: 2\n", "a:\n  - x\n  b: 1\n",
    "a: [a: b]\n", "a: {b}\n", "a: {b: }\n", "a: [a, b,]\n", "a: [a, , b]\n", "a: x\n- y\n", "- a\nb: c\n",
    "a: 0x_\n", "a: =\n", "a: <<\n", "a: " + "9" * 5000 + "\n", "a: 1\r\nb: 2\r\n", "a: x\u2028y\n",
    "\ufeffa: 1\n", "a: x\x85y\n", "a: \x07\n", "x" * 120 + ": 1\n", "a:b\n", "just text\n", "[1, 2]\n",
    "# only a comment\n", "", "a: {b: 'c'\n", "a: [\"x\"\n", "a: 'x''\n", "a: [a:?b]\n", "a: {b: c:?d}\n",
    "a: [a:]\n", "a: {b: c:}\n", "a: [a:, b]\n", "a: {x y: 1}\n", "a: b\t\n", "- a\t\n", "- " * 120 + "x\n",
    "".join(" " * i + f"k{i}:\n" for i in range(120)) + " " * 120 + "v: 1\n",
])
def test_the_fast_path_falls_back_outside_its_subset(text: str) -> None:
    assert load_yaml_fast(text, 2) is None
    check(text, 2)       # and load_yaml still gives libyaml's value or error


@pytest.mark.parametrize("text", [
    "title: 时间: 上午\n", "a: 1\nb:\n  - x\n - y\n", "- name: a\n  children:\n    - name: b\n    slug: c\n",
    "x: 1\na: [1, 2\nb: 3\n", "x: 1\ntitle: \"abc\nb: 3\n", "convener: @储琳\n", "a: 1\n---\nb: 2\n",
    "title: 一\ndate: 2021-06-20\ntitle: 二\n", "source:\n  name: a\n  url: b\n  name: c\n",
    "title: x\nsource:\n\tname: y\n", "x: 1\na: 0x_\n", "a: 1\n b: 2\n", "a:\n  b: 1\n c: 2\n",
    "a: [b, c]]\n", "a: {b: c}}\n", "a: b\n- c\n", "a: 'x' y\n",
])
def test_invalid_yaml_gives_libyaml_error_through_load_yaml(text: str) -> None:
    with pytest.raises(YamlError) as slow:
        load_yaml_libyaml(text, 1)
    with pytest.raises(YamlError) as both:
        load_yaml(text, 1)
    assert both.value == slow.value
    assert load_yaml_fast(text, 1) is None


# Generated documents: the constructs the fast path reads, and many it must leave to libyaml.
SAFE_PLAIN = ["长丰县/凉泉乡", "群众反映停车场问题", "x", "2019-09-18", "8", "010", "0x1F", "1_000", "1e3", ".5", "+1",
              "-1", "1:20", "~", "null", "true", "FALSE", "yes", "https://example.org/1", "a b", "a#b", "a'b", "a]b",
              "\u3000全角\u3000"]
SAFE_FLOW = [s for s in SAFE_PLAIN if "]" not in s and "#" not in s and "'" not in s]
SAFE_QUOTED = ["'q'", "'it''s'", "''", '""', '"dq"', "'a # b'", '"a: b"', "'a, b'", '"[x]"']
PLAIN = ["长丰县/凉泉乡", "群众反映停车场问题", "title", "x", "2019-09-18", "2019-09", "2022-01-04 00:18:21", "8", "010",
         "0x1F", "0o17", "0b101", "1_000", "1e3", "1.5e3", "1.0e+3", ".5", "+1", "-1", "-.5", "1:20", "190:20:30",
         ".inf", "-.inf", ".NaN", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "FALSE", "yes", "no",
         "on", "off", "y", "n", "0x_", "=", "<<", "https://example.org/1", "https://x.org/a#b", "a#b", "a b", "a  b",
         "a:b", "a :b", "a: b", "a:", "a #b", "a,b", "a]b", "a}b", "a[b", "a{b", "a'b", 'a"b', "-", "--", "---",
         "-x", "- x", "?", "?x", ":x", "!x", "!!str x", "&a x", "*a", "|", ">", "@x", "`x`", "%x", "中文：时间",
         "他说“好”", "\u3000全角\u3000", "a\xa0b", "\xa0x", "9" * 30, "a:?b", "a::b", "...", "a ... b"]
QUOTED = ["'q'", "'it''s'", "''", '""', '"dq"', '"a\\nb"', "'a # b'", '"a: b"', "'unclosed", '"unclosed',
          "'a' b", "'a' # c", '"x"#c', "'a, b'", '"[x]"', "'{'", "'''", "'a''", '"中文"']
KEYS = ["title", "date", "a", "b", "k-1", "_x", "A9", "null", "true", "False", "y", "on", "中文", "a b", "1", "-a",
        "a:", "'q'", "<<", "x" * 120, "a#", "~"]
TEXT = st.text(alphabet=list("ab中 :#-,[]{}'\"!&*?|>%@`\\.09_eE+~\t"), min_size=1, max_size=8)
keys = st.one_of(st.sampled_from(["title", "date", "a", "b", "c"]), st.sampled_from(KEYS),
                 st.text(alphabet="abAB_-1", min_size=1, max_size=3))


def trees(scalars: st.SearchStrategy[str], flow_scalars: st.SearchStrategy[str], keys: st.SearchStrategy[str],
          unique: bool = False) -> st.SearchStrategy[tuple[str, Any]]:
    """A block mapping or sequence of flow collections, scalars and more blocks; `unique`: no key twice."""
    def pairs(values: st.SearchStrategy[Any], min_size: int) -> st.SearchStrategy[list[tuple[str, Any]]]:
        return st.lists(st.tuples(keys, values), min_size=min_size, max_size=4,
                        unique_by=(lambda pair: pair[0]) if unique else None)
    leaves = st.one_of(
        scalars.map(lambda s: ("scalar", s)), st.just(("empty", "")),
        st.lists(flow_scalars, max_size=4).map(lambda items: ("flowseq", items)),
        pairs(flow_scalars, 0).map(lambda items: ("flowmap", items)))
    nodes = st.recursive(leaves, lambda inner: st.one_of(
        pairs(inner, 1).map(lambda items: ("map", items)),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: ("seq", items))), max_leaves=4)
    return st.one_of(pairs(nodes, 1).map(lambda items: ("map", items)),
                     st.lists(nodes, min_size=1, max_size=4).map(lambda items: ("seq", items)))


# Mostly good scalars, with the odd one; or anything at all.
mostly_good = st.one_of(*[st.sampled_from(SAFE_PLAIN + SAFE_QUOTED)] * 6, st.sampled_from(PLAIN), st.sampled_from(QUOTED))
mostly_good_flow = st.one_of(*[st.sampled_from(SAFE_FLOW + SAFE_QUOTED)] * 6, st.sampled_from(PLAIN), st.sampled_from(QUOTED))
anything = st.one_of(mostly_good, TEXT)
any_tree = st.one_of(*[trees(mostly_good, mostly_good_flow, keys)] * 2, trees(anything, anything, keys))


def render_inline(draw: Any, node: tuple[str, Any], safe: bool) -> str:
    kind, value = node
    comma = draw(st.sampled_from([", ", ",", " , ", ",  "]))
    pad = draw(st.sampled_from(["", " "]))
    if kind == "flowseq":
        return "[" + pad + comma.join(value) + pad + "]"
    if kind == "flowmap":
        colon = st.sampled_from([": ", ":  "] if safe else [": ", ":  ", ":"])
        return "{" + pad + comma.join(f"{k}{draw(colon)}{v}" for k, v in value) + pad + "}"
    return str(value)


def render(draw: Any, node: tuple[str, Any], column: int, safe: bool = False) -> list[str]:
    """The block lines of a mapping or sequence starting at `column`; `safe`: only what
    the fast path reads (no `key:value` in brackets, no `#` right after a value, no `-`
    without a value)."""
    kind, items = node
    lines = []
    for item in items:
        child = item[1] if kind == "map" else item
        head = " " * column + (item[0] + ":" if kind == "map" else "-")
        if child[0] in ("map", "seq"):
            if kind == "seq":     # `- key: value`, `- - x`: the child starts on the dash's line
                sub = render(draw, child, column + 1 + draw(st.integers(1, 3)), safe)
                lines.append(head + sub[0][column + 1:])
                lines += sub[1:]
            else:                 # below the key; `- x` may be at the key's own column
                lines.append(head + draw(st.sampled_from(["", "", " # c"])))
                lines += render(draw, child, column + draw(st.integers(0 if child[0] == "seq" else 1, 3)), safe)
        elif child[0] == "empty":
            lines.append(head + (" ~" if safe and kind == "seq" else ""))
        else:
            ends = ["", "", "", " # note", "  #", "   "] + ([] if safe else ["#x"])
            lines.append(head + draw(st.sampled_from([" ", " ", "  "])) + render_inline(draw, child, safe)
                         + draw(st.sampled_from(ends)))
    return lines


@st.composite
def documents(draw: Any) -> str:
    root = draw(any_tree)
    lines = render(draw, root, draw(st.sampled_from([0, 0, 0, 2])))
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):     # a few small edits, most of which libyaml refuses
        at = draw(st.integers(0, len(lines)))
        edit = draw(st.sampled_from(["blank", "comment", "indent", "dedent", "copy", "tab", "marker", "text"]))
        if edit == "blank":
            lines.insert(at, " " * draw(st.integers(0, 4)))
        elif edit == "comment":
            lines.insert(at, " " * draw(st.integers(0, 4)) + "# " + draw(TEXT))
        elif edit == "marker":
            lines.insert(at, draw(st.sampled_from(["---", "...", "- ", "-", "? x"])))
        elif at < len(lines):
            line = lines[at]
            lines[at] = {"indent": " " + line, "dedent": line[1:] if line.startswith(" ") else line,
                         "copy": line, "tab": line.replace(" ", "\t", 1), "text": line + " " + draw(TEXT)}[edit]
            if edit == "copy":
                lines.insert(at, line)
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(documents(), st.integers(0, 5))
@example("a: [x, 'y']\nb: {c: 'd', e: f}\n", 0)
@example("- a: 1\n  b:\n  - x\n  c: 2\n", 1)
@example("a:\n  - - 1\n    - 2\n  - 3\n", 0)
def test_generated_documents_read_the_same(text: str, offset: int) -> None:
    check(text, offset)


# Only what the fast path reads: it must read all of it.
safe_keys = st.text(alphabet="abcxyz_-0", min_size=1, max_size=5).filter(lambda k: k[0] not in "-0")
safe_trees = trees(st.sampled_from(SAFE_PLAIN + SAFE_QUOTED), st.sampled_from(SAFE_FLOW + SAFE_QUOTED), safe_keys, unique=True)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.data(), st.integers(0, 5))
def test_supported_documents_take_the_fast_path(data: st.DataObject, offset: int) -> None:
    root = data.draw(safe_trees)
    text = "\n".join(render(data.draw, root, 0, safe=True)) + "\n"
    assert check(text, offset) is not None, text


@settings(max_examples=500, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(st.sampled_from(PLAIN), st.sampled_from(QUOTED), TEXT), min_size=1, max_size=3),
       st.sampled_from(["k: {0}", "- {0}", "k: [{1}]", "k: {{a: {0}, b: {2}}}", "- [{0}, {2}]", "k:  {0}  # c"]))
def test_scalars_read_the_same(scalars: list[str], form: str) -> None:
    """Every odd scalar in every place: the fast path reads it as libyaml does, or falls back."""
    check(form.format(scalars[0], ", ".join(scalars), scalars[-1]) + "\n", 1)


@pytest.mark.parametrize("text", [" " * 20000 + "\t", "a:" + " " * 20000 + "\t", "- " * 10000 + "\t",
                                  "a: '" + "''" * 10000, "a: {" + "b: c, " * 5000 + "}", "a: [" + "x, " * 10000])
def test_long_odd_lines_fall_back_quickly(text: str) -> None:
    started = time.perf_counter()
    assert load_yaml_fast(text) is None
    assert time.perf_counter() - started < 0.5
