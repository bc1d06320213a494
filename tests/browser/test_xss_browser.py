"""Chromium loads the hostile site (tests/fixtures/xss/) and nothing runs.

Every page carrying a vector is opened with JavaScript on. The pages are served with a
report-only Content-Security-Policy that allows the theme's own scripts ('self' and the
search index's WebAssembly), so any inline script, event handler or javascript: URL
that the browser tries to run is reported without being blocked. A page passes when:
no dialog opened (alert, confirm, prompt), no CSP violation was reported, no request
left for another host, the page did not navigate away, and its live DOM holds no
script but the theme's, no on* attribute, no javascript:/data: URL, no frame, object,
<base> or meta refresh.
"""
from __future__ import annotations

import functools
import http.server
import importlib.util
import threading
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Browser, Page

from generator.cli import main

_spec = importlib.util.spec_from_file_location("hostile", Path(__file__).parents[1] / "fixtures" / "xss" / "hostile.py")
hostile: Any = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(hostile)  # type: ignore[union-attr]

VECTORS = hostile.load_vectors()
# Pagefind compiles its WebAssembly index from bytes, which Chromium sometimes reports as eval: allowed.
# What content could inject (inline scripts, handlers, javascript: URLs) is 'unsafe-inline' and stays reported.
POLICY = "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; object-src 'none'; base-uri 'none'; form-action 'self'"

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
  e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
