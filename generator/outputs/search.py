"""Full-text search for /search/: Pagefind's extended (Chinese-aware) indexer run over the staged site.

The indexer reads the rendered HTML of cases, reports and pages (each marks its main
article with `data-pagefind-body`) and writes its bundle into the staging folder, after
every page is there and before the swap, so OUT is never half-indexed. Writes nothing
outside the folder it is given.

Which Pagefind: the npm release pinned in package.json (1.6.0) cuts Chinese words the
same way at index and query time; the PyPI release (1.5.2) misses compound place names
such as 南干渠 (benchmarks/search_recall.py measures both). The binary is looked up in
PAGEFIND_BINARY_PATH, then node_modules/ beside the site, the bulletin checkout and the
working folder; the PyPI `pagefind[extended]` binary is a fallback with a warning.
"""
from __future__ import annotations

import gzip
import json
import os
import platform
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Problem, Problems, SiteError
from ..urls import safe_join

BUNDLE = "search/pagefind"   # OUT-relative folder holding pagefind.js and the index
OFFLINE = "search/offline.js"  # every indexed page's text, for search from file:// (index_links sites)
FRAGMENT_SIGNATURE = b"pagefind_dcd"
VIEW = ".search-pages"         # staging-relative, removed right after indexing
PROBLEM_PATH = "pagefind"    # where indexing problems are reported (no content file applies)
# Pagefind ships ready-made UIs; /search/ has its own, so these are never loaded.
UNUSED_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
                "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js")
TIMEOUT_SECONDS = 900


@dataclass(frozen=True, slots=True)
class Indexer:
    binary: Path
    preferred: bool     # False: the PyPI fallback, whose Chinese word cutting misses some words


def _npm_platform() -> str:
    system = platform.system().lower()
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{system}-{arch}"


def candidate_binaries(site_dir: Path) -> list[Path]:
    """Where the npm Pagefind binary may be, most specific first."""
    exe = "pagefind_extended.exe" if platform.system() == "Windows" else "pagefind_extended"
    roots = dict.fromkeys([site_dir.resolve(), Path(__file__).resolve().parents[2], Path.cwd().resolve()])
    return [root / "node_modules" / "@pagefind" / _npm_platform() / "bin" / exe for root in roots]


def find_indexer(site_dir: Path, problems: Problems) -> Indexer | None:
    """The Pagefind binary to run, or None with a problem saying how to install it."""
    chosen = os.environ.get("PAGEFIND_BINARY_PATH", "").strip()
    if chosen:
        if Path(chosen).is_file():
            return Indexer(Path(chosen), True)
        problems.add(PROBLEM_PATH, None, f"环境变量 PAGEFIND_BINARY_PATH 指向的文件不存在：{chosen}",
                     f"PAGEFIND_BINARY_PATH names a file that does not exist: {chosen}")
        return None
    for path in candidate_binaries(site_dir):
        if path.is_file():
            return Indexer(path, True)
    try:
        from pagefind_bin_extended import get_executable  # type: ignore[import-untyped,import-not-found,unused-ignore]
        return Indexer(Path(get_executable()), False)
    except (ImportError, FileNotFoundError):
        pass
    problems.add(PROBLEM_PATH, None,
                 "找不到生成搜索索引的 Pagefind（extended 版）；请在 bulletin 源码目录运行 npm ci，"
                 "或设置环境变量 PAGEFIND_BINARY_PATH 指向 pagefind_extended",
                 "cannot find Pagefind (extended) to build the search index; run `npm ci` in the bulletin "
                 "checkout, or set PAGEFIND_BINARY_PATH to a pagefind_extended binary")
    return None


