"""Problems as data: every check reports `Problem` values; one formatter prints them.

Pure: no I/O besides formatting strings.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with the site, located at PATH:LINE (line None = whole file)."""

    path: str
    line: int
    message: str
    warning: bool = False
    once: bool = False   # a warning about a change since the last build: the next build does not repeat it

    def format(self) -> str:
        """One line, `PATH:LINE: message`: a line break inside (a value quoted from the file,
        such as a date written across lines) is shown as \\n, so every line of the output
        still starts with its file."""
        where = self.path if self.line <= 0 else f"{self.path}:{self.line}"
        kind = "warning: " if self.warning else ""
        message = self.message.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
        return f"{where}: {kind}{message}"


@dataclass(slots=True)
class Problems:
    """Collects problems in the site's language; each message is given in zh and en."""

    lang: str = "zh-CN"
    items: list[Problem] = field(default_factory=list)
    _seen: set[Problem] = field(default_factory=set, repr=False)   # so adding stays linear on big sites

    def add(self, path: str, line: int | None, zh: str, en: str, warning: bool = False, once: bool = False) -> None:
        message = en if self.lang.startswith("en") else zh
        self.extend((Problem(path, line or 0, message, warning, once),))

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            if p not in self._seen:
                self._seen.add(p)
                self.items.append(p)

    @property
    def errors(self) -> list[Problem]:
        return sorted(p for p in self.items if not p.warning)

    @property
    def warnings(self) -> list[Problem]:
        return sorted(p for p in self.items if p.warning)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise SiteError(self.errors, self.warnings)

    def zh(self) -> bool:
        return not self.lang.startswith("en")


class SiteError(Exception):
    """Raised between pipeline stages when content problems were found."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = sorted(problems)
        self.warnings = sorted(warnings or [])


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest known spelling of `word`, if one is close enough."""
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def suggestion(problems: Problems, word: str, choices: Iterable[str]) -> str:
    """A localized ' did you mean X?' suffix, or ''."""
    guess = did_you_mean(word, choices)
    return guess_text(problems, guess) if guess else ""


def guess_text(problems: Problems, guess: str) -> str:
    """The localized ' did you mean X?' suffix for a guess made."""
    return f"；你是不是想写 {guess}？" if problems.zh() else f"; did you mean `{guess}`?"


def join_choices(problems: Problems, choices: Iterable[str]) -> str:
    sep = "、" if problems.zh() else ", "
    return sep.join(choices)
