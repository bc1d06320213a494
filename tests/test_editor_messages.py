"""Mistakes county editors make, each answered in Chinese at its own line with the fix spelled out."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import case_text, make_site, run, without_count


def check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str], site_yaml: str | None = None) -> str:
    files = {"content/cases/a.md": text}
    if site_yaml is not None:
        files["site.yaml"] = site_yaml
    site = make_site(tmp_path / "site", files)
    code, _, err = run(["check", str(site)], capsys)
    assert code == 1
    return without_count(err)


@pytest.mark.parametrize("written", ["韩店村、凉泉村", "韩店村，凉泉村", "【韩店村，凉泉村】", "韩店村, 凉泉村", "韩店村；凉泉村"])
def test_several_villages_in_one_text_ask_for_a_list(tmp_path: Path, written: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = check(tmp_path, case_text(extra=f"villages: {written}\n"), capsys)
    assert err.startswith("content/cases/a.md:8: 「villages」有几项时请写成列表：villages: [韩店村, 凉泉村]"), err


def test_one_village_as_text_is_still_one_village(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text(extra="villages: 韩店村\n")})
    assert run(["check", str(site)], capsys)[0] == 0


def test_a_full_width_colon_is_named_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = case_text().replace("title: 南干渠新架桥梁", "title：南干渠新架桥梁")
    err = check(tmp_path, text, capsys)
    assert err.splitlines()[0] == "content/cases/a.md:2: 「title」后面是全角冒号（：）；键后面要用半角冒号加空格，写成 title: 南干渠新架桥梁"


def test_an_ascii_comma_in_a_timeline_text_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = check(tmp_path, case_text(extra="timeline:\n  - {date: 2021-07, text: 召开会议, 群众满意}\n"), capsys)
    assert err.startswith("content/cases/a.md:9: 文字「召开会议, 群众满意」里的英文逗号（,）把这一条断开了；请改用中文逗号（，）")


def test_a_stage_in_other_words_suggests_the_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = check(tmp_path, case_text(status="跟进中"), capsys)
    assert err.startswith("content/cases/a.md:6: 「status」的值「跟进中」不是已知的阶段；应为 群众点单、委员买单、协商接单、跟进查单、已办结 之一")
    assert "你是不是想写 跟进查单？" in err


def test_english_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = check(tmp_path, case_text(extra="villages: 韩店村、凉泉村\n"), capsys, site_yaml="title: T\nlanguage: en\n")
    assert "write several `villages` as a list: villages: [韩店村, 凉泉村]" in err


def test_a_folder_that_is_not_a_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes").mkdir()
    for command in (["build", str(tmp_path / "notes")], ["check", str(tmp_path / "notes")], ["due", str(tmp_path / "notes")]):
        code, _, err = run(command, capsys)
        assert code == 2 and "不是网站目录（其中没有 site.yaml，也没有 content/）" in err and "bulletin init" in err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_asks_for_utf8(tmp_path: Path, encoding: str, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text().encode(encoding)})
    code, _, err = run(["check", str(site)], capsys)
    assert code == 1
    assert without_count(err) == "content/cases/a.md:1: 文件是 UTF-16 编码（记事本等的「Unicode」）；请另存为 UTF-8\n"


def test_a_stray_nul_is_still_a_nul(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text(body="正文\x00。").encode()})
    code, _, err = run(["check", str(site)], capsys)
    assert code == 1 and "空字符（NUL）" in err


def test_a_front_matter_error_does_not_hide_a_phone_number_in_the_body(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    text = case_text(body="联系人电话13905561234。").replace("township:", "townshp:")
    err = check(tmp_path, text, capsys)
    lines = err.splitlines()
    assert any("未知的键「townshp」" in line for line in lines), err
    assert any(line.startswith("content/cases/a.md:9: 含有手机号码「139****1234」") for line in lines), err


def test_a_body_link_to_no_page_or_file_stops_the_build_at_its_line(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    body = ("见[开放数据](/data/cases.csv)和[首页](/)。\n\n另见[不存在的案例](/cases/nope/)、![图](/files/missing.png)\n\n"
            "`[代码里的](/cases/x/)` 不算链接。")
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text(slug="a", body=body),
                                         "content/cases/b.md": case_text(slug="b", body="[案例 a](/cases/a/)")})
    out = tmp_path / "out"
    code, _, err = run(["build", str(site), "-o", str(out)], capsys)
    assert code == 1 and not out.exists()
    assert err.splitlines() == [
        "content/cases/a.md:11: 链接「/cases/nope/」指向的页面或文件不存在；请检查这个地址（网站内的地址从 / 开始，如 /cases/liangquan-bridge/）",
        "content/cases/a.md:11: 链接「/files/missing.png」指向的页面或文件不存在；请检查这个地址（网站内的地址从 / 开始，如 /cases/liangquan-bridge/）",
    ]
    (site / "content/cases/a.md").write_text(case_text(slug="a", body="见[开放数据](/data/cases.csv)。"), encoding="utf-8")
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0


def test_a_front_matter_error_does_not_hide_a_link_that_names_nothing(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    broken = case_text(slug="broken").replace("township:", "townshp:")
    site = make_site(tmp_path / "site", {
        "content/cases/broken.md": broken,
        "content/cases/a.md": case_text(slug="a", body="见[桥](case:nope)，另见[坏文件](case:broken)。")})
    code, _, err = run(["check", str(site)], capsys)
    assert code == 1
    assert any("未知的键「townshp」" in line for line in err.splitlines()), err
    assert any(line.startswith("content/cases/a.md:9: 链接 case:nope 指向的案例不存在") for line in err.splitlines()), err
    assert "case:broken" not in err   # the broken file's own error comes first


def test_an_id_number_with_a_mistyped_check_digit_is_still_flagged(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    typo = "110105194912310021"   # the specimen 11010519491231002X with its last character mistyped
    err = check(tmp_path, case_text(body=f"反映人证件号 {typo}。\n"), capsys)
    assert err.splitlines() == [
        "content/cases/a.md:9: 「110*************21」（此处已打码显示）像是身份证号码，只是最后一位校验码不对，可能是抄错了一位："
        "个人信息不能公开。请删除，或改成打码形式 110*************21；若这不是身份证号码而是别的编号，"
        "在 front matter 中写 allow_personal_data: {id_card: 这是什么编号}"]
    site = make_site(tmp_path / "allowed", {"content/cases/a.md": case_text(
        extra="allow_personal_data: {id_card: 这是工程合同编号}\n", body=f"合同编号 {typo}。\n")})
    assert run(["check", str(site)], capsys)[0] == 0
