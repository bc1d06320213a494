"""A build with nothing to do answers from the last build's record (build/unchanged.py), and
every change to what a build reads or to OUT itself sends it down the full path again."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import case_text, make_site, tree_hash

from generator.build import pipeline, unchanged, workers
from generator.build.pipeline import build
from generator.build.report import BuildReport
from generator.core.errors import Problem
from generator.source.config import BuildOptions

pytestmark = pytest.mark.clock   # the day built for is part of the record

OPTS = BuildOptions(jobs=1)


def quick(report: BuildReport) -> bool:
    """The quick answer has no phases: nothing was loaded or rendered."""
    return report.costs == ()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site", {"content/cases/a.md": case_text(slug="a"),
                                         "content/cases/b.md": case_text(slug="b", title="杨湾村渠道")})


def settle(site: Path, out: Path, opts: BuildOptions = OPTS) -> BuildReport:
    """A cold build: it wrote all of OUT, so it records what it read and wrote."""
    report = build(site, out, opts)
    assert report.written == report.pages and not quick(report)
    return report


def test_a_second_build_with_nothing_changed_is_answered_quickly(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    full = settle(site, out)
    before = tree_hash(out)
    again = build(site, out, OPTS)
    assert quick(again)
    assert (again.pages, again.written, again.unchanged, again.unpublished) == (full.pages, 0, full.pages, full.unpublished)
    assert tree_hash(out) == before


@pytest.mark.parametrize("change", ["touch a case", "new case", "site.yaml", "a template", "a static file",
                                    "out edited in place", "out file deleted", "out file added", "another day",
                                    "drafts", "base url", "a killed build's staging folder"])
def test_any_change_takes_the_full_path(change: str, site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    settle(site, out)
    opts = OPTS
    if change == "touch a case":
        case = site / "content/cases/a.md"
        os.utime(case, ns=(case.stat().st_atime_ns, case.stat().st_mtime_ns + 1_000_000_000))
    elif change == "new case":
        (site / "content/cases/c.md").write_text(case_text(slug="c", title="新的"), "utf-8")
    elif change == "site.yaml":
        (site / "site.yaml").write_text("title: 测试公报二\nbase_url: https://bulletin.test/\n", "utf-8")
    elif change == "a template":
        make_site(site, {"templates/page.html": "{% extends 'default/page.html' %}"}, defaults=False)
    elif change == "a static file":
        make_site(site, {"static/files/a.txt": "a"}, defaults=False)
    elif change == "out edited in place":
        with open(out / "index.html", "r+b") as handle:   # the same inode, as some tools write
            handle.write(b"<!-- by hand -->")
    elif change == "out file deleted":
        (out / "robots.txt").unlink()
    elif change == "out file added":
        (out / "stray.html").write_text("x", "utf-8")
    elif change == "another day":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1654099200")   # 2022-06-02, a day after the clock tests' day
    elif change == "drafts":
        opts = BuildOptions(jobs=1, drafts=True)
    elif change == "base url":
        opts = BuildOptions(jobs=1, base_url="https://other.test/")
    elif change == "a killed build's staging folder":
        (tmp_path / ".out.staging-99999" / "cases").mkdir(parents=True)
    report = build(site, out, opts)
    assert not quick(report), change
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []   # swept by the full path
    # and the full build made OUT what a build from nothing makes
    fresh = tmp_path / "fresh"
    build(site, fresh, BuildOptions(jobs=1, use_cache=False, drafts=opts.drafts, base_url=opts.base_url))
    assert tree_hash(out) == tree_hash(fresh), change


def test_no_cache_never_answers_quickly_and_leaves_the_cache_alone(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    settle(site, out)
    stamp = unchanged.stamp_path(site, out)
    kept = stamp.read_bytes()
    report = build(site, out, BuildOptions(jobs=1, use_cache=False))
    assert not quick(report) and stamp.read_bytes() == kept


def test_an_edit_of_a_large_site_forgets_the_record_and_warnings_come_back_as_they_were(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small OUT is walked and recorded after an edit (the next build is then quick); a large
    one only by a build with the helper that walked it meanwhile (tests/test_prestat.py)."""
    out = tmp_path / "out"
    settle(site, out)
    (site / "content/cases/a.md").write_text(case_text(slug="a", body="改过的正文。"), "utf-8")
    edited = build(site, out, OPTS)
    assert edited.written > 0 and unchanged.stamp_path(site, out).exists()
    assert quick(build(site, out, OPTS))
    monkeypatch.setattr(pipeline, "SMALL_OUT", 0)
    (site / "content/cases/a.md").write_text(case_text(slug="a", body="又改过的正文。"), "utf-8")
    edited = build(site, out, OPTS)
    assert edited.written > 0 and not unchanged.stamp_path(site, out).exists()
    inputs = unchanged.inputs_hash(site, OPTS)
    assert inputs is not None
    warning = Problem("content/cases/a/photo.jpg", 0, "照片带有 GPS 位置", True)
    unchanged.remember(site, out, inputs, BuildReport(7, 0, 7, 1.0, (warning,), unpublished=(1, 2)))
    replayed = unchanged.quick_report(site, out, inputs)
    assert replayed is not None and replayed.warnings == (warning,) and replayed.unpublished == (1, 2)


def test_a_large_out_is_walked_by_two_processes_with_the_same_answer(site: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """From FORK_FROM entries on, a forked child walks half of OUT: the hash must not tell
    the difference, and a hand edit in either half must still show."""
    out = tmp_path / "out"
    settle(site, out)
    serial = unchanged.out_hash(out)
    monkeypatch.setattr(unchanged, "FORK_FROM", 1)
    # Browser tests earlier in a session leave Playwright's threads running, beside which
    # nothing is forked; the child takes no lock they could hold.
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)
    forks: list[int] = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    assert unchanged.out_hash(out) == serial
    roots = [Path(p) for p, _ in unchanged._subtrees(str(out))]   # the child walks roots[0::2]
    for root in roots[:2]:   # a file in each half
        page = root if root.is_file() else next(p for p in sorted(root.rglob("*")) if p.is_file())
        page.write_bytes(page.read_bytes() + b" ")
        assert unchanged.out_hash(out) != serial
        monkeypatch.setattr(unchanged, "FORK_FROM", 10**9)
        edited = unchanged.out_hash(out)
        monkeypatch.setattr(unchanged, "FORK_FROM", 1)
        assert unchanged.out_hash(out) == edited
    assert len(forks) == 5   # every hash above but the serial ones came from two processes
