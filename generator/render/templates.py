"""The theme's templates as one renderer uses them: a template rendered by name, its
errors reported at the template file and line they come from."""
from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import jinja2

from generator.core.errors import Problem
from generator.render.theme import Theme, make_environment

MACROS = "partials/macros.html"
MACRO_NAMES = ("show_date", "count", "icon", "overdue_for")


class TemplateProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.format())
        self.problem = problem

    def __reduce__(self) -> tuple[type, tuple[Problem]]:
        return TemplateProblem, (self.problem,)   # raised in a worker, re-raised in the parent


class Templates:
    """One process's Jinja environment for a theme, with `globals` given to every template."""

    def __init__(self, theme: Theme, bytecode_dir: Path | None, language: str, globals: dict[str, Any]) -> None:
        self.theme, self.bytecode_dir, self.language, self.globals = theme, bytecode_dir, language, globals
        self.env = self._environment(inline=True)
        self._exact: jinja2.Environment | None = None   # without inlined partials: see render()
        self._macros_imported = False

    def is_builtin(self, filename: str | None) -> bool:
        """Whether a template file is the built-in theme's (not a site's or a named theme's)."""
        return self.env.is_builtin(filename)  # type: ignore[attr-defined, no-any-return]

    def _environment(self, inline: bool) -> jinja2.Environment:
        env = make_environment(self.theme, self.bytecode_dir if inline else None, inline)
        env.globals.update(self.globals)
        return env

    def warm_up(self, names: tuple[str, ...]) -> None:
        """Compile `names` and the shared macros now (before worker processes fork)."""
        try:
            self._import_macros(self.env)
            for name in names:
                self.env.get_template(name)
        except jinja2.TemplateError:
            self._macros_imported = False   # rendering meets it again and reports it at its line

    def _import_macros(self, env: jinja2.Environment) -> None:
        """The theme's shared macros (partials/macros.html) as globals of every template."""
        if env is self.env:
            self._macros_imported = True
        try:
            module = env.get_template(MACROS).module
        except jinja2.TemplateNotFound:
            return
        for name in MACRO_NAMES:
            if hasattr(module, name):
                env.globals[name] = getattr(module, name)

    def _exact_environment(self) -> jinja2.Environment:
        if self._exact is None:
            self._exact = self._environment(inline=False)
            self._import_macros(self._exact)
        return self._exact

    def render(self, name: str, context: dict[str, Any], exact: bool = False) -> str:
        """Template `name` with `context`; a TemplateProblem at the template's line if it fails.
        A page that fails is rendered again with plain templates (`exact`): the built-in
        theme's inlined partials (render/templatecode.py) report errors at the includer's line."""
        env = self._exact_environment() if exact else self.env
        try:
            if not self._macros_imported:
                self._import_macros(self.env)
            return env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise self.problem(self.theme.display_path(exc.filename or name), exc.lineno or 0,
                                f"模板语法错误：{exc.message}", f"template syntax error: {exc.message}") from None
        except jinja2.TemplateNotFound as exc:
            searched = ", ".join(self.theme.display_path(str(d)) for d in self.theme.template_dirs)
            raise self.problem(name, 0, f"找不到模板「{exc.name}」（查找了：{searched}）",
                                f"template `{exc.name}` not found (searched: {searched})") from None
        except TemplateProblem:
            raise  # already located (a body too complex to render, say)
        except Exception as exc:  # a runtime error inside a template: point at the template line
            if not exact:
                return self.render(name, context, exact=True)
            filename, line = _template_frame(exc)
            if filename is None:
                raise
            raise self.problem(self.theme.display_path(filename), line, f"模板错误：{exc}", f"template error: {exc}") from None

    def problem(self, path: str, line: int, zh: str, en: str) -> TemplateProblem:
        return TemplateProblem(Problem(path, line, en if self.language == "en" else zh))


def _template_frame(exc: BaseException) -> tuple[str | None, int]:
    """The innermost traceback frame that belongs to a template."""
    found: tuple[str | None, int] = (None, 0)
    for frame, line in traceback.walk_tb(exc.__traceback__):
        name = frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".xsl", ".txt", ".svg")) and not name.endswith(".py"):
            found = (name, line)
    return found
