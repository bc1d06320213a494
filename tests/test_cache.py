"""SITE/.cache/docs: an edit rewrites a small delta file, not the whole table, and the
table plus its delta give exactly what parsing the files gives."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import REPO, case_text, make_site, run, tree_hash
from generator.core import cachefiles
from generator.build import cache, doccodec, unchanged
from generator.build import load


def forget_this_process() -> None:
    """What a new `bulletin build` process starts with: nothing kept in memory."""
    cachefiles.forget_all()
    cache._decoded.clear()


@pytest.fixture
def counted_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = load.parse_document

    def counting(kind, rel, data, context):  # type: ignore[no-untyped-def]
        parsed.append(rel)
        return real(kind, rel, data, context)
    monkeypatch.setattr(load, "parse_document", counting)
    return parsed


def test_an_edit_is_kept_in_the_delta_and_read_back(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    counted_parses: list[str]) -> None:
    files = {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}", body=f"第{i}号正文。")
             for i in range(30)}
    site = make_site(tmp_path / "site", files)
    out = tmp_path / "out"
    forget_this_process()
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    table = site / ".cache" / "docs.marshal"
    delta = site / ".cache" / "docs-delta.marshal"
    table_stat = table.stat()
    assert not delta.exists()

    edited = site / "content" / "cases" / "c7.md"
    edited.write_text(case_text(title="案例七改", slug="c7", body="改过的正文。"), encoding="utf-8")
    (site / "content" / "cases" / "c8.md").unlink()
    forget_this_process()
    counted_parses.clear()
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert counted_parses == ["content/cases/c7.md"]
    assert delta.exists() and (table.stat().st_mtime_ns, table.stat().st_size) == (table_stat.st_mtime_ns, table_stat.st_size)

    forget_this_process()   # a new process: the table and the delta are read from disk
    counted_parses.clear()
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert counted_parses == []

    cold = tmp_path / "cold"
    assert run(["build", str(site), "-o", str(cold), "--jobs", "1", "--no-cache"], capsys)[0] == 0
    assert tree_hash(out) == tree_hash(cold)
    assert "案例七改" in (out / "cases" / "c7" / "index.html").read_text(encoding="utf-8")
    assert not (out / "cases" / "c8").exists()


def test_a_delta_for_another_table_is_not_trusted(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  counted_parses: list[str]) -> None:
    files = {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}") for i in range(5)}
    site = make_site(tmp_path / "site", files)
    out = tmp_path / "out"
    forget_this_process()
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    (site / "content" / "cases" / "c1.md").write_text(case_text(title="改", slug="c1"), encoding="utf-8")
    forget_this_process()
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    table = site / ".cache" / "docs.marshal"
    os.utime(table, ns=(table.stat().st_atime_ns, table.stat().st_mtime_ns + 1))  # "another" table now
    forget_this_process()
    unchanged.forget(site, out)   # no input changed: the quick answer would skip the load this is about
    counted_parses.clear()
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert counted_parses == ["content/cases/c1.md"]   # the delta was ignored, the table's old entry failed its stat check
    assert "<h1>改</h1>" in (out / "cases" / "c1" / "index.html").read_text(encoding="utf-8")


def test_many_changes_rewrite_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}") for i in range(120)}
    site = make_site(tmp_path / "site", files)
    out = tmp_path / "out"
    forget_this_process()
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    for i in range(110):
        (site / "content" / "cases" / f"c{i}.md").write_text(case_text(title=f"新{i}", slug=f"c{i}"), encoding="utf-8")
    forget_this_process()
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert not (site / ".cache" / "docs-delta.marshal").exists()
    forget_this_process()
    cold = tmp_path / "cold"
    assert run(["build", str(site), "-o", str(cold), "--jobs", "1", "--no-cache"], capsys)[0] == 0
    assert tree_hash(out) == tree_hash(cold)


def test_body_only_edits_reuse_recorded_keys_and_equal_a_cold_build(site_copy: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Edits that change no card take the short path in render_site (most keys as recorded);
    what it renders must still be exactly what a cold build makes."""
    monkeypatch.setenv("BULLETIN_TIMINGS", "1")
    out = tmp_path / "out"
    assert run(["build", str(site_copy), "-o", str(out), "--jobs", "1"], capsys)[0] == 0

    def append_to_body(step: int, rel: str, text: str) -> str:
        path = site_copy / rel
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
        code, _, err = run(["build", str(site_copy), "-o", str(out), "--jobs", "1"], capsys)
        assert code == 0, err
        cold = tmp_path / f"cold{step}"
        assert run(["build", str(site_copy), "-o", str(cold), "--jobs", "1", "--no-cache"], capsys)[0] == 0
        assert tree_hash(out) == tree_hash(cold), f"after editing {rel}"
        return err.split("rendering: ", 1)[1].splitlines()[0] if "rendering: " in err else ""

    rendered = append_to_body(1, "content/cases/liangquan-bridge/index.md", "\n补充一段新的说明。\n")
    kinds = dict(part.split(" ") for part in rendered.split(", "))
    assert kinds.get("case") == "1" and set(kinds) <= {"case", "feed"}, rendered
    append_to_body(2, "content/pages/about.md", "\n页面正文的补充。\n")
    append_to_body(3, "content/cases/miaonan-canal/index.md", "\n又一段。\n")
    append_to_body(4, "content/reports/2022-01-10-xieshang-xiachen-xiangzhen.md", "\n另见[南干渠](case:miaonan-canal)。\n")
    append_to_body(5, "content/cases/huayang-convener.md", "\n最后一段。\n")


