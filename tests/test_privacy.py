"""Personal data never reaches the public site: ID card numbers, mobile numbers, e-mail addresses.

Each is found in any case, report or page (front matter and body), reported at its
PATH:LINE masked, with how to mask it, and stops the build before OUT is touched;
allow_personal_data lets a deliberate public hotline through and `check` lists it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import case_text, make_site, run, tree_hash
from generator.source import privacy

PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"          # a well-known specimen with a valid check digit
EMAIL = "zhang.san@example.org"


def with_check_digit(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


@pytest.mark.parametrize("number", [ID_NUMBER, with_check_digit("34082719900101001"), with_check_digit("44030419851231123"),
                                    with_check_digit("12345678901234567")])
def test_check_digit_accepts(number: str) -> None:
    assert privacy.id_check_ok(number) and privacy.id_check_ok(number.lower())


def test_check_digit_rejects_every_wrong_last_character() -> None:
    wrong = [ID_NUMBER[:17] + c for c in "0123456789" if c != ID_NUMBER[17]]
    assert not any(privacy.id_check_ok(n) for n in wrong)


def test_masks() -> None:
    assert privacy.mask("phone", "13812345678") == "138****5678"
    assert privacy.mask("phone", "+86 138-1234-5678") == "138****5678"
    assert privacy.mask("id_card", ID_NUMBER) == "110*************2X"
    assert privacy.mask("email", EMAIL) == "z***@example.org"


def found(text: str) -> list[tuple[str, int, str]]:
    class Doc:
        title = ""
    return list(privacy.scan(text.encode(), Doc()))


@pytest.mark.parametrize("text, kind", [
    (f"电话 {PHONE}。", "phone"), ("电话：138-1234-5678", "phone"), ("+86 138 1234 5678", "phone"), ("+8613812345678", "phone"),
    ("19912345678", "phone"), ("TEL13812345678", "phone"), ("[拨打](tel:13812345678)", "phone"), (f"身份证{ID_NUMBER}号", "id_card"),
    (ID_NUMBER.lower(), "id_card"), (f"证件 {with_check_digit('34082719900101001')}", "id_card"),
    (f"身份证{ID_NUMBER[:17]}5", "id_card_typo"), (f"证件 {ID_NUMBER[:16]}13", "id_card_typo"),
    (f"邮箱：{EMAIL}", "email"), ("[写信](mailto:wang@zx.ah.gov.cn)", "email"), ("a_b+c@sub.example.com.cn", "email"),
])
def test_found(text: str, kind: str) -> None:
    assert [f[0] for f in found(text)] == [kind]


@pytest.mark.parametrize("text", [
    "138****5678", "1381234567", "138123456789", "12812345678", "0556-5123456", "2021-06-20 10:00:00", "受益群众 13800 人",
    "https://news.example.org/a/13812345678.html", f"https://bulletin.test/?id={ID_NUMBER}",
    "202106200000123456", "991234199001010013", "110105189912310021", "110105194913310022",  # no province, or no such birthday
    f"9{ID_NUMBER}", "@某某 的留言", "user@localhost", "110****1234",
])
def test_not_found(text: str) -> None:
    assert found(text) == []


def test_lines_are_file_lines() -> None:
    text = f"---\ntitle: x\n---\n第一段\n\n电话 {PHONE}\n邮箱 {EMAIL}\n"
    assert found(text) == [("phone", 6, "138****5678"), ("email", 7, "z***@example.org")]


def site_with(tmp_path: Path, files: dict[str, str], **extra: str) -> Path:
    return make_site(tmp_path / "site", {**files, **{k.replace("__", "/"): v for k, v in extra.items()}})


# One defect per field family: (file, text, line where the value sits).
FIELDS = [
    ("content/cases/a.md", case_text(slug="a", title=f"联系人{PHONE}"), 2),
    ("content/cases/a.md", case_text(slug="a", extra=f"outcome: 已回复 {PHONE}\n"), 8),
    ("content/cases/a.md", case_text(slug="a", extra=f"convener: 储琳 {PHONE}\n"), 8),
    ("content/cases/a.md", case_text(slug="a", extra=f"form: 议事会{EMAIL}\n"), 8),
    ("content/cases/a.md", case_text(slug="a", extra=f"timeline:\n  - {{date: 2021-06, text: 群众反映}}\n  - {{date: 2021-07, text: 联系 {PHONE}}}\n"), 10),
    ("content/cases/a.md", case_text(slug="a", extra=f"source: {{name: 来电 {PHONE}, url: https://bulletin.test/a}}\n"), 8),
    ("content/cases/a.md", case_text(slug="a", body=f"第一行\n\n身份证号 {ID_NUMBER}\n"), 11),
    ("content/reports/r.md", f"---\ntitle: 报道\ndate: 2022-01-04\ncategories: [要闻]\ntags: [协商, {PHONE}]\n---\n正文\n", 5),
    ("content/reports/r.md", f"---\ntitle: 报道\ndate: 2022-01-04\nauthor: 记者 {EMAIL}\n---\n正文\n", 4),
    ("content/reports/r.md", f"---\ntitle: 报道\ndate: 2022-01-04\n---\n正文\n\n联系 {EMAIL}\n", 7),
    ("content/pages/p.md", f"---\ntitle: 关于\ndescription: 热线 {PHONE}\n---\n正文\n", 3),
    ("content/pages/p.md", f"---\ntitle: 关于\n---\n\n\n编辑部 {ID_NUMBER}\n", 6),
]


@pytest.mark.parametrize("rel, text, line", FIELDS, ids=[f"{r}:{n}" for r, _, n in FIELDS])
def test_every_field_stops_the_build_at_its_line(rel: str, text: str, line: int, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    files = {rel: text}
    if rel != "content/cases/a.md":
        files["content/cases/ok.md"] = case_text(slug="ok")
    site = site_with(tmp_path, files)
    out = tmp_path / "out"
    code, _, err = run(["build", str(site), "-o", str(out)], capsys)
    assert code == 1 and not out.exists()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{rel}:{line}: 含有"), err
    assert "打码" in lines[0] and "allow_personal_data" in lines[0]
    assert PHONE not in err and ID_NUMBER not in err and EMAIL not in err   # the log does not repeat the data


def test_the_message_names_the_kind_and_the_masked_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path, {"content/cases/a.md": case_text(slug="a", body=f"{PHONE}\n{ID_NUMBER}\n{EMAIL}\n")})
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1
    assert err.splitlines() == [
        "content/cases/a.md:9: 含有手机号码「138****5678」（此处已打码显示）：个人信息不能公开。请删除，或改成打码形式 138****5678；"
        "若确属应公开的信息（如单位公开热线），在 front matter 中写 allow_personal_data: {phone: 公开理由}",
        "content/cases/a.md:10: 含有身份证号码「110*************2X」（此处已打码显示）：个人信息不能公开。请删除，或改成打码形式 110*************2X；"
        "若确属应公开的信息（如单位公开热线），在 front matter 中写 allow_personal_data: {id_card: 公开理由}",
        "content/cases/a.md:11: 含有电子邮箱地址「z***@example.org」（此处已打码显示）：个人信息不能公开。请删除，或改成打码形式 z***@example.org；"
        "若确属应公开的信息（如单位公开热线），在 front matter 中写 allow_personal_data: {email: 公开理由}",
    ]


def test_english_sites_get_english_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path, {"site.yaml": "title: Bulletin\nlanguage: en\n",
                                "content/cases/a.md": case_text(slug="a", body=f"call {PHONE}\n")})
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1
    assert err.strip() == ("content/cases/a.md:9: contains a mobile number `138****5678` (shown masked here): personal data "
                           "must not be published. Remove it or write it masked, as 138****5678; if it is meant to be public "
                           "(an office hotline, say), add allow_personal_data: {phone: the reason} to the front matter")


def test_a_yaml_escape_does_not_hide_a_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hidden = "".join(f"\\u{ord(c):04x}" for c in PHONE)
    site = site_with(tmp_path, {"content/cases/a.md": case_text(slug="a", extra=f'outcome: "电话 {hidden}"\n')})
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1 and err.startswith("content/cases/a.md: 含有手机号码「138****5678」")


def test_a_failed_build_leaves_out_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path, {"content/cases/a.md": case_text(slug="a")})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    before = tree_hash(out)
    (site / "content" / "cases" / "a.md").write_text(case_text(slug="a", body=f"电话 {PHONE}"), "utf-8")
    for _ in range(2):  # the second time from the parse cache: findings are cached with the document
        code, _, err = run(["build", str(site), "-o", str(out)], capsys)
        assert code == 1 and "content/cases/a.md:9: 含有手机号码" in err
    assert tree_hash(out) == before


HOTLINE = "13912345678"


@pytest.mark.parametrize("allow", [
    "allow_personal_data: {phone: 县政协公开热线}\n",
    "allow_personal_data: [phone]\npersonal_data_reason: 县政协公开热线\n",
    "allow_personal_data:\n  手机: 县政协公开热线\n",
])
def test_an_allowed_hotline_is_published(allow: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path, {"content/cases/a.md": case_text(slug="a", extra=allow, body=f"热线 {HOTLINE}\n")})
    out = tmp_path / "out"
    code, _, err = run(["build", str(site), "-o", str(out)], capsys)
    assert code == 0, err
    assert HOTLINE in (out / "cases" / "a" / "index.html").read_text("utf-8")
    code, stdout, _ = run(["check", str(site)], capsys)
    assert code == 0
    assert stdout.splitlines() == ["content/cases/a.md:8: 允许公开手机号码，理由：县政协公开热线" if "{" in allow or "[" in allow
                                   else "content/cases/a.md:9: 允许公开手机号码，理由：县政协公开热线", "检查通过，没有发现问题"]


def test_an_allowance_covers_only_its_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path, {"content/cases/a.md": case_text(
        slug="a", extra="allow_personal_data: {phone: 热线}\n", body=f"热线 {HOTLINE}\n邮箱 {EMAIL}\n")})
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1 and err.startswith("content/cases/a.md:11: 含有电子邮箱地址") and "手机" not in err


def test_an_allowance_covers_only_its_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path, {
        "content/cases/a.md": case_text(slug="a", extra="allow_personal_data: {phone: 热线}\n", body=f"热线 {HOTLINE}\n"),
        "content/pages/p.md": f"---\ntitle: 联系我们\n---\n热线 {HOTLINE}\n"})
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1 and err.startswith("content/pages/p.md:4: 含有手机号码")


def test_reports_and_pages_may_allow_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path, {
        "content/cases/a.md": case_text(slug="a"),
        "content/reports/r.md": f"---\ntitle: 报道\ndate: 2022-01-04\nallow_personal_data: {{email: 编辑部公开邮箱}}\n---\n来信 {EMAIL}\n",
        "content/pages/p.md": f"---\ntitle: 联系我们\nallow_personal_data: [phone, email]\npersonal_data_reason: 办公室公开电话和邮箱\n---\n{HOTLINE} {EMAIL}\n"})
    code, stdout, err = run(["check", str(site)], capsys)
    assert code == 0, err
    assert stdout.splitlines() == ["content/pages/p.md:3: 允许公开手机号码，理由：办公室公开电话和邮箱",
                                   "content/pages/p.md:3: 允许公开电子邮箱地址，理由：办公室公开电话和邮箱",
                                   "content/reports/r.md:4: 允许公开电子邮箱地址，理由：编辑部公开邮箱", "检查通过，没有发现问题"]


@pytest.mark.parametrize("allow, message", [
    ("allow_personal_data: [phone]\n", "content/cases/a.md:8: 允许公开手机号码须写明理由"),
    ("allow_personal_data: {phone: }\n", "content/cases/a.md:8: 允许公开手机号码须写明理由"),
    ("allow_personal_data: {phone: \"  \"}\n", "content/cases/a.md:8: 允许公开手机号码须写明理由"),
    ("allow_personal_data: {phnoe: 热线}\n", "content/cases/a.md:8: allow_personal_data 中有未知的类别「phnoe」；你是不是想写 phone？"),
    ("allow_personal_data: 42\n", "content/cases/a.md:8: allow_personal_data 应写成"),
    ("personal_data_reason: 热线\n", "content/cases/a.md:8: 写了 personal_data_reason 却没有 allow_personal_data"),
])
def test_a_malformed_allowance_is_an_error(allow: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path, {"content/cases/a.md": case_text(slug="a", extra=allow)})
    code, _, err = run(["check", str(site)], capsys)
    assert code == 1 and err.startswith(message), err


def test_drafts_are_scanned_when_they_are_published(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path, {"content/cases/a.md": case_text(slug="a"),
                                "content/cases/d.md": case_text(slug="d", title="草稿", extra="draft: true\n", body=f"电话 {PHONE}\n")})
    assert run(["build", str(site), "-o", str(tmp_path / "out")], capsys)[0] == 0
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out2"), "--drafts"], capsys)
    assert code == 1 and err.startswith("content/cases/d.md:10: 含有手机号码")


def test_check_lists_nothing_without_exceptions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path, {"content/cases/a.md": case_text(slug="a")})
    assert run(["check", str(site)], capsys)[:2] == (0, "检查通过，没有发现问题\n")


def test_check_lists_exceptions_in_english_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = site_with(tmp_path, {"site.yaml": "title: Bulletin\nlanguage: en\n", "content/cases/a.md": case_text(
        slug="a", extra="allow_personal_data: {email: the office's public address}\n", body="office@zx.gov.cn\n")})
    code, stdout, _ = run(["check", str(site)], capsys)
    assert code == 0 and stdout.splitlines() == [
        "content/cases/a.md:8: allowed to publish: e-mail address; reason: the office's public address", "OK"]
