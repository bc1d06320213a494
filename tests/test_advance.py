"""`bulletin advance`: status and timeline edited in place, everything else in the file kept
byte for byte (golden before/after files in tests/fixtures/advance/), all or nothing on errors."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, case_text, make_site, run
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.editing.advance import advance_text
from generator.editing.textfiles import yaml_scalar
from generator.source.content import parse_document
from generator.source.readers import Context
from generator.source.model import Case
from generator.core.yamlsrc import load_yaml

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours

FIXTURES = REPO / "tests" / "fixtures" / "advance"

GOLDEN = {
    # name: the command's options (hand-checked results are NAME.after.md)
    "block_items": ["--to", "resolved", "--date", "2022-05-01", "--note", "道路全线完工，群众回访满意"],
    "flow_items": ["--to", "已办结", "--date", "2022-05-01", "--note", "渠道硬化完工: 回访 #2"],
    "flow_list": ["--to", "adopted", "--date", "2022年1月3日", "--note", "委员接单, 列入议题"],
    "multiline_flow": ["--to", "consulting", "--date", "2022-03", "--note", "召开议事会"],
    "no_timeline": ["--to", "consulting", "--date", "2022-05-10", "--follow-up", "2022-09-30"],
}


def site_with(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    return make_site(tmp_path / "site", files)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_advance_edits_only_status_and_timeline(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (FIXTURES / f"{name}.before.md").read_bytes()
    root = site_with(tmp_path, {f"content/cases/{name}.md": before})
    target = root / f"content/cases/{name}.md"
    code, out, err = run(["advance", str(target), *GOLDEN[name]], capsys)
    assert code == 0, err
    assert out.startswith(f"content/cases/{name}.md: ")
    assert target.read_bytes() == (FIXTURES / f"{name}.after.md").read_bytes()


def test_golden_results_are_valid_cases_one_entry_longer(tmp_path: Path) -> None:
    from generator.source.config import load_config
    from generator.core.errors import Problems
    from generator.source.places import load_places
    from generator.source.topics import load_topics
    root = site_with(tmp_path, {})
    problems = Problems()
    context = Context(load_config(root, problems), load_places(root, problems), load_topics(root, problems))
    for name in GOLDEN:
        before, _ = parse_document("cases", "content/cases/x.md", (FIXTURES / f"{name}.before.md").read_bytes(), context)
        after, found = parse_document("cases", "content/cases/x.md", (FIXTURES / f"{name}.after.md").read_bytes(), context)
        assert isinstance(before, Case) and isinstance(after, Case), found
        assert len(after.timeline) == len(before.timeline) + 1
        assert after.timeline[-1].stage == after.status
        assert (after.title, after.body, after.topics, after.villages) == (before.title, before.body, before.topics, before.villages)


def test_crlf_and_bom_survive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = b"\xef\xbb\xbf" + (FIXTURES / "block_items.before.md").read_bytes().replace(b"\n", b"\r\n")
    root = site_with(tmp_path, {"content/cases/a.md": before})
    code, _, err = run(["advance", str(root / "content/cases/a.md"), *GOLDEN["block_items"]], capsys)
    assert code == 0, err
    expected = b"\xef\xbb\xbf" + (FIXTURES / "block_items.after.md").read_bytes().replace(b"\n", b"\r\n")
    assert (root / "content/cases/a.md").read_bytes() == expected


def test_many_files_at_once_and_the_site_still_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = site_with(tmp_path, {
        "content/cases/a.md": case_text(slug="a", status="consulting"),
        "content/cases/b.md": case_text(slug="b", status="following_up", extra="timeline:\n  - {date: 2021-07, text: 回访}\n"),
    })
    code, out, err = run(["advance", str(root / "content/cases/a.md"), str(root / "content/cases/b.md"),
                          "--to", "resolved", "--date", "2021-12-01", "--note", "已向群众反馈"], capsys)
    assert code == 0, err
    assert out.splitlines() == ["content/cases/a.md: consulting → resolved", "content/cases/b.md: following_up → resolved"]
    code, _, err = run(["build", str(root), "-o", str(tmp_path / "out"), "--jobs", "1"], capsys)
    assert code == 0, err
    page = (tmp_path / "out/cases/b/index.html").read_text(encoding="utf-8")
    assert "已向群众反馈" in page and "回访" in page


def test_default_note_is_the_stage_label_and_default_date_is_today(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1654012800")  # 2022-06-01 00:00 in Asia/Shanghai
    root = site_with(tmp_path, {"content/cases/a.md": case_text(slug="a", status="raised")})
    code, _, err = run(["advance", str(root / "content/cases/a.md"), "--to", "adopted"], capsys)
    assert code == 0, err
    text = (root / "content/cases/a.md").read_text(encoding="utf-8")
    assert "status: adopted\n" in text
    assert "timeline:\n  - {date: 2022-06-01, stage: adopted, text: 委员买单}\n---\n" in text


def test_unknown_stage_is_refused_with_a_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = site_with(tmp_path, {"content/cases/a.md": case_text(slug="a")})
    before = (root / "content/cases/a.md").read_bytes()
    code, _, err = run(["advance", str(root / "content/cases/a.md"), "--to", "resolvd"], capsys)
    assert code == 1
    assert err.startswith("--to: 未知的阶段「resolvd」") and "你是不是想写 resolved？" in err
    assert (root / "content/cases/a.md").read_bytes() == before


def test_unreadable_date_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = site_with(tmp_path, {"content/cases/a.md": case_text(slug="a")})
    code, _, err = run(["advance", str(root / "content/cases/a.md"), "--to", "resolved", "--date", "next week"], capsys)
    assert code == 1 and err.startswith("--date: 无法识别的日期「next week」")


def test_one_bad_file_means_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = case_text(slug="a", status="consulting")
    bad = "---\ntitle: 坏文件\ndate: 2021-06-20\ntownship: 凉泉乡\ntopics: [水利]\nstatus: raised\n---\n"
    broken_yaml = "---\ntitle: 坏\ndate: 2021-06-20\n  township: 凉泉乡\n---\n"
    root = site_with(tmp_path, {"content/cases/a.md": good, "content/cases/b.md": bad, "content/cases/c.md": broken_yaml})
    paths = [str(root / f"content/cases/{n}.md") for n in "abc"]
    code, out, err = run(["advance", *paths, "--to", "resolved", "--date", "2021-12-01"], capsys)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0].startswith("content/cases/b.md:5: content/topics.yaml 中没有议题「水利」")
    assert lines[1].startswith("content/cases/c.md:4: ")
    assert (root / "content/cases/a.md").read_text(encoding="utf-8") == good


def test_only_case_files_can_be_advanced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = site_with(tmp_path, {"content/pages/about.md": "---\ntitle: 关于\n---\n"})
    code, _, err = run(["advance", str(root / "content/pages/about.md"), "--to", "resolved"], capsys)
    assert code == 1 and err.startswith("content/pages/about.md: 只能推进 content/cases/ 下的案例文件")


def test_english_site_gets_english_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = site_with(tmp_path, {"site.yaml": "title: Test\nlanguage: en\n", "content/cases/a.md": case_text(slug="a")})
    code, _, err = run(["advance", str(root / "content/cases/a.md"), "--to", "done"], capsys)
    assert code == 1 and err.startswith("--to: unknown stage `done`")


def test_status_written_as_a_label_keeps_being_a_label() -> None:
    text = "---\ntitle: t\nstatus: '协商接单'\ntimeline:\n- date: 2021-06\n  text: 议事\n---\n"
    result = advance_text(text, "resolved", "已办结", "2021-07", "办结")
    assert result == ("---\ntitle: t\nstatus: '已办结'\ntimeline:\n- date: 2021-06\n  text: 议事\n"
                      "- date: 2021-07\n  text: 办结\n  stage: resolved\n---\n")


def test_empty_timeline_forms() -> None:
    assert advance_text("---\nstatus: raised\ntimeline: []\n---\n", "adopted", "x", "2021-07", "n") == \
        "---\nstatus: adopted\ntimeline: [{date: 2021-07, stage: adopted, text: n}]\n---\n"
    assert advance_text("---\nstatus: raised\ntimeline:   # none yet\nslug: a\n---\n", "adopted", "x", "2021-07", "n") == \
        "---\nstatus: adopted\ntimeline:   # none yet\n  - {date: 2021-07, stage: adopted, text: n}\nslug: a\n---\n"
    assert advance_text("---\nstatus: raised\ntimeline: ~\n---\n", "adopted", "x", "2021-07", "n") == \
        "---\nstatus: adopted\ntimeline: [{date: 2021-07, stage: adopted, text: n}]\n---\n"


def test_follow_up_is_replaced_in_place() -> None:
    text = "---\nstatus: raised\nfollow_up: 2022-03-31  # 一季度末\n---\n"
    assert advance_text(text, "adopted", "x", "2022-04", "n", follow_up="2022-06-30") == \
        "---\nstatus: adopted\nfollow_up: 2022-06-30  # 一季度末\ntimeline:\n  - {date: 2022-04, stage: adopted, text: n}\n---\n"


YAML_MEANINGFUL = list(" -?:,[]{}#&*!|>'\"%@`~0123456789.eEtrufalsny/\n\tx中\x80\x85\u2028\ufeff")


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(min_size=1, max_size=40),
                 st.text(alphabet=st.sampled_from(YAML_MEANINGFUL), min_size=1, max_size=12)))
def test_written_scalars_read_back_as_the_same_text(value: str) -> None:
    assert load_yaml(f"k: {yaml_scalar(value)}\n") == {"k": value}
    assert load_yaml(f"k: [{yaml_scalar(value, flow=True)}, x]\n") == {"k": [value, "x"]}
    assert load_yaml(f"k: {{text: {yaml_scalar(value, flow=True)}}}\n") == {"k": {"text": value}}


# -- guard rails: slips are refused, saying what would happen, unless --force ----------------

TODAY_EPOCH = "1654012800"   # 2022-06-01 00:00 in Asia/Shanghai


@pytest.fixture
def slips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    timeline = "timeline:\n  - {date: 2021-07-15, stage: consulting, text: 召开议事会}\n"
    return site_with(tmp_path, {
        "content/cases/done.md": case_text(slug="done", status="resolved"),
        "content/cases/talks.md": case_text(slug="talks", status="consulting", extra=timeline),
    })


@pytest.mark.parametrize("case, options, zh", [
    ("done", ["--to", "raised", "--date", "2022-01-01"], "这会把案例从「已办结」退回到「群众点单」，并添加时间线「2022-01-01 群众点单」"),
    ("talks", ["--to", "consulting", "--date", "2022-01-01"], "案例已处于「协商接单」阶段；这次会再添加一条「2022-01-01 协商接单」的时间线"),
    ("talks", ["--to", "following_up", "--date", "2021-06-30"], "日期 2021-06-30 早于时间线最后一条（2021-07-15）"),
    ("talks", ["--to", "following_up", "--date", "2022-06-02"], "日期 2022-06-02 晚于今天（2022-06-01）"),
])
def test_a_slip_is_refused_and_force_does_it(slips: Path, case: str, options: list[str], zh: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = slips / f"content/cases/{case}.md"
    before = path.read_bytes()
    code, out, err = run(["advance", str(path), *options], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"content/cases/{case}.md: {zh}"), err
    assert "请加 --force" in err
    assert path.read_bytes() == before
    code, _, err = run(["advance", str(path), *options, "--force"], capsys)
    assert code == 0, err
    assert path.read_bytes() != before


def test_a_month_is_not_before_a_day_in_it_and_today_is_not_after_today(slips: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = slips / "content/cases/talks.md"
    assert run(["advance", str(path), "--to", "following_up", "--date", "2021-07"], capsys)[0] == 0
    assert run(["advance", str(path), "--to", "resolved"], capsys)[0] == 0   # the default date: today
    assert "{date: 2022-06-01, stage: resolved" in path.read_text(encoding="utf-8")


def test_every_slip_of_every_file_is_reported_and_nothing_is_written(slips: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    paths = [slips / "content/cases/done.md", slips / "content/cases/talks.md"]
    before = [p.read_bytes() for p in paths]
    code, _, err = run(["advance", *map(str, paths), "--to", "consulting", "--date", "2023-01-01"], capsys)
    assert code == 1
    lines = err.splitlines()
    assert sum(line.startswith("content/cases/done.md: ") for line in lines) == 2    # back, and after today
    assert sum(line.startswith("content/cases/talks.md: ") for line in lines) == 2   # again, and after today
    assert [p.read_bytes() for p in paths] == before


def test_english_slips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    root = site_with(tmp_path, {"site.yaml": "title: Test\nlanguage: en\n",
                                "content/cases/a.md": case_text(slug="a", status="resolved")})
    code, _, err = run(["advance", str(root / "content/cases/a.md"), "--to", "raised", "--date", "2022-01-01"], capsys)
    assert code == 1 and "would move the case back from" in err and "add --force" in err
