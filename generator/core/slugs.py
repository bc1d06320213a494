"""ASCII slugs: pinyin for Chinese text (pypinyin, imported lazily), validation rules.

Pure. pypinyin knows words with two readings (弹性 → tan-xing, 重庆 → chong-qing),
which a per-character table gets wrong; its ~200 ms import is paid only when a
slug has to be made from Chinese text.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_SLUG = 80
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def is_valid_slug(text: str) -> bool:
    return bool(SLUG_RE.match(text)) and len(text) <= MAX_SLUG


# Pinyin of Chinese text already seen (also kept in SITE/.cache/ between builds by the
# pipeline), so a build whose names did not change never imports pypinyin.
known_pinyin: dict[str, str] = {}


@lru_cache(maxsize=65536)
def slugify(text: str, max_length: int = MAX_SLUG) -> str:
    """Pinyin/ASCII slug of `text`, cut at a word boundary; '' if nothing is left."""
    if _CJK.search(text):
        if text not in known_pinyin:
            known_pinyin[text] = " ".join(_pinyin(text))
        words = known_pinyin[text].split(" ")
    else:
        words = [text]
    parts: list[str] = []
    for word in words:
        ascii_word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
        parts.extend(p for p in _NON_ALNUM.split(ascii_word) if p)
    slug = ""
    for part in parts:
        candidate = f"{slug}-{part}" if slug else part
        if len(candidate) > max_length:
            break
        slug = candidate
    if not slug and parts:  # a single over-long word
        slug = parts[0][:max_length].strip("-")
    return slug


def _pinyin(text: str) -> list[str]:
    from pypinyin import lazy_pinyin  # lazy: see module docstring
    return [w.replace(" ", "") for w in lazy_pinyin(text, errors="default")]
