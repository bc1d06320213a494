"""Markdown to safe HTML: extensions, toc ids for Chinese headings, sanitising, internal links."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from generator.render.markup import plain_text, render_body, resolve_links
from generator.core.sanitize import clean


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def attrs(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def test_chinese_headings_get_working_ids() -> None:
    html = render_body("## 背景\n\n正文\n\n## 协商过程\n\n### 第一次议事会\n\n## 背景\n")
    heads = [(t, a.get("id")) for t, a in Tags(html).tags if t in ("h2", "h3")]
    assert heads == [("h2", "背景"), ("h2", "协商过程"), ("h3", "第一次议事会"), ("h2", "背景_1")]


def test_toc_ids_are_unique_per_document_not_per_process() -> None:
    render_body("## 背景\n")
    assert Tags(render_body("## 背景\n")).attrs("h2") == [{"id": "背景"}]


def test_extra_and_sane_lists() -> None:
    html = render_body("| 村 | 户数 |\n|---|---|\n| 韩店村 | 12 |\n\n脚注[^1]\n\n[^1]: 说明\n\n3. 三\n4. 四\n\n* 甲\n")
    parsed = Tags(html)
    assert parsed.attrs("table") and parsed.attrs("td")
    assert parsed.attrs("ol")[0].get("start") == "3"
    assert "说明" in "".join(parsed.text)
    assert parsed.attrs("ul")


@pytest.mark.parametrize("raw", [
    "<script>alert('x')</script>",
    "<p onclick=\"alert('x')\">点我</p>",
    "<img src=x onerror=alert('x')>",
    "<a href=\"javascript:alert('x')\">链接</a>",
    "<a href=\"JaVaScRiPt:alert('x')\">链接</a>",
    "<a href=\"data:text/html,<script>alert('x')</script>\">x</a>",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
    "<form action=\"https://evil.example/\"><input name=q><button>go</button></form>",
    "<style>body{display:none}</style>",
    "<div style=\"background:url(javascript:alert('x'))\">x</div>",
    "<svg><script>alert('x')</script></svg>",
    "<math><mi xlink:href=\"javascript:alert('x')\">x</mi></math>",
    "[x](javascript:alert('x'))",
    "<base href=\"https://evil.example/\"><meta http-equiv=refresh content=\"0;url=https://evil.example\">",
])
def test_raw_html_is_sanitised(raw: str) -> None:
    html = render_body(f"前文\n\n{raw}\n\n后文\n")
    parsed = Tags(html)
    forbidden = {"script", "style", "iframe", "object", "embed", "form", "input", "button", "svg", "math", "base", "meta"}
    assert not [t for t, _ in parsed.tags if t in forbidden], html
    for tag, attrs in parsed.tags:
        assert not [a for a in attrs if a.startswith("on") or a in ("style", "xlink:href")], html
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), html
    assert "alert" not in "".join(parsed.text) or "<" in "".join(parsed.text)  # only ever as escaped text
    assert "前文" in html and "后文" in html


def test_harmless_markup_is_kept() -> None:
    html = render_body('<div class="note"><p><b>注意</b> <span>文字</span> <em>强调</em></p>'
                       '<img src="a.png" alt="图"><a href="https://bulletin.test/">外链</a>'
                       "<table><tr><td>1</td></tr></table></div>\n")
    parsed = Tags(html)
    for tag in ("div", "p", "b", "span", "em", "img", "a", "table", "td"):
        assert parsed.attrs(tag), tag
    assert parsed.attrs("img")[0] == {"src": "a.png", "alt": "图"}
    assert parsed.attrs("a")[0]["href"] == "https://bulletin.test/"


def test_sanitizer_directly() -> None:
    assert clean("<p>a<script>b</script>c</p>") == "<p>ac</p>"
    assert clean('<a href="case:x">x</a>') == '<a href="case:x">x</a>'
    assert "href" not in clean('<a href="vbscript:x">x</a>')


def test_internal_links_resolve_per_page() -> None:
    html = render_body("见[桥](case:liangquan-bridge)、[报道](report:roundup#part)、[关于](page:about)和"
                       "![图](/assets/a.png)，外链[x](https://bulletin.test/)，锚点[y](#背景)\n")
    resolved = resolve_links(html, lambda kind, slug: "../../" + {"case": "cases/", "report": "reports/", "page": ""}[kind] + slug + "/",
                             "../../")
    hrefs = [a["href"] for a in Tags(resolved).attrs("a")]
    assert hrefs == ["../../cases/liangquan-bridge/", "../../reports/roundup/#part", "../../about/",
                     "https://bulletin.test/", "#背景"]
    assert Tags(resolved).attrs("img")[0]["src"] == "../../assets/a.png"


def test_internal_links_in_feeds_are_absolute() -> None:
    html = render_body("[桥](case:b)\n")
    resolved = resolve_links(html, lambda kind, slug: f"https://bulletin.test/cases/{slug}/", "https://bulletin.test/")
    assert Tags(resolved).attrs("a")[0]["href"] == "https://bulletin.test/cases/b/"


def test_plain_text() -> None:
    assert plain_text("<h2>背景</h2>\n<p>一 &amp; 二<br>三</p>") == "背景 一 & 二 三"
