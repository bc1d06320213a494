"""The theme chain (site templates/ → themes/NAME/ → built-in default), the Jinja
environment, i18n strings and static files.

Reads theme files only; renders nothing.
"""
from __future__ import annotations

import hashlib
import os
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Any

import jinja2
import jinja2.bccache
import jinja2.ext

from generator.core.themedir import builtin_theme_dir
from generator.core.cachefiles import code_fingerprint, temporary_for
from generator.core.errors import Problems
from generator.core.yamlsrc import YamlError, YMap, load_yaml
from generator.render.templatecode import CodeGenerator, inline_partials, output_escape


@dataclass(frozen=True, slots=True)
class Theme:
    """Where templates, static files, strings and archetypes come from, first layer wins."""

    site_dir: Path
    layers: tuple[Path, ...]     # theme roots, most specific first
    template_dirs: tuple[Path, ...]
    strings: dict[str, str]

    def find(self, sub: str, name: str) -> Path | None:
        for layer in self.layers:
            candidate = layer / sub / name
            if candidate.is_file():
                return candidate
        return None

    def static_files(self) -> dict[str, Path]:
        """OUT-relative path → source file, theme static under the site's own static/."""
        files: dict[str, Path] = {}
        site = self.site_dir.resolve()
        for root in [self.site_dir / "static"] + [layer / "static" for layer in self.layers]:
            if root.is_dir():
                in_site = root.resolve().is_relative_to(site)
                for path in sorted(root.rglob("*")):
                    if path.is_file() and not path.name.startswith("."):
                        if in_site and not path.resolve().is_relative_to(site):
                            continue  # a link out of the site folder: never published
                        files.setdefault(path.relative_to(root).as_posix(), path)
        return dict(sorted(files.items()))

    def asset_versions(self) -> dict[str, str]:
        """OUT path → a short hash of its bytes, for each static file under assets/. Pages ask for
        assets/site.css?v=HASH (the `asset()` of templates), so a browser that cached an older
        site.css or search.js for a year takes the new one the day it is published."""
        return {rel: hashlib.blake2b(path.read_bytes(), digest_size=5).hexdigest()
                for rel, path in self.static_files().items() if rel.startswith("assets/")}

    def fingerprint(self) -> str:
        """Hash of every template, string and asset version, for cache keys."""
        digest = hashlib.sha256()
        for directory in self.template_dirs:
            if directory.is_dir():
                for path in sorted(directory.rglob("*")):
                    if path.is_file():
                        digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
        digest.update(repr(sorted(self.strings.items())).encode())
        digest.update(repr(sorted(self.asset_versions().items())).encode())
        return digest.hexdigest()

    def display_path(self, filename: str) -> str:
        path = Path(filename)
        try:
            return path.resolve().relative_to(self.site_dir.resolve()).as_posix()
        except ValueError:
            builtin = builtin_theme_dir().resolve()
            try:
                return "themes/default/" + path.resolve().relative_to(builtin).as_posix() + " (built-in)"
            except ValueError:
                return path.as_posix()


def load_theme(site_dir: Path, name: str, language: str, problems: Problems) -> Theme:
    layers: list[Path] = []
    chosen = site_dir / "themes" / name
    if chosen.is_dir():
        layers.append(chosen)
    elif name != "default":
        available = sorted(p.name for p in (site_dir / "themes").glob("*") if p.is_dir()) if (site_dir / "themes").is_dir() else []
        problems.add("site.yaml", None, f"找不到主题「{name}」（查找了 themes/{name}/）；可用的主题：{'、'.join(available + ['default'])}",
                     f"theme `{name}` not found (looked in themes/{name}/); available: {', '.join(available + ['default'])}")
    builtin = builtin_theme_dir()
    if builtin.resolve() not in [layer.resolve() for layer in layers]:
        layers.append(builtin)
    template_dirs = [site_dir / "templates"] + [layer / "templates" for layer in layers]
    strings = _load_strings(site_dir, tuple(layers), language, problems)
    return Theme(site_dir, tuple(layers), tuple(template_dirs), strings)


