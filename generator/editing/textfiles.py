"""Writing content files by hand: YAML scalars that read back as the very same text, and
atomic replaces, for the commands that edit or create files (advance, import, due's CSV)."""
from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from generator.core.yamlsrc import YamlError, load_yaml

_RESERVED_START = set("-?:,[]{}#&*!|>'\"%@`")
_UNPRINTABLE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def yaml_scalar(value: str, flow: bool = False) -> str:
    """`value` as a YAML scalar that reads back as the same string: plain when safe, else double-quoted."""
    plain = (
        value != "" and value == value.strip() and "\n" not in value and "\r" not in value
        and value[0] not in _RESERVED_START and ": " not in value and " #" not in value
        and not value.endswith(":") and not _UNPRINTABLE.search(value)
        and not (flow and any(c in value for c in ",[]{}"))
    )
    # Only ASCII text can read as a number, true/false or null, and a colon is the one character
    # left whose meaning depends on what follows: check those by reading them back.
    if plain and (value.isascii() or ":" in value):
        plain = _reads_back(value, flow)
    return value if plain else double_quoted(value)


@lru_cache(maxsize=4096)   # dates, stage keys and slugs repeat across an import
def _reads_back(value: str, flow: bool) -> bool:
    text = f"k: [{value}, x]\nm: {{a: {value}}}\n" if flow else f"k: {value}\n"
    expected = {"k": [value, "x"], "m": {"a": value}} if flow else {"k": value}
    try:
        return bool(load_yaml(text) == expected)
    except YamlError:
        return False


def double_quoted(value: str) -> str:
    """A YAML double-quoted scalar; characters YAML cannot carry as they are (controls, line
    separators, a BOM) are written as \\u escapes."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(value, ensure_ascii=False))


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Replace `path` with `data` in one step; the file keeps its permissions.

    `durable=False` skips the fsync, for callers that write many new files and sync once.
    """
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def text_table(lines: Sequence[Sequence[str]]) -> str:
    """Rows as aligned text for a terminal: every column but the last padded, CJK counted double."""
    widths = [max(display_width(line[i]) for line in lines) for i in range(len(lines[0]) - 1)]
    return "\n".join("  ".join([cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(line[:-1])] + [line[-1]])
                     for line in lines) + "\n"


def display_width(text: str) -> int:
    """Columns a terminal gives the text: two for each wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
