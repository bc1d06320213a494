"""The closed loop in figures: per-case days and overdue on fixed dates, group figures, the overdue
list, the badges and figures on pages, per-stage feeds, and the documented open data."""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import jsonschema
import pytest
from conftest import REPO, make_site, run

from generator.source.config import BuildOptions
from generator.core.dates import When, parse_when
from generator.site.lifecycle import LoopFigures, Tracker, case_loop, figures
from generator.source.model import Case, TimelineEntry
from generator.render.dataschema import FIELDS
from generator.build.pipeline import build

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours

TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2022, 6, 1)


def when(text: str) -> When:
    return parse_when(text, TZ)


def make_case(status: str, date: str = "2022-01-01", timeline: tuple[tuple[str, str], ...] = (),
              follow_up: str | None = None, slug: str = "c") -> Case:
    entries = tuple(sorted((TimelineEntry(when(d), s, "x") for d, s in timeline), key=lambda e: e.when.moment))
    return Case(path=f"content/cases/{slug}.md", slug=slug, title="t", when=when(date), township="liangquan",
                villages=(), topics=("transport",), status=status, body="", body_start_line=8,
                timeline=entries, follow_up=when(follow_up) if follow_up else None)


# -- one case on a fixed day ---------------------------------------------------------------------

def test_days_in_stage_count_from_the_first_entry_of_the_current_stage() -> None:
    case = make_case("consulting", "2022-01-05", (("2022-01-05", "raised"), ("2022-02-01", "consulting"),
                                                  ("2022-03-01", "consulting")))
    loop = case_loop(case, TODAY)
    assert loop.stage_since == dt.date(2022, 2, 1)
    assert loop.days_in_stage == (TODAY - dt.date(2022, 2, 1)).days == 120
    assert loop.raised_on == dt.date(2022, 1, 5)
    assert loop.resolved_on is None and loop.days_to_resolve is None


def test_without_a_timeline_the_case_date_starts_its_stage() -> None:
    loop = case_loop(make_case("raised", "2022-05-01"), TODAY)
    assert (loop.stage_since, loop.days_in_stage, loop.raised_on) == (dt.date(2022, 5, 1), 31, dt.date(2022, 5, 1))


def test_days_raised_to_resolved() -> None:
    case = make_case("resolved", "2021-06-20", (("2021-06-20", "raised"), ("2021-07-01", "consulting"),
                                               ("2021-08-19", "resolved"), ("2021-12-01", "resolved")))
    loop = case_loop(case, TODAY)
    assert loop.resolved_on == dt.date(2021, 8, 19)
    assert loop.days_to_resolve == 60
    assert loop.days_in_stage == (TODAY - dt.date(2021, 8, 19)).days


def test_a_reopened_case_counts_from_its_last_resolution() -> None:
    case = make_case("resolved", "2021-01-01", (("2021-01-01", "raised"), ("2021-02-01", "resolved"),
                                               ("2021-03-01", "following_up"), ("2021-04-01", "resolved")))
    assert case_loop(case, TODAY).resolved_on == dt.date(2021, 4, 1)
    assert case_loop(case, TODAY).days_to_resolve == 90


def test_raised_falls_back_to_the_earliest_date_given() -> None:
    case = make_case("resolved", "2021-09-01", (("2021-08-01", "adopted"), ("2021-10-01", "resolved")))
    assert case_loop(case, TODAY).raised_on == dt.date(2021, 8, 1)
    assert case_loop(case, TODAY).days_to_resolve == 61


def test_a_resolved_case_without_a_resolved_entry_has_no_known_duration() -> None:
    loop = case_loop(make_case("resolved", "2021-05-01"), TODAY)
    assert loop.resolved_on is None and loop.days_to_resolve is None


