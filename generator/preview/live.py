"""What every open preview page follows: the latest build's state, the live script, the event stream.

The builder publishes each build's outcome to a LiveState; HTTP threads wait on it
and send it to pages as server-sent events; `inject` adds the script that listens
(reloading on a new version, showing the overlay on a failed build) to HTML as it
is served, so OUT itself stays byte-identical to `bulletin build`.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass

EVENTS_PATH = "/__bulletin/events"
PING_SECONDS = 15.0

TEXT = {
    "zh": {
        "overlay": "构建失败：页面仍显示上一次成功构建的内容。请按下面的提示修改文件并保存，页面会自动刷新。",
        "close": "暂时关闭",
        "serving": "正在预览 {url} （监视 {site} 的改动，按 Ctrl-C 停止）",
        "initial": "首次构建",
        "built": "{when} {what}：写入 {written} 个文件（共 {pages} 个），用时 {seconds:.2f} 秒",
        "failed": "{when} {what}：构建失败，继续提供上一次成功的版本（{count} 个问题）：",
        "more": "{first} 等 {count} 个文件",
        "stopped": "已停止预览。",
        "port": "无法监听 {host}:{port}：{error}；请用 --port 换一个端口",
    },
    "en": {
        "overlay": "Build failed: this page still shows the last good build. Fix the files below and save; the page reloads by itself.",
        "close": "Dismiss",
        "serving": "Serving {url} (watching {site} for changes; press Ctrl-C to stop)",
        "initial": "first build",
        "built": "{when} {what}: {written} files written ({pages} in all) in {seconds:.2f} s",
        "failed": "{when} {what}: build failed, still serving the last good build ({count} problems):",
        "more": "{first} and {others} more",
        "stopped": "Preview stopped.",
        "port": "cannot listen on {host}:{port}: {error}; choose another --port",
    },
}


def text_for(lang: str) -> dict[str, str]:
    return TEXT["en" if lang.startswith("en") else "zh"]


# -- the state every open page follows ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    token: int            # changes on every publish, good or bad
    version: int          # changes on every successful build: pages at an older version reload
    lines: tuple[str, ...]  # problems of the latest failed build; empty when the last build succeeded
    lang: str


class LiveState:
    """What the latest build said, shared between the builder and the HTTP threads."""

    def __init__(self, lang: str = "zh-CN") -> None:
        self._cond = threading.Condition()
        self._snap = Snapshot(0, 0, (), lang)
        self._closed = False

    def snapshot(self) -> Snapshot:
        with self._cond:
            return self._snap

    def publish(self, ok: bool, lines: tuple[str, ...], lang: str) -> None:
        with self._cond:
            old = self._snap
            self._snap = Snapshot(old.token + 1, old.version + 1 if ok else old.version, () if ok else lines, lang)
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> Snapshot | None:
        """The snapshot once its token differs from `seen` (or after `timeout`); None once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self._closed or self._snap.token != seen, timeout)
            return None if self._closed else self._snap


# -- what a browser receives ---------------------------------------------------------------

_SCRIPT = """<script id="bulletin-live">(function(){
var cfg=%s,es=null,shown="";
function hide(){var o=document.getElementById("bulletin-overlay");if(o)o.remove();shown="";}
function show(lines){var key=JSON.stringify(lines);if(key===shown)return;hide();if(!lines.length)return;shown=key;
var o=document.createElement("div");o.id="bulletin-overlay";o.setAttribute("role","alert");o.lang=cfg.lang;
o.style.cssText="position:fixed;left:0;right:0;top:0;z-index:2147483647;max-height:75vh;overflow:auto;background:#fff4f2;color:#5a0b00;border-bottom:4px solid #b3261e;padding:1em 1.25em;font:16px/1.5 system-ui,sans-serif;box-shadow:0 4px 18px rgba(0,0,0,.3)";
var p=document.createElement("p");p.style.cssText="margin:0 0 .6em;font-weight:bold";p.textContent=cfg.head;o.appendChild(p);
var pre=document.createElement("pre");pre.style.cssText="margin:0;white-space:pre-wrap;word-break:break-all;font:14px/1.6 ui-monospace,monospace";pre.textContent=lines.join("\\n");o.appendChild(pre);
var b=document.createElement("button");b.type="button";b.textContent=cfg.close;b.style.cssText="margin-top:.8em;font:inherit;padding:.2em .8em";b.onclick=function(){var o=document.getElementById("bulletin-overlay");if(o)o.remove();};o.appendChild(b);
document.body.appendChild(o);}
function connect(){if(es)return;es=new EventSource(cfg.events);es.onmessage=function(e){var s=JSON.parse(e.data);cfg.head=s.head;cfg.close=s.close;
if(s.version!==cfg.version){es.close();es=null;location.reload();return;}show(s.lines);};}
function disconnect(){if(es){es.close();es=null;}}
document.addEventListener("visibilitychange",function(){if(document.hidden)disconnect();else connect();});
show(cfg.lines);if(!document.hidden)connect();
})();</script>"""


def _state_fields(snap: Snapshot) -> dict[str, object]:
    text = text_for(snap.lang)
    return {"version": snap.version, "lines": list(snap.lines), "head": text["overlay"], "close": text["close"],
            "lang": "en" if snap.lang.startswith("en") else "zh-CN"}


def live_script(snap: Snapshot) -> bytes:
    """The snippet added to HTML pages: follows the server's state, shows the overlay, reloads."""
    cfg = {**_state_fields(snap), "events": EVENTS_PATH}
    data = json.dumps(cfg, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
    return (_SCRIPT % data).encode()


def inject(html: bytes, snap: Snapshot) -> bytes:
    """HTML with the live script just before its last </body> (or at its end)."""
    script = live_script(snap)
    at = html.lower().rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


def event_message(snap: Snapshot) -> bytes:
    return b"data: " + json.dumps(_state_fields(snap), ensure_ascii=False, sort_keys=True).encode() + b"\n\n"
