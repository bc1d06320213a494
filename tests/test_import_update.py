"""`bulletin import --update`: the case register edited in a spreadsheet changes only the fields
whose cells changed (golden before/after files in tests/fixtures/import_update/), shows the
changes first, and validates the whole site before it writes anything."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import REPO, case_text, make_site, run, tree_hash

from generator.editing.sheet import spreadsheet_date

pytestmark = pytest.mark.clock   # validation publishes as of today: tests/test_clock.py varies the hour

FIXTURES = REPO / "tests" / "fixtures" / "import_update"
CASES = ("nanganqu-road", "yangmiao-shift")
WARNING = ("register.csv:2: warning: 阶段改了，但时间线没有相应的新条目，网站会从案例日期起计算这一阶段的天数；"
           "要记下哪天进入这一阶段，请改用 bulletin advance")


def register_site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site", {f"content/cases/{name}.md": (FIXTURES / f"{name}.before.md").read_bytes()
                                         for name in CASES})


def register(rows_edit: dict[str, dict[str, str]] | None = None, new_rows: tuple[dict[str, str], ...] = ()) -> bytes:
    """The golden register with some cells changed and rows added, saved as Excel's CSV UTF-8."""
    text = (FIXTURES / "register.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:
        row.update((rows_edit or {}).get(row["slug"], {}))
    columns = list(rows[0]) + (["body"] if any("body" in r for r in new_rows) else [])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows + [dict.fromkeys(columns, "") | r for r in new_rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def test_only_the_changed_fields_are_edited_and_new_rows_become_files(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = register_site(tmp_path)
    sheet = tmp_path / "register.csv"
    sheet.write_bytes((FIXTURES / "register.csv").read_bytes())
    code, out, err = run(["import", str(sheet), str(root), "--update"], capsys)
    assert code == 0, err
    for name in CASES + ("saikou-canal",):
        assert (root / f"content/cases/{name}.md").read_bytes() == (FIXTURES / f"{name}.after.md").read_bytes(), name
    assert out == (FIXTURES / "table.txt").read_text(encoding="utf-8")
    assert err.splitlines() == [str(tmp_path / WARNING), "已新建 1 个、更新 2 个案例文件"]
    # The same register again changes nothing: every row now matches its file.
    code, out, err = run(["import", str(sheet), str(root), "--update"], capsys)
    assert code == 0, err
    assert out == "" and err.splitlines()[-1] == "已新建 0 个、更新 0 个案例文件，3 行没有变化"


def test_a_dry_run_shows_the_table_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = register_site(tmp_path)
    before = tree_hash(root)
    code, out, err = run(["import", str(FIXTURES / "register.csv"), str(root), "--update", "--dry-run"], capsys)
    assert code == 0, err
    assert out == (FIXTURES / "table.txt").read_text(encoding="utf-8")
    assert err.splitlines()[-1] == "试运行，未写入任何文件；去掉 --dry-run 即写入：将新建 1 个、更新 2 个案例文件"
    assert tree_hash(root) == before


def test_the_table_lists_the_changes(tmp_path: Path) -> None:
    table = (FIXTURES / "table.txt").read_text(encoding="utf-8").splitlines()
    assert table[0].split() == ["行", "文件", "字段", "原值", "新值"]
    # Only the Chinese label was changed (the status column still says adopted): the label wins.
    assert table[1].split() == ["2", "content/cases/yangmiao-shift.md", "status", "adopted", "协商接单"]
    assert table[3].split() == ["2", "content/cases/yangmiao-shift.md", "follow_up", "2024-09-02"]   # from 45537
    assert table[-1].split() == ["4", "content/cases/saikou-canal.md", "（新建）", "赛口镇清淤灌溉渠"]
    # 2021/6/20 and "韩店村 | 凉泉村" are the same values written another way: not listed.
    assert not any(" date " in line or "villages" in line for line in table)


def test_a_phone_number_in_a_cell_is_refused_before_anything_is_written(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = register_site(tmp_path)
    before = tree_hash(root)
    sheet = tmp_path / "register.csv"
    sheet.write_bytes(register({"nanganqu-road": {"outcome": "联系电话13905561234"}},
                               ({"slug": "new-one", "title": "新案例", "date": "2022-04-01", "township": "赛口镇",
                                 "topics": "交通出行", "status": "raised", "body": "电话13905561234\n"},)))
    code, _, err = run(["import", str(sheet), str(root), "--update"], capsys)
    assert code == 1
    lines = [line for line in err.splitlines() if "13905561234" in line or "手机号" in line]
    assert any(line.startswith(f"{sheet}:3: content/cases/nanganqu-road.md:13: ") for line in lines), err
    assert any(line.startswith(f"{sheet}:5: body 列：") for line in lines), err
    assert tree_hash(root) == before


def test_a_case_link_that_names_nothing_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = register_site(tmp_path)
    before = tree_hash(root)
    sheet = tmp_path / "register.csv"
    sheet.write_bytes(register(new_rows=({"slug": "linked", "title": "链接", "date": "2022-04-01", "township": "赛口镇",
                                          "topics": "交通出行", "status": "raised",
                                          "body": "见[旧案例](case:no-such-case)。\n"},)))
    code, _, err = run(["import", str(sheet), str(root), "--update"], capsys)
    assert code == 1
    assert f"{sheet}:5: body 列：" in err and "no-such-case" in err
    assert tree_hash(root) == before


def test_a_cleared_cell_removes_the_field_and_a_required_one_is_refused(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = register_site(tmp_path)
    sheet = tmp_path / "register.csv"
    sheet.write_bytes(register({"yangmiao-shift": {"form": ""}}))
    assert run(["import", str(sheet), str(root), "--update"], capsys)[0] == 0
    text = (root / "content/cases/yangmiao-shift.md").read_text(encoding="utf-8")
    assert "form:" not in text and "convener: 杨庙镇政协委员工作组\n" in text
    before = tree_hash(root)
    sheet.write_bytes(register({"nanganqu-road": {"title": ""}}))
    code, _, err = run(["import", str(sheet), str(root), "--update"], capsys)
    assert code == 1 and f"{sheet}:3: content/cases/nanganqu-road.md" in err and "title" in err
    assert tree_hash(root) == before


def test_columns_the_build_makes_are_not_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = register_site(tmp_path)
    before = tree_hash(root)
    sheet = tmp_path / "register.csv"
    as_it_is = {"convener": "储琳", "outcome": "", "updated": ""}   # the register's other edits undone
    sheet.write_bytes(register({"nanganqu-road": as_it_is | {"url": "https://bulletin.test/x/", "county": "长丰县"}}))
    code, out, err = run(["import", str(sheet), str(root), "--update"], capsys)
    assert code == 0, err
    assert f"{sheet}:3: warning: 列「url」由网站生成，改动不会写入案例文件" in err
    assert f"{sheet}:3: warning: 列「county」由网站生成，改动不会写入案例文件" in err
    assert "nanganqu-road" not in out and (root / "content/cases/saikou-canal.md").exists()
    assert (root / "content/cases/nanganqu-road.md").read_bytes() == (FIXTURES / "nanganqu-road.before.md").read_bytes()
    assert tree_hash(root) != before   # the new row was written


def test_crlf_files_and_a_bom_stay_as_they_are(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crlf = b"\xef\xbb\xbf" + (FIXTURES / "nanganqu-road.before.md").read_bytes().replace(b"\n", b"\r\n")
    root = make_site(tmp_path / "site", {"content/cases/nanganqu-road.md": crlf,
                                         "content/cases/yangmiao-shift.md": (FIXTURES / "yangmiao-shift.before.md").read_bytes()})
    assert run(["import", str(FIXTURES / "register.csv"), str(root), "--update"], capsys)[0] == 0
    expected = b"\xef\xbb\xbf" + (FIXTURES / "nanganqu-road.after.md").read_bytes().replace(b"\n", b"\r\n")
    assert (root / "content/cases/nanganqu-road.md").read_bytes() == expected


@pytest.mark.parametrize(("cell", "expected"), [
    ("2024/9/2", ("2024-09-02", True)), ("2024/09/02 0:00", ("2024-09-02", True)), ("45537", ("2024-09-02", True)),
    ("45537.0", ("2024-09-02", True)), ("2021/6", ("2021-06", True)), ("2024-09-02 00:00:00", ("2024-09-02", True)),
    ("2024-09-02", ("2024-09-02", False)), ("2021年6月", ("2021年6月", False)), ("12345", ("12345", False)),
    ("2024/13/2", ("2024/13/2", False)), ("下月", ("下月", False)),
])
def test_spreadsheet_date_cells(cell: str, expected: tuple[str, bool]) -> None:
    assert spreadsheet_date(cell) == expected


def test_a_month_that_excel_made_a_first_day_is_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = register_site(tmp_path)
    sheet = tmp_path / "register.csv"
    (root / "content/cases/nanganqu-road.md").write_text(
        (FIXTURES / "nanganqu-road.before.md").read_text(encoding="utf-8").replace("date: 2021-06-20", "date: 2021-06"),
        encoding="utf-8")
    sheet.write_bytes(register({"nanganqu-road": {"date": "2021/6/1"}}))
    code, out, err = run(["import", str(sheet), str(root), "--update", "--dry-run"], capsys)
    assert code == 0, err
    assert not any("nanganqu-road" in line and " date " in line for line in out.splitlines())


def test_a_stage_key_and_label_that_disagree_are_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = register_site(tmp_path)
    sheet = tmp_path / "register.csv"
    sheet.write_bytes(register({"nanganqu-road": {"status": "resolved"}}))   # the label still says 跟进查单
    code, out, err = run(["import", str(sheet), str(root), "--update", "--dry-run"], capsys)
    assert code == 0, err
    assert f"{sheet}:3: warning: status 列（resolved）与 status_label 列（跟进查单）不是同一阶段，以 status_label 为准" in err
    assert not any("nanganqu-road" in line and "status" in line for line in out.splitlines())


def test_a_township_written_as_its_path_is_the_same_township(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """太湖县/凉泉乡 in the cell names the case's own township, also when that township kept the
    address an earlier build gave it (its slug then differs from what places.yaml alone makes)."""
    one = "- name: 安徽省\n  children:\n    - name: 安庆市\n      children:\n        - name: 太湖县\n          children: [凉泉乡]\n"
    root = make_site(tmp_path / "site", {"content/places.yaml": one,
                                         "content/cases/a.md": case_text(slug="a", township="凉泉乡")})
    assert run(["build", str(root)], capsys)[0] == 0   # 凉泉乡 is published as liang-quan-xiang
    (root / "content/places.yaml").write_text(one + "        - name: 望江县\n          children: [凉泉乡]\n", "utf-8")
    (root / "content/cases/a.md").write_text(case_text(slug="a", township="太湖县/凉泉乡"), "utf-8")
    assert run(["build", str(root)], capsys)[0] == 0   # and keeps that address
    assert run(["export", str(root), "-o", str(tmp_path / "register.csv")], capsys)[0] == 0
    text = (tmp_path / "register.csv").read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    rows[0]["township"] = "太湖县/凉泉乡"
    out_csv = io.StringIO()
    writer = csv.DictWriter(out_csv, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    (tmp_path / "register.csv").write_text("\ufeff" + out_csv.getvalue(), "utf-8")
    code, out, err = run(["import", str(tmp_path / "register.csv"), str(root), "--update"], capsys)
    assert code == 0, err
    assert out == "" and err.splitlines()[-1] == "已新建 0 个、更新 0 个案例文件，1 行没有变化"
