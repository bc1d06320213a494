"""What files a document brings: `photos:`, `attachments:` and body images, read from its text. Pure.

A case may be one file (content/cases/x.md) or a folder (content/cases/x/index.md)
with its photos and documents beside it. Either way a reference is a path relative
to the Markdown file's folder and may not leave it: no `..`, no absolute path, no
address. Whether the file exists and what it holds is asked at each build
(media.py), since a photo can change while its case file does not.
"""
from __future__ import annotations

import posixpath
from collections.abc import Mapping
import re
from urllib.parse import unquote

from generator.core.errors import Problems
from generator.source.model import MediaRef
from generator.core.schema import Reader
from generator.core.yamlsrc import YList, YMap

PHOTO_TYPES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".gif": "GIF"}
# What an attachment may be, by extension: (label shown to readers, how its bytes must begin).
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("PDF", (b"%PDF-",)),
    ".docx": ("Word", (b"PK\x03\x04",)), ".xlsx": ("Excel", (b"PK\x03\x04",)), ".pptx": ("PowerPoint", (b"PK\x03\x04",)),
    ".odt": ("ODT", (b"PK\x03\x04",)), ".ods": ("ODS", (b"PK\x03\x04",)),
    ".doc": ("Word", (b"\xd0\xcf\x11\xe0",)), ".xls": ("Excel", (b"\xd0\xcf\x11\xe0",)),
    **{ext: (kind, ()) for ext, kind in PHOTO_TYPES.items()},   # images are re-encoded, metadata dropped
}
# Refused with a reason: they can carry script (served from the site's own address) or
# cannot be shown by browsers.
REFUSED = {
    ".svg": ("SVG 图片可以携带脚本，不能发布；请导出为 PNG 或 JPEG", "an SVG image can carry script and is not published; export it as PNG or JPEG"),
    ".svgz": ("SVG 图片可以携带脚本，不能发布；请导出为 PNG 或 JPEG", "an SVG image can carry script and is not published; export it as PNG or JPEG"),
    ".heic": ("浏览器不能显示 HEIC 照片；请在手机或电脑上导出为 JPEG", "browsers cannot show HEIC photos; export it as JPEG"),
    ".heif": ("浏览器不能显示 HEIF 照片；请在手机或电脑上导出为 JPEG", "browsers cannot show HEIF photos; export it as JPEG"),
    ".html": ("网页文件不能作为附件发布；请改为 PDF", "a web page cannot be an attachment; make it a PDF"),
    ".htm": ("网页文件不能作为附件发布；请改为 PDF", "a web page cannot be an attachment; make it a PDF"),
}
PHOTO_KEYS = ("file", "caption", "alt")
ATTACHMENT_KEYS = ("file", "title")
# ![alt](target "title") with an inline target; <target> may hold spaces.
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*(<[^>\n]*>|[^\s)]+)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ADDRESS = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//|^#")


def resolve(doc_rel: str, written: str) -> tuple[str | None, str, str]:
    """The site-relative path of `written`, a reference in the file `doc_rel`; or None with why (zh, en)."""
    name = written.strip()
    folder = posixpath.dirname(doc_rel)
    if not name:
        return None, "文件名是空的", "the file name is empty"
    if "\\" in name or name.startswith("/") or ".." in name.split("/") or _ADDRESS.match(name):
        return None, (f"文件「{name}」应写成相对于本文件所在文件夹的路径，不能含 ..、不能以 / 开头或是网址；"
                      "请把它放进本文件所在的文件夹"), (
                   f"`{name}` must be a path relative to this file's folder: no `..`, no leading /, no address; "
                   "put the file in this file's folder")
    path = posixpath.normpath(posixpath.join(folder, name))
    if not path.startswith(folder + "/"):
        return None, f"文件「{name}」在本文件所在的文件夹之外", f"`{name}` lies outside this file's folder"
    if any(part.startswith(".") for part in path[len(folder) + 1:].split("/")):
        return None, f"文件「{name}」是隐藏文件；请改名，去掉开头的点", f"`{name}` is a hidden file; rename it without the leading dot"
    return path, "", ""


def _kind_problem(name: str, allowed: Mapping[str, object], what_zh: str, what_en: str) -> tuple[str, str] | None:
    ext = posixpath.splitext(name.lower())[1]
    if ext in REFUSED:
        zh, en = REFUSED[ext]
        return f"「{name}」：{zh}", f"`{name}`: {en}"
    if ext not in allowed:
        kinds = "、".join(sorted(allowed))
        return (f"「{name}」不是可用的{what_zh}类型；可用：{kinds}",
                f"`{name}` is not a kind of {what_en} bulletin publishes; use one of {', '.join(sorted(allowed))}")
    return None


