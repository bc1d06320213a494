"""serve's Session: the content listing kept from the watcher's reports equals a full walk,
OUT is trusted only while nobody else wrote it, and the audit finds what was missed."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import case_text, make_site, run, tree_hash
from generator.build import pipeline
from generator.build import writer
from generator.source.config import BuildOptions
from generator.source.discovery import discover_with_stats
from generator.build.session import Session

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours

OPTS = BuildOptions(jobs=1)


def cases_site(root: Path, n: int = 4) -> Path:
    return make_site(root, {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}", body=f"第{i}号。")
                            for i in range(n)})


def listed(session: Session) -> list[tuple[str, str, int, int]]:
    outside: list[str] = []
    return session.listing(outside)


def touch_later(path: Path, text: str) -> None:
    """Write, and make sure the mtime differs from before even on a coarse clock."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


def make_change(site: Path, change: str) -> list[str]:
    """Make one kind of change under content/; returns what the watcher would report."""
    cases = site / "content" / "cases"
    if change == "edit":
        touch_later(cases / "c1.md", case_text(slug="c1", body="改了。"))
        return ["content/cases/c1.md"]
    if change == "create":
        touch_later(cases / "new.md", case_text(slug="new"))
        return ["content/cases/new.md"]
    if change == "delete":
        (cases / "c2.md").unlink()
        return ["content/cases/c2.md"]
    if change == "rename":
        (cases / "c3.md").rename(cases / "c9.md")
        return ["content/cases/c9.md", "content/cases/c3.md"]
    if change == "new folder":
        (cases / "sub").mkdir()
        touch_later(cases / "sub" / "y.md", case_text(slug="y"))
        return ["content/cases/sub"]
    if change == "folder gone":
        (cases / "old" / "x.md").unlink()
        (cases / "old").rmdir()
        return ["content/cases/old"]
    if change == "link":
        (cases / "ln.md").symlink_to(cases / "c0.md")
        return ["content/cases/ln.md"]
    if change == "not markdown":
        touch_later(cases / "notes.txt", "x")
        return ["content/cases/notes.txt"]
    places = site / "content" / "places.yaml"
    touch_later(places, places.read_text(encoding="utf-8"))
    return ["content/places.yaml"]


@pytest.mark.parametrize("change", ["edit", "create", "delete", "rename", "new folder", "folder gone",
                                    "link", "not markdown", "places"])
def test_the_listing_kept_from_reports_equals_a_full_walk(tmp_path: Path, change: str) -> None:
    site = cases_site(tmp_path / "site")
    cases = site / "content" / "cases"
    (cases / "old").mkdir()
    (cases / "old" / "x.md").write_text(case_text(slug="x"), encoding="utf-8")
    session = Session(site)
    assert listed(session) == discover_with_stats(site)
    reported = make_change(site, change)
    session.note(reported)
    assert listed(session) == discover_with_stats(site)
    assert session.audit(site / "output", {}) == []


def test_the_audit_finds_a_change_the_watcher_missed_and_the_next_listing_walks_again(tmp_path: Path) -> None:
    site = cases_site(tmp_path / "site")
    session = Session(site)
    listed(session)
    touch_later(site / "content" / "cases" / "c1.md", case_text(slug="c1", body="没人报告的改动。"))
    assert session.audit(site / "output", {}) == ["content/cases/c1.md"]
    assert listed(session) == discover_with_stats(site)


def test_out_is_trusted_after_a_build_and_a_hand_edit_is_found_then_repaired(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    site = cases_site(tmp_path / "site")
    out = site / "output"
    session = Session(site)
    assert not session.out_trusted
    pipeline.build(site, out, OPTS, session=session)
    assert session.out_trusted
    assert session.audit(out, pipeline.out_stats(site, out)) == []
    assert not writer.prepare_spare(out, pipeline.spare_dir(site, out))   # the first build linked one as it wrote
    assert tree_hash(pipeline.spare_dir(site, out)) == tree_hash(out)

    page = out / "cases" / "c1" / "index.html"
    page.write_text("hand edit", encoding="utf-8")
    # Trusted, a rebuild does not look at OUT (it keeps the hand edit) ...
    pipeline.build(site, out, OPTS, session=session)
    assert page.read_text(encoding="utf-8") == "hand edit"
    # ... until the audit finds it; the next rebuild then checks OUT itself.
    assert session.audit(out, pipeline.out_stats(site, out)) == ["output/cases/c1/index.html"]
    assert not session.out_trusted
    pipeline.build(site, out, OPTS, session=session)
    assert session.out_trusted
    assert run(["build", str(site), "-o", str(tmp_path / "cold"), "--jobs", "1", "--no-cache"], capsys)[0] == 0
    assert tree_hash(out) == tree_hash(tmp_path / "cold")


def test_a_spare_is_prepared_for_an_out_built_from_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    site = cases_site(tmp_path / "site", 6)
    out = site / "output"
    pipeline.build(site, out, OPTS)
    spare = pipeline.spare_dir(site, out)
    assert spare.exists()   # the first build made it (serve makes it while idle when a build did not)
    assert not writer.prepare_spare(out, spare)   # there is one already
    assert tree_hash(spare) == tree_hash(out)
    shutil.rmtree(spare)
    spare.with_name(spare.name + ".state").unlink()
    assert writer.prepare_spare(out, spare)
    assert tree_hash(spare) == tree_hash(out)

    made: list[bool] = []
    real_init = writer.Transaction.__init__

    def recording(self: writer.Transaction, *args: object) -> None:
        real_init(self, *args)  # type: ignore[arg-type]
        made.append(self.fresh)
    monkeypatch.setattr(writer.Transaction, "__init__", recording)
    touch_later(site / "content" / "cases" / "c2.md", case_text(title="案例二改", slug="c2", body="改过。"))
    (site / "content" / "cases" / "c5.md").unlink()
    pipeline.build(site, out, OPTS)
    assert made == [False]   # the spare was brought up to date, not a fresh tree linked
    assert run(["build", str(site), "-o", str(tmp_path / "cold"), "--jobs", "1", "--no-cache"], capsys)[0] == 0
    assert tree_hash(out) == tree_hash(tmp_path / "cold")



def test_a_deleted_out_is_built_again_even_while_trusted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil
    site = cases_site(tmp_path / "site")
    out = site / "output"
    session = Session(site)
    pipeline.build(site, out, OPTS, session=session)
    assert session.out_trusted
    shutil.rmtree(out)
    pipeline.build(site, out, OPTS, session=session)
    assert run(["build", str(site), "-o", str(tmp_path / "cold"), "--jobs", "1", "--no-cache"], capsys)[0] == 0
    assert tree_hash(out) == tree_hash(tmp_path / "cold")
