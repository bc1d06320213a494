"""Shared fixtures: inline mini-sites, the CLI run in-process, the example site built once."""
from __future__ import annotations

import hashlib
import shutil
import textwrap
from pathlib import Path

import pytest

from generator.cli import main

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# What a build of the example site says about its base_url, a placeholder (bulletin.example.org).
EXAMPLE_BASE_URL_WARNING = ("site.yaml:4: warning: base_url 仍是示例地址 https://bulletin.example.org/；发布前请改成网站的真实地址"
                            "（如 https://zx.example.gov.cn/），否则订阅、站点地图和开放数据中的链接都会指向别处")
MINI_PLACES = """\
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
            - name: 赛口镇
              slug: saikou
    - name: 合肥市
      slug: hefei
      children:
        - name: 长丰县
          slug: changfeng
          children:
            - name: 杨庙镇
              slug: yangmiao
              children: [庙南社区]
"""
MINI_TOPICS = """\
- name: 交通出行
  slug: transport
- name: 农田水利
  slug: irrigation
"""


def case_text(title: str = "南干渠新架桥梁", slug: str = "bridge", township: str = "凉泉乡",
              status: str = "resolved", date: str = "2021-06-20", extra: str = "", body: str = "正文。") -> str:
    return (f"---\ntitle: {title}\ndate: {date}\ntownship: {township}\ntopics: [交通出行]\n"
            f"status: {status}\nslug: {slug}\n{extra}---\n{body}\n")


def make_site(root: Path, files: dict[str, str | bytes], defaults: bool = True) -> Path:
    """Write a small site; site.yaml, places and topics are added unless given."""
    base: dict[str, str | bytes] = {
        "site.yaml": "title: 测试公报\nbase_url: https://bulletin.test/\n",
        "content/places.yaml": MINI_PLACES,
        "content/topics.yaml": MINI_TOPICS,
    } if defaults else {}
    base.update(files)
    for rel, content in base.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content) if content.startswith("\n") else content, encoding="utf-8")
    return root


def without_count(err: str) -> str:
    """`check`'s stderr without its last line, the count of what it found, after making sure
    the count is right: 发现 2 个问题，1 个警告 on a Chinese site, 2 problems, 1 warning on an English one."""
    *lines, last = err.splitlines()
    errors = sum(1 for line in lines if ": warning: " not in line)
    warnings = len(lines) - errors
    zh = f"发现 {errors} 个问题" + (f"，{warnings} 个警告" if warnings else "")
    en = f"{errors} problem" + ("s" if errors != 1 else "") + (
        f", {warnings} warning" + ("s" if warnings != 1 else "") if warnings else "")
    assert last in (zh, en), (last, err)
    return "".join(line + "\n" for line in lines)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tree_hash(root: Path) -> str:
    """One hash over every file's path and bytes (empty string hash for a missing folder)."""
    digest = hashlib.sha256()
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@pytest.fixture(scope="session")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's example site, built once per test session."""
    out = tmp_path_factory.mktemp("example") / "output"
    assert main(["build", str(REPO), "-o", str(out), "--jobs", "1"]) == 0
    return out


@pytest.fixture
def site_copy(tmp_path: Path) -> Path:
    """A writable copy of the example site (content, config, theme)."""
    target = tmp_path / "site"
    target.mkdir()
    for name in ("site.yaml", "content", "themes"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.exists():
            shutil.copy(source, target / name)
    return target