def _load_strings(site_dir: Path, layers: tuple[Path, ...], language: str, problems: Problems) -> dict[str, str]:
    strings: dict[str, str] = {}
    for layer in reversed(layers):  # least specific first, so specific layers override
        path = layer / "i18n" / f"{language}.yaml"
        if not path.is_file():
            continue
        try:
            data = load_yaml(path.read_text("utf-8"))
        except (YamlError, UnicodeDecodeError) as exc:
            shown = path.relative_to(site_dir).as_posix() if path.is_relative_to(site_dir) else path.as_posix()
            line = exc.line if isinstance(exc, YamlError) else None
            problems.add(shown, line, f"界面文字文件无法读取：{getattr(exc, 'zh', exc)}", f"cannot read UI strings: {getattr(exc, 'en', exc)}")
            continue
        if isinstance(data, YMap):
            strings.update({str(k): str(v) for k, v in data.items() if v is not None})
    return strings


class _AtomicBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates in SITE/.cache/jinja/, written whole (workers may read them at once).

    Compiled code holds the folded UI strings (_FoldStrings), so the strings are part of the
    checksum that decides whether a compiled template is still good.
    """

    def __init__(self, directory: str, salt: str) -> None:
        super().__init__(directory)
        self.salt = salt

    def get_source_checksum(self, source: str) -> str:
        return hashlib.sha1((self.salt + "\0" + source).encode()).hexdigest()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = Path(self._get_cache_filename(bucket))
        temporary = temporary_for(path)
        try:
            with open(temporary, "wb") as handle:
                bucket.write_bytecode(handle)
            os.replace(temporary, path)
        except OSError:
            temporary.unlink(missing_ok=True)


def make_environment(theme: Theme, bytecode_dir: Path | None = None, inline: bool = True) -> jinja2.Environment:
    """The Jinja environment; `bytecode_dir` keeps compiled templates between builds.
    `inline`: the built-in theme's partials compiled into its templates (render/templatecode.py)."""
    bytecode_cache = None
    if bytecode_dir is not None and inline:
        try:
            bytecode_dir.mkdir(parents=True, exist_ok=True)
            # A template's code holds the folded UI strings and, inlined, other templates: any
            # template file added, removed or changed makes every compiled template stale.
            salt = hashlib.sha1(repr((sorted(theme.strings.items()), _template_files(theme))).encode()
                                + f"{jinja2.__version__}:{code_fingerprint()}".encode()).hexdigest()
            bytecode_cache = _AtomicBytecodeCache(str(bytecode_dir), salt)
        except OSError:
            bytecode_cache = None
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader([str(d) for d in theme.template_dirs if d.is_dir()]),
        jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(str(builtin_theme_dir() / "templates"))}),
    ])
    env = _Environment(inline, loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                       auto_reload=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                       extensions=[_FoldStrings], bytecode_cache=bytecode_cache)
    env.context_class = _Context
    strings = theme.strings
    env.extend(ui_strings=strings)

    def translate(key: str, **values: Any) -> str:
        if key not in strings:
            raise KeyError(f"UI string `{key}` is missing from i18n")
        text = strings[key]
        return text.format(**values) if values else text

    env.globals["t"] = translate
    env.globals["remember"] = remember
    return env


def precompile(theme: Theme, bytecode_dir: Path) -> None:
    """Compile the theme's page templates into `bytecode_dir` (a cold build does this while
    worker processes parse the content: each worker would otherwise compile the templates
    it meets, 0.3 s for all of them). Not partials/: the built-in ones are compiled into the
    templates that include them, and the few a page renders on their own (cards, navigation)
    are compiled when first met. A template that does not compile is left to the render,
    which reports it at its line."""
    env = make_environment(theme, bytecode_dir)
    for name in env.list_templates(filter_func=lambda n: not n.startswith(("default/", "partials/"))):
        try:
            env.get_template(name)
        except Exception:  # noqa: BLE001 (any file in a template folder, used or not: Python's own
            continue       # compiler can fail too, "too many statically nested blocks")


def _template_files(theme: Theme) -> list[tuple[str, int, int]]:
    """Every template file of the theme chain, with its size and mtime."""
    found = []
    for directory in theme.template_dirs:
        for folder, _, names in os.walk(directory):
            for name in names:
                path = os.path.join(folder, name)
                stat = os.stat(path)
                found.append((path, stat.st_size, stat.st_mtime_ns))
    return sorted(found)


