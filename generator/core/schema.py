"""Small typed readers for YAML mappings that report problems at the right line.

Shared by site.yaml, places, topics and front matter. Pure.
"""
from __future__ import annotations

import re

from pathlib import Path
from typing import Any, Iterable

from generator.core.errors import Problems, join_choices, suggestion
from generator.core.yamlsrc import YamlError, YList, YMap, load_yaml

_TYPE_NAMES = {
    str: ("文字", "text"), int: ("整数", "a whole number"), bool: (" true 或 false", "true or false"),
    list: ("列表", "a list"), dict: ("键值对", "a mapping"),
}


# Separators editors type between names: 、 ， , ； ; and full-width spaces.
_LIST_SEPARATORS = re.compile(r"[、，,；;\u3000]+")


class Reader:
    """Reads typed values from one YAML mapping of one file, collecting problems."""

    def __init__(self, data: YMap, path: str, problems: Problems) -> None:
        self.data, self.path, self.problems = data, path, problems

    def line(self, key: str) -> int:
        return self.data.line_of(key)

    def value_line(self, key: str) -> int:
        return self.data.value_line.get(key, self.data.line)

    def error(self, key: str | None, zh: str, en: str, at_value: bool = False) -> None:
        line = self.data.line if key is None else (self.value_line(key) if at_value else self.line(key))
        self.problems.add(self.path, line, zh, en)

    def unknown_keys(self, allowed: Iterable[str], what_zh: str, what_en: str) -> None:
        allowed = list(allowed)
        for key in self.data:
            if key not in allowed:
                hint_zh = suggestion(self.problems, str(key), allowed) or "；可用的键：" + join_choices(self.problems, allowed)
                hint_en = suggestion(self.problems, str(key), allowed) or "; known keys: " + ", ".join(allowed)
                self.error(str(key), f"{what_zh}中有未知的键「{key}」{hint_zh}",
                           f"unknown key `{key}` in {what_en}{hint_en}")

    def missing(self, key: str, example: str) -> None:
        """A required field that is absent (reported at the mapping) or written with no value (at its key)."""
        if key in self.data:
            self.problems.add(self.path, self.line(key), f"必填字段「{key}」没有填写内容，例如 {key}: {example}",
                              f"required field `{key}` is empty, e.g. {key}: {example}")
            return
        self.problems.add(self.path, self.data.line, f"缺少必填字段「{key}」，例如 {key}: {example}",
                          f"missing required field `{key}`, e.g. {key}: {example}")

    def get(self, key: str, kind: type, required: bool = False, example: str = "…", default: Any = None) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                self.missing(key, example)
            return default
        value = self.data[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not ok:
            zh, en = _TYPE_NAMES.get(kind, (kind.__name__, kind.__name__))
            self.error(key, f"「{key}」应为{zh}，例如 {key}: {example}",
                       f"`{key}` should be {en}, e.g. {key}: {example}", at_value=True)
            return default
        if kind is str:
            value = value.strip()
            if required and not value:
                self.missing(key, example)
                return default
        return value

    def get_text_list(self, key: str, required: bool = False, example: str = "[…]") -> tuple[tuple[str, int], ...]:
        """A list of strings (a lone string counts as one item) with each item's line."""
        if key not in self.data or self.data[key] in (None, []):
            if required:
                self.missing(key, example)
            return ()
        value = self.data[key]
        if isinstance(value, str):
            names = [n for n in _LIST_SEPARATORS.split(value.strip().strip("【】[]［］")) if n.strip()]
            if len(names) > 1 or value.strip()[:1] in ("【", "［"):
                written = "[" + ", ".join(n.strip() for n in names) + "]"
                self.error(key, f"「{key}」有几项时请写成列表：{key}: {written}（方括号、英文逗号加空格）",
                           f"write several `{key}` as a list: {key}: {written} (square brackets, commas)", at_value=True)
                return ()
            return ((value.strip(), self.value_line(key)),)
        if not isinstance(value, YList) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            self.error(key, f"「{key}」应为文字列表，例如 {key}: {example}",
                       f"`{key}` should be a list of names, e.g. {key}: {example}", at_value=True)
            return ()
        return tuple((str(v).strip(), line) for v, line in zip(value, value.item_line))

    def get_count(self, key: str) -> int | None:
        value = self.get(key, int, example="6")
        if value is not None and value < 0:
            self.error(key, f"「{key}」不能是负数", f"`{key}` cannot be negative", at_value=True)
            return None
        return value  # type: ignore[no-any-return]


def read_yaml_list(site_dir: Path, rel: str, problems: Problems, missing_zh: str, missing_en: str) -> YList | None:
    """A site file holding a YAML list (places.yaml, topics.yaml); None, with a problem, when it cannot be had."""
    path = site_dir / rel
    if not path.exists():
        problems.add(rel, None, missing_zh, missing_en)
        return None
    try:
        data = load_yaml(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.add(rel, None, "文件不是 UTF-8 编码；请用 UTF-8 另存", "the file is not UTF-8; save it as UTF-8")
        return None
    except YamlError as exc:
        problems.add(rel, exc.line, exc.zh, exc.en)
        return None
    if not isinstance(data, YList):
        name = rel.rsplit("/", 1)[-1]
        problems.add(rel, 1, f"{name} 应为列表，每项以 - name: 开头", f"{name} should be a list of `- name:` items")
        return None
    return data