@pytest.mark.parametrize(("status", "follow_up", "today", "overdue", "days"), [
    ("following_up", "2022-05-20", TODAY, True, 12),
    ("following_up", "2022-06-01", TODAY, False, 0),          # due today is not late yet
    ("following_up", "2022-06-02", TODAY, False, 0),
    ("consulting", "2022-03", dt.date(2022, 3, 31), False, 0),  # a month is due at its end
    ("consulting", "2022-03", dt.date(2022, 4, 1), True, 1),
    ("resolved", "2021-07-01", TODAY, False, 0),              # resolved cases are never overdue
    ("raised", None, TODAY, False, 0),
])
def test_overdue_on_fixed_dates(status: str, follow_up: str | None, today: dt.date, overdue: bool, days: int) -> None:
    loop = case_loop(make_case(status, "2021-01-01", follow_up=follow_up), today)
    assert (loop.overdue, loop.days_overdue) == (overdue, days)


def test_days_until_due() -> None:
    assert case_loop(make_case("raised", follow_up="2022-07-01"), TODAY).days_until_due == 30
    assert case_loop(make_case("raised"), TODAY).days_until_due is None


# -- figures of groups -----------------------------------------------------------------------------

def test_group_figures_share_median_and_overdue() -> None:
    loops = [case_loop(c, TODAY) for c in (
        make_case("resolved", "2021-01-01", (("2021-01-01", "raised"), ("2021-03-02", "resolved")), slug="a"),  # 60
        make_case("resolved", "2021-01-01", (("2021-01-01", "raised"), ("2021-04-11", "resolved")), slug="b"),  # 100
        make_case("resolved", "2021-01-01", slug="c"),                                               # unknown
        make_case("consulting", "2021-01-01", follow_up="2022-01-01", slug="d"),                     # overdue
    )]
    result = figures(loops)
    assert (result.total, result.resolved, result.overdue, result.timed) == (4, 3, 1, 2)
    assert result.median_days == 80 and result.median_text == "80"
    assert result.percent_resolved == 75


def test_percent_rounds_half_up_and_median_keeps_a_half() -> None:
    assert LoopFigures(8, 1, 0, 0, None).percent_resolved == 13     # 12.5 %
    assert LoopFigures(3, 2, 0, 2, 80.5).median_text == "80.5"
    assert LoopFigures(0, 0, 0, 0, None).percent_resolved is None
    assert LoopFigures(0, 0, 0, 0, None).median_text == ""


def test_league_orders_by_share_then_median_and_shares_ranks() -> None:
    cases = {
        "a1": make_case("resolved", "2021-01-01", (("2021-01-01", "raised"), ("2021-01-31", "resolved")), slug="a1"),
        "b1": make_case("resolved", "2021-01-01", (("2021-01-01", "raised"), ("2021-01-11", "resolved")), slug="b1"),
        "b2": make_case("raised", slug="b2"),
        "c1": make_case("resolved", "2021-01-01", (("2021-01-01", "raised"), ("2021-01-31", "resolved")), slug="c1"),
        "d1": make_case("raised", slug="d1"),
    }
    tracker = Tracker(TODAY, {k: case_loop(c, TODAY) for k, c in cases.items()})
    rows = tracker.league({"a": ("a1",), "b": ("b1", "b2"), "c": ("c1",), "d": ("d1",), "e": ()}, "abcde")
    assert [(r.rank, r.township) for r in rows] == [(1, "a"), (1, "c"), (3, "b"), (4, "d")]


# -- a generated site covering every stage and overdue cases --------------------------------------

