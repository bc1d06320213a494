"""clean_plain() gives quickmark's HTML back without parsing it only where nh3 would give the same string."""
from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.core.sanitize import clean, clean_plain
from generator.render import quickmark
from test_properties import QUICK_PIECES, _example_and_benchmark_bodies

# Every code point but the surrogates; "<", "&", ">" and '"' are markup, not text.
_TEXT_CHARS = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000 and chr(c) not in "<&>\""]


def _rewritten(wrap: str, chars: list[str]) -> set[str]:
    """The characters nh3 writes differently at `{}` in `wrap`, found by halving (nh3 takes a
    million characters in a few milliseconds; a character per call would take minutes)."""
    found: set[str] = set()
    todo = [chars]
    while todo:
        part = todo.pop()
        html = wrap.format("".join(part))
        if clean(html) == html:
            continue
        if len(part) == 1:
            found.add(part[0])
        else:
            todo += [part[:len(part) // 2], part[len(part) // 2:]]
    return found


def test_the_characters_nh3_rewrites_are_the_ones_clean_plain_hands_to_it() -> None:
    in_text = _rewritten("<p>a{}b</p>", _TEXT_CHARS)
    in_id = _rewritten('<h2 id="a{}b">x</h2>', _TEXT_CHARS)
    in_link = _rewritten('<p><a href="case:a{}b">x</a></p>', [c for c in _TEXT_CHARS if not c.isspace()])
    assert in_text == in_id == {"\x00", "\r", "\xa0"}   # NUL becomes U+FFFD; the others are written as &nbsp; or \n
    assert in_link == {"\x00"}
    for char in in_text:
        assert clean_plain(f"<p>a{char}b</p>") == clean(f"<p>a{char}b</p>") != f"<p>a{char}b</p>"


@given(st.sampled_from(["case:x", "report:y", "page:z", "/a/b.html", "b.html", "#top", "?q=1", "//host/x", "1a:b",
                        "javascript:alert(1)", "JavaScript:x", "data:text/html,x", "vbscript:x", "https://", "http:x",
                        "case://[", "case://h:99999999", "Case:x", "a.b:c", "mailto:x@y.cn", "\x01javascript:x", "\x1fcase:x"]))
@settings(deadline=None, database=None)
def test_links_clean_plain_keeps_are_links_nh3_keeps(address: str) -> None:
    html = f'<p><a href="{address}">x</a></p>'
    assert clean_plain(html) == clean(html)


@settings(max_examples=2000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(st.sampled_from(QUICK_PIECES), st.sampled_from(["\xa0", "\x01", "\x7f", "[x](javascript:y)",
                                                                          "[x](https://e.cn/a)", "[x](page:p)", "[x](#h)"])),
                min_size=1, max_size=16).map("".join))
def test_clean_plain_gives_what_nh3_gives_for_quickmarks_html(text: str) -> None:
    quick = quickmark.convert(text)
    if quick is not None:
        assert clean_plain(quick) == clean(quick)


def test_clean_plain_skips_nh3_for_the_example_and_benchmark_bodies() -> None:
    """The same HTML on every body; and nh3 is skipped for the benchmark's, or the shortcut is unused."""
    examples, generated = _example_and_benchmark_bodies()
    taken = [html for html in map(quickmark.convert, examples + generated) if html is not None]
    assert all(clean_plain(html) == clean(html) for html in taken)
    assert all(clean_plain(html) is html for html in map(quickmark.convert, generated))
