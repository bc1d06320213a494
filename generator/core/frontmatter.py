"""Split a Markdown file into its YAML front matter and body, keeping file line numbers.

Pure: works on decoded text only.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Split:
    yaml_text: str
    yaml_offset: int      # add to a 1-based YAML line to get the file line
    fence_line: int       # file line of the opening ---
    body: str
    body_start_line: int  # file line of the body's first line


class FrontMatterError(Exception):
    def __init__(self, line: int, zh: str, en: str) -> None:
        super().__init__(en)
        self.line, self.zh, self.en = line, zh, en


def decode(data: bytes) -> str:
    """UTF-8 text (BOM dropped, CRLF folded); raises UnicodeDecodeError with .line set."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        exc.line = data.count(b"\n", 0, exc.start) + 1  # type: ignore[attr-defined]
        raise
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split(text: str) -> Split:
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].rstrip() != "---":
        raise FrontMatterError(
            start + 1 if start < len(lines) else 1,
            "文件开头缺少 front matter：第一行应为 ---，然后是 title、date 等字段，再以 --- 结束",
            "missing front matter: the file must start with a --- line, then fields such as title and date, then ---",
        )
    for end in range(start + 1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        raise FrontMatterError(start + 1, "front matter 没有结束：请在字段之后加一行 ---",
                               "front matter is not closed: add a --- line after the fields")
    yaml_text = "\n".join(lines[start + 1:end])
    if not yaml_text.strip():
        raise FrontMatterError(start + 1, "front matter 是空的：至少需要 title 等必填字段",
                               "front matter is empty: it needs at least the required fields such as title")
    return Split(yaml_text=yaml_text, yaml_offset=start + 1, fence_line=start + 1,
                 body="\n".join(lines[end + 1:]), body_start_line=end + 2)
