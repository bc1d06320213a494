"""The files documents bring, at build time: checked before anything is written, copies made once.

- `inspect` (load): stats every photo and attachment the published documents name;
  a file not seen before at that size and mtime is read and checked once (photos.py),
  its facts kept in SITE/.cache/media/facts.marshal. Problems carry the line of the
  reference. A photo with a GPS position is a warning: the copies drop it, the
  source still has it.
- `make` (build): the copies not yet in SITE/.cache/media/, made by worker
  processes when there are many, one source per task.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import posixpath
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable

from generator.core.errors import Problems, suggestion
from generator.site.media import VERSION, Facts, PhotoError, widths_for
from generator.source.mediarefs import ATTACHMENT_TYPES, PHOTO_TYPES
from generator.source.model import Document


def _facts_path(cache_dir: Path) -> Path:
    return cache_dir / "media" / "facts.marshal"


def _read_facts(cache_dir: Path | None) -> dict[str, tuple[int, int, tuple[Any, ...]]]:
    if cache_dir is None:
        return {}
    try:
        data = marshal.loads(_facts_path(cache_dir).read_bytes())
        return data if isinstance(data, dict) else {}
    except (OSError, EOFError, ValueError, TypeError):
        return {}


def _save_facts(cache_dir: Path, table: dict[str, tuple[int, int, tuple[Any, ...]]]) -> None:
    from generator.core.cachefiles import temporary_for
    path = _facts_path(cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_for(path)
    temporary.write_bytes(marshal.dumps(table))
    os.replace(temporary, path)


def _check(data: bytes, rel: str, role: str) -> Facts:
    """Facts of one source; PhotoError when it cannot be published."""
    from generator.build.photos import inspect as inspect_image
    name = posixpath.basename(rel)
    ext = posixpath.splitext(name.lower())[1]
    digest = hashlib.blake2b(VERSION.encode() + b"\0" + data, digest_size=10).hexdigest()
    if ext in PHOTO_TYPES:
        facts = inspect_image(data, name, PHOTO_TYPES[ext])
        return Facts(digest, facts.kind, len(data), facts.width, facts.height, facts.gps)
    label, magics = ATTACHMENT_TYPES[ext]
    if magics and not data.startswith(magics):
        raise PhotoError(f"「{name}」的内容不是 {label} 文件（也许改过扩展名，或文件已损坏）；请重新导出",
                         f"`{name}` does not hold a {label} file (renamed, or damaged?); export it again")
    if not data:
        raise PhotoError(f"「{name}」是空文件", f"`{name}` is empty")
    return Facts(digest, label, len(data))


def inspect(site_dir: Path, docs: Iterable[Document], problems: Problems, cache_dir: Path | None,
            save: bool) -> dict[str, Facts]:
    """Facts of every file the documents name, by site-relative path; problems at each reference's line."""
    known = _read_facts(cache_dir)
    table: dict[str, tuple[int, int, tuple[Any, ...]]] = {}
    found: dict[str, Facts] = {}
    failed: dict[str, tuple[str, str]] = {}
    real_site = os.path.realpath(site_dir) + os.sep
    for doc in docs:
        for ref in doc.media:
            if ref.file in found or ref.file in failed:
                why = failed.get(ref.file)
                if why:
                    problems.add(doc.path, ref.line, *why)
                continue
            path = site_dir / ref.file
            try:
                info = path.stat()
                if not os.path.realpath(path).startswith(real_site):
                    raise PhotoError(f"「{posixpath.basename(ref.file)}」是指向网站文件夹之外的链接；请把文件本身复制进来",
                                     f"`{posixpath.basename(ref.file)}` links to a file outside the site folder; copy the file in")
                if not path.is_file():
                    raise FileNotFoundError
                row = known.get(ref.file)
                if row is not None and row[0] == info.st_size and row[1] == info.st_mtime_ns:
                    facts = Facts(*row[2])
                else:
                    facts = _check(path.read_bytes(), ref.file, ref.role)
                table[ref.file] = (info.st_size, info.st_mtime_ns, (facts.digest, facts.kind, facts.size, facts.width,
                                                                     facts.height, facts.gps))
                found[ref.file] = facts
            except FileNotFoundError:
                failed[ref.file] = _missing(site_dir, ref.file, problems)
                problems.add(doc.path, ref.line, *failed[ref.file])
                continue
            except PhotoError as exc:
                failed[ref.file] = (exc.zh, exc.en)
                problems.add(doc.path, ref.line, exc.zh, exc.en)
                continue
            except OSError as exc:
                failed[ref.file] = (f"无法读取「{ref.file}」：{exc.strerror or exc}", f"cannot read `{ref.file}`: {exc.strerror or exc}")
                problems.add(doc.path, ref.line, *failed[ref.file])
                continue
            if facts.gps and ref.role != "attachment":
                problems.add(doc.path, ref.line,
                              f"照片「{posixpath.basename(ref.file)}」带有 GPS 位置（拍摄地点）；发布的图片已去掉，但请勿外传原文件",
                              f"the photo `{posixpath.basename(ref.file)}` carries a GPS position; the published copies "
                              "drop it, but do not pass the original on", warning=True)
    if save and cache_dir is not None and table != known:
        _save_facts(cache_dir, table)
    return found


