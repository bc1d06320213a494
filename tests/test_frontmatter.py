"""Splitting the --- fence from the body, decoding, and keeping file line numbers."""
from __future__ import annotations

import pytest

from generator.core.frontmatter import FrontMatterError, decode, split


def test_split_keeps_file_lines() -> None:
    parts = split("---\ntitle: 桥\ndate: 2021-06-20\n---\n正文第一行\n第二行\n")
    assert parts.yaml_text == "title: 桥\ndate: 2021-06-20"
    assert parts.fence_line == 1 and parts.yaml_offset == 1
    assert parts.body == "正文第一行\n第二行\n"
    assert parts.body_start_line == 5


def test_blank_lines_before_the_fence_are_accepted() -> None:
    parts = split("\n\n  \n---\ntitle: x\n---\nbody\n")
    assert parts.fence_line == 4 and parts.yaml_offset == 4
    assert parts.body_start_line == 7 and parts.body == "body\n"


def test_yaml_end_marker_and_trailing_spaces_close_the_fence() -> None:
    assert split("---\ntitle: x\n...\nbody").body == "body"
    assert split("--- \ntitle: x\n---  \nbody").body == "body"


def test_empty_body_is_fine() -> None:
    parts = split("---\ntitle: x\n---")
    assert parts.body == "" and parts.body_start_line == 4


@pytest.mark.parametrize(("text", "line", "zh", "en"), [
    ("# 标题\n\n正文\n", 1, "缺少 front matter", "missing front matter"),
    ("\n\n正文\n", 3, "缺少 front matter", "missing front matter"),
    ("", 1, "缺少 front matter", "missing front matter"),
    ("---\ntitle: x\n正文\n", 1, "没有结束", "not closed"),
    ("---\n---\n正文\n", 1, "空的", "empty"),
    ("\n---\n  \n---\n", 2, "空的", "empty"),
    ("----\ntitle: x\n----\n", 1, "缺少 front matter", "missing front matter"),
])
def test_fence_problems(text: str, line: int, zh: str, en: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        split(text)
    assert info.value.line == line
    assert zh in info.value.zh and en in info.value.en


def test_decode_drops_bom_and_folds_crlf() -> None:
    data = "\ufeff---\r\ntitle: 桥\r\n---\r\n正文\r\n".encode("utf-8")
    assert decode(data) == "---\ntitle: 桥\n---\n正文\n"
    assert decode(b"a\rb") == "a\nb"


@pytest.mark.parametrize(("text", "line"), [
    ("---\ntitle: 桥\n---\n", 2),
    ("---\ntitle: x\ndate: 2021-06-20\n---\n正文\n", 5),
    ("凉泉乡", 1),
])
def test_decode_reports_the_first_line_that_is_not_utf8(text: str, line: int) -> None:
    with pytest.raises(UnicodeDecodeError) as info:
        decode(text.encode("gbk"))
    assert info.value.line == line  # type: ignore[attr-defined]


def test_a_bom_followed_by_gbk_is_still_refused() -> None:
    with pytest.raises(UnicodeDecodeError):
        decode(b"\xef\xbb\xbf---\n" + "标题".encode("gbk"))
