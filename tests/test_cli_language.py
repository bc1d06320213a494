"""The command line speaks the site's language: help, argparse's usage errors and the problem
count in Chinese for a zh-CN site, in English for an English one (and by locale without a site)."""
from __future__ import annotations

import argparse
import inspect
from pathlib import Path

import pytest
from conftest import case_text, make_site, run

from generator.cli import main
from generator.clitext import _ARGPARSE, CliText, _strings, problem_count, site_language


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


@pytest.fixture(autouse=True)
def _fixed_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")              # help is wrapped to the terminal's width


def test_a_chinese_site_gets_chinese_help(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {})
    code, out, _ = usage_error(["build", str(site), "--help"], capsys)
    assert code == 0
    assert out.startswith("用法：bulletin build [-h]")
    assert any(line.split() == ["-o", "OUT,", "--out", "OUT", "输出目录（默认：SITE/output）"] for line in out.splitlines()), out
    assert "显示帮助并退出" in out and "位置参数" in out


def test_an_english_site_gets_english_help(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"site.yaml": "title: T\nlanguage: en\n"})
    code, out, _ = usage_error(["import", "x.csv", str(site), "--help"], capsys)
    assert code == 0
    assert out.startswith("usage: bulletin import [-h]")
    assert "show the changes as a table; write nothing" in out


def test_usage_errors_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {})
    code, _, err = usage_error(["build", str(site), "--jobs", "x"], capsys)
    assert code == 2 and err.splitlines()[-1] == "bulletin build：错误：参数 --jobs：'x' 不是有效的整数"
    code, _, err = usage_error(["new", str(site), "标题"], capsys)
    assert code == 2 and err.splitlines()[-1] == "bulletin new：错误：缺少必需的参数：--township, --topic"
    code, _, err = usage_error(["check", str(site), "--bogus"], capsys)
    assert code == 2 and err.splitlines()[-1] == "bulletin：错误：无法识别的参数：--bogus"


def test_without_a_site_the_locale_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    for lang, expected in (("zh_CN.UTF-8", "zh-CN"), ("C.UTF-8", "en"), ("en_US.UTF-8", "en"), ("", "en")):
        monkeypatch.setenv("LANG", lang)
        assert site_language([], tmp_path) == expected
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    site = make_site(tmp_path / "en-site", {"site.yaml": "title: T\nlanguage: en\n"})
    assert site_language(["build", str(site)], tmp_path) == "en"   # the site's language wins
    assert site_language([], site) == "en"                          # run inside the site
    case = site / "content" / "cases" / "a.md"
    case.parent.mkdir(parents=True)
    case.write_text(case_text(), "utf-8")
    assert site_language(["advance", str(case), "--to", "resolved"], tmp_path) == "en"   # found above a file


def test_the_problem_count_ends_the_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text(status="resolvd")})
    code, _, err = run(["check", str(site)], capsys)
    assert code == 1 and err.splitlines()[-1] == "发现 1 个问题"
    english = make_site(tmp_path / "en", {"site.yaml": "title: T\nlanguage: en\n",
                                         "content/cases/a.md": case_text(status="resolvd", township="凉泉镇")})
    code, _, err = run(["check", str(english)], capsys)
    assert code == 1 and err.splitlines()[-1] == "2 problems"
    assert [problem_count(1, 0, False), problem_count(3, 1, False), problem_count(2, 2, True)] == \
        ["1 problem", "3 problems, 1 warning", "发现 2 个问题，2 个警告"]


def test_every_command_line_string_has_its_translation() -> None:
    english, chinese = _strings("en"), _strings("zh-CN")
    assert english and set(english) == set(chinese)
    assert all(chinese[k].strip() for k in chinese)
    text = CliText("zh-CN")
    assert all(text(key) == chinese[key] for key in _ARGPARSE.values())


def test_argparse_speaks_english_again_after_a_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    usage_error(["build", str(make_site(tmp_path / "site", {})), "--help"], capsys)
    assert argparse._("usage: ") == "usage: "   # a library user's own parsers are left alone


def test_the_translated_argparse_messages_are_this_pythons() -> None:
    source = inspect.getsource(argparse)
    missing = [msgid for msgid in _ARGPARSE if f"_({msgid!r})" not in source and f'_("{msgid}")' not in source]
    assert missing == [], "argparse changed its messages: update generator/clitext.py _ARGPARSE"
