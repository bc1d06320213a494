"""The command line: exit codes, usage errors, drafts and future dates, --base-url, a real process."""
from __future__ import annotations


import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_BASE_URL_WARNING, REPO, case_text, make_site, run, tree_hash

from generator.cli import main

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site", {
        "content/cases/bridge.md": case_text(),
        "content/cases/draft.md": case_text(title="草稿案例", slug="draft-case", extra="draft: true\n"),
        "content/cases/future.md": case_text(title="未来案例", slug="future-case", date="2999-01-01"),
        "content/reports/2022-01-10-roundup.md": "---\ntitle: 报道\ndate: 2022-01-10\ncases: [bridge]\n---\n正文\n",
        "content/reports/2999-01-01-later.md": "---\ntitle: 未来的报道\n---\n正文\n",
    })


def published_slugs(out: Path) -> list[str]:
    return [c["slug"] for c in json.loads((out / "data" / "cases.json").read_text("utf-8"))["cases"]]


def test_build_defaults_to_site_output(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, stderr = run(["build", str(site)], capsys)
    assert (code, stderr) == (0, "")
    assert (site / "output" / "index.html").is_file()
    assert "已生成" in stdout


def test_drafts_and_future_dates_are_published_only_with_drafts(site: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    assert published_slugs(out) == ["bridge"]
    assert not (out / "cases" / "draft-case").exists() and not (out / "cases" / "future-case").exists()
    assert not (out / "reports" / "later").exists()
    everything = "".join(p.read_text("utf-8", errors="replace") for p in out.rglob("*") if p.suffix in (".html", ".xml", ".json", ".csv"))
    assert "草稿案例" not in everything and "未来案例" not in everything and "未来的报道" not in everything

    assert run(["build", str(site), "-o", str(out), "--drafts"], capsys)[0] == 0
    assert sorted(published_slugs(out)) == ["bridge", "draft-case", "future-case"]
    assert (out / "cases" / "draft-case" / "index.html").is_file()
    assert (out / "reports" / "later" / "index.html").is_file()


def test_today_comes_from_source_date_epoch(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # 2021-06-19 23:30 in Shanghai: a case dated 2021-06-20 is still in the future
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1624116600")
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    assert published_slugs(out) == []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1624120200")   # 00:30 on the 20th
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    assert published_slugs(out) == ["bridge"]


def test_a_published_file_linking_a_draft_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {
        "content/cases/a.md": case_text(slug="a", body="见[草稿](case:b)"),
        "content/cases/b.md": case_text(slug="b", extra="draft: true\n"),
    })
    code, _, stderr = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1
    assert stderr == "content/cases/a.md:9: 链接 case:b 指向的案例不存在（或是草稿）；请检查 slug 拼写\n"
    assert run(["build", str(site), "-o", str(tmp_path / "out"), "--drafts"], capsys)[0] == 0


def test_base_url_override(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--base-url", "https://intranet.example/gb"], capsys)[0] == 0
    feed = (out / "feed.xml").read_text("utf-8")
    assert "https://intranet.example/gb/cases/bridge/" in feed and "https://bulletin.test/" not in feed
    assert "https://intranet.example/gb/sitemap.xml" in (out / "robots.txt").read_text("utf-8")


@pytest.mark.parametrize("where", [".", "..", "content", "content/cases/x", "templates", "static/out", "themes", "themes/default/x"])
def test_out_that_would_destroy_sources_is_a_usage_error(site: Path, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_hash(site.parent)
    code, stdout, stderr = run(["build", str(site), "-o", str(site / where)], capsys)
    assert code == 2
    assert stderr.startswith("bulletin: ") and "Traceback" not in stderr and stdout == ""
    assert tree_hash(site.parent) == before
    assert not list(site.parent.glob(".*staging*"))


def test_relative_out_equal_to_site(site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site)
    assert run(["build", "-o", "."], capsys)[0] == 2
    assert run(["build", ".", "-o", "../site"], capsys)[0] == 2
    assert run(["build", "-o", "content/../content"], capsys)[0] == 2


@pytest.mark.parametrize("argv", [
    ["build", "{site}/nope"],
    ["build", "{site}", "--jobs", "0"],
    ["build", "{site}", "--base-url", "ftp://example.org/"],
    ["build", "{site}", "-o", "{site}/content/cases/bridge.md"],
    ["check", "{site}/nope"],
    ["new", "{site}/nope", "标题", "--township", "凉泉乡", "--topic", "交通出行"],
])
def test_other_usage_errors(site: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_hash(site)
    code, _, stderr = run([a.format(site=site) for a in argv], capsys)
    assert code == 2 and stderr.startswith("bulletin: ")
    assert tree_hash(site) == before


@pytest.mark.parametrize("argv", [[], ["bogus"], ["build", "--nope"], ["new", "x", "title"]])
def test_argparse_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)          # no site here, and an English locale: English usage
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_out_may_be_nested_in_the_site(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["build", str(site), "-o", str(site / "public" / "www")], capsys)[0] == 0
    assert (site / "public" / "www" / "index.html").is_file()


def test_a_real_process_and_no_colour(site: Path, tmp_path: Path) -> None:
    """`python -m generator` as editors run it: exit codes, plain stderr lines, no traceback."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1700000000"}
    good = subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert good.returncode == 0, good.stderr
    (site / "content" / "cases" / "bad.md").write_text(case_text(slug="bad", status="done"), encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-o", str(tmp_path / "out")],
                         capture_output=True, text=True, env=env, timeout=120, check=False)
    assert bad.returncode == 1
    assert bad.stderr.startswith("content/cases/bad.md:6: 「status」的值「done」不是已知的阶段")
    assert "\x1b[" not in bad.stderr and "Traceback" not in bad.stderr
    usage = subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-o", str(site)],
                           capture_output=True, text=True, env=env, timeout=120, check=False)
    assert usage.returncode == 2


@pytest.mark.skipif(shutil.which("bulletin") is None, reason="the console script is not installed (pip install -e .)")
def test_console_script() -> None:
    done = subprocess.run(["bulletin", "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.startswith("bulletin ")


def test_a_template_python_cannot_compile_does_not_stop_a_build_that_never_uses_it(tmp_path: Path) -> None:
    """Cold builds compile every template of the theme ahead (theme.precompile); one that even
    Python's compiler refuses (21 nested loops) is left to the pages that use it: none here."""
    from generator.core.errors import Problems
    from generator.render.theme import load_theme, precompile
    site = tmp_path / "site"
    (site / "templates").mkdir(parents=True)
    (site / "templates" / "unused.html").write_text("{% for a in x %}" * 21 + "x" + "{% endfor %}" * 21, "utf-8")
    precompile(load_theme(site, "default", "zh-CN", Problems()), tmp_path / "jinja")
    assert any((tmp_path / "jinja").iterdir())   # the theme's own templates were compiled


def _build_with_stderr(out: Path, stderr: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "generator", "build", str(REPO), "-o", str(out), "--no-cache"],
                            stdout=subprocess.PIPE, stderr=stderr, env=env)


def test_a_terminal_sees_a_progress_line_and_a_pipe_only_the_summary(tmp_path: Path) -> None:
    import pty
    import re
    primary, secondary = pty.openpty()
    proc = _build_with_stderr(tmp_path / "tty", secondary)
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:   # the build closed its end of the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    lines = re.findall(rb"\r(\d+)/(\d+) pages, [\d,]+/s", shown)
    assert lines, shown
    done, total = lines[-1]
    progress, *rest = shown.rstrip(b"\r\n").split(b"\r\n")
    assert done == total and int(total) > 100 and progress.endswith(b"/s")   # ends on the whole count
    assert [line.decode() for line in rest] == [EXAMPLE_BASE_URL_WARNING]     # then the example's placeholder address
    assert "已生成" in stdout.decode()
    piped = _build_with_stderr(tmp_path / "pipe", subprocess.PIPE)
    stdout, stderr = piped.communicate(timeout=60)
    assert piped.returncode == 0 and stderr.decode() == EXAMPLE_BASE_URL_WARNING + "\n" and "已生成" in stdout.decode()


@pytest.mark.parametrize(("site_yaml", "argv", "expected"), [
    ("title: 公报\nbase_url: https://example.org/\n", [],
     "site.yaml:2: warning: base_url 仍是示例地址 https://example.org/；"),
    ("title: 公报\nbase_url: https://www.example.com/zx/\n", [],
     "site.yaml:2: warning: base_url 仍是示例地址 https://www.example.com/zx/；"),
    ("title: 公报\n", [], "site.yaml: warning: base_url 仍是示例地址 http://localhost:8000/；"),
    ("title: 公报\nbase_url: https://zx.wangjiang.gov.cn/\n", ["--base-url", "https://example.net/"],
     "--base-url: warning: base_url 仍是示例地址 https://example.net/；"),
    ("title: 公报\nbase_url: https://zx.wangjiang.gov.cn/\n", [], None),
    ("title: 公报\nbase_url: https://example.org/\n", ["--base-url", "https://zx.wangjiang.gov.cn/"], None),
])
def test_build_warns_while_base_url_is_a_placeholder(tmp_path: Path, capsys: pytest.CaptureFixture[str], site_yaml: str,
                                                    argv: list[str], expected: str | None) -> None:
    site = make_site(tmp_path / "site", {"site.yaml": site_yaml, "content/cases/a.md": case_text()})
    code, _, err = run(["build", str(site), *argv], capsys)
    assert code == 0
    if expected is None:
        assert err == ""
    else:
        assert err == expected + "发布前请改成网站的真实地址（如 https://zx.example.gov.cn/），否则订阅、站点地图和开放数据中的链接都会指向别处\n"