"""

DOM_SCAN = """
() => {
  const bad = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background', 'srcset',
                    'to', 'values', 'from', 'by', 'cite', 'ping'];
  const theme = s => s.type === 'application/json' || /\\/assets\\/[\\w.-]+\\.js(\\?v=[0-9a-f]+)?$/.test(s.getAttribute('src') || '');
  for (const el of document.querySelectorAll('*')) {
    const tag = el.localName.toLowerCase();
    if (['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'foreignobject', 'portal'].includes(tag)) bad.push('<' + tag + '>');
    if (tag === 'script' && !theme(el)) bad.push('script: ' + el.outerHTML.slice(0, 80));
    if (tag === 'meta' && /refresh|set-cookie/i.test(el.getAttribute('http-equiv') || '')) bad.push('meta ' + el.outerHTML);
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith('on')) bad.push(tag + ' ' + name);
      if (name === 'srcdoc') bad.push(tag + ' srcdoc');
      if (urlAttrs.includes(name)) {
        const v = a.value.replace(/[\\t\\n\\r]/g, '').replace(/^[\\u0000-\\u0020]+/, '').toLowerCase();
        if (/^(javascript|vbscript|data|livescript):/.test(v)) bad.push(tag + ' ' + name + '=' + a.value.slice(0, 60));
      }
      if (name === 'style' && /expression\\s*\\(|javascript:|behavior|binding|@import/i.test(a.value)) bad.push(tag + ' style');
    }
  }
  return bad;
}
"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy-Report-Only", POLICY)
        super().end_headers()


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("hostile-browser")
    site = hostile.write_site(root / "site", VECTORS)
    out = root / "out"
    assert main(["build", str(site), "-o", str(out), "--jobs", "1"]) == 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class Visit:
    """One browser tab that opens pages one after another and collects everything that ran."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.context = browser.new_context(locale="zh-CN", java_script_enabled=True)
        self.context.add_init_script(WATCH)
        self.page: Page = self.context.new_page()
        self.base = base
        self.host = urlsplit(base).netloc
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
        self.page.on("request", lambda r: None if urlsplit(r.url).netloc in (self.host, "") else self.foreign.append(r.url))
        self.pages = 0

    def check(self, path: str, settle: int = 0) -> list[str]:
        self.page.goto(self.base + path, wait_until="load")   # images have failed (onerror) by now
        if path.endswith(".xml"):   # a feed or the sitemap: the browser swaps in its XSLT page after load
            settle = max(settle, 300)
        if settle:
            self.page.wait_for_timeout(settle)     # let timers and late handlers fire
        self.pages += 1
        problems = [f"{path}: dialog {d}" for d in self.dialogs] + [f"{path}: request to {u}" for u in self.foreign]
        self.dialogs.clear()
        self.foreign.clear()
        if unquote(self.page.url.split("#")[0]) != unquote((self.base + path).split("#")[0]):
            problems.append(f"{path}: navigated to {self.page.url}")
            return problems
        violations = self.page.evaluate("window.__violations || []")
        if path.endswith(".xml"):
            # Chromium 156's own XSLT machinery reports one script-src-attr violation with no sample
            # while it builds the page: a stylesheet that outputs only <p>x</p> gets it too, with the
            # <xslt-warning-banner> Chromium adds (XSLT is deprecated there). What the feed's text
            # could do is checked by the DOM scan below.
            violations = [v for v in violations if v.strip() != "script-src-attr inline"]
        problems += [f"{path}: CSP {v}" for v in violations]
        problems += [f"{path}: {b}" for b in self.page.evaluate(DOM_SCAN)]
        return problems

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Browser, hostile_url: str) -> Iterator[Visit]:
    tab = Visit(browser, hostile_url)
    yield tab
    tab.close()


def test_the_watch_sees_a_script_run(visit: Visit, tmp_path: Path) -> None:
    """The detectors work: an unsanitised page trips the dialog, CSP and DOM checks."""
    visit.page.route("**/planted.html", lambda route: route.fulfill(
        content_type="text/html", headers={"Content-Security-Policy-Report-Only": POLICY},
        body="<p>x</p><img src=x onerror=alert(1)><script>confirm(2)</script><a href='javascript:alert(3)'>x</a>"))
    problems = visit.check("planted.html", settle=300)
    text = "\n".join(problems)
    assert "dialog alert: 1" in text and "dialog confirm: 2" in text
    assert "CSP" in text and "img onerror" in text and "javascript:alert(3)" in text


@pytest.mark.parametrize("kind", ["cases", "reports", "pages"])
def test_no_hostile_page_runs_anything(visit: Visit, kind: str) -> None:
    paths = {"cases": [f"cases/xss-{i}/" for i in range(len(VECTORS))],
             "reports": [f"reports/xss-report-{i}/" for i in range(len(VECTORS))],
             "pages": [f"xss-page-{i}/" for i in range(len(VECTORS))]}[kind]
    problems = [p for path in paths for p in visit.check(path)]
    assert problems == [] and visit.pages == len(VECTORS)


def test_no_listing_runs_anything(visit: Visit) -> None:
    paths = ["", "townships/", "topics/", "stages/", "reports/", "stats/", "data/", "404.html", "search/",
             "townships/xss-town-0/", "townships/xss-town-12/", "topics/xss-topic-0/", "topics/xss-topic-50/",
             "stages/raised/", "stages/resolved/", "feed.xml", "topics/xss-topic-22/feed.xml", "data/cases.json"]
    problems = [p for path in paths for p in visit.check(path)]
    assert problems == []


@pytest.mark.parametrize("query", ["alert", "script", "onerror", "javascript", "链接"])
def test_search_results_run_nothing(visit: Visit, query: str) -> None:
    """Search shows hostile titles and excerpts from the index: as text, never as markup."""
    problems = visit.check(f"search/?q={query}")
    visit.page.wait_for_function("document.querySelectorAll('#search-results li').length > 0 || "
                                 "!document.querySelector('#search-results') ", timeout=15000)
    visit.page.wait_for_timeout(200)
    problems += [f"search {query}: dialog {d}" for d in visit.dialogs]
    problems += [f"search {query}: CSP {v}" for v in visit.page.evaluate("window.__violations")]
    problems += [f"search {query}: {b}" for b in visit.page.evaluate(DOM_SCAN)]
    assert problems == []
    assert visit.page.locator("#search-results li").count() > 0