class _Environment(jinja2.Environment):
    _loaded: dict[tuple[str, str | None], jinja2.Template]
    code_generator_class = CodeGenerator
    output_escape = staticmethod(output_escape)

    def __init__(self, inline: bool, **options: Any) -> None:
        super().__init__(**options)
        self._loaded = {}
        self.inline = inline
        self._builtin = str(builtin_theme_dir().resolve()) + os.sep
        self._builtin_files: dict[str, bool] = {}

    def is_builtin(self, filename: str | None) -> bool:
        """Whether a template file is the built-in theme's (asked for every cached piece a page shows)."""
        if filename is None:
            return False
        found = self._builtin_files.get(filename)
        if found is None:
            found = self._builtin_files[filename] = os.path.realpath(filename).startswith(self._builtin)
        return found

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        tree = super()._parse(source, name, filename)
        if self.inline and self.is_builtin(filename):
            inline_partials(self, tree, self.is_builtin)
        return tree

    def make_globals(self, d: Any) -> Any:
        """A template's globals as a plain dict, not Jinja's ChainMap over the environment's:
        each page and each include copies them twice (new_context, Context.__init__), and
        iterating a ChainMap is slow. The environment's globals are all set before the first
        page template loads (make_environment, Renderer), as Jinja asks of them anyway."""
        return {**self.globals, **(d or {})}

    def get_template(self, name: Any, parent: str | None = None, globals: Any = None) -> jinja2.Template:
        """Jinja's get_template, remembered by name: every include asks for its template
        (16 a case page), and Jinja's own cache takes a lock and makes a weak reference
        each time. Templates never change during a build (auto_reload is off)."""
        if globals is None and isinstance(name, str):
            found = self._loaded.get((name, parent))
            if found is None:
                found = self._loaded[(name, parent)] = super().get_template(name, parent)
            return found
        return super().get_template(name, parent, globals)


_PLAIN_CALLABLES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType)


class _Context(jinja2.runtime.Context):
    """Jinja's context with a short road for calling plain functions.

    Every call in a template goes through Context.call, which looks for `pass_context`
    and the like on the callee and on its __call__ (about a quarter of a case page's
    template time, 75 calls a page). A plain function, builtin or bound method without
    the `jinja_pass_arg` mark gets nothing passed, so it is called straight away, as
    Context.call itself would end up calling it; everything else goes the long way."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's own signature)
        if type(__obj) not in _PLAIN_CALLABLES or hasattr(__obj, "jinja_pass_arg"):
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")


def remember(macro: Callable[..., Any]) -> Callable[..., Any]:
    """`macro`, answering each distinct argument list from a memo after the first call.

    For theme macros whose output depends only on their arguments and the UI strings
    (dates, icons, counts): a Jinja macro call costs tens of microseconds, a page makes
    dozens of them, and most repeat.
    """
    memo: dict[Any, Any] = {}

    def remembered(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(sorted(kwargs.items()))) if kwargs else args
        try:
            return memo[key]
        except KeyError:
            found = memo[key] = macro(*args, **kwargs)
            return found
        except TypeError:  # an argument that cannot be a dict key
            return macro(*args, **kwargs)
    return remembered


_STRING_CALL = re.compile(r"""\bt\(\s*(['"])([A-Za-z0-9_.-]+)\1\s*\)""")


class _FoldStrings(jinja2.ext.Extension):
    """Replace `t('key')` with its text when templates are compiled.

    A page calls t() dozens of times; as a constant the string costs nothing at
    render time. Calls with values (`t('n_cases', n=3)`) or computed keys stay calls,
    and so does an unknown key, which then fails at its template line as before.
    """

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        strings: dict[str, str] = self.environment.ui_strings  # type: ignore[attr-defined]

        def fold(match: re.Match[str]) -> str:
            key = match[2]
            if key not in strings:
                return match[0]
            return "'" + strings[key].replace("\\", "\\\\").replace("'", "\\'") + "'"
        return _STRING_CALL.sub(fold, source)
