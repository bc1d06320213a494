"""Parse every date form the contract accepts into a `When`. Pure, table-tested."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_CN = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?$")
_YM = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_YMD = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
_FILENAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-")


@dataclass(frozen=True, slots=True, order=True)
class When:
    """A point in time; `precision` is 'day' or 'month' for display."""

    moment: dt.datetime   # timezone-aware
    precision: str = "day"

    @property
    def date(self) -> dt.date:
        return self.moment.date()

    def iso(self) -> str:
        moment = self.moment   # (strftime is four times slower than the f-string)
        return moment.date().isoformat() if self.precision == "day" else f"{moment.year:04d}-{moment.month:02d}"


class DateError(ValueError):
    pass


def parse_when(value: object, tz: ZoneInfo) -> When:
    """Parse a front matter date value; raises DateError for anything unreadable."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=tz)
        return When(moment.astimezone(tz))
    if isinstance(value, dt.date):
        return When(dt.datetime(value.year, value.month, value.day, tzinfo=tz))
    if not isinstance(value, str) or not value.strip():
        raise DateError(repr(value))
    text = value.strip()
    try:
        if m := _CN.match(text):
            if m[3]:
                return When(dt.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=tz))
            return When(dt.datetime(int(m[1]), int(m[2]), 1, tzinfo=tz), "month")
        if m := _YM.match(text):
            return When(dt.datetime(int(m[1]), int(m[2]), 1, tzinfo=tz), "month")
        if m := _YMD.match(text):
            return When(dt.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=tz))
        if m := _DATETIME.match(text):
            moment = dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0))
            offset = m[7]
            if offset:
                moment = moment.replace(tzinfo=_fixed_offset(offset))
                return When(moment.astimezone(tz))
            return When(moment.replace(tzinfo=tz))
    except ValueError as exc:  # e.g. month 13
        raise DateError(text) from exc
    import email.utils  # RFC 2822 only: email.utils imports socket and calendar (5 ms a build)
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError) as exc:
        raise DateError(text) from exc
    if parsed is None:
        raise DateError(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return When(parsed.astimezone(tz))


def date_from_filename(name: str, tz: ZoneInfo) -> When | None:
    """Jekyll posts may carry their date only in the file name: 2021-06-20-name.md."""
    m = _FILENAME.match(name)
    if not m:
        return None
    try:
        return When(dt.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=tz))
    except ValueError:
        return None


def _fixed_offset(text: str) -> dt.tzinfo:
    if text == "Z":
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
