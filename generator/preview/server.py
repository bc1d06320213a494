"""`bulletin serve`: build, serve OUT over HTTP, rebuild on every saved source, reload open pages.

Never writes OUT itself (pipeline.build does, atomically) and never serves a file
outside OUT. The live-reload script and the error overlay are added to HTML
responses as they are sent, so OUT stays byte-identical to `bulletin build`.
A content error never stops the server: it keeps serving the last good build
and shows the same `PATH:LINE: message` lines as `bulletin build` on every open page.
"""
from __future__ import annotations

import datetime as dt
import mimetypes
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from urllib.parse import unquote, urlsplit

from generator.build import writer
from generator.source.config import BuildOptions, load_config
from generator.core.errors import Problems, SiteError
from generator.build.session import Session
from generator.core.themedir import builtin_theme_dir
from generator.preview.live import EVENTS_PATH, PING_SECONDS, LiveState, Snapshot, event_message, inject, text_for
from generator.preview.watch import Changes, Watcher

IDLE_SECONDS = 0.5   # after a rebuild, this long without an edit lets the preview check what it trusted


@dataclass(frozen=True, slots=True)
class Target:
    """How to answer a GET: a file to send, a redirect, or an error status."""

    status: int
    file: Path | None = None
    location: str = ""


def resolve(out_root: Path, request_target: str) -> Target:
    """Map a request target to a file inside OUT; anything that could escape OUT is refused."""
    path = urlsplit(request_target).path
    if not path.startswith("/"):
        return Target(HTTPStatus.BAD_REQUEST)
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return Target(HTTPStatus.BAD_REQUEST)
    # Refuse dot segments in the decoded path and in any further decoding of it
    # (%2e%2e, %252e%252e, ..%5c), and backslashes or NULs anywhere.
    probe = decoded
    for _ in range(3):
        if "\\" in probe or "\x00" in probe or any(seg in (".", "..") for seg in probe.split("/")):
            return Target(HTTPStatus.BAD_REQUEST)
        probe = unquote(probe)
    segments = [seg for seg in decoded.split("/") if seg]
    root = Path(os.path.realpath(out_root))
    candidate = Path(os.path.realpath(root.joinpath(*segments)))
    if candidate != root and not candidate.is_relative_to(root):
        return Target(HTTPStatus.FORBIDDEN)   # a symlink pointing out of OUT
    if candidate.is_dir():
        if not decoded.endswith("/"):
            query = urlsplit(request_target).query
            return Target(HTTPStatus.MOVED_PERMANENTLY, location=path + "/" + (f"?{query}" if query else ""))
        candidate = candidate / "index.html"   # never a listing
    if candidate.is_file():
        return Target(HTTPStatus.OK, candidate)
    return Target(HTTPStatus.NOT_FOUND)


_TYPES = {".html": "text/html", ".xml": "application/xml", ".json": "application/json", ".csv": "text/csv",
          ".svg": "image/svg+xml", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
          ".txt": "text/plain", ".wasm": "application/wasm", ".webmanifest": "application/manifest+json"}
_CHARSET = ("text/", "application/xml", "application/json", "image/svg+xml", "application/manifest+json")


def content_type(path: Path) -> str:
    kind = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return kind + "; charset=utf-8" if kind.startswith(_CHARSET) else kind


_FALLBACK_404 = b"<!doctype html><html><head><meta charset=\"utf-8\"><title>404</title></head><body><h1>404</h1></body></html>"


