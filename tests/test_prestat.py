"""The forked helper that stats content and OUT during a warm build: same answers as the
build's own calls, hand edits of OUT still noticed, and a helper that fails changes nothing."""
from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest

from conftest import case_text, make_site, run, tree_hash
from generator.build import pipeline
from generator.build import prestat, unchanged, workers
from generator.build.cache import PageManifest
from generator.source.config import BuildOptions
from generator.source.discovery import discover_with_stats

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours

OPTS = BuildOptions(jobs=2)


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, list[str]]:
    """A small site built once, whose warm builds use the helper (as large ones do)."""
    site = make_site(tmp_path / "site", {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}",
                                                                              body=f"第{i}号。") for i in range(5)})
    out = site / "output"
    pipeline.build(site, out, OPTS)
    monkeypatch.setattr(prestat, "pays_off", lambda site_dir, use_cache, jobs: True)
    # Browser tests earlier in the session leave Playwright's threads running, and the helper
    # is not forked beside other threads; the helper itself takes no lock they could hold.
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)
    used: list[str] = []
    real_listing = prestat.Prestat.listing

    def listing(self: prestat.Prestat, outside: list[str]) -> object:
        found = real_listing(self, outside)
        used.append("helper" if found is not None else "fallback")
        return found
    monkeypatch.setattr(prestat.Prestat, "listing", listing)
    return site, out, used


def cold(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert run(["build", str(site), "-o", str(tmp_path / "cold"), "--jobs", "1", "--no-cache"], capsys)[0] == 0
    return tree_hash(tmp_path / "cold")


def test_the_helper_answers_as_the_build_would(built: tuple[Path, Path, list[str]]) -> None:
    site, out, _ = built
    (site / "content" / "cases" / "link.md").symlink_to("/etc/hostname")   # a link out of SITE is reported
    helper = prestat.Prestat(site, out, PageManifest.path_for(site, out))
    outside: list[str] = []
    try:
        assert helper.listing(outside) == discover_with_stats(site, expected_outside := [])
        assert outside == expected_outside == ["content/cases/link.md"]
        assert helper.out_differs() == set()
        assert helper.out_tree() == unchanged.out_tree(out)
    finally:
        helper.close()


def test_an_edit_through_the_helper_is_recorded_without_walking_out_and_the_next_build_is_quick(
        built: tuple[Path, Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper walks OUT before the build changes it; after the commit, the record of what OUT
    holds (build/unchanged.py) is that walk with the changed files looked at again. It must be
    what a walk of OUT finds then: the next build with nothing to do answers at once, and a hand
    edit of OUT after it is still seen."""
    site, out, used = built
    walks: list[Path] = []
    real_out_hash = unchanged.out_hash
    monkeypatch.setattr(unchanged, "out_hash", lambda out_dir: walks.append(out_dir) or real_out_hash(out_dir))
    for step in range(2):   # a body edit, then a new case (a page and lists more)
        name = "c1" if step == 0 else "c9"
        (site / "content" / "cases" / f"{name}.md").write_text(
            case_text(title=f"案例{name}", slug=name, body=f"改过的正文{step}。"), encoding="utf-8")
        report = pipeline.build(site, out, OPTS)
        assert report.written > 0 and report.costs != ()
        kept = marshal.loads(unchanged.stamp_path(site, out).read_bytes())
        assert walks == [] and kept["out"] == real_out_hash(out), f"step {step}: recorded without a walk, as a walk finds OUT"
        again = pipeline.build(site, out, OPTS)
        assert again.costs == () and again.written == 0, f"step {step}: the next build answers at once"
        walks.clear()
    assert used == ["helper", "helper"]
    (out / "cases" / "c3" / "index.html").write_text("hand edit", encoding="utf-8")
    assert pipeline.build(site, out, OPTS).costs != ()
    assert "hand edit" not in (out / "cases" / "c3" / "index.html").read_text(encoding="utf-8")


def test_an_edit_and_a_hand_edit_of_out_are_both_seen_through_the_helper(
        built: tuple[Path, Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site, out, used = built
    edited = site / "content" / "cases" / "c1.md"
    edited.write_text(case_text(title="案例1", slug="c1", body="改过的正文。"), encoding="utf-8")
    page = out / "cases" / "c3" / "index.html"
    page.write_text("hand edit", encoding="utf-8")
    report = pipeline.build(site, out, OPTS)
    assert used == ["helper"]
    assert "改过的正文" in (out / "cases" / "c1" / "index.html").read_text(encoding="utf-8")
    assert "hand edit" not in page.read_text(encoding="utf-8")
    assert report.written >= 2
    assert tree_hash(out) == cold(site, tmp_path, capsys)


def test_a_helper_that_fails_leaves_the_build_to_look_itself(
        built: tuple[Path, Path, list[str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    site, out, used = built

    def broken(*args: object) -> None:
        raise RuntimeError("the helper fails")
    monkeypatch.setattr(prestat, "_answer", broken)
    (out / "cases" / "c2" / "index.html").write_text("hand edit", encoding="utf-8")
    (site / "content" / "cases" / "c4.md").write_text(case_text(title="案例四改", slug="c4"), encoding="utf-8")
    helpers: list[int] = []
    real_init = prestat.Prestat.__init__

    def recording(self: prestat.Prestat, *args: Path) -> None:
        real_init(self, *args)
        helpers.append(self._pid)
    monkeypatch.setattr(prestat.Prestat, "__init__", recording)
    pipeline.build(site, out, OPTS)
    assert used == ["fallback"] and len(helpers) == 1 and helpers[0] > 0
    with pytest.raises(ChildProcessError):
        os.waitpid(helpers[0], os.WNOHANG)   # the failed helper was waited for: no zombie left
    assert tree_hash(out) == cold(site, tmp_path, capsys)


def test_no_helper_is_forked_beside_other_threads(tmp_path: Path) -> None:
    import threading
    site = make_site(tmp_path / "site", {"content/cases/c0.md": case_text(slug="c0")})
    out = site / "output"
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        helper = prestat.Prestat(site, out, PageManifest.path_for(site, out))
        assert helper._pid == 0 and helper.listing([]) is None
    finally:
        release.set()
        other.join()
