"""Atomic output, seen from outside: OUT is replaced whole, never half-written, and nothing else is written."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import REPO, case_text, make_site, run, tree_hash

FIXTURES = Path(__file__).parent / "fixtures" / "sites"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    target = tmp_path / "site"
    shutil.copytree(FIXTURES / "base", target)
    return target


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_first_build_creates_nested_out(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "a" / "b" / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    assert (out / "index.html").is_file()
    assert entries(tmp_path / "a" / "b") == ["out"]


def test_a_removed_case_is_gone_after_the_next_build(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    assert (out / "cases" / "saikou-clinic" / "index.html").is_file()
    (site / "content" / "cases" / "saikou-clinic.md").unlink()
    (site / "content" / "cases" / "liangquan-bridge.md").write_text(
        (site / "content" / "cases" / "liangquan-bridge.md").read_text("utf-8").replace("另见[卫生室视察](case:saikou-clinic)", ""),
        encoding="utf-8")
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    assert not (out / "cases" / "saikou-clinic").exists()
    assert "saikou-clinic" not in (out / "feed.xml").read_text("utf-8")
    fresh = tmp_path / "fresh"
    assert run(["build", str(site), "-o", str(fresh)], capsys)[0] == 0
    assert tree_hash(out) == tree_hash(fresh)
    assert entries(tmp_path) == ["fresh", "out", "site"]


def test_a_template_error_points_at_the_template_and_leaves_out_untouched(site: Path, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    before = tree_hash(out)
    make_site(site, {"templates/page.html": '{% extends "default/page.html" %}\n{% block main %}\n{{ page.no_such_field.x }}\n{% endblock %}\n'},
              defaults=False)
    code, _, stderr = run(["build", str(site), "-o", str(out)], capsys)
    assert code == 1
    assert stderr.startswith("templates/page.html:3: ") and "no_such_field" in stderr and "Traceback" not in stderr
    assert tree_hash(out) == before
    assert entries(tmp_path) == ["out", "site"]


def test_a_template_syntax_error(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_site(site, {"templates/page.html": "{% extends \"default/page.html\" %}\n\n{% block main %}{% if %}{% endblock %}\n"},
              defaults=False)
    code, _, stderr = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1 and stderr.startswith("templates/page.html:3: ")
    assert entries(tmp_path) == ["site"]


def test_static_files_are_copied_and_may_override_the_theme(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_site(site, {"static/files/章程.pdf": "pdf", "static/assets/site.css": "body{}\n"}, defaults=False)
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    assert (out / "files" / "章程.pdf").read_text("utf-8") == "pdf"
    assert (out / "assets" / "site.css").read_text("utf-8") == "body{}\n"


def test_a_static_file_may_not_replace_a_page(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    before = tree_hash(out)
    make_site(site, {"static/about/index.html": "<p>mine</p>"}, defaults=False)
    code, _, stderr = run(["build", str(site), "-o", str(out)], capsys)
    assert code == 1 and "about/index.html" in stderr and "Traceback" not in stderr
    assert tree_hash(out) == before
    assert entries(tmp_path) == ["out", "site"]


def test_a_static_clash_names_the_static_file_in_the_site_language(site: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    make_site(site, {"static/about/index.html": "<p>mine</p>"}, defaults=False)
    code, _, stderr = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1
    assert stderr.startswith("static/about/index.html: ") and " / " not in stderr


def test_nothing_is_written_outside_out_but_the_cache(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    before = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    hashed = tree_hash(site)
    assert run(["build", str(site), "-o", str(tmp_path / "out")], capsys)[0] == 0
    after = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if not p.relative_to(site).as_posix().startswith(".cache"))
    assert after == before
    if (site / ".cache").exists():
        shutil.rmtree(site / ".cache")
    assert tree_hash(site) == hashed
    assert entries(tmp_path) == ["out", "site", "tmp"]
    assert entries(private_tmp) == []


def test_the_cache_is_safe_to_delete(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["build", str(site), "-o", str(tmp_path / "a")], capsys)[0] == 0
    shutil.rmtree(site / ".cache", ignore_errors=True)
    assert run(["build", str(site), "-o", str(tmp_path / "b")], capsys)[0] == 0
    if (site / ".cache").is_dir():
        for path in (site / ".cache").rglob("*"):
            if path.is_file() and path.stat().st_nlink == 1:   # not through a hard link into an OUT
                path.write_bytes(b"garbage")
    assert run(["build", str(site), "-o", str(tmp_path / "c")], capsys)[0] == 0
    assert tree_hash(tmp_path / "a") == tree_hash(tmp_path / "b") == tree_hash(tmp_path / "c")


def test_a_killed_build_leaves_the_old_site_and_no_litter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}", body="正文。\n" * 50) for i in range(400)}
    site = make_site(tmp_path / "site", files)
    out = tmp_path / "out"
    good = make_site(tmp_path / "small", {"content/cases/a.md": case_text(slug="a")})
    assert run(["build", str(good), "-o", str(out)], capsys)[0] == 0
    before = tree_hash(out)

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "generator", "build", str(site), "-o", str(out), "--jobs", "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if set(entries(tmp_path)) - {"out", "site", "small"}:
                time.sleep(0.2)     # staging exists: let it fill a little, then kill
                break
            time.sleep(0.01)
        if process.poll() is not None:
            pytest.skip("the build finished before it could be interrupted")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert tree_hash(out) == before, "a killed build changed OUT"

    assert run(["build", str(good), "-o", str(out)], capsys)[0] == 0
    assert tree_hash(out) == before
    assert entries(tmp_path) == ["out", "site", "small"], "the killed build's staging folder was not cleaned up"


def test_rebuilds_into_one_out_always_equal_a_fresh_build(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Successive edits of many kinds, rebuilt into the same OUT (the warm, incremental path), give what a cold build gives."""
    out = tmp_path / "out"

    def edit(rel: str, old: str, new: str) -> None:
        path = site / rel
        text = path.read_text("utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new), encoding="utf-8")

    def cases_change() -> None:
        edit("content/cases/liangquan-bridge.md", "不再绕远", "不再绕远路")
        (site / "content/cases/new.md").write_text(case_text(title="新增案例", slug="new-case", township="赛口镇"), encoding="utf-8")
        edit("content/cases/liangquan-bridge.md", "另见[卫生室视察](case:saikou-clinic)", "")
        (site / "content/cases/saikou-clinic.md").unlink()

    def places_and_topics_empty_and_fill() -> None:   # the search page offers only those with cases
        edit("content/cases/chengguan-road.md", "township: 望江县/城关镇", "township: 造甲乡")
        edit("content/cases/chengguan-road.md", "topics: [交通出行]", "topics: [医疗卫生]")

    def tamper_with_out() -> None:
        (out / "robots.txt").unlink()
        with open(out / "index.html", "r+b") as handle:   # written through, as some tools do
            handle.write(b"<!-- edited by hand -->")

    def break_a_template() -> None:   # fails while rendering, after the staging tree was set up
        make_site(site, {"templates/page.html": "{% extends 'default/page.html' %}{% block main %}{{ nope.x }}{% endblock %}"},
                  defaults=False)
        before = tree_hash(out)
        assert run(["build", str(site), "-o", str(out)], capsys)[0] == 1
        assert tree_hash(out) == before
        (site / "templates" / "page.html").unlink()

    def config_and_lists() -> None:
        edit("site.yaml", "title: 测试公报", "title: 测试公报二")
        (site / "site.yaml").write_text((site / "site.yaml").read_text("utf-8") + "stages:\n  resolved: 已反馈\n", encoding="utf-8")
        edit("content/topics.yaml", "- name: 医疗卫生", "- name: 医疗健康")
        edit("content/cases/chengguan-road.md", "topics: [医疗卫生]", "topics: [医疗健康]")
        edit("content/places.yaml", "- name: 安庆市", "- name: 安庆")
        edit("content/places.yaml", "slug: yangmiao", "slug: yang-miao")

    def dates_and_links() -> None:
        edit("content/cases/miaonan-canal.md", "date: 2021年10月", "date: 2020-01-01")    # the newest case changes
        edit("content/reports/2022-01-10-roundup.md", "cases: [liangquan-bridge, miaonan-canal]", "cases: [liangquan-bridge]")
        edit("content/cases/chengguan-road.md", "title: 城关镇背街小巷路灯协商", "title: 城关镇路灯协商")

    def theme_and_paging() -> None:
        make_site(site, {"templates/page.html": "{% extends 'default/page.html' %}{% block main %}<p>x</p>{{ super() }}{% endblock %}",
                         "static/files/a.txt": "a"}, defaults=False)
        edit("site.yaml", "per_page: 2", "per_page: 1")
        edit("site.yaml", "base_url: https://bulletin.test/bulletin/", "base_url: https://bulletin.test/gb/")

    steps = [lambda: None, cases_change, places_and_topics_empty_and_fill, tamper_with_out, break_a_template, config_and_lists, dates_and_links, theme_and_paging]
    moved = ("content/places.yaml:22: warning: 「安徽省/合肥市/长丰县/杨庙镇」的网址由 townships/yangmiao/ 改为 "
             "townships/yang-miao/；旧网址会生成一个跳转到新网址的页面\n")
    for number, step in enumerate(steps):
        # The cold build starts from what was published before the step, as the warm one does:
        # OUT's data/places.json keeps township addresses (and old ones lead on). Nothing else is kept.
        published = tmp_path / f"cold{number}"
        if out.exists():
            shutil.copytree(out, published)
        step()
        code, _, stderr = run(["build", str(site), "-o", str(out)], capsys)
        assert (code, stderr) == (0, moved if step is config_and_lists else ""), number
        copy = tmp_path / f"copy{number}"
        shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".cache", "output"))
        assert run(["build", str(copy), "-o", str(published), "--no-cache"], capsys)[0] == 0
        warm, cold = site_files(out), site_files(tmp_path / f"cold{number}")
        assert sorted(warm) == sorted(cold), f"after step {number}"
        assert [rel for rel in warm if warm[rel] != cold[rel]] == [], f"after step {number}"