class PreviewHandler(BaseHTTPRequestHandler):
    """Serves files of OUT and the live-reload event stream; nothing else."""

    server: PreviewHTTPServer
    server_version = "bulletin-preview"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def log_message(self, format: str, *args: object) -> None:   # quiet: one terminal line per rebuild
        pass

    def _answer(self, head: bool) -> None:
        try:
            if urlsplit(self.path).path == EVENTS_PATH and not head:
                self._events()
                return
            target = resolve(self.server.out_dir, self.path)
            if target.status == HTTPStatus.MOVED_PERMANENTLY:
                self.send_response(target.status)
                self.send_header("Location", target.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif target.status in (HTTPStatus.BAD_REQUEST, HTTPStatus.FORBIDDEN):
                self._send(target.status, b"refused\n", "text/plain; charset=utf-8", head)
            elif target.file is None:
                page = self._read(self.server.out_dir / "404.html") or _FALLBACK_404
                self._send(HTTPStatus.NOT_FOUND, inject(page, self.server.state.snapshot()), "text/html; charset=utf-8", head)
            else:
                data = self._read(target.file)
                if data is None:   # swapped away by a rebuild between resolving and reading: try once more
                    retry = resolve(self.server.out_dir, self.path)
                    data = self._read(retry.file) if retry.file else None
                if data is None:
                    self._send(HTTPStatus.NOT_FOUND, _FALLBACK_404, "text/html; charset=utf-8", head)
                    return
                kind = content_type(target.file)
                if kind.startswith("text/html"):
                    data = inject(data, self.server.state.snapshot())
                self._send(HTTPStatus.OK, data, kind, head)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass

    @staticmethod
    def _read(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _send(self, status: int, body: bytes, kind: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: the current state at once, then every change, with pings between."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        self.wfile.write(b"retry: 500\n\n")
        state = self.server.state
        snap: Snapshot | None = state.snapshot()
        seen = -1
        while snap is not None:
            if snap.token != seen:
                self.wfile.write(event_message(snap))
                seen = snap.token
            else:
                self.wfile.write(b": ping\n\n")   # also notices a closed tab
            self.wfile.flush()
            snap = state.wait(seen, PING_SECONDS)


class PreviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], out_dir: Path, state: LiveState) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.out_dir = out_dir
        self.state = state
        super().__init__(address, PreviewHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            super().handle_error(request, client_address)   # type: ignore[arg-type]


# -- build, watch, serve ----------------------------------------------------------------------


def describe(changed: list[str], lang: str) -> str:
    text = text_for(lang)
    if not changed:
        return text["initial"]
    if len(changed) == 1:
        return changed[0]
    return text["more"].format(first=changed[0], count=len(changed), others=len(changed) - 1)


class Preview:
    """One live preview of SITE: a builder, an HTTP server and a watcher sharing a LiveState.

    `rebuild()` and `loop()` run in the caller's thread (the CLI's main thread, so
    Ctrl-C lands there); the HTTP server and the watcher run in their own threads.
    """

    def __init__(self, site_dir: Path, out_dir: Path, opts: BuildOptions, host: str = "127.0.0.1", port: int = 8000,
                 out: Callable[[str], None] | None = None, err: Callable[[str], None] | None = None,
                 debug: bool = False, quiet: float = 0.1) -> None:
        self.site_dir = site_dir
        self.out_dir = out_dir
        self.opts = opts
        self.debug = debug
        self.quiet = quiet
        self.echo = out or (lambda line: print(line, flush=True))
        self.echo_err = err or (lambda line: print(line, file=sys.stderr, flush=True))
        self.state = LiveState(self._language())
        self.changes = Changes()
        self.httpd = PreviewHTTPServer((host, port), out_dir, self.state)   # binds now: a busy port fails early
        self.watcher = Watcher(site_dir, self.changes.add, extra={"(built-in theme)": builtin_theme_dir()})
        self.session = Session(site_dir)
        self.idle_checks = 0   # how many times loop() checked what rebuilds trusted
        self._http_thread: threading.Thread | None = None
        self._warnings: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def _language(self) -> str:
        return load_config(self.site_dir, Problems()).language

    def start(self) -> None:
        """Start watching and serving (the watcher first, so no edit made during the first build is lost)."""
        self.watcher.start()
        self._http_thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                             name="bulletin-http", daemon=True)
        self._http_thread.start()

    def rebuild(self, changed: list[str]) -> bool:
        """Build once; publish the result to open pages and print one line. True when it succeeded."""
        from generator.build.pipeline import build  # imported late: `serve --help` stays fast
        started = time.perf_counter()
        config = load_config(self.site_dir, Problems())
        lang = config.language
        text = text_for(lang)
        when = dt.datetime.now(config.tz).strftime("%H:%M:%S")   # the site's clock, as the build's today
        # Name files that still exist first: an editor's temporary file is not what the user saved.
        what = describe(sorted(changed, key=lambda rel: not (self.site_dir / rel).exists()), lang)
        self.session.note(changed)
        try:
            # Open pages reload as soon as OUT is swapped, while the build saves its caches.
            report = build(self.site_dir, self.out_dir, self.opts, committed=lambda: self.state.publish(True, (), lang),
                           session=self.session)
        except SiteError as exc:
            lines = tuple(p.format() for p in exc.warnings + exc.problems)
            self._failed(when, what, lines, lang, len(exc.problems))
            return False
        except Exception as exc:  # noqa: BLE001  (an internal bug must not stop the preview either)
            if self.debug:
                traceback.print_exc()
            line = f"internal error: {type(exc).__name__}: {exc}; rerun with --debug for a traceback"
            self._failed(when, what, (line,), lang, 1)
            return False
        if os.environ.get("BULLETIN_TIMINGS"):   # as `bulletin build` does: where the time went
            for line in report.timings().splitlines():
                self.echo_err(line)
        warnings = tuple(w.format() for w in report.warnings)
        if warnings != self._warnings:   # shown when they change, not again on every save
            for line in warnings:
                self.echo_err(line)
            self._warnings = warnings
        self.echo(text["built"].format(when=when, what=what, written=report.written, pages=report.pages,
                                       seconds=time.perf_counter() - started) + report.unpublished_note(not lang.startswith("en")))
        return True

    def _failed(self, when: str, what: str, lines: tuple[str, ...], lang: str, count: int) -> None:
        self.state.publish(False, lines, lang)
        self.echo_err(text_for(lang)["failed"].format(when=when, what=what, count=count))
        for line in lines:
            self.echo_err("  " + line)

    def loop(self) -> None:
        """Rebuild after every debounced batch of changes until close(); check what the
        rebuilds trusted once no edit came for a moment (see session.Session)."""
        checked = False
        idle = 0.0   # at first, at once: the first build of an OUT leaves no spare tree for the next
        while (batch := self.changes.wait(self.quiet, idle=None if checked else idle)) is not None:
            if batch:
                self.rebuild(batch)
                checked, idle = False, IDLE_SECONDS
                continue
            checked = True
            differ = self.check_trusted()
            self.idle_checks += 1
            if differ:
                self.rebuild(differ)

    def check_trusted(self) -> list[str]:
        """What a rebuild took on trust, checked in full (in idle time): the paths that differ.
        Also gives OUT a spare tree when it has none, so the next rebuild is a small one."""
        from generator.build.pipeline import out_stats, spare_dir
        differ = self.session.audit(self.out_dir, out_stats(self.site_dir, self.out_dir))
        if self.opts.use_cache and not differ:
            writer.prepare_spare(self.out_dir, spare_dir(self.site_dir, self.out_dir))
        return differ

    @contextmanager
    def running(self) -> Iterator[Preview]:
        """Build, serve and rebuild in background threads (for embedding and tests; the CLI
        runs loop() in its main thread instead, where Ctrl-C arrives)."""
        self.start()
        self.rebuild([])
        builder = threading.Thread(target=self.loop, name="bulletin-builder", daemon=True)
        builder.start()
        try:
            yield self
        finally:
            self.changes.close()
            builder.join(timeout=60)   # let a build under way finish before its staging is cleaned up
            self.close()

    def close(self) -> None:
        self.changes.close()
        self.watcher.stop()
        self.state.close()
        if self._http_thread is not None:
            self.httpd.shutdown()
            self._http_thread.join(timeout=5)
        self.httpd.server_close()
        writer.clean_stale(self.out_dir)   # a build interrupted by Ctrl-C leaves no staging folder


@contextmanager
def _interrupts_main_process_only(stop: Callable[[], None]) -> Iterator[None]:
    """Ctrl-C or SIGTERM call `stop` and raise KeyboardInterrupt in this process only.

    Build workers are forked from this process and inherit its handlers; they
    ignore Ctrl-C and are stopped by their pool (SIGTERM) instead, so no worker
    prints a traceback and the build's own cleanup removes its staging folder.
    `stop` ends the rebuild loop even when the KeyboardInterrupt is lost: raised
    inside a weak reference's callback or a __del__, Python prints it as ignored
    and goes on (a Ctrl-C right after the first build once kept serve running).
    """
    main_pid = os.getpid()

    def handler(signum: int, frame: FrameType | None) -> None:
        if os.getpid() == main_pid:
            stop()
            raise KeyboardInterrupt
        if signum == signal.SIGTERM:   # a worker being stopped by its pool: die as usual
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def serve(site_dir: Path, out_dir: Path, opts: BuildOptions, host: str, port: int, debug: bool = False) -> int:
    """The `bulletin serve` command; returns the exit status (0 after Ctrl-C, 2 if the port is unusable)."""
    lang = load_config(site_dir, Problems()).language
    try:
        preview = Preview(site_dir, out_dir, opts, host, port, debug=debug)
    except OSError as exc:
        print("bulletin: " + text_for(lang)["port"].format(host=host, port=port, error=exc.strerror or exc),
              file=sys.stderr)
        return 2
    with _interrupts_main_process_only(preview.changes.close):
        try:
            preview.start()
            preview.echo(text_for(lang)["serving"].format(url=preview.url, site=site_dir))
            preview.rebuild([])
            preview.loop()
        except KeyboardInterrupt:
            pass
        finally:
            preview.close()
    preview.echo(text_for(lang)["stopped"])
    return 0

