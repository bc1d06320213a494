"""`bulletin export` and `bulletin import`: the CSV of data/cases.csv out of a site and back into case
files, with every row validated and reported as cases.csv:ROW, and a round trip that keeps the cases."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import make_site, run

from generator.render.export import CSV_COLUMNS

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours

EPOCH = "1654012800"   # 2022-06-01 in Asia/Shanghai: derived fields are compared on a fixed day


def csv_bytes(rows: list[dict[str, str]], columns: tuple[str, ...] = CSV_COLUMNS, bom: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def row(**cells: str) -> dict[str, str]:
    base = {"title": "南干渠新架桥梁", "date": "2021-06-20", "township": "凉泉乡", "topics": "交通出行", "status": "resolved"}
    return base | cells


def cases_of(out: Path) -> list[dict[str, object]]:
    records = json.loads((out / "data/cases.json").read_text(encoding="utf-8"))["cases"]
    for record in records:
        record.pop("reports")      # reports are not cases; an empty site has none
        record.pop("photos")       # photos are files beside a case, which a spreadsheet cannot carry
        record.pop("cover")
    return records


def table_files(out: str) -> list[str]:
    """The file column of the change table import prints (header line first)."""
    return [line.split()[1] for line in out.splitlines()[1:]]


def without_photo_columns(data: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    keep = [i for i, name in enumerate(rows[0]) if name not in ("photos", "cover")]
    return [[row[i] for i in keep] for row in rows]


def test_export_writes_the_sites_cases_csv(site_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    code, _, err = run(["build", str(site_copy), "-o", str(tmp_path / "out"), "--jobs", "1"], capsys)
    assert code == 0, err
    code, _, err = run(["export", str(site_copy), "-o", str(tmp_path / "cases.csv")], capsys)
    assert code == 0, err
    assert (tmp_path / "cases.csv").read_bytes() == (tmp_path / "out/data/cases.csv").read_bytes()
    code, out, _ = run(["export", str(site_copy)], capsys)
    assert code == 0 and out.encode("utf-8") == (tmp_path / "cases.csv").read_bytes()


def test_round_trip_through_an_empty_site_gives_the_same_cases(site_copy: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert run(["build", str(site_copy), "-o", str(tmp_path / "before"), "--jobs", "1"], capsys)[0] == 0
    assert run(["export", str(site_copy), "-o", str(tmp_path / "cases.csv")], capsys)[0] == 0
    empty = tmp_path / "empty"
    (empty / "content").mkdir(parents=True)
    shutil.copy(site_copy / "site.yaml", empty / "site.yaml")
    for name in ("places.yaml", "topics.yaml"):
        shutil.copy(site_copy / "content" / name, empty / "content" / name)
    code, out, err = run(["import", str(tmp_path / "cases.csv"), str(empty)], capsys)
    assert code == 0, err
    before = cases_of(tmp_path / "before")
    assert sorted(table_files(out)) == sorted(f"content/cases/{c['slug']}.md" for c in before)
    code, _, err = run(["build", str(empty), "-o", str(tmp_path / "after"), "--jobs", "1"], capsys)
    assert code == 0, err
    assert cases_of(tmp_path / "after") == before
    assert without_photo_columns((tmp_path / "after/data/cases.csv").read_bytes()) == \
        without_photo_columns((tmp_path / "cases.csv").read_bytes())


def test_every_bad_row_is_reported_and_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path / "site", {})
    rows = [
        row(slug="good"),
        row(slug="bad-township", township="凉泉镇"),
        row(slug="bad-status", status="done", outcome="第一行\n第二行"),   # a cell over two lines
        row(slug="bad-date", date="六月"),
        row(slug="good"),
        row(slug="bad-timeline", timeline="[{date: 2021-06}]"),
        row(slug="bad-stage", timeline=json.dumps([{"date": "2021-06", "stage": "finished", "text": "x"}])),
    ]
    (tmp_path / "cases.csv").write_bytes(csv_bytes(rows))
    code, out, err = run(["import", str(tmp_path / "cases.csv"), str(root)], capsys)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert all(line.startswith(f"{tmp_path / 'cases.csv'}:") for line in lines)
    by_line = {}
    for line in lines:
        where, _, message = line.partition(": ")
        by_line.setdefault(int(where.rsplit(":", 1)[1]), []).append(message)
    assert sorted(by_line) == [3, 4, 6, 7, 8, 9]
    assert any("township 列：" in m and "凉泉乡" in m for m in by_line[3])
    assert any("status 列：" in m and "done" in m for m in by_line[4])
    assert any("date 列：" in m and "六月" in m for m in by_line[6])
    assert any("与第 2 行重复" in m for m in by_line[7])
    assert any("timeline 列应为 JSON" in m for m in by_line[8])
    assert any("timeline 列：" in m and "finished" in m for m in by_line[9])
    assert not (root / "content/cases").exists()


def test_formula_guard_is_undone_and_put_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path / "site", {})
    (tmp_path / "cases.csv").write_bytes(csv_bytes([row(slug="minus", outcome="'-3 户仍未通水", convener="'@储琳")]))
    code, _, err = run(["import", str(tmp_path / "cases.csv"), str(root)], capsys)
    assert code == 0, err
    text = (root / "content/cases/minus.md").read_text(encoding="utf-8")
    assert "outcome: '-3 户仍未通水'" not in text and "outcome: \"-3 户仍未通水\"" in text
    assert "convener: \"@储琳\"" in text
    code, out, _ = run(["export", str(root)], capsys)
    record = next(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert (record["outcome"], record["convener"]) == ("'-3 户仍未通水", "'@储琳")


def test_full_rows_become_complete_case_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path / "site", {})
    timeline = json.dumps([{"date": "2021-06", "stage": "raised", "text": "群众反映: 道路被拦断"},
                           {"date": "2021-08", "stage": None, "text": "争取资金"}], ensure_ascii=False)
    full = row(slug="bridge", villages="韩店村|凉泉村", topics="交通出行|农田水利", form="议事会", convener="储琳",
               participants="6", beneficiaries="400", outcome="新建桥梁", follow_up="2022-03", timeline=timeline,
               source_name="中安在线", source_url="https://bulletin.test/a", status="", status_label="已办结")
    columns = CSV_COLUMNS + ("body",)
    (tmp_path / "cases.csv").write_bytes(csv_bytes([full | {"body": "## 背景\n\n正文。"}], columns))
    code, _, err = run(["import", str(tmp_path / "cases.csv"), str(root)], capsys)
    assert code == 0, err
    assert (root / "content/cases/bridge.md").read_text(encoding="utf-8") == (
        "---\ntitle: 南干渠新架桥梁\ndate: 2021-06-20\ntownship: 凉泉乡\nvillages: [韩店村, 凉泉村]\n"
        "topics: [交通出行, 农田水利]\nstatus: 已办结\nform: 议事会\nconvener: 储琳\nparticipants: 6\n"
        "beneficiaries: 400\noutcome: 新建桥梁\nfollow_up: 2022-03\ntimeline:\n"
        "  - {date: 2021-06, stage: raised, text: \"群众反映: 道路被拦断\"}\n  - {date: 2021-08, text: 争取资金}\n"
        "source: {name: 中安在线, url: https://bulletin.test/a}\nslug: bridge\n---\n## 背景\n\n正文。\n")


def test_slug_taken_by_a_case_in_the_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path / "site", {"content/cases/old.md": "---\ntitle: 旧\ndate: 2021-01-01\ntownship: 赛口镇\n"
                                                                   "topics: [交通出行]\nstatus: raised\nslug: bridge\n---\n"})
    (tmp_path / "cases.csv").write_bytes(csv_bytes([row(slug="bridge")]))
    code, _, err = run(["import", str(tmp_path / "cases.csv"), str(root)], capsys)
    assert code == 1
    assert err.strip().endswith("cases.csv:2: 网站中已有 slug 为「bridge」的案例：content/cases/old.md；"
                                "要用表格更新已有案例，请加 --update")


def test_header_problems_point_at_line_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path / "site", {})
    (tmp_path / "cases.csv").write_bytes(csv_bytes([{"title": "x", "date": "2021-01-01", "township": "凉泉乡", "topic": "交通出行"}],
                                                   ("title", "date", "township", "topic")))
    code, _, err = run(["import", str(tmp_path / "cases.csv"), str(root)], capsys)
    assert code == 1
    lines = err.splitlines()
    assert any(line.endswith("cases.csv:1: 未知的列「topic」；你是不是想写 topics？") for line in lines)
    assert any(line.endswith("cases.csv:1: 缺少必需的列「status」") for line in lines)


def test_a_gbk_spreadsheet_as_chinese_excel_saves_it_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path / "site", {})
    (tmp_path / "cases.csv").write_bytes(csv_bytes([row(slug="a")], bom=False).decode("utf-8").encode("gbk"))
    code, out, err = run(["import", str(tmp_path / "cases.csv"), str(root)], capsys)
    assert code == 0, err
    assert "cases.csv: 按 GBK 编码读取" in err
    assert "title: 南干渠新架桥梁\n" in (root / "content/cases/a.md").read_text(encoding="utf-8")


def test_an_encoding_can_be_named_and_an_unreadable_file_is_explained(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path / "site", {})
    (tmp_path / "gbk.csv").write_bytes(csv_bytes([row(slug="a")], bom=False).decode("utf-8").encode("gbk"))
    code, _, err = run(["import", str(tmp_path / "gbk.csv"), str(root), "--encoding", "GBK"], capsys)
    assert code == 0, err
    assert "编码读取" not in err   # named, so not announced
    assert "title: 南干渠新架桥梁\n" in (root / "content/cases/a.md").read_text(encoding="utf-8")
    (tmp_path / "bad.csv").write_bytes(csv_bytes([row(slug="b")], bom=False) + b"\xff\xff\n")
    code, _, err = run(["import", str(tmp_path / "bad.csv"), str(root), "--encoding", "utf-8"], capsys)
    assert code == 1
    assert err.strip().endswith("bad.csv:3: 文件无法按 utf-8 编码读取；请在电子表格软件中另存为「CSV UTF-8」，或用 --encoding 写明编码")
    code, _, err = run(["import", str(tmp_path / "bad.csv"), str(root), "--encoding", "nope"], capsys)
    assert code == 1 and "--encoding: 未知的编码「nope」；常用的有 utf-8、gbk" in err
    assert not (root / "content/cases/b.md").exists()