def _missing(site_dir: Path, rel: str, problems: Problems) -> tuple[str, str]:
    folder, name = posixpath.split(rel)
    try:
        beside = sorted(n for n in os.listdir(site_dir / folder) if not n.startswith("."))
    except OSError:
        beside = []
    hint = suggestion(problems, name, beside)
    return (f"找不到文件「{name}」（应在 {folder}/ 中）{hint or '；请检查文件名、大小写和扩展名'}",
            f"file `{name}` not found (it should be in {folder}/){hint or '; check the name, its case and extension'}")


def with_media_digests(doc: Any, media: dict[str, Facts]) -> Any:
    """`doc` with its digest and card covering the bytes of the files it brings, so that a
    replaced photo renders its pages again though the Markdown file did not change."""
    if not doc.media:
        return doc
    extra = "".join(media[r.file].digest for r in doc.media if r.file in media)
    digest = hashlib.blake2b((doc.digest + extra).encode(), digest_size=16).hexdigest()
    card = hashlib.blake2b((doc.card + extra).encode(), digest_size=16).hexdigest()
    return replace(doc, digest=digest, card=card)


def _made_path(work_dir: Path, facts: Facts, variant: str) -> Path:
    return work_dir / f"{facts.digest}-{variant}"


def _make_one(task: tuple[str, str, str, str, tuple[int, ...]]) -> tuple[str, tuple[str, str] | None]:
    """Make every copy of one source in `work_dir` (a worker's task); (rel, problem or None)."""
    from generator.build.photos import variants, whole
    source, rel, work, digest, widths = task
    try:
        data = Path(source).read_bytes()
        ext = posixpath.splitext(rel.lower())[1]
        made = {"whole": whole(data, posixpath.basename(rel), PHOTO_TYPES[ext])} if not widths else \
            variants(data, posixpath.basename(rel), widths)
    except PhotoError as exc:
        return rel, (exc.zh, exc.en)
    except OSError as exc:
        return rel, (f"无法读取「{rel}」：{exc.strerror}", f"cannot read `{rel}`: {exc.strerror}")
    from generator.core.cachefiles import temporary_for
    for variant, blob in made.items():
        target = Path(work) / f"{digest}-{variant}"
        temporary = temporary_for(target)
        temporary.write_bytes(blob)
        os.replace(temporary, target)
    return rel, None


def make(site_dir: Path, planned: dict[str, tuple[str, str]], media: dict[str, Facts], work_dir: Path,
         jobs: int, pool: Callable[[int], Any]) -> tuple[int, dict[str, tuple[str, str]]]:
    """Make the copies not yet in `work_dir`; (sources processed, problems by source path)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    todo: dict[str, tuple[str, str, str, str, tuple[int, ...]]] = {}
    for rel, (source, variant) in planned.items():
        facts = media[source]
        if variant == "as-is" or source in todo or _made_path(work_dir, facts, variant).exists():
            continue
        widths = widths_for(facts.width) if variant != "whole" else ()
        todo[source] = (str(site_dir / source), source, str(work_dir), facts.digest, widths)
    tasks = list(todo.values())
    if jobs > 1 and len(tasks) >= 8:
        with pool(jobs) as workers:
            results = workers.map(_make_one, tasks, chunksize=1)
    else:
        results = [_make_one(t) for t in tasks]
    return len(tasks), {rel: why for rel, why in results if why is not None}


def published_bytes(site_dir: Path, source: str, variant: str, facts: Facts, work_dir: Path) -> bytes:
    if variant == "as-is":
        return (site_dir / source).read_bytes()
    return _made_path(work_dir, facts, variant).read_bytes()
