"""Strict, safe YAML that remembers where every key and item came from.

Loads with libyaml (CSafeLoader) where available. Differences from plain
`yaml.safe_load`, all to protect editors from YAML 1.1 surprises:
- only true/false are booleans (`no`, `on` stay strings);
- dates stay strings (dates.py parses every accepted form itself);
- duplicate keys, aliases/anchors and non-scalar keys are errors.
Mappings come back as `YMap` (a dict with `key_line`/`value_line`) and
sequences as `YList` (a list with `item_line`), lines 1-based in the file.
The plain front matter editors usually write is read by yamlfast.py, much faster
and to the same result; everything else goes through libyaml.
Pure apart from the text it is given.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from generator.core.yamlfast import fast_load

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 100


class YMap(dict[Any, Any]):
    """A mapping that knows the file line of each key and value."""

    key_line: dict[Any, int]
    value_line: dict[Any, int]
    line: int

    def line_of(self, key: Any) -> int:
        return self.key_line.get(key, self.line)


class YList(list[Any]):
    """A sequence that knows the file line of each item."""

    item_line: list[int]
    line: int


@dataclass(frozen=True, slots=True)
class YamlError(Exception):
    """A YAML syntax or structure error at a 1-based file line."""

    line: int
    zh: str
    en: str


class _StrictLoader(_Base):  # type: ignore[misc]
    line_offset = 0

    def construct_document(self, node: Any) -> Any:
        """Build values from the composed nodes in one plain walk (see _build): PyYAML's
        generic construct_object, with its bookkeeping for aliases and recursive
        structures we refuse anyway, took half of a front matter's parse time."""
        return _build(self, node, 1, set())

    # libyaml's composer calls these for every node. Ours has no path resolvers, so
    # descending and ascending keep nothing, and a node's tag depends on its text only:
    # the same answer as yaml.resolver.BaseResolver.resolve, without its list building.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in _BY_FIRST.get(value[:1], _NO_RESOLVERS):
                    if regexp.match(value):
                        return str(tag)
            return "tag:yaml.org,2002:str"
        return _SEQ if kind is yaml.SequenceNode else _MAP


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
# The resolvers by first character, wildcard ones included, for _StrictLoader.resolve.
_BY_FIRST: dict[Any, tuple[tuple[str, Any], ...]] = {
    first: tuple(resolvers) + tuple(_StrictLoader.yaml_implicit_resolvers.get(None, []))
    for first, resolvers in _StrictLoader.yaml_implicit_resolvers.items()}
_NO_RESOLVERS = tuple(_StrictLoader.yaml_implicit_resolvers.get(None, []))


_MAP, _SEQ, _STR = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"


def _build(loader: Any, node: Any, depth: int, seen: set[Any]) -> Any:
    """The value of `node`: YMap, YList or a scalar. A node met twice is an alias (the
    composer hands out the same node again); tags other than the standard scalar ones,
    map and seq are refused; more than MAX_DEPTH levels is an error."""
    if node in seen:
        raise ConstructorError(None, None, "alias", node.start_mark)
    seen.add(node)
    if depth > MAX_DEPTH:
        raise ConstructorError(None, None, "depth", node.start_mark)
    tag, kind = node.tag, node.__class__
    if tag == _STR and kind is yaml.ScalarNode:
        return node.value
    offset = loader.line_offset
    if tag == _MAP and kind is yaml.MappingNode:
        result = YMap()
        result.key_line, result.value_line = {}, {}
        result.line = node.start_mark.line + 1 + offset
        for key_node, value_node in node.value:
            key = _build(loader, key_node, depth + 1, seen)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise ConstructorError(None, None, "badkey", key_node.start_mark)
            if key in result:
                error = ConstructorError(None, None, "dup", key_node.start_mark)
                error.duplicate = (key, result.key_line[key])  # type: ignore[attr-defined]
                raise error
            result[key] = _build(loader, value_node, depth + 1, seen)
            result.key_line[key] = key_node.start_mark.line + 1 + offset
            result.value_line[key] = value_node.start_mark.line + 1 + offset
        return result
    if tag == _SEQ and kind is yaml.SequenceNode:
        items = YList()
        items.item_line = []
        items.line = node.start_mark.line + 1 + offset
        for child in node.value:
            items.append(_build(loader, child, depth + 1, seen))
            items.item_line.append(child.start_mark.line + 1 + offset)
        return items
    construct = _SCALARS.get(tag)
    if construct is None or kind is not yaml.ScalarNode:
        raise ConstructorError(None, None, f"tag:{tag}", node.start_mark)
    try:
        return construct(loader, node)
    except (KeyError, ValueError, IndexError, OverflowError):   # `!!bool maybe`, `!!int x`, `!!float ""`
        error = ConstructorError(None, None, "badvalue", node.start_mark)
        error.bad = (node.value, tag)  # type: ignore[attr-defined]
        raise error from None


