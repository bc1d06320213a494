"""Every date form the contract accepts, as a table; and the ones it refuses."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from generator.core.dates import DateError, When, date_from_filename, parse_when

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("value", "moment", "precision", "iso"), [
    # a YAML date (as a date object, e.g. from another loader) and the same written as text
    (dt.date(2021, 6, 20), "2021-06-20T00:00:00+08:00", "day", "2021-06-20"),
    ("2021-06-20", "2021-06-20T00:00:00+08:00", "day", "2021-06-20"),
    ("  2021-06-20  ", "2021-06-20T00:00:00+08:00", "day", "2021-06-20"),
    ("2021-6-2", "2021-06-02T00:00:00+08:00", "day", "2021-06-02"),
    ("2021/6/20", "2021-06-20T00:00:00+08:00", "day", "2021-06-20"),
    # a month only
    ("2021-06", "2021-06-01T00:00:00+08:00", "month", "2021-06"),
    ("2021年6月", "2021-06-01T00:00:00+08:00", "month", "2021-06"),
    # Chinese
    ("2021年6月20日", "2021-06-20T00:00:00+08:00", "day", "2021-06-20"),
    ("2021 年 12 月 26 日", "2021-12-26T00:00:00+08:00", "day", "2021-12-26"),
    # Hexo: local time in the site's timezone
    ("2022-01-04 00:18:21", "2022-01-04T00:18:21+08:00", "day", "2022-01-04"),
    ("2022-01-04 09:00", "2022-01-04T09:00:00+08:00", "day", "2022-01-04"),
    # Jekyll: an explicit offset, converted to the site's timezone
    ("2021-06-20 10:00:00 +0800", "2021-06-20T10:00:00+08:00", "day", "2021-06-20"),
    ("2021-06-20 20:00:00 -0500", "2021-06-21T09:00:00+08:00", "day", "2021-06-21"),
    ("2021-06-20T10:00:00Z", "2021-06-20T18:00:00+08:00", "day", "2021-06-20"),
    ("2021-06-20 10:00:00 +08:00", "2021-06-20T10:00:00+08:00", "day", "2021-06-20"),
    # RFC 2822
    ("Tue, 04 Jan 2022 00:18:21 GMT", "2022-01-04T08:18:21+08:00", "day", "2022-01-04"),
    ("Tue, 04 Jan 2022 00:18:21 +0800", "2022-01-04T00:18:21+08:00", "day", "2022-01-04"),
    ("4 Jan 2022 20:00:00 +0000", "2022-01-05T04:00:00+08:00", "day", "2022-01-05"),
    ("4 Jan 2022 20:00:00 -0000", "2022-01-04T20:00:00+08:00", "day", "2022-01-04"),  # -0000: zone unknown
])
def test_accepted_forms(value: object, moment: str, precision: str, iso: str) -> None:
    when = parse_when(value, SHANGHAI)
    assert when.moment.isoformat() == moment
    assert when.moment.tzinfo is not None
    assert when.precision == precision
    assert when.iso() == iso


def test_aware_datetime_is_converted_naive_is_local() -> None:
    utc = dt.datetime(2021, 6, 20, 20, 0, tzinfo=dt.UTC)
    assert parse_when(utc, SHANGHAI).moment.isoformat() == "2021-06-21T04:00:00+08:00"
    naive = dt.datetime(2021, 6, 20, 20, 0)
    assert parse_when(naive, SHANGHAI).moment.isoformat() == "2021-06-20T20:00:00+08:00"


def test_the_site_timezone_is_used() -> None:
    when = parse_when("2022-01-04 00:18:21", ZoneInfo("Europe/Paris"))
    assert when.moment.utcoffset() == dt.timedelta(hours=1)
    assert parse_when("Tue, 04 Jan 2022 00:18:21 GMT", ZoneInfo("America/New_York")).iso() == "2022-01-03"


@pytest.mark.parametrize("value", [
    "2021-13-01", "2021-02-30", "2021-00", "2021年13月1日", "2021年2月30日", "junk", "", "   ", "20210620",
    "2021", "June 2021", "2021-06-20 25:00:00", "Tue, 32 Jan 2022 00:18:21 GMT", 2021, 20.5, None, True,
    ["2021-06-20"], {"y": 2021},
])
def test_refused_forms(value: object) -> None:
    with pytest.raises(DateError):
        parse_when(value, SHANGHAI)


def test_when_orders_by_moment() -> None:
    early, late = parse_when("2021-06", SHANGHAI), parse_when("2021-06-02", SHANGHAI)
    assert early < late
    assert early.date == dt.date(2021, 6, 1)


@pytest.mark.parametrize(("name", "iso"), [
    ("2021-06-20-name.md", "2021-06-20"),
    ("2022-01-04-政协履职.md", "2022-01-04"),
    ("2021-06-20-2021-07-01.md", "2021-06-20"),
    ("name.md", None),
    ("2021-06-name.md", None),
    ("2021-02-30-name.md", None),
    ("2021-06-20.md", None),     # Jekyll needs a title after the date
])
def test_jekyll_file_name_dates(name: str, iso: str | None) -> None:
    when = date_from_filename(name, SHANGHAI)
    if iso is None:
        assert when is None
    else:
        assert isinstance(when, When) and when.iso() == iso and when.moment.tzinfo is not None
