"""Playwright fixtures for the browser tests: Debian's Chromium, the example site served locally.

Playwright never downloads a browser here: it drives /usr/bin/chromium (installed by
scripts/install-test-deps.sh together with fonts-noto-cjk). The built site is served by a
quiet ThreadingHTTPServer on 127.0.0.1 and a free port.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = os.environ.get("BULLETIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright override: the system Chromium with flags verified on this machine."""
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: run `sh scripts/install-test-deps.sh` (installs Debian's chromium and fonts-noto-cjk)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 at a free port; yields the base URL ending in '/'."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def serve_folder() -> Any:
    """The `serve(root)` context manager, for tests that build a site of their own."""
    return serve


@pytest.fixture(scope="session")
def site_url(example_out: Path) -> Iterator[str]:
    """The example site (built once per session by tests/conftest.py), served locally."""
    with serve(example_out) as url:
        yield url


class Watch:
    """What a page did besides rendering: requests to other hosts, console errors, script errors."""

    def __init__(self, allowed_host: str | None) -> None:
        self.allowed_host = allowed_host
        self.foreign: list[str] = []
        self.errors: list[str] = []

    def attach(self, context: BrowserContext) -> None:
        def route(r: Any) -> None:
            url = r.request.url
            parts = urlsplit(url)
            local = parts.scheme in ("file", "data", "blob", "about") or parts.netloc == self.allowed_host
            if local:
                r.continue_()
            else:
                self.foreign.append(url)
                r.abort()
        context.route("**/*", route)

        def on_page(page: Page) -> None:
            page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        context.on("page", on_page)


@pytest.fixture
def open_page(browser: Browser, site_url: str) -> Iterator[Any]:
    """open_page(path, "phone" | "desktop", js=True) -> (page, watch): a fresh context per call."""
    contexts: list[BrowserContext] = []

    def opener(path: str, viewport: str = "phone", js: bool = True, base: str | None = None) -> tuple[Page, Watch]:
        root = base or site_url
        context = browser.new_context(viewport=VIEWPORTS[viewport], java_script_enabled=js, locale="zh-CN")
        contexts.append(context)
        watch = Watch(urlsplit(root).netloc or None)
        watch.attach(context)
        page = context.new_page()
        response = page.goto(root + path, wait_until="load")
        assert response is None or response.ok, f"{root + path}: HTTP {response.status if response else '?'}"
        return page, watch

    yield opener
    for context in contexts:
        context.close()
