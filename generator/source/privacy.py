"""Personal data that must not be published: mainland ID card numbers, mobile numbers, e-mail addresses.

`scan` looks at a content file's bytes (front matter and body, with file line
numbers) and at the text values the file publishes (which catches what YAML
escapes or folding hide from the raw bytes). It runs while a file is parsed, so
its findings are cached with the document; `problems` turns the findings of the
documents about to be published into errors, except for the kinds a file allows
with `allow_personal_data` and a reason. Pure.

What counts (chosen to catch real data while rarely firing on other numbers):
- an ID card number: 18 characters, 17 digits then a digit or X, not part of a
  longer run of digits or letters, whose last character is the ISO 7064
  MOD 11-2 check digit of the first 17; or one whose check digit is wrong but
  which has an ID's shape (a province code, then a birth date from 1900 on that
  exists): most likely a real number with a typo, reported as such;
- a mobile number: 1, a digit 3-9, then 9 more digits (optionally +86 before
  and a space or hyphen after the 3rd and 7th digit), not inside a longer run
  of digits and not inside an http(s) address (article numbers in URLs);
- an e-mail address: name@domain.tld, anywhere.
Findings are shown masked, so build logs do not repeat the data they warn about.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any

from generator.core.errors import Problem, Problems, join_choices, suggestion
from generator.core.schema import Reader
from generator.core.yamlsrc import YList, YMap

KINDS = ("id_card", "phone", "email")
NAMES = {"id_card": ("身份证号码", "ID card number"), "phone": ("手机号码", "mobile number"),
         "email": ("电子邮箱地址", "e-mail address")}
ALIASES = {"id_card": "id_card", "id": "id_card", "身份证": "id_card", "身份证号": "id_card", "身份证号码": "id_card",
           "phone": "phone", "mobile": "phone", "手机": "phone", "手机号": "phone", "手机号码": "phone", "电话": "phone",
           "email": "email", "e-mail": "email", "mail": "email", "邮箱": "email", "电子邮箱": "email"}
ALLOW_KEY = "allow_personal_data"
REASON_KEY = "personal_data_reason"

ID_TYPO = "id_card_typo"   # a finding's kind only: allowed, named and masked as an id_card

Allowance = tuple[str, str, int]       # (kind, reason, line of the allow_personal_data entry)
Finding = tuple[str, int, str]         # (kind, file line or 0, masked text)

_ID = re.compile(rb"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_PHONE = re.compile(rb"(?<![0-9])(?:\+?86[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})(?![0-9])")
_EMAIL = re.compile(rb"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(rb"https?://[^\s<>\"')\]]+", re.IGNORECASE)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# The first two digits of a mainland ID: the province (GB/T 2260), and 71/81/82/83 for Taiwan,
# Hong Kong and Macao residents' permits.
_PROVINCES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
                       "61 62 63 64 65 71 81 82 83".split())
_NUMBER = re.compile(rb"[0-9][0-9 +-]{10}")   # a cheap first test: most files have no such run at all


def id_check_ok(number: str) -> bool:
    """True if the 18th character is the check digit of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS))
    return _CHECK[total % 11] == number[17].upper()


def id_shaped(number: str) -> bool:
    """True if the first 17 digits read as region code and birth date (whatever the check digit)."""
    if number[:2] not in _PROVINCES:
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return born.year >= 1900


def mask(kind: str, text: str) -> str:
    """How the value should be written when published: 138****5678, 110*************78, z***@example.org."""
    if kind == "phone":
        digits = re.sub(r"\D", "", text)[-11:]
        return f"{digits[:3]}****{digits[7:]}"
    if kind in ("id_card", ID_TYPO):
        return f"{text[:3]}{'*' * 13}{text[16:]}"
    name, _, domain = text.partition("@")
    return f"{name[:1]}***@{domain}"


def _matches(data: bytes) -> Iterator[tuple[str, int, str]]:
    """(kind, byte offset, masked text) of every finding in `data`."""
    if _NUMBER.search(data):
        urls = [m.span() for m in _URL.finditer(data)] if b"://" in data else []

        def in_url(offset: int) -> bool:
            return any(a <= offset < b for a, b in urls)
        for m in _ID.finditer(data):
            text = m[0].decode()
            if in_url(m.start()):
                continue
            if id_check_ok(text):
                yield "id_card", m.start(), mask("id_card", text)
            elif id_shaped(text):
                yield ID_TYPO, m.start(), mask(ID_TYPO, text)
        for m in _PHONE.finditer(data):
            if not in_url(m.start()):
                yield "phone", m.start(), mask("phone", m[0].decode())
    if b"@" in data:
        for m in _EMAIL.finditer(data):
            yield "email", m.start(), mask("email", m[0].decode())


def published_texts(doc: Any) -> Iterator[str]:
    """Every text of a parsed document that reaches a page (the body is scanned as bytes)."""
    for name in ("title", "outcome", "form", "convener", "description", "author"):
        yield getattr(doc, name, "")
    for name in ("villages", "categories", "tags"):
        yield from getattr(doc, name, ())
    yield from (entry.text for entry in getattr(doc, "timeline", ()))
    source = getattr(doc, "source", None)
    if source is not None:
        yield source.name
        yield source.url