CASES = {
    # slug: (township, status, date, timeline, follow_up)
    "raised-case": ("凉泉乡", "raised", "2022-05-01", [], "2022-07-01"),
    "adopted-case": ("凉泉乡", "adopted", "2022-03-01", [("2022-03-01", "raised"), ("2022-03-10", "adopted")], "2022-05-20"),
    "consulting-case": ("赛口镇", "consulting", "2022-01-05", [("2022-01-05", "raised"), ("2022-02-01", "consulting")], "2022-03"),
    "following-case": ("杨庙镇", "following_up", "2022-04-01", [("2022-04-15", "following_up")], "2022-06-01"),
    "resolved-a": ("凉泉乡", "resolved", "2021-06-20", [("2021-06-20", "raised"), ("2021-08-19", "resolved")], "2021-07-01"),
    "resolved-b": ("凉泉乡", "resolved", "2021-09-01", [("2021-09-01", "raised"), ("2021-09-10", "consulting"),
                                                    ("2021-12-10", "resolved")], None),
    "resolved-c": ("杨庙镇", "resolved", "2021-01-01", [("2021-01-01", "raised"), ("2021-02-01", "resolved"),
                                                    ("2021-03-01", "following_up"), ("2021-04-01", "resolved")], None),
    "resolved-untimed": ("赛口镇", "resolved", "2021-05-01", [], None),
}


def loop_site_files() -> dict[str, str]:
    files = {}
    for slug, (township, status, date, timeline, follow_up) in CASES.items():
        lines = [f"title: 案例 {slug}", f"date: {date}", f"township: {township}",
                 f"topics: [{'农田水利' if township == '杨庙镇' else '交通出行'}]", f"status: {status}", f"slug: {slug}"]
        if follow_up:
            lines.append(f"follow_up: {follow_up}")
        if timeline:
            lines.append("timeline:")
            lines += [f"  - {{date: {d}, stage: {s}, text: 进展 {d}}}" for d, s in timeline]
        files[f"content/cases/{slug}.md"] = "---\n" + "\n".join(lines) + "\n---\n正文。\n"
    return files


@pytest.fixture(scope="module")
def loop_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(tmp_path_factory.mktemp("loop") / "site", loop_site_files())
    out = root.parent / "out"
    build(root, out, BuildOptions(today=TODAY, jobs=1))
    return out


def page_text(out: Path, rel: str) -> str:
    source = (out / rel).read_text(encoding="utf-8")
    source = re.sub(r"(?s)<head>.*?</head>|<svg.*?</svg>|<footer.*", "", source)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", source)))


def card_of(out: Path, rel: str, slug: str) -> str:
    """The text of the card on page `rel` that links to case `slug`."""
    source = (out / rel).read_text(encoding="utf-8")
    for chunk in source.split('<li class="card">')[1:]:
        if f"cases/{slug}/" in chunk.split("</li>")[0]:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", chunk.split("</li>")[0]))
    raise AssertionError(f"no card for {slug} on {rel}")


def test_overdue_list_holds_late_cases_latest_first(loop_out: Path) -> None:
    text = page_text(loop_out, "stages/overdue/index.html")
    assert "逾期未办结的案例" in text and "共 2 件逾期" in text
    assert text.index("案例 consulting-case") < text.index("案例 adopted-case")
    assert "逾期 2 个月" in text and "逾期 12 天" in text   # 62 days read as months, 12 as days
    for slug in ("raised-case", "following-case", "resolved-a", "resolved-b", "resolved-c", "resolved-untimed"):
        assert f"案例 {slug}" not in text


def test_cards_carry_the_overdue_badge_only_when_late(loop_out: Path) -> None:
    assert "逾期 12 天" in card_of(loop_out, "townships/liangquan/index.html", "adopted-case")
    for slug in ("raised-case", "resolved-a", "resolved-b"):
        assert "逾期" not in card_of(loop_out, "townships/liangquan/index.html", slug)
    assert "逾期 2 个月" in card_of(loop_out, "stages/consulting/index.html", "consulting-case")


def case_head_and_facts(out: Path, slug: str) -> str:
    """The text of the case's own article, without related cases (which carry their own badges)."""
    source = (out / f"cases/{slug}/index.html").read_text(encoding="utf-8")
    article = source[source.index("<article"):source.index("</article>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", article)))