def index_site(site_dir: Path, staging: Path, language: str, keep_index_url: bool = False,
               pages: Iterable[str] | None = None) -> list[Problem]:
    """Index the HTML in `staging` into staging/search/pagefind/; returns warnings, raises SiteError.

    `pages`: the OUT-relative HTML files this build produced. Staging may still hold pages of
    the last build that are deleted only when it becomes OUT; only these are indexed then.
    """
    problems = Problems(lang=language)
    indexer = find_indexer(site_dir, problems)
    if indexer is None:
        raise SiteError(problems.errors)
    if not indexer.preferred:
        problems.add(PROBLEM_PATH, None,
                     f"正在使用 PyPI 版 Pagefind（{indexer.binary}），部分中文地名（如「南干渠」）会搜不到；请运行 npm ci 安装 1.6 版",
                     f"using the PyPI Pagefind ({indexer.binary}), which misses some Chinese compound words "
                     "(such as 南干渠); run `npm ci` to install release 1.6", warning=True)
    # Start from no bundle: staging may hold the last build's files, hard-linked to the live OUT.
    shutil.rmtree(staging / BUNDLE, ignore_errors=True)
    (staging / OFFLINE).unlink(missing_ok=True)
    view = _page_view(staging, pages) if pages is not None else staging
    command = [str(indexer.binary), "--site", str(view), "--output-path", str(staging / BUNDLE), "--quiet"]
    if keep_index_url:
        command.append("--keep-index-url")
    try:
        result = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        problems.add(PROBLEM_PATH, None, f"无法运行 Pagefind（{indexer.binary}）：{exc}",
                     f"cannot run Pagefind ({indexer.binary}): {exc}")
        raise SiteError(problems.errors, problems.warnings) from None
    finally:
        if view != staging:
            shutil.rmtree(view, ignore_errors=True)
    if result.returncode != 0 or not (staging / BUNDLE / "pagefind.js").is_file():
        said = " ".join((result.stderr or result.stdout).split()[-40:]) or f"exit status {result.returncode}"
        problems.add(PROBLEM_PATH, None, f"生成搜索索引失败：{said}", f"building the search index failed: {said}")
        raise SiteError(problems.errors, problems.warnings)
    for name in UNUSED_FILES:
        (staging / BUNDLE / name).unlink(missing_ok=True)
    if keep_index_url:
        (staging / OFFLINE).write_text(offline_js(staging), "utf-8")
    return problems.warnings


def _page_view(staging: Path, pages: Iterable[str]) -> Path:
    """A folder inside staging holding hard links to just `pages`, for Pagefind to read."""
    view = staging / VIEW
    shutil.rmtree(view, ignore_errors=True)
    for rel in sorted(pages):
        if rel.endswith(".html"):
            target = safe_join(view, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(safe_join(staging, rel), target)
            except OSError:
                shutil.copyfile(safe_join(staging, rel), target)
    view.mkdir(exist_ok=True)
    return view


def indexed_pages(staging: Path) -> list[dict[str, Any]]:
    """What Pagefind stored per page (url, content, meta, filters), read back from its fragment files."""
    pages: list[dict[str, Any]] = []
    for path in sorted((staging / BUNDLE / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        if not data.startswith(FRAGMENT_SIGNATURE):
            raise ValueError(f"unexpected Pagefind fragment format in {path.name}")
        record = json.loads(data[len(FRAGMENT_SIGNATURE):])
        pages += [record] if "url" in record else list(record.values())  # large sites group fragments
    return sorted(pages, key=lambda page: str(page["url"]))


def offline_js(staging: Path) -> str:
    """search/offline.js: the indexed text as one script, which a page opened from file:// may load."""
    records = [{"url": page["url"].lstrip("/"), "title": page["meta"].get("title", ""), "date": page["meta"].get("date", ""),
                "filters": page.get("filters", {}), "text": page["content"].replace("\u200b", "")}  # U+200B: Pagefind's word cuts
               for page in indexed_pages(staging)]
    return "window.bulletinOffline = " + json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + ";\n"


def output_files(staging: Path) -> set[str]:
    """The OUT-relative paths of every file the indexer wrote."""
    root = staging / BUNDLE
    found = {f"{BUNDLE}/{p.relative_to(root).as_posix()}" for p in root.rglob("*") if p.is_file()}
    return found | ({OFFLINE} if (staging / OFFLINE).is_file() else set())
