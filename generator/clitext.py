"""The command line's own words in the site's language: option help and argparse's usage and
errors, from the `cli_*` strings of the built-in theme's i18n files.

The language is that of the site the command names (or the one in the current folder);
with no site in sight, a Chinese locale (LANG zh_*) gives Chinese, anything else English.
"""
from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from generator.core.themedir import builtin_theme_dir
from generator.core.yamlsrc import YamlError, YMap, load_yaml

# argparse's own messages (Python 3.11 gettext ids) → our i18n keys.
_ARGPARSE = {
    "usage: ": "cli_usage",
    "positional arguments": "cli_positional",
    "options": "cli_options",
    "show this help message and exit": "cli_help_help",
    "the following arguments are required: %s": "cli_required",
    "unrecognized arguments: %s": "cli_unrecognized",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli_invalid_choice",
    "argument %(argument_name)s: %(message)s": "cli_argument",
    "expected one argument": "cli_expected_one",
    "expected at least one argument": "cli_expected_at_least_one",
    "invalid %(type)s value: %(value)r": "cli_invalid_value",
    "%(prog)s: error: %(message)s\n": "cli_error",
    "ambiguous option: %(option)s could match %(matches)s": "cli_ambiguous",
}


def site_language(argv: Sequence[str], cwd: Path | None = None) -> str:
    """The language of the site a command line is about: zh-CN or en."""
    from generator.core.errors import Problems
    from generator.source.config import load_config
    for folder in _site_candidates(argv, cwd or Path.cwd()):
        if (folder / "site.yaml").is_file():
            return "en" if load_config(folder, Problems()).language == "en" else "zh-CN"
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "zh-CN" if locale.lower().startswith("zh") else "en"


def _site_candidates(argv: Sequence[str], cwd: Path) -> list[Path]:
    """Folders that may be the site: each argument that is a folder, the folders above each
    argument that is a file (advance names case files), then the current folder."""
    found: list[Path] = []
    for arg in argv:
        if arg.startswith("-"):
            continue
        path = (cwd / arg) if not os.path.isabs(arg) else Path(arg)
        try:
            if path.is_dir():
                found.append(path)
            elif path.is_file():
                found.extend(path.resolve().parents)
        except OSError:
            continue
    return found + [cwd]


class CliText:
    """Looks up `cli_*` strings in one language (English when a string has no translation)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.english = _strings("en")
        self.strings = self.english | (_strings(language) if language != "en" else {})

    def __call__(self, key: str) -> str:
        return self.strings.get(key) or self.english.get(key) or key

    @contextlib.contextmanager
    def speaking(self) -> Iterator[None]:
        """argparse in this language meanwhile (it looks its messages up through gettext's `_`)."""
        def translate(message: str) -> str:
            key = _ARGPARSE.get(message)
            return self(key) if key else message
        saved = argparse._  # type: ignore[attr-defined]
        argparse._ = translate  # type: ignore[attr-defined]
        try:
            yield
        finally:
            argparse._ = saved  # type: ignore[attr-defined]


def _strings(language: str) -> dict[str, str]:
    path = builtin_theme_dir() / "i18n" / f"{language}.yaml"
    try:
        data = load_yaml(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, YamlError):
        return {}
    if not isinstance(data, YMap):
        return {}
    return {str(k): str(v) for k, v in data.items() if str(k).startswith("cli_") and v is not None}


def problem_count(errors: int, warnings: int, zh: bool) -> str:
    """The last line after a list of problems: 发现 2 个问题 / 1 problem, 1 warning."""
    if zh:
        return f"发现 {errors} 个问题" + (f"，{warnings} 个警告" if warnings else "")
    text = f"{errors} problem{'s' if errors != 1 else ''}"
    return text + (f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else "")
