"""ASCII slugs: pinyin for Chinese text (pypinyin, imported lazily), validation rules.

Pure. pypinyin knows words with two readings (弹性 → tan-xing, 重庆 → chong-qing),
which a per-character table gets wrong; its ~200 ms import is paid only when a
slug has to be made from Chinese text. Place names it still misreads (长丰 read
zhang-feng) come first from readings: those shipped in place_readings.txt, the
rule that 长 in a place's own name is chang, and a site's places.yaml `pinyin:`.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_SLUG = 80
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def is_valid_slug(text: str) -> bool:
    return bool(SLUG_RE.match(text)) and len(text) <= MAX_SLUG


class Readings:
    """Words with the syllables a slug uses for them, matched longest first. Hashed by
    identity (slugify's cache keys on it): make one per site, not one per call."""

    def __init__(self, words: Mapping[str, str], base: Readings | None = None) -> None:
        self.words: dict[str, tuple[str, ...]] = dict(base.words) if base is not None else {}
        self.words.update((w, tuple(s.split())) for w, s in words.items() if w and s.split())
        self.longest = max((len(w) for w in self.words), default=0)

    def segments(self, text: str) -> Iterator[tuple[str, tuple[str, ...] | None]]:
        """`text` in pieces: (word, its syllables) for a known word, (run, None) between them."""
        start = i = 0
        while i < len(text):
            for size in range(min(self.longest, len(text) - i), 0, -1):
                syllables = self.words.get(text[i:i + size])
                if syllables is not None:
                    if start < i:
                        yield text[start:i], None
                    yield text[i:i + size], syllables
                    i = start = i + size
                    break
            else:
                i += 1
        if start < len(text):
            yield text[start:], None


def _shipped() -> dict[str, str]:
    words = {}
    for line in (Path(__file__).with_name("place_readings.txt")).read_text(encoding="utf-8").splitlines():
        name, _, syllables = line.partition(" ")
        if name and not name.startswith("#"):
            words[name] = syllables
    return words


SHIPPED = Readings(_shipped())                 # for any text: titles name places too
PLACE_NAMES = Readings({"长": "chang"}, SHIPPED)   # for the name of a place itself (长子 stays zhang zi)

# Pinyin of Chinese text already seen (also kept in SITE/.cache/ between builds by the
# pipeline), so a build whose names did not change never imports pypinyin.
known_pinyin: dict[str, str] = {}


def syllables(text: str, readings: Readings = SHIPPED) -> list[str]:
    """`text` as pinyin syllables (toneless); text that is not Chinese comes through as it is."""
    if not _CJK.search(text):
        return [text]
    words: list[str] = []
    for piece, known in readings.segments(text):
        if known is not None:
            words.extend(known)
        elif _CJK.search(piece):
            if piece not in known_pinyin:
                known_pinyin[piece] = " ".join(_pinyin(piece))
            words.extend(known_pinyin[piece].split(" "))
        else:
            words.append(piece)
    return words


@lru_cache(maxsize=65536)
def slugify(text: str, max_length: int = MAX_SLUG, readings: Readings = SHIPPED) -> str:
    """Pinyin/ASCII slug of `text`, cut between two syllables; '' if nothing is left."""
    parts: list[str] = []
    for word in syllables(text, readings):
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