def read_media(r: Reader, rel: str, body: str, body_line: int) -> tuple[MediaRef, ...]:
    """Every photo, attachment and body image of one file, each with its line; problems go to r.problems."""
    refs = [*_listed(r, rel, "photos", "photo"), *_listed(r, rel, "attachments", "attachment"),
            *body_images(body, body_line, rel, r.problems)]
    return tuple(refs)


def _listed(r: Reader, rel: str, key: str, role: str) -> list[MediaRef]:
    raw = r.data.get(key)
    if raw is None or raw == []:
        return []
    example = "{file: bridge.jpg, caption: 新桥通车, alt: 南干渠上新建的桥}" if role == "photo" else "{file: minutes.pdf, title: 议事会会议纪要}"
    if not isinstance(raw, YList):
        r.error(key, f"{key} 应为列表，每项如 - {example}", f"`{key}` should be a list of entries like - {example}", at_value=True)
        return []
    found = []
    for item, line in zip(raw, raw.item_line):
        if isinstance(item, str):   # a bare file name
            item = YMap({"file": item})
            item.key_line, item.value_line = {"file": line}, {"file": line}
        if not isinstance(item, YMap):
            r.problems.add(r.path, line, f"{key} 的每一项应写成 {example}", f"each entry of `{key}` should look like {example}")
            continue
        item.line = line
        sub = Reader(item, r.path, r.problems)
        sub.unknown_keys(PHOTO_KEYS if role == "photo" else ATTACHMENT_KEYS, f"{key} 条目", f"an entry of `{key}`")
        name = sub.get("file", str, required=True, example="bridge.jpg" if role == "photo" else "minutes.pdf")
        title = sub.get("caption" if role == "photo" else "title", str, default="")
        alt = sub.get("alt", str, default="") if role == "photo" else ""
        if role == "photo" and not alt:
            sub.error("alt" if "alt" in item else None,
                      "照片缺少替代文字 alt：用一句话说明照片里有什么，供读屏软件朗读，例如 alt: 南干渠上新建的桥，车辆正在通行",
                      "the photo has no alt text: say in one sentence what it shows, for screen readers, "
                      "e.g. alt: the new bridge over the canal, with traffic crossing")
        if not name:
            continue
        kind = _kind_problem(name, PHOTO_TYPES if role == "photo" else ATTACHMENT_TYPES,
                             "照片" if role == "photo" else "附件", "photo" if role == "photo" else "attachment")
        path, zh, en = resolve(rel, name)
        where = sub.value_line("file")
        if kind is not None:
            r.problems.add(r.path, where, *kind)
        elif path is None:
            r.problems.add(r.path, where, zh, en)
        elif alt or role != "photo":
            found.append(MediaRef(role, path, title, alt, where))
    return found


def body_images(body: str, body_line: int, rel: str, problems: Problems) -> list[MediaRef]:
    """`![alt](photo.jpg)` images of the body that name a file beside it (addresses are left alone)."""
    found = []
    fence = ""   # the marker of the fenced code block we are in: images there are examples
    for offset, line in enumerate(body.split("\n")):
        marker = _FENCE.match(line)
        if fence:
            if marker and marker[1][0] == fence[0] and len(marker[1]) >= len(fence):
                fence = ""
            continue
        if marker:
            fence = marker[1]
            continue
        if "![" not in line:
            continue
        for m in _IMAGE.finditer(line):
            target = m[2][1:-1] if m[2].startswith("<") else m[2]
            if _ADDRESS.match(target) or target.startswith("/"):
                continue   # an address or a site path: not a file of this document
            name = unquote(target)
            lineno = body_line + offset
            kind = _kind_problem(name, PHOTO_TYPES, "图片", "image")
            path, zh, en = resolve(rel, name)
            if kind is not None:
                problems.add(rel, lineno, *kind)
            elif path is None:
                problems.add(rel, lineno, zh, en)
            elif not m[1].strip():
                problems.add(rel, lineno, f"图片「{name}」缺少替代文字：写成 ![照片里有什么]({target})",
                             f"the image `{name}` has no alt text: write ![what it shows]({target})")
            else:
                found.append(MediaRef("image", path, "", m[1].strip(), lineno))
    return found