def scan(data: bytes, doc: Any) -> tuple[Finding, ...]:
    """Personal data in a content file: located in its bytes, plus any only its parsed values
    show (`doc` None: a file whose front matter failed, scanned as bytes only)."""
    found: list[Finding] = []
    for kind, offset, masked in _matches(data):
        found.append((kind, data.count(b"\n", 0, offset) + 1, masked))
    seen = {(kind, masked) for kind, _, masked in found}
    texts = published_texts(doc) if doc is not None else ()
    for kind, _, masked in _matches("\n".join(texts).encode("utf-8", "replace")):
        if (kind, masked) not in seen:  # hidden from the bytes by YAML escapes or folding
            seen.add((kind, masked))
            found.append((kind, 0, masked))
    return tuple(sorted(set(found), key=lambda f: (f[1], f[0], f[2])))


def problems(path: str, findings: Iterable[Finding], allowed: Iterable[Allowance], language: str) -> list[Problem]:
    """Errors for the findings of one document that its allow_personal_data does not cover."""
    out = Problems(language)
    exempt = {kind for kind, _, _ in allowed}
    for kind, line, masked in findings:
        if kind == ID_TYPO:
            if "id_card" not in exempt:
                out.add(path, line,
                        f"「{masked}」（此处已打码显示）像是身份证号码，只是最后一位校验码不对，可能是抄错了一位："
                        f"个人信息不能公开。请删除，或改成打码形式 {masked}；若这不是身份证号码而是别的编号，"
                        f"在 front matter 中写 {ALLOW_KEY}: {{id_card: 这是什么编号}}",
                        f"`{masked}` (shown masked here) looks like an ID card number with a wrong check digit, "
                        f"perhaps one digit mistyped: personal data must not be published. Remove it or write it "
                        f"masked, as {masked}; if it is some other number, add {ALLOW_KEY}: {{id_card: what it is}} "
                        f"to the front matter")
            continue
        if kind in exempt:
            continue
        zh, en = NAMES[kind]
        out.add(path, line,
                f"含有{zh}「{masked}」（此处已打码显示）：个人信息不能公开。请删除，或改成打码形式 {masked}；"
                f"若确属应公开的信息（如单位公开热线），在 front matter 中写 {ALLOW_KEY}: {{{kind}: 公开理由}}",
                f"contains a{'n' if en[0] in 'aeiouAEIOU' else ''} {en} `{masked}` (shown masked here): personal data "
                f"must not be published. Remove it or write it masked, as {masked}; if it is meant to be public "
                f"(an office hotline, say), add {ALLOW_KEY}: {{{kind}: the reason}} to the front matter")
    return out.items


def read_allowances(r: Reader) -> tuple[Allowance, ...]:
    """`allow_personal_data` of one front matter, with reasons; problems go to r.problems.

    Accepted shapes:
        allow_personal_data: {phone: 县政协公开热线}          # a reason per kind
        allow_personal_data: [phone, email]                  # kinds, with one reason:
        personal_data_reason: 县政协公开热线和邮箱
    """
    raw = r.data.get(ALLOW_KEY)
    shared_reason = r.data.get(REASON_KEY)
    if raw is None:
        if shared_reason is not None:
            r.error(REASON_KEY, f"写了 {REASON_KEY} 却没有 {ALLOW_KEY}；请写明允许哪类信息，如 {ALLOW_KEY}: [phone]",
                    f"{REASON_KEY} without {ALLOW_KEY}; say which kind is allowed, e.g. {ALLOW_KEY}: [phone]")
        return ()
    entries: list[tuple[Any, Any, int]] = []
    if isinstance(raw, YMap):
        entries = [(key, value, raw.key_line.get(key, r.line(ALLOW_KEY))) for key, value in raw.items()]
    elif isinstance(raw, YList):
        entries = [(item, shared_reason, line) for item, line in zip(raw, raw.item_line)]
    elif isinstance(raw, str):
        entries = [(raw, shared_reason, r.value_line(ALLOW_KEY))]
    else:
        r.error(ALLOW_KEY, f"{ALLOW_KEY} 应写成 {{phone: 公开理由}}，或列表加 {REASON_KEY}",
                f"{ALLOW_KEY} should be {{phone: the reason}}, or a list with {REASON_KEY}", at_value=True)
        return ()
    allowed: list[Allowance] = []
    for key, reason, line in entries:
        kind = ALIASES.get(str(key).strip().lower()) if isinstance(key, str) else None
        if kind is None:
            hint = suggestion(r.problems, str(key), KINDS) or (
                "；可用的类别：" + join_choices(r.problems, KINDS) if r.problems.zh() else "; known kinds: " + ", ".join(KINDS))
            r.problems.add(r.path, line, f"{ALLOW_KEY} 中有未知的类别「{key}」{hint}",
                           f"unknown kind `{key}` in {ALLOW_KEY}{hint}")
            continue
        reason_text = str(reason).strip() if isinstance(reason, (str, int, float)) and not isinstance(reason, bool) else ""
        if not reason_text:
            r.problems.add(r.path, line, f"允许公开{NAMES[kind][0]}须写明理由，例如 {ALLOW_KEY}: {{{kind}: 县政协公开热线}}",
                           f"allowing a{'n' if kind != 'phone' else ''} {NAMES[kind][1]} needs a reason, "
                           f"e.g. {ALLOW_KEY}: {{{kind}: the office's public hotline}}")
            continue
        allowed.append((kind, reason_text, line))
    return tuple(allowed)


def exception_lines(docs: Iterable[Any], language: str) -> list[str]:
    """`check`'s listing of the allow_personal_data exceptions, one `PATH:LINE: ...` line each."""
    zh = not language.startswith("en")
    return [f"{doc.path}:{line}: " + (f"允许公开{NAMES[kind][0]}，理由：{reason}" if zh
                                      else f"allowed to publish: {NAMES[kind][1]}; reason: {reason}")
            for doc in sorted(docs, key=lambda d: d.path) for kind, reason, line in doc.personal_allowed]