# The scalars front matter may hold besides text; every other tag (!!timestamp, !!binary,
# !!set, !!python/..., merge keys) is refused with its name.
_SCALARS = {f"tag:yaml.org,2002:{name}": getattr(yaml.constructor.SafeConstructor, f"construct_yaml_{name}")
            for name in ("null", "bool", "int", "float")}


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


@functools.lru_cache(maxsize=4096)   # front matter repeats its keys and many values; all immutable
def plain_scalar(value: str) -> Any:
    """A plain (unquoted) scalar's value as the libyaml path gives it: the same resolvers
    (only true/false are booleans, dates stay text) and constructors. Raises ValueError
    where that path reports an error (`0x_`, `=`, `<<`, more digits than Python reads)."""
    if value.isascii() and value.isdigit() and value[0] != "0":
        return int(value)    # what construct_yaml_int makes of a plain decimal, without its detours
    for tag, regexp in _BY_FIRST.get(value[:1], _NO_RESOLVERS):
        if regexp.match(value):
            construct = _SCALARS.get(tag)
            if construct is None:
                raise ValueError(tag)
            try:
                return construct(_CONSTRUCTOR, yaml.ScalarNode(tag, value))
            except (KeyError, ValueError, IndexError, OverflowError):
                raise ValueError(value) from None
    return value


def load_yaml_fast(text: str, line_offset: int = 0) -> Any | None:
    """What load_yaml gives, read by yamlfast.py; None when the text is outside its subset."""
    return fast_load(text, line_offset, plain_scalar, YMap, YList)


def load_yaml(text: str, line_offset: int = 0) -> Any:
    """Parse one YAML document; line numbers are shifted by `line_offset`.

    Raises YamlError with a message in Chinese and English.
    """
    fast = fast_load(text, line_offset, plain_scalar, YMap, YList)
    return fast if fast is not None else load_yaml_libyaml(text, line_offset)


def load_yaml_libyaml(text: str, line_offset: int = 0) -> Any:
    """load_yaml without the fast path: every text through libyaml."""
    loader = _StrictLoader(text)
    loader.line_offset = line_offset
    try:
        return loader.get_single_data()
    except ConstructorError as exc:
        raise _constructor_error(exc, line_offset) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, line_offset) from None
    except yaml.YAMLError as exc:
        raise YamlError(line_offset + 1, f"YAML 无法解析：{exc}", f"YAML cannot be parsed: {exc}") from None
    except RecursionError:
        raise YamlError(line_offset + 1, "YAML 嵌套层数过多", "YAML is nested too deeply") from None
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:  # odd input must never become a traceback
        raise YamlError(line_offset + 1, f"YAML 无法解析：{exc}", f"YAML cannot be parsed: {exc}") from None
    finally:
        loader.dispose()


def _alias_error(line: int) -> YamlError:
    return YamlError(line, "不支持 YAML 锚点和别名（& 与 *）；请把内容直接写出来",
                     "YAML anchors and aliases (& and *) are not allowed; write the value out")


def _line(mark: Any, offset: int) -> int:
    return (mark.line + 1 + offset) if mark is not None else offset + 1