def test_front_matter_edits_recompute_only_nearby_keys_and_equal_a_cold_build(tmp_path: Path,
                                                                              capsys: pytest.CaptureFixture[str],
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A township move, a topic change or a new title keep the recorded keys of the case pages
    that share no list with the edited case, and of the townships' and topics' pages and feeds
    it is not and was not in (Keys.near); the site must still be exactly what a cold build
    makes, after those, after two cases trade stages and after a new stage (which changes every
    page's stage counts)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import generate  # the benchmark corpus generator
    finally:
        sys.path.pop(0)
    from generator.build.keys import Keys
    site, out = tmp_path / "site", tmp_path / "out"
    generate.write_bulletin(300, site)
    computed: list[tuple[str, ...]] = []
    real_key = Keys.key

    def counted(self: Keys, job: tuple[str, ...]) -> str:
        computed.append(job)
        return real_key(self, job)

    def in_lists(jobs: list[tuple[str, ...]]) -> int:
        return sum(job[0] in ("township", "township_stage", "topic")
                   or job[:2] in (("feed", "township"), ("feed", "township_stage"), ("feed", "topic")) for job in jobs)
    monkeypatch.setattr(Keys, "key", counted)
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    all_lists = in_lists(computed)
    cases = sorted((site / "content" / "cases").glob("*.md"))
    lines = {path: path.read_text("utf-8").split("\n") for path in cases[:40]}

    def field(path: Path, name: str) -> str:
        return next(line for line in lines[path] if line.startswith(name + ": "))

    def set_field(path: Path, name: str, value: str) -> None:
        text = path.read_text("utf-8")
        path.write_text(text.replace(field(path, name), f"{name}: {value}", 1), "utf-8")

    def rebuild(step: str, lists_kept: bool = True) -> int:
        computed.clear()
        code, _, err = run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)
        assert code == 0, err
        warm_keys = sum(job[0] == "case" for job in computed)
        lists = in_lists(computed)
        assert not lists_kept or 0 < lists < all_lists / 2, f"{step}: {lists} of {all_lists} list keys computed again"
        cold = tmp_path / f"cold-{len(step)}"
        assert run(["build", str(site), "-o", str(cold), "--jobs", "1", "--no-cache"], capsys)[0] == 0
        assert tree_hash(out) == tree_hash(cold), f"after {step}"
        return warm_keys

    first = cases[0]
    elsewhere = next(p for p in cases[1:] if field(p, "township") != field(first, "township"))
    set_field(first, "township", field(elsewhere, "township").split(": ", 1)[1])
    assert 0 < rebuild("a township move") < 50
    other_topics = next(p for p in cases[1:] if field(p, "topics") != field(cases[1], "topics"))
    set_field(cases[1], "topics", field(other_topics, "topics").split(": ", 1)[1])
    assert 0 < rebuild("a topic change") < 200
    set_field(cases[2], "title", "新的标题")
    assert 0 < rebuild("a new title") < 50
    status = field(cases[5], "status").split(": ", 1)[1]
    set_field(cases[5], "status", "resolved" if status != "resolved" else "consulting")
    rebuild("a new stage", lists_kept=False)   # the stages' counts are on every page: all keys again
    one = cases[6]
    other = next(p for p in cases[7:40] if field(p, "status") != field(one, "status"))
    set_field(one, "status", field(other, "status").split(": ", 1)[1])
    set_field(other, "status", field(one, "status").split(": ", 1)[1])
    assert 0 < rebuild("two cases trading stages") < 100   # the counts stay: only the lists reached
    set_field(cases[3], "township", field(first, "township").split(": ", 1)[1])
    (cases[4]).write_text(cases[4].read_text("utf-8") + "\n正文的补充。\n", "utf-8")
    assert 0 < rebuild("a move and a body edit") < 100


def test_decoded_dates_keep_the_zone_object_parsing_gave() -> None:
    """Datetimes sharing one zone object compare fast (sorting 10,000 cases by date);
    a fixed offset stays a fixed offset."""
    import datetime as dt
    from zoneinfo import ZoneInfo
    from generator.core.dates import When, parse_when
    shanghai = ZoneInfo("Asia/Shanghai")
    for value in ("2021-06-20", "2021-06-20 08:30", "2021-06-20T08:30:00+02:00"):
        parsed = parse_when(value, shanghai)
        row = doccodec._when_out(parsed)
        doccodec._whens.clear()
        back = doccodec._when_in(row)
        assert back == parsed and back.moment.tzinfo is shanghai and back.iso() == parsed.iso()
    fixed = When(dt.datetime(2021, 6, 20, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    back = doccodec._when_in(doccodec._when_out(fixed))
    assert back == fixed and back.moment.utcoffset() == dt.timedelta(hours=8)


def test_temporaries_of_killed_builds_are_swept_and_live_ones_kept(tmp_path: Path) -> None:
    import subprocess
    from generator.core.cachefiles import sweep_litter
    gone = subprocess.Popen(["true"])
    gone.wait()
    cache = tmp_path / ".cache"
    (cache / "jinja").mkdir(parents=True)
    dead = [cache / f".pages-1.marshal.{gone.pid}.tmp", cache / "jinja" / f".abc.cache.{gone.pid}.tmp"]
    live = cache / f".records.marshal.{os.getpid()}.tmp"
    other = cache / "notes.tmp"
    odd = cache / ".x.\u00b2.tmp"   # "²" passes str.isdigit() but int() refuses it
    for path in (*dead, live, other, odd):
        path.write_bytes(b"x")
    sweep_litter(tmp_path)
    assert not any(p.exists() for p in dead)
    assert live.exists() and other.exists() and odd.exists()
