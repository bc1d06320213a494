"""Watch a site's sources with watchdog and hand out debounced batches of changed paths.

Reads and writes no files: it only reports site-relative POSIX paths of sources
that changed. OUT, its staging folders, SITE/.cache and editor scratch files are
never watched or reported.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

# Source folders watched recursively; the site folder itself is watched one level deep for site.yaml.
SOURCE_DIRS = ("content", "templates", "static", "themes")
TOP_FILES = ("site.yaml",)

# Opening or reading a file (as every build does) raises FileOpenedEvent and
# FileClosedNoWriteEvent; they must stay out or each build would trigger the next.
# A directory's own "modified" event only echoes changes to its entries.
# watchdog 7 reports touch/chmod as FileAttribEvent, no longer as a modification.
EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent, FileClosedEvent, FileAttribEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent,
]

_SCRATCH_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", "___jb_tmp___", "___jb_old___")


def is_source(rel: str) -> bool:
    """Whether a site-relative path is something a build reads (and so worth a rebuild)."""
    parts = [p for p in rel.split("/") if p]
    if not parts:
        return False
    # Dot names cover .cache/, .output.staging-*, .git/ and editors' .name.swp / .#name files.
    if any(part.startswith(".") for part in parts):
        return False
    name = parts[-1]
    if name.endswith(_SCRATCH_SUFFIXES) or name == "4913" or (name.startswith("#") and name.endswith("#")):
        return False
    if len(parts) == 1:
        return name in TOP_FILES or name in SOURCE_DIRS
    return parts[0] in SOURCE_DIRS


class Changes:
    """Changed paths collected from any thread, drained in debounced batches.

    A batch is handed out once no event came for a quiet moment (`quiet`, about
    100 ms). When the latest event says a write is complete (the file was closed
    after writing, or renamed into place, as editors save), a tenth of that is
    enough: the save is over, and what remains of a burst still extends the wait.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._paths: dict[str, None] = {}   # insertion-ordered set
        self._first = 0.0
        self._last = 0.0
        self._complete = False
        self._closed = False

    def add(self, rel: str, complete: bool = False) -> None:
        with self._cond:
            now = time.monotonic()
            if not self._paths:
                self._first = now
            self._paths[rel] = None
            self._last = now
            self._complete = complete
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def wait(self, quiet: float = 0.1, longest: float = 1.0, idle: float | None = None) -> list[str] | None:
        """Block until changes arrived and stayed quiet for `quiet` seconds (or `longest`
        seconds passed since the first one, so a steady stream still builds); None once closed.
        With `idle`, an empty list when no change came for that long."""
        give_up = None if idle is None else time.monotonic() + idle
        with self._cond:
            while not self._paths:
                if self._closed:
                    return None
                if give_up is not None and time.monotonic() >= give_up:
                    return []
                self._cond.wait(0.5 if give_up is None else min(0.5, max(0.0, give_up - time.monotonic())))
            while True:
                if self._closed:
                    return None
                settle = quiet / 10 if self._complete else quiet
                remaining = min(self._last + settle, self._first + longest) - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            batch = list(self._paths)
            self._paths.clear()
            return batch


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        # A move is reported by where it went (an editor's "save as temp, rename over"
        # names the real file there) and by where it came from, when each is a source.
        dest = getattr(event, "dest_path", "")
        for raw in (dest, event.src_path) if dest else (event.src_path,):
            path = Path(os.fsdecode(raw))
            if self.watcher.rel(path) is not None:
                self.watcher.saw(path, event)


class Watcher:
    """Watches SITE's sources (and the built-in theme when it lies outside SITE).

    Only the source folders are watched recursively, so OUT, the staging folders
    a build creates beside it and .cache never reach the kernel's watch list.
    """

    def __init__(self, site_dir: Path, on_change: Callable[[str, bool], None], extra: dict[str, Path] | None = None,
                 poll: bool = False) -> None:
        self.site_dir = site_dir.resolve()
        self.on_change = on_change
        self.extra = {prefix: path.resolve() for prefix, path in (extra or {}).items()
                      if path.is_dir() and not path.resolve().is_relative_to(self.site_dir)}
        self.poll = poll
        self._observer: BaseObserver | None = None
        self._handler = _Handler(self)
        self._watches: dict[str, ObservedWatch] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        try:
            self._start(PollingObserver() if self.poll else Observer())
        except OSError:
            # inotify limits reached (or no inotify, e.g. some containers): fall back to polling.
            self.poll = True
            self._start(PollingObserver())

    def _start(self, observer: BaseObserver) -> None:
        self._observer = observer
        self._watches.clear()
        observer.schedule(self._handler, str(self.site_dir), recursive=False, event_filter=EVENTS)
        for name in SOURCE_DIRS:
            self._watch_dir(name)
        for path in self.extra.values():
            observer.schedule(self._handler, str(path), recursive=True, event_filter=EVENTS)
        observer.start()

    def _watch_dir(self, name: str) -> None:
        path = self.site_dir / name
        observer = self._observer
        if observer is None or not path.is_dir() or path.is_symlink():
            return
        with self._lock:
            old = self._watches.pop(name, None)
            if old is not None:
                try:
                    observer.unschedule(old)
                except (KeyError, OSError):
                    pass
            self._watches[name] = observer.schedule(self._handler, str(path), recursive=True, event_filter=EVENTS)

    def stop(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)

    def rel(self, path: Path) -> str | None:
        """The path as reported to the build (site-relative), or None when it is not a source."""
        if path.is_relative_to(self.site_dir):
            rel = path.relative_to(self.site_dir).as_posix()
            return rel if is_source(rel) else None
        for prefix, root in self.extra.items():
            if path.is_relative_to(root):
                inner = path.relative_to(root).as_posix()
                return f"{prefix}/{inner}" if is_source(f"themes/{inner}") else None
        return None

    def saw(self, path: Path, event: FileSystemEvent) -> None:
        rel = self.rel(path)
        if rel is None:
            return
        # A source folder created (or moved in) after start needs its own recursive watch.
        if rel in SOURCE_DIRS and event.is_directory and isinstance(event, (DirCreatedEvent, DirMovedEvent)):
            try:
                self._watch_dir(rel)
            except OSError:
                pass
        self.on_change(rel, isinstance(event, (FileClosedEvent, FileMovedEvent)))
