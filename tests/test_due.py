"""`bulletin due`: the staff's list of late and soon-due follow-ups, most urgent first, as text and CSV."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from conftest import case_text, make_site, run

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours

TODAY_EPOCH = "1654012800"   # 2022-06-01 00:00 in Asia/Shanghai


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)

    def case(slug: str, status: str, follow_up: str | None, township: str = "凉泉乡", convener: str = "") -> str:
        extra = (f"follow_up: {follow_up}\n" if follow_up else "") + (f"convener: {convener}\n" if convener else "")
        return case_text(title=f"案例{slug}", slug=slug, status=status, township=township, extra=extra)
    return make_site(tmp_path / "site", {
        "content/cases/late.md": case("late", "following_up", "2022-05-02", convener="凉泉乡召集人"),
        "content/cases/later.md": case("later", "consulting", "2022-04", township="赛口镇"),   # due 2022-04-30
        "content/cases/soon.md": case("soon", "adopted", "2022-06-11"),
        "content/cases/today.md": case("today", "adopted", "2022-06-01"),
        "content/cases/far.md": case("far", "adopted", "2022-07-20"),
        "content/cases/done.md": case("done", "resolved", "2022-01-01"),
        "content/cases/none.md": case("none", "raised", None),
    })


def test_late_and_soon_cases_most_urgent_first(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["due", str(site)], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["情况", "跟进日期", "乡镇", "阶段", "召集人", "案例", "文件"]
    rows = [re.split(r" {2,}", line) for line in lines[1:]]
    assert rows == [
        ["逾期 32 天", "2022-04-30", "望江县赛口镇", "协商接单", "—", "案例later", "content/cases/later.md"],
        ["逾期 30 天", "2022-05-02", "望江县凉泉乡", "跟进查单", "凉泉乡召集人", "案例late", "content/cases/late.md"],
        ["今天到期", "2022-06-01", "望江县凉泉乡", "委员买单", "—", "案例today", "content/cases/today.md"],
        ["10 天后到期", "2022-06-11", "望江县凉泉乡", "委员买单", "—", "案例soon", "content/cases/soon.md"],
    ]
    assert err.strip() == "截至 2022-06-01：逾期 2 个，30 天内到期 2 个"


def test_columns_line_up_with_chinese_text(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.editing.textfiles import display_width
    out = run(["due", str(site)], capsys)[1]
    starts = {sum(display_width(c) for c in line[:line.index("content/")]) for line in out.splitlines()[1:]}
    assert len(starts) == 1   # the file column starts at the same terminal column on every row


def test_within_widens_the_window(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(["due", str(site), "--within", "60"], capsys)[1]
    assert out.splitlines()[-1].endswith("content/cases/far.md") and "49 天后到期" in out
    out = run(["due", str(site), "--within", "0"], capsys)[1]
    assert len(out.splitlines()) == 4   # header, two late, one due today


def test_csv_reads_in_a_spreadsheet(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "due.csv"
    code, out, _ = run(["due", str(site), "--csv", str(target)], capsys)
    assert code == 0 and out   # the table still goes to the terminal
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["slug"], r["天数"], r["跟进日期"]) for r in rows] == [
        ("later", "-32", "2022-04-30"), ("late", "-30", "2022-05-02"), ("today", "0", "2022-06-01"), ("soon", "10", "2022-06-11")]
    code, out, _ = run(["due", str(site), "--csv", "-"], capsys)
    assert out.lstrip("\ufeff").startswith("情况,跟进日期,乡镇")


def test_nothing_due_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    root = make_site(tmp_path / "site", {"content/cases/a.md": case_text(slug="a")})
    code, out, err = run(["due", str(root)], capsys)
    assert (code, out) == (0, "")
    assert err.strip() == "截至 2022-06-01，没有逾期或 30 天内到期的跟进"


def test_english_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    root = make_site(tmp_path / "site", {"site.yaml": "title: Test\nlanguage: en\n",
                                         "content/cases/a.md": case_text(slug="a", status="adopted", extra="follow_up: 2022-05-31\n")})
    code, out, err = run(["due", str(root)], capsys)
    assert code == 0
    assert re.split(r" {2,}", out.splitlines()[1])[:2] == ["1 day overdue", "2022-05-31"]
    assert err.strip() == "as of 2022-06-01: 1 overdue, 0 due within 30 days"


def test_a_broken_site_is_reported_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path / "site", {"content/cases/a.md": case_text(slug="a", extra="follow_up: soon\n")})
    code, out, err = run(["due", str(root)], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("content/cases/a.md:8: 无法识别的日期「soon」")