def test_case_page_shows_time_in_stage_and_follow_up(loop_out: Path) -> None:
    late = case_head_and_facts(loop_out, "consulting-case")
    assert "逾期 2 个月" in late and "2022年3月31日起逾期，已 62 天" in late and "本阶段已历时 120 天" in late   # badge, facts row
    due = case_head_and_facts(loop_out, "raised-case")
    assert "本阶段已历时 31 天" in due and "距约定跟进日期还有 30 天" in due and "逾期" not in due
    assert "今天是约定的跟进日期" in case_head_and_facts(loop_out, "following-case")
    done = case_head_and_facts(loop_out, "resolved-a")
    assert "从提出到办结 60 天" in done and "逾期" not in done and "本阶段已历时" not in done


def test_township_and_topic_pages_show_loop_figures(loop_out: Path) -> None:
    liangquan = page_text(loop_out, "townships/liangquan/index.html")
    assert "办结率 50% 共 4 件，已办结 2 件" in liangquan
    assert "办结用时（中位数） 80 天 据 2 件有办结日期的案例" in liangquan
    assert "逾期 1 件" in liangquan
    saikou = page_text(loop_out, "townships/saikou/index.html")
    assert "办结用时（中位数） 暂无" in saikou
    irrigation = page_text(loop_out, "topics/irrigation/index.html")
    assert "办结率 50% 共 2 件，已办结 1 件" in irrigation and "逾期 0 件" in irrigation


def test_stats_page_has_site_figures_and_league_table(loop_out: Path) -> None:
    text = page_text(loop_out, "stats/index.html")
    assert "办结率 50% 共 8 件，已办结 4 件" in text
    assert "办结用时（中位数） 90 天 据 3 件有办结日期的案例" in text
    table = text[text.index("各乡镇（街道）办结情况排行 名次"):]
    assert re.search(r"1 凉泉乡 2/4 50% 80 天 1 2 杨庙镇 1/2 50% 90 天 0 3 赛口镇 1/2 50% 暂无 1", table), table[:300]


def test_stage_feeds_list_newest_arrivals_first(loop_out: Path) -> None:
    feed = feedparser.parse((loop_out / "stages/resolved/feed.xml").read_bytes())
    assert not feed.bozo
    assert [e.link.rsplit("/", 2)[-2] for e in feed.entries] == ["resolved-b", "resolved-a", "resolved-untimed", "resolved-c"]
    assert feed.feed.title == "测试公报 · 已办结"


def test_township_stage_feed_is_what_a_resident_subscribes_to(loop_out: Path) -> None:
    feed = feedparser.parse((loop_out / "townships/liangquan/stages/resolved/feed.xml").read_bytes())
    assert not feed.bozo
    assert feed.feed.title == "测试公报 · 凉泉乡 · 已办结"
    assert [e.link.rsplit("/", 2)[-2] for e in feed.entries] == ["resolved-b", "resolved-a"]
    assert feed.entries[0].summary == "已办结" and "content" not in feed.entries[0]   # a notice, not the body
    empty = feedparser.parse((loop_out / "townships/saikou/stages/raised/feed.xml").read_bytes())
    assert not empty.bozo and empty.entries == []
    page = (loop_out / "townships/liangquan/index.html").read_text(encoding="utf-8")
    assert 'href="../../townships/liangquan/stages/resolved/feed.xml"' in page
    assert 'href="../../stages/resolved/feed.xml"' in (loop_out / "stages/resolved/index.html").read_text(encoding="utf-8")


