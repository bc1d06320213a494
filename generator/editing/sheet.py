"""Reading a case register saved from a spreadsheet: its text encoding, its rows, and the cell
forms Excel writes (dates as 2024/9/2 or as serial numbers like 45537). Pure but for nothing:
it takes bytes and gives rows and problems.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from generator.core.errors import Problems, join_choices, suggestion
from generator.render.export import CSV_COLUMNS

EXTRA_COLUMNS = ("body",)
REQUIRED_COLUMNS = ("title", "date", "township", "topics", "status")
DATE_COLUMNS = ("date", "follow_up", "updated")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel counts days from 1899-12-30 (its 1900 leap-year bug makes the 30th, not the 31st, day 0).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})(?:/(\d{1,2}))?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_MIDNIGHT = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s+0{1,2}:00(?::00)?$")


@dataclass(frozen=True, slots=True)
class Row:
    line: int                      # file line where the row starts
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class Sheet:
    rows: list[Row]
    header: list[str]
    encoding: str                  # what the bytes were read as


def unescape_cell(value: str) -> str:
    """Undo the export's formula guard: a quote in front of = + - @ goes."""
    return value[1:] if value[:1] == "'" and value[1:2] in _FORMULA_START and value[1:2] != "" else value


def spreadsheet_date(text: str) -> tuple[str, bool]:
    """A date cell as the front matter writes it, and whether it was in a spreadsheet's own form.

    2024/9/2, 2024/9/2 0:00 and the serial number 45537 all give 2024-09-02; 2024/9 gives
    2024-09. Any other text is returned as it is, for the validator to judge.
    """
    value = text.strip()
    if m := _SERIAL.match(value):
        serial = int(m[1])
        if 20000 <= serial <= 80000:   # 1954 to 2119: a date, not some other number
            return (_EXCEL_EPOCH + dt.timedelta(days=serial)).isoformat(), True
    if m := _SLASHED.match(value):
        try:
            if m[3]:
                return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat(), True
            return f"{int(m[1]):04d}-{int(m[2]):02d}", True
        except ValueError:
            return value, False
    if m := _MIDNIGHT.match(value):
        return m[1], True
    return value, False


def decode(data: bytes, name: str, encoding: str | None, problems: Problems) -> tuple[str, str] | None:
    """(text, encoding name) of a CSV file: UTF-8 (with or without a BOM), else GBK as Chinese
    Excel saves "CSV (comma delimited)", or the encoding asked for."""
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            problems.add("--encoding", 0, f"未知的编码「{encoding}」；常用的有 utf-8、gbk",
                         f"unknown encoding `{encoding}`; common ones are utf-8 and gbk")
            return None
        tried = [codec]
    else:
        tried = ["utf-8-sig", "gb18030"]   # GB18030 reads every GBK file, and more
    for codec in tried:
        try:
            return data.decode(codec), ("gbk" if codec == "gb18030" else codec)
        except UnicodeDecodeError as exc:
            failure = exc
    line = data.count(b"\n", 0, failure.start) + 1
    problems.add(name, line, f"文件无法按 {'或'.join(tried)} 编码读取；请在电子表格软件中另存为「CSV UTF-8」，"
                             f"或用 --encoding 写明编码",
                 f"the file cannot be read as {' or '.join(tried)}; save it from the spreadsheet as \"CSV UTF-8\" "
                 f"or name its encoding with --encoding")
    return None


def read_sheet(data: bytes, name: str, problems: Problems, encoding: str | None = None) -> Sheet:
    """The CSV's data rows keyed by column; header problems are reported at line 1."""
    decoded = decode(data, name, encoding, problems)
    if decoded is None:
        return Sheet([], [], "")
    text, used = decoded
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        problems.add(name, 1, "文件是空的；第一行应为列名，如 title,date,township,topics,status",
                     "the file is empty; the first line should name the columns, e.g. title,date,township,topics,status")
        return Sheet([], [], used)
    except csv.Error as exc:
        problems.add(name, 1, f"CSV 格式错误：{exc}", f"CSV format error: {exc}")
        return Sheet([], [], used)
    known = CSV_COLUMNS + EXTRA_COLUMNS
    for column in header:
        if column and column not in known:
            problems.add(name, 1, f"未知的列「{column}」{suggestion(problems, column, known) or '；可用的列：' + join_choices(problems, known)}",
                         f"unknown column `{column}`{suggestion(problems, column, known) or '; known columns: ' + ', '.join(known)}")
    for column in REQUIRED_COLUMNS:
        if column not in header:
            problems.add(name, 1, f"缺少必需的列「{column}」", f"the required column `{column}` is missing")
    seen = set()
    for column in header:
        if column and column in seen:
            problems.add(name, 1, f"列「{column}」出现了两次", f"column `{column}` appears twice")
        seen.add(column)
    rows: list[Row] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            cells = {h: unescape_cell(v.strip()) for h, v in zip(header, record) if h}
            if any(cells.values()):
                rows.append(Row(start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.add(name, start, f"CSV 格式错误：{exc}", f"CSV format error: {exc}")
    return Sheet(rows, header, used)