def test_a_few_pages_rendered_beside_the_open_data_equal_a_cold_build(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A large site's small rebuild renders its pages in one worker while the main process makes
    the open data files and the search index (build/renderpass.py): forced here on a small site."""
    from generator.build import renderpass
    pools: list[int] = []
    real_pool = renderpass.worker_pool

    def counted_pool(processes: int, **options: object) -> object:
        pools.append(processes)
        return real_pool(processes, **options)
    monkeypatch.setattr(renderpass, "_beside", lambda pages, cases: pages < 200)
    monkeypatch.setattr(renderpass, "worker_pool", counted_pool)
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "2"], capsys)[0] == 0
    case = site / "content/cases/chengguan-road.md"
    case.write_text(case.read_text("utf-8").replace("township: 望江县/城关镇", "township: 造甲乡"), encoding="utf-8")
    pools.clear()
    assert run(["build", str(site), "-o", str(out), "--jobs", "2"], capsys)[0] == 0
    assert pools == [1]   # the township move's pages went to one worker
    cold = tmp_path / "cold"
    assert run(["build", str(site), "-o", str(cold), "--no-cache"], capsys)[0] == 0
    warm_files, cold_files = site_files(out), site_files(cold)
    assert sorted(warm_files) == sorted(cold_files)
    assert [rel for rel in warm_files if warm_files[rel] != cold_files[rel]] == []


def test_builds_in_one_process_as_serve_makes_them_equal_a_cold_build(site: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """serve builds again and again in one process with a Session: case loops are kept from one
    build to the next (site/lifecycle.py LoopMemo), by case and day, and every build lets go of
    the objects it froze for its workers. After a move, a new stage, a new follow-up date and a
    new day, each build equals a cold one made that day."""
    import datetime as dt
    import gc
    from generator.build import renderpass
    from generator.build.pipeline import build
    from generator.build.session import Session
    from generator.source.config import BuildOptions
    monkeypatch.setattr(renderpass, "_beside", lambda pages, cases: pages < 200)
    out, session = tmp_path / "out", Session(site)
    case = site / "content/cases/chengguan-road.md"
    day = dt.date(2024, 3, 1)

    def rebuild(step: str, edit: tuple[str, str] | None = None) -> None:
        if edit is not None:
            text = case.read_text("utf-8")
            assert edit[0] in text, step
            case.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
            session.note([case.relative_to(site).as_posix()])
        build(site, out, BuildOptions(jobs=2, today=day), session=session)
        assert gc.get_freeze_count() == 0, f"{step}: objects left frozen"
        cold = tmp_path / f"cold-{len(list(tmp_path.iterdir()))}"
        build(site, cold, BuildOptions(jobs=1, today=day, use_cache=False))
        warm_files, cold_files = site_files(out), site_files(cold)
        assert sorted(warm_files) == sorted(cold_files), step
        assert [rel for rel in warm_files if warm_files[rel] != cold_files[rel]] == [], step

    rebuild("the first build")
    kept = dict(session.loops.loops)
    assert len(kept) >= 3   # the first build's loops, every case's
    rebuild("a township move", ("township: 望江县/城关镇", "township: 造甲乡"))
    assert all(session.loops.loops.get(key) is loop for key, loop in kept.items() if key[0] != "chengguan-road")
    rebuild("a new stage", ("status: consulting", "status: following_up"))
    rebuild("a follow-up date", ("date: ", "follow_up: 2024-02-01\ndate: "))
    day = dt.date(2024, 9, 1)
    rebuild("a new day")
    assert session.loops.day == day


def site_files(root: Path) -> dict[str, bytes]:
    """Every file, the search index included."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_removed_case_leaves_the_search_index(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json
    def indexed_pages(out: Path) -> list[dict[str, str]]:
        return [{"url": "/" + row[0]} for chunk in sorted((out / "search" / "docs").glob("*.json"))
                for row in json.loads(chunk.read_text("utf-8"))]
    out = tmp_path / "out"
    for _ in range(2):   # the second build takes the incremental path
        assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    path = site / "content" / "cases" / "liangquan-bridge.md"
    path.write_text(path.read_text("utf-8").replace("另见[卫生室视察](case:saikou-clinic)", ""), encoding="utf-8")
    (site / "content" / "cases" / "saikou-clinic.md").unlink()
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    assert not (out / "cases" / "saikou-clinic").exists()
    assert "/cases/saikou-clinic/" not in [page["url"] for page in indexed_pages(out)]


def test_a_template_error_in_a_worker_process_is_reported_not_hung(tmp_path: Path) -> None:
    """Workers send the error back to the parent pickled; a message with braces once broke that
    (the pool's result thread died and the build waited for ever)."""
    files = {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}") for i in range(260)}
    files["templates/case.html"] = "{% extends 'default/case.html' %}{% block main %}{{ x.y( }}{% endblock %}"
    site = make_site(tmp_path / "site", files)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "generator", "build", str(site), "--jobs", "2"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith("templates/case.html:1: "), done.stderr
    assert "Traceback" not in done.stderr
    assert not (site / "output").exists()
