"""Resource safety: hostile or careless input ends in a clear error or a correct build, in seconds, in bounded memory.

Each case runs `bulletin check` (which parses, validates and renders every page without
writing) or `bulletin build` in a child process under an address-space limit and a
timeout, so a hang or a memory blow-up fails the test instead of the machine. The child
reports its own peak resident memory.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, case_text, make_site

TIMEOUT = 90                 # seconds; a correct run takes a few (the 10 s render budget included)
MEMORY_LIMIT = 1536 << 20    # address space of the child (a check of a small site peaks near 100 MB resident)
PEAK_LIMIT_MB = 600          # resident memory that a bounded run stays under

_CHILD = ("import resource, sys\nfrom generator.cli import main\ncode = main(sys.argv[1:])\n"
          "sys.stderr.write(f'\\nPEAK_RSS_MB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}\\n')\n"
          "sys.exit(code)\n")


@dataclass
class Result:
    code: int
    out: str
    err: str       # stderr without the peak line
    seconds: float
    peak_mb: int


def bounded(*argv: str, limit_memory: bool = True) -> Result:
    def limits() -> None:
        if limit_memory:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    env = {**os.environ, "PYTHONPATH": str(REPO), "BULLETIN_NO_CACHE": "1"}
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, *argv], capture_output=True, text=True, timeout=TIMEOUT,
                              preexec_fn=limits, env=env, cwd=REPO)
    except subprocess.TimeoutExpired:
        pytest.fail(f"bulletin {' '.join(argv)} did not finish within {TIMEOUT} s")
    seconds = time.monotonic() - started
    lines = done.stderr.splitlines()
    peak = next((int(line.split()[1]) for line in lines if line.startswith("PEAK_RSS_MB ")), -1)
    err = "\n".join(line for line in lines if line and not line.startswith("PEAK_RSS_MB "))
    assert "Traceback" not in err and "internal error" not in err and "MemoryError" not in err, err
    assert peak < PEAK_LIMIT_MB, f"peak memory {peak} MB"
    return Result(done.returncode, done.stdout, err, seconds, peak)


def one_case(tmp_path: Path, text: str | bytes, **files: str | bytes) -> Path:
    return make_site(tmp_path / "site", {"content/cases/a.md": text, **{k.replace("__", "/"): v for k, v in files.items()}})


BOMB = ('lol1: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"lol{i}: &{chr(97 + i - 1)} [{','.join(['*' + chr(97 + i - 2)] * 9)}]\n" for i in range(2, 10)))


# -- YAML --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["content/cases/a.md", "content/places.yaml", "content/topics.yaml", "site.yaml"])
def test_a_yaml_alias_bomb_is_refused(name: str, tmp_path: Path) -> None:
    site = one_case(tmp_path, case_text())
    nested = "".join("  " + line + "\n" for line in BOMB.splitlines())
    text = {"content/cases/a.md": "---\ntitle: 炸弹\n" + BOMB + "---\n正文\n", "content/places.yaml": "- name: 安徽省\n" + nested,
            "content/topics.yaml": "- name: 交通出行\n" + nested, "site.yaml": "title: 公报\n" + BOMB}[name]
    (site / name).write_text(text, "utf-8")
    result = bounded("check", str(site))
    assert result.code == 1 and result.err.startswith(f"{name}:") and "不支持 YAML 锚点和别名" in result.err, result.err


DEEP_YAML = {
    "flow lists": "outcome: " + "[" * 5000 + "]" * 5000 + "\n",
    "flow mappings": "outcome: " + "{a: " * 5000 + "b" + "}" * 5000 + "\n",
    "block lists": "outcome:\n  " + "- " * 5000 + "x\n",
    "block mappings": "outcome:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 5000)) + " " * 5000 + "k: v\n",
}


@pytest.mark.parametrize("shape", DEEP_YAML)
def test_yaml_nested_5000_deep_is_refused(shape: str, tmp_path: Path) -> None:
    result = bounded("check", str(one_case(tmp_path, case_text(extra=DEEP_YAML[shape]))))
    assert result.code == 1 and "content/cases/a.md:" in result.err and "嵌套" in result.err, result.err


def test_a_place_tree_nested_5000_deep_is_refused(tmp_path: Path) -> None:
    places = "- name: 省\n  children:\n" + "".join(" " * (2 * i) + "  - name: 地" + str(i) + "\n" + " " * (2 * i) + "    children:\n"
                                                   for i in range(1, 200)) + " " * 400 + "  - 村\n"
    site = one_case(tmp_path, case_text())
    (site / "content" / "places.yaml").write_text(places, "utf-8")
    result = bounded("check", str(site))
    assert result.code == 1 and result.err.startswith("content/places.yaml:"), result.err


# -- Markdown ----------------------------------------------------------------------------

DEEP_MARKDOWN = {
    "quotes": ">" * 5000 + " 引用\n",
    "list markers": "- " * 5000 + "项\n",
    "ordered markers": "1. " * 5000 + "项\n",
    "indented lists": "".join("    " * i + "- 项\n" for i in range(300)),
    "markdown in html": '<div markdown="1">\n' * 5000 + "深处\n" + "</div>\n" * 5000,
}


@pytest.mark.parametrize("shape", DEEP_MARKDOWN)
def test_markdown_nested_5000_deep_is_refused_at_its_line(shape: str, tmp_path: Path) -> None:
    """Python-Markdown took 2 minutes and 3.4 GB on 2,000 nested list levels before failing; now a clear error."""
    result = bounded("check", str(one_case(tmp_path, case_text(body=DEEP_MARKDOWN[shape]))))
    assert result.code == 1 and "content/cases/a.md:" in result.err and "正文" in result.err, result.err
    assert result.seconds < 30


def test_html_nested_5000_deep_builds(tmp_path: Path) -> None:
    site = one_case(tmp_path, case_text(body="<div>" * 5000 + "深处的文字" + "</div>" * 5000 + "\n"))
    result = bounded("build", str(site), "-o", str(tmp_path / "out"), limit_memory=False)
    assert result.code == 0, result.err
    assert "深处的文字" in (tmp_path / "out" / "cases" / "bridge" / "index.html").read_text("utf-8")


def test_a_5_mb_body_builds(tmp_path: Path) -> None:
    paragraph = "群众反映的问题经过多次议事协商，已经形成了处理意见，相关部门正在落实。" * 4 + "\n\n"
    body = paragraph * (5 * 1024 * 1024 // len(paragraph.encode()) + 1) + "最后一段。\n"
    assert len(body.encode()) >= 5 * 1024 * 1024
    site = one_case(tmp_path, case_text(body=body))
    result = bounded("build", str(site), "-o", str(tmp_path / "out"), limit_memory=False)
    assert result.code == 0, result.err
    assert "最后一段。" in (tmp_path / "out" / "cases" / "bridge" / "index.html").read_text("utf-8")


TEN_THOUSAND_LINES = {
    "plain lines": "".join(f"第{i}行文字。\n" for i in range(10_000)),
    "paragraphs": "".join(f"第{i}段。\n\n" for i in range(5_000)),
    "list items": "".join(f"- 第{i}项\n" for i in range(10_000)),
    "table rows": "| 序号 | 内容 |\n|---|---|\n" + "".join(f"| {i} | 内容{i} |\n" for i in range(9_998)),
    "links": "".join(f"[链接{i}](https://bulletin.test/{i})\n" for i in range(10_000)),
    "quotes": "".join(f"> 第{i}行\n" for i in range(10_000)),
    "code": "```\n" + "".join(f"line {i} [ * _ <\n" for i in range(9_998)) + "```\n",
}


@pytest.mark.parametrize("shape", TEN_THOUSAND_LINES)
def test_a_10000_line_body_builds(shape: str, tmp_path: Path) -> None:
    body = TEN_THOUSAND_LINES[shape]
    assert body.count("\n") >= 10_000
    result = bounded("check", str(one_case(tmp_path, case_text(body=body))))
    assert result.code == 0, result.err


@pytest.mark.parametrize("body, message", [
    ("".join(f"# 标题{i}\n" for i in range(10_000)), "标题过多"),
    ("".join(f"*[A{i}]: 缩写\n" for i in range(10_000)), "缩写定义过多"),
    ("术语\n" + ": 定义\n" * 10_000, "定义列表"),
], ids=["headings", "abbreviations", "definitions"])
def test_a_10000_line_body_of_costly_markdown_is_refused(body: str, message: str, tmp_path: Path) -> None:
    """Heading ids, abbreviations and definition runs are quadratic in Python-Markdown (10,000 headings: 10 s)."""
    result = bounded("check", str(one_case(tmp_path, case_text(body=body))))
    assert result.code == 1 and "content/cases/a.md:" in result.err and message in result.err, result.err


def test_a_body_too_slow_to_render_is_stopped(tmp_path: Path) -> None:
    """10,000 unclosed [ in one paragraph would take minutes: the 10 s render budget stops it with PATH:LINE."""
    result = bounded("check", str(one_case(tmp_path, case_text(body="正文\n\n" + "[\n" * 10_000))))
    assert result.code == 1 and result.err.startswith("content/cases/a.md:9: 正文过于复杂"), result.err
    assert result.seconds < 60


# -- NUL bytes and control characters ------------------------------------------------------

@pytest.mark.parametrize("text, line", [
    (case_text(body="正文\n第二行\x00尾\n").encode(), 10),
    (case_text(title="标\x00题").encode(), 2),
    (b"\x00" + case_text().encode(), 1),
], ids=["body", "front matter", "first byte"])
def test_a_nul_byte_in_a_content_file_is_an_error_at_its_line(text: bytes, line: int, tmp_path: Path) -> None:
    result = bounded("check", str(one_case(tmp_path, text)))
    assert result.code == 1 and result.err.startswith(f"content/cases/a.md:{line}: 文件中有空字符"), result.err


@pytest.mark.parametrize("escape", ["\\0", "\\x01", "\\u0000", "\\e", "\\x7f"])
def test_a_control_character_from_a_yaml_escape_is_an_error(escape: str, tmp_path: Path) -> None:
    result = bounded("check", str(one_case(tmp_path, case_text(extra=f'outcome: "结果{escape}"\n'))))
    assert result.code == 1 and result.err.startswith("content/cases/a.md:8: 文字中有不可见的控制字符"), result.err


@pytest.mark.parametrize("name", ["site.yaml", "content/places.yaml", "content/topics.yaml"])
def test_a_nul_byte_in_a_yaml_file_is_an_error(name: str, tmp_path: Path) -> None:
    site = one_case(tmp_path, case_text())
    data = (site / name).read_bytes() if (site / name).exists() else b"title: x\n"
    (site / name).write_bytes(data.replace(b"\n", b"\x00\n", 1))
    result = bounded("check", str(site))
    assert result.code == 1 and result.err.startswith(f"{name}:"), result.err