def test_open_data_carries_derived_figures_and_matches_its_schema(loop_out: Path) -> None:
    data = json.loads((loop_out / "data/cases.json").read_text(encoding="utf-8"))
    schema = json.loads((loop_out / "data/schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator, format_checker=jsonschema.FormatChecker())
    assert data["as_of"] == "2022-06-01"
    record = {c["slug"]: c for c in data["cases"]}
    assert (record["consulting-case"]["overdue"], record["consulting-case"]["days_overdue"]) == (True, 62)
    assert (record["resolved-a"]["resolved_on"], record["resolved-a"]["days_to_resolve"]) == ("2021-08-19", 60)
    assert record["raised-case"]["days_in_stage"] == 31 and record["raised-case"]["resolved_on"] is None


def test_schema_rejects_a_record_that_drifts(loop_out: Path) -> None:
    data = json.loads((loop_out / "data/cases.json").read_text(encoding="utf-8"))
    schema = json.loads((loop_out / "data/schema.json").read_text(encoding="utf-8"))
    data["cases"][0]["undocumented"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    del data["cases"][0]["undocumented"]
    data["cases"][0]["status"] = "done"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)


def test_today_comes_from_source_date_epoch_in_the_site_timezone(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path / "site", loop_site_files())
    # 2022-05-31 16:00 UTC is already 2022-06-01 in Asia/Shanghai.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2022, 5, 31, 16, tzinfo=dt.UTC).timestamp())))
    code, _, err = run(["build", str(root), "-o", str(tmp_path / "out"), "--jobs", "1"], capsys)
    assert code == 0, err
    data = json.loads((tmp_path / "out/data/cases.json").read_text(encoding="utf-8"))
    assert data["as_of"] == "2022-06-01"
    assert {c["slug"] for c in data["cases"] if c["overdue"]} == {"consulting-case", "adopted-case"}


# -- the example site --------------------------------------------------------------------------------

def test_example_site_claims_no_follow_up_its_source_does_not_give(example_out: Path) -> None:
    """The seed article dates no later check of its cases, so the example, built years later,
    calls none overdue (the loop site above shows overdue cases at their figures)."""
    text = page_text(example_out, "stages/overdue/index.html")
    assert "目前没有逾期的案例" in text
    data = json.loads((example_out / "data/cases.json").read_text(encoding="utf-8"))
    assert [c["slug"] for c in data["cases"] if c["overdue"] or c["follow_up"]] == []
    following = {c["slug"] for c in data["cases"] if c["status"] == "following_up"}
    assert {"saikou-clinic-inspection", "zaojia-road-oversight"} <= following
    stages = {c["status"] for c in data["cases"]}
    assert len(stages) >= 4   # the real cases stand at different stages


def test_example_site_pages_show_the_figures(example_out: Path) -> None:
    stats = page_text(example_out, "stats/index.html")
    assert "闭环成效" in stats and "各乡镇（街道）办结情况排行" in stats
    data = json.loads((example_out / "data/cases.json").read_text(encoding="utf-8"))
    bridge = next(c for c in data["cases"] if c["slug"] == "liangquan-bridge")
    assert (bridge["raised_on"], bridge["resolved_on"], bridge["days_to_resolve"]) == ("2021-06-01", "2022-01-04", 217)
    township = page_text(example_out, f"townships/{bridge['township_slug']}/index.html")
    assert "办结率 100%" in township and "217 天" in township
    clinic = next(c for c in data["cases"] if c["slug"] == "saikou-clinic-inspection")
    assert "跟进查单" in page_text(example_out, f"townships/{clinic['township_slug']}/index.html")
    schema = json.loads((example_out / "data/schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator, format_checker=jsonschema.FormatChecker())


def test_data_readme_explains_every_field_in_both_languages(example_out: Path) -> None:
    source = (example_out / "data/index.html").read_text(encoding="utf-8")
    for field in FIELDS:
        block = source[source.index(f'id="field-{field.name}"'):]
        block = html.unescape(block[:block.index("</div>")])
        assert field.zh in block and field.en in block, field.name
        assert 'lang="en"' in block
    assert 'href="../data/schema.json"' in source and 'href="../data/cases.csv"' in source


def test_readme_lists_every_open_data_field() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert [f.name for f in FIELDS if f"| `{f.name}`" not in readme] == []


def test_an_english_site_speaks_english(tmp_path: Path) -> None:
    files = loop_site_files() | {"site.yaml": "title: Test bulletin\nbase_url: https://bulletin.test/\nlanguage: en\n"}
    root = make_site(tmp_path / "site", files)
    build(root, tmp_path / "out", BuildOptions(today=TODAY, jobs=1))
    overdue = page_text(tmp_path / "out", "stages/overdue/index.html")
    assert "Overdue cases" in overdue and "2 months overdue" in overdue and "As of 2022-06-01: 2 overdue." in overdue
    township = page_text(tmp_path / "out", "townships/liangquan/index.html")
    assert "Resolved 50% 2 of 4 cases resolved" in township and "Median days to resolve 80 days" in township
    assert "Townships by share resolved" in page_text(tmp_path / "out", "stats/index.html")
    assert "Case fields" in page_text(tmp_path / "out", "data/index.html")


def test_a_stage_tracker_included_for_several_cases_shows_each_cases_own_dates() -> None:
    """The tracker partial asks for the dates of the `case` it is given (stage_dates), so a theme
    may include it for every case of a list, not only on the case's own page."""
    from generator.build.load import load_site
    from generator.render.renderer import Renderer
    site, theme, _ = load_site(REPO, BuildOptions(use_cache=False), save_cache=False)
    cases = [c for c in site.cases if c.timeline][:6]
    assert len({tuple(e.when.iso() for e in c.timeline) for c in cases}) > 1
    renderer = Renderer(site, theme)
    renderer.warm_up()   # the theme's macros (show_date) become globals
    listing = renderer.env.from_string('{% for case in cases %}<div class="one">'
                                       '{% include "partials/stage_tracker.html" %}</div>{% endfor %}')
    page = listing.render(cases=cases, **renderer._common("x/", "../"))
    for case, part in zip(cases, page.split('<div class="one">')[1:]):
        shown = re.findall(r'<time datetime="([^"]+)"', part)
        stages = [s.key for s in site.config.stages]
        reached = {e.stage: e.when.iso() for e in reversed(case.timeline) if e.stage}
        current = stages.index(case.status)
        assert shown == [reached[k] for k in stages[:current + 1] if k in reached], case.slug


@pytest.mark.parametrize(("language", "follow_up", "badge", "since"), [
    ("zh-CN", "2022-05-31", "逾期 1 天", "2022年5月31日起逾期，已 1 天"),
    ("zh-CN", "2022-04-03", "逾期 59 天", None),
    ("zh-CN", "2022-04-02", "逾期 2 个月", None),
    ("zh-CN", "2022-01-01", "逾期 5 个月", "2022年1月1日起逾期，已 151 天"),
    ("zh-CN", "2018-03-01", "逾期 4 年", "2018年3月1日起逾期，已 1553 天"),
    ("en", "2022-05-31", "1 day overdue", "overdue since 31 May 2022"),
    ("en", "2021-05-01", "1 year overdue", None),
])
def test_old_follow_ups_read_in_months_and_years_with_the_day_in_the_tooltip(
        tmp_path: Path, language: str, follow_up: str, badge: str, since: str | None) -> None:
    from conftest import case_text
    from generator.build.pipeline import build
    site = make_site(tmp_path / "site", {
        "site.yaml": f"title: T\nbase_url: https://bulletin.test/\nlanguage: {language}\n",
        "content/cases/a.md": case_text(slug="a", status="consulting", date="2017-01-01", extra=f"follow_up: {follow_up}\n")})
    build(site, tmp_path / "out", BuildOptions(jobs=1, today=dt.date(2022, 6, 1)))
    page = (tmp_path / "out/cases/a/index.html").read_text("utf-8")
    found = re.search(r'<span class="badge overdue" title="([^"]*)">([^<]*)</span>', page)
    assert found and found[2] == badge
    if since is not None:
        assert html.unescape(found[1]) == since