def _constructor_error(exc: ConstructorError, offset: int) -> YamlError:
    line = _line(exc.problem_mark, offset)
    what = exc.problem or ""
    if what == "dup":
        key, first = exc.duplicate  # type: ignore[attr-defined]
        return YamlError(line, f"键「{key}」重复（第 {first} 行已经写过）；请删除其中一个",
                         f"duplicate key `{key}` (already on line {first}); remove one of them")
    if what == "alias":
        return _alias_error(line)
    if what == "tag:tag:yaml.org,2002:merge":
        return YamlError(line, "不支持 YAML 合并键 <<；请把各个键直接写出来",
                         "YAML merge keys (<<) are not allowed; write the keys out")
    if what == "depth":
        return YamlError(line, f"YAML 嵌套超过 {MAX_DEPTH} 层", f"YAML is nested more than {MAX_DEPTH} levels deep")
    if what == "badvalue":   # `!!bool maybe`, or a plain `0x_` that looks like a number but is none
        value, tag = exc.bad  # type: ignore[attr-defined]
        tag = tag.replace("tag:yaml.org,2002:", "!!")
        shown = value if len(value) <= 40 else value[:40] + "…"
        return YamlError(line, f"「{shown}」不能读作 {tag}；请改正这个值，或把它加上引号作为文字（不带 !! 标记）",
                         f"`{shown}` cannot be read as {tag}; correct it, or quote it as text (without a !! tag)")
    if what == "badkey":
        return YamlError(line, "键必须是简单的文字", "keys must be plain text")
    if what.startswith("tag:"):
        tag = what[4:].replace("tag:yaml.org,2002:", "!!")
        return YamlError(line, f"不支持 YAML 标签「{tag}」；请去掉以 ! 开头的标记",
                         f"YAML tag `{tag}` is not allowed; remove the `!` marker")
    return YamlError(line, f"YAML 错误：{what}", f"YAML error: {what}")


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, offset: int) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line = _line(mark, offset)
    problem = exc.problem or "syntax error"
    source_line = text.splitlines()[mark.line] if mark is not None and mark.line < len(text.splitlines()) else ""
    if "\t" in problem or "'\\t'" in problem or source_line.startswith("\t") or "\t" in source_line[: mark.column + 1 if mark else 0]:
        return YamlError(line, "YAML 不能用 Tab 缩进；请改用空格",
                         "YAML cannot be indented with tabs; use spaces")
    if "maximum nesting depth" in problem:  # newer libyaml stops deep nesting itself
        return YamlError(line, f"YAML 嵌套超过 {MAX_DEPTH} 层", f"YAML is nested more than {MAX_DEPTH} levels deep")
    if "mapping values are not allowed" in problem:
        return YamlError(line, "YAML 格式错误：这一行的冒号位置不对；值里有冒号时请加引号，如 title: \"时间：上午\"",
                         "YAML syntax error: unexpected colon; quote values that contain a colon, e.g. title: \"a: b\"")
    if "did not find expected ',' or" in problem or "quoted scalar" in (exc.context or ""):
        # Reported where the bracket or quote was opened, not where the file ran out.
        return YamlError(_line(exc.context_mark, offset) if exc.context_mark else line,
                         "YAML 格式错误：这一行的引号或括号没有闭合；请补上缺少的 \" ' ] 或 }",
                         "YAML syntax error: a quote or bracket opened on this line is never closed; add the missing \" ' ] or }")
    if "cannot start any token" in problem:
        return YamlError(line, "YAML 格式错误：值不能以 @ ` % 等符号开头；请给整个值加引号，如 convener: \"@储琳\"",
                         "YAML syntax error: a value cannot start with @ ` % and the like; quote the whole value, e.g. convener: \"@name\"")
    if "undefined alias" in problem:
        return _alias_error(line)
    if "another document" in problem:
        return YamlError(line, "YAML 格式错误：这里只能有一组字段；请删除多余的 --- 行",
                         "YAML syntax error: only one document is allowed here; remove the extra --- line")
    if "could not find expected ':'" in problem or "expected <block end>" in problem or "did not find expected" in problem:
        return YamlError(line, "YAML 格式错误：缩进不一致或缺少冒号；请检查这一行和上一行",
                         "YAML syntax error: inconsistent indentation or a missing colon; check this line and the one above")
    return YamlError(line, f"YAML 格式错误：{problem}", f"YAML syntax error: {problem}")
