"""Open data: data/cases.json and data/cases.csv, one record per published case."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import REPO, case_text, make_site, run

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours

FIELDS = {"slug", "title", "date", "url", "province", "city", "county", "township", "township_slug", "villages",
          "topics", "topic_slugs", "status", "status_label", "form", "convener", "participants", "beneficiaries",
          "outcome", "follow_up", "updated", "timeline", "source_name", "source_url", "reports", "photos", "cover"}
CSV_HEADER = ["slug", "title", "date", "province", "city", "county", "township", "villages", "topics", "status",
              "status_label", "form", "convener", "participants", "beneficiaries", "outcome", "follow_up", "updated", "source_name",
              "source_url", "url", "timeline", "photos", "cover"]


def load_json(out: Path) -> dict:
    return json.loads((out / "data" / "cases.json").read_text("utf-8"))


def load_csv(out: Path) -> list[dict[str, str]]:
    raw = (out / "data" / "cases.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "no BOM: spreadsheet programs would misread the Chinese"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == CSV_HEADER
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_json_one_record_per_published_case(example_out: Path) -> None:
    document = load_json(example_out)
    cases = document["cases"]
    published = sorted(p.parent.name for p in (example_out / "cases").glob("*/index.html"))
    assert sorted(c["slug"] for c in cases) == published
    assert document["count"] == len(cases) >= 5
    assert document["url"] == "https://bulletin.example.org/"
    for record in cases:
        assert FIELDS <= set(record), FIELDS - set(record)
        assert record["url"] == f"https://bulletin.example.org/cases/{record['slug']}/"
        assert record["status"] in ("raised", "adopted", "consulting", "following_up", "resolved")
        assert record["province"] == "安徽省" and record["county"] and record["township"]
        assert isinstance(record["topics"], list) and record["topics"]
        assert all({"date", "stage", "text"} <= set(e) for e in record["timeline"])
    bridge = next(c for c in cases if c["slug"] == "liangquan-bridge")
    assert (bridge["county"], bridge["township"], bridge["villages"]) == ("望江县", "凉泉乡", ["韩店村", "凉泉村"])
    assert bridge["status_label"] == "已办结" and bridge["convener"] == "储琳"
    assert "county-consultation-roundup" in bridge["reports"]
    dates = [c["date"] for c in cases]
    assert dates == sorted(dates, reverse=True)


def test_csv_matches_json(example_out: Path) -> None:
    rows = load_csv(example_out)
    records = load_json(example_out)["cases"]
    assert [r["slug"] for r in rows] == [c["slug"] for c in records]
    for row, record in zip(rows, records):
        assert row["title"] == record["title"] and row["township"] == record["township"]
        assert row["topics"].split("|") == record["topics"]
        assert row["participants"] == ("" if record["participants"] is None else str(record["participants"]))
        assert json.loads(row["timeline"] or "[]") == record["timeline"]


def test_fields_are_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    missing = [field for field in sorted(FIELDS) if f"`{field}`" not in readme]
    assert missing == [], "fields of cases.json missing from the README"


def test_drafts_are_not_exported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text(slug="a"),
                                         "content/cases/b.md": case_text(slug="b", extra="draft: true\n")})
    assert run(["build", str(site), "-o", str(tmp_path / "out")], capsys)[0] == 0
    assert [c["slug"] for c in load_json(tmp_path / "out")["cases"]] == ["a"]
    assert [r["slug"] for r in load_csv(tmp_path / "out")] == ["a"]


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"https://evil.example\",\"点我\")", "+1+2", "-3+4", "@SUM(A1:A2)", "=1|x"])
def test_csv_cells_that_start_a_formula_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str], dangerous: str) -> None:
    quoted = json.dumps(dangerous, ensure_ascii=False)
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text(
        title=quoted, slug="a", extra=f"outcome: {quoted}\nconvener: {quoted}\nform: {quoted}\n")})
    out = tmp_path / "out"
    code, _, stderr = run(["build", str(site), "-o", str(out)], capsys)
    assert (code, stderr) == (0, "")
    [row] = load_csv(out)
    for column in ("title", "outcome", "convener", "form"):
        assert row[column] == "'" + dangerous, column
    assert load_json(out)["cases"][0]["title"] == dangerous      # JSON keeps the text as written


def test_csv_quoting_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text(
        title="'逗号, 引号\"与分号；'", slug="a", extra="outcome: \"第一行\\n第二行\"\nparticipants: 6\nvillages: [韩店村, 凉泉村]\n")})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    [row] = load_csv(out)
    assert row["title"] == '逗号, 引号"与分号；'
    assert row["outcome"] == "第一行\n第二行"
    assert (row["participants"], row["villages"], row["follow_up"]) == ("6", "韩店村|凉泉村", "")
    assert (out / "data" / "cases.csv").read_bytes().count(b"\r\n") == 0


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The slugs of the open-data records made, in order."""
    from generator.render import export
    slugs: list[str] = []
    real = export.case_record

    def counting(site, case, index):  # type: ignore[no-untyped-def]
        slugs.append(case.slug)
        return real(site, case, index)
    monkeypatch.setattr(export, "case_record", counting)
    return slugs


def test_each_record_is_made_once_for_both_files(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  made: list[str]) -> None:
    site = make_site(tmp_path / "site", {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}")
                                         for i in range(3)})
    assert run(["build", str(site), "-o", str(tmp_path / "out"), "--jobs", "1", "--no-cache"], capsys)[0] == 0
    assert sorted(made) == ["c0", "c1", "c2"]
    assert [r["slug"] for r in load_csv(tmp_path / "out")] == [c["slug"] for c in load_json(tmp_path / "out")["cases"]]


def test_kept_records_are_reused_and_only_an_edited_case_is_made_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], made: list[str]) -> None:
    """The records a build makes wait on disk (cache.RecordCache), not in memory, and the
    next build reads them back: open data equal to a cold build's."""
    from generator.build import cache
    site = make_site(tmp_path / "site", {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}")
                                         for i in range(4)})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert sorted(made) == ["c0", "c1", "c2", "c3"]
    assert not [p for p in (site / ".cache").iterdir() if p.name.endswith(".tmp")]   # nothing left behind
    (site / "content" / "cases" / "c2.md").write_text(case_text(title="案例二改", slug="c2"), encoding="utf-8")
    made.clear()
    from generator.core import cachefiles
    cachefiles.forget_all()
    cache._decoded.clear()
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert made == ["c2"]
    cold = tmp_path / "cold"
    assert run(["build", str(site), "-o", str(cold), "--jobs", "1", "--no-cache"], capsys)[0] == 0
    for name in ("cases.json", "cases.csv"):
        assert (out / "data" / name).read_bytes() == (cold / "data" / name).read_bytes()
