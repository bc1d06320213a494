"""How the theme's templates are compiled: the output Jinja's own code gives, made faster.

Two changes to the Python code Jinja generates (a case page's template time went from
0.30 to 0.20 ms on the benchmark corpus, byte for byte the same pages):

- `{{ value }}` escapes to a plain str: markupsafe's escape wraps every value in a Markup
  object (a Python-level __new__ each time), which the page only joins into one string;
- the built-in theme's `{% include %}`s of its own partials are compiled into the including
  template, each in a scope of its own as an include has, instead of making a new context
  at render time (15 includes a case page).

An inlined partial reports a runtime error at the including template's line, so the renderer
renders a failed page again with plain templates (`inline=False`), which report it where it is.
"""
from __future__ import annotations

from typing import Any

import jinja2
import jinja2.compiler
import markupsafe
from jinja2 import nodes
from jinja2.visitor import NodeTransformer

# markupsafe's C escape without the Markup wrapper (MarkupSafe 2.1+); older ones go the long way.
_escape_text = getattr(markupsafe, "_escape_inner", None) or (lambda text: str(markupsafe.escape(text)))

# What an inlined partial may not hold: it would mean something else inside another template.
_NOT_INLINED = (nodes.Extends, nodes.Block, nodes.Macro, nodes.Import, nodes.FromImport)
_OWN_NAMES = {"self", "super", "caller", "varargs", "kwargs"}
MAX_INLINE_DEPTH = 8


def output_escape(value: Any) -> str:
    """What `{{ value }}` writes with autoescape on: markupsafe.escape's text, as a plain str."""
    if type(value) is str:
        return _escape_text(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()  # type: ignore[no-any-return]
    return _escape_text(str(value))


class CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, writing `environment.output_escape(…)` for autoescaped output,
    and passing a block's or a parent template's output up as one string."""

    def writeline(self, x: str, node: nodes.Node | None = None, extra: int = 0) -> None:
        # Jinja renders through generators: each piece a block yields is resumed through every
        # generator around it (the block, the page's template, base.html), 600 a case page.
        # Joined where the block is called, it is passed up once.
        if x.startswith("yield from "):
            x = f'yield "".join({x[len("yield from "):]})'
        super().writeline(x, node, extra)

    def _output_child_pre(self, node: nodes.Expr, frame: jinja2.compiler.Frame,
                          finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.output_escape(")
        if finalize.src is not None:
            self.write(finalize.src)


def inline_partials(env: jinja2.Environment, tree: nodes.Template, is_builtin: Any) -> None:
    """Compile the built-in partials that `tree` includes into it, recursively.

    `is_builtin(filename)` says whether a template file is the built-in theme's: a site's own
    partial is included as Jinja does it, so what a site writes is never compiled differently."""
    _Inliner(env, is_builtin, 0).visit(tree)


class _Inliner(NodeTransformer):
    def __init__(self, env: jinja2.Environment, is_builtin: Any, depth: int) -> None:
        self.env, self.is_builtin, self.depth = env, is_builtin, depth

    def visit_Include(self, node: nodes.Include) -> nodes.Node:  # noqa: N802 (Jinja's visitor name)
        name = node.template.value if isinstance(node.template, nodes.Const) else None
        if not isinstance(name, str) or not node.with_context or self.depth >= MAX_INLINE_DEPTH:
            return node
        try:
            source, filename, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            return node   # `ignore missing`, or the error the include gives when rendered
        if not self.is_builtin(filename):
            return node
        partial = jinja2.Environment._parse(self.env, source, name, filename)
        if not _inlinable(partial):
            return node
        _Inliner(self.env, self.is_builtin, self.depth + 1).visit(partial)
        return nodes.Scope(partial.body, lineno=node.lineno)


def _inlinable(partial: nodes.Template) -> bool:
    """A partial that reads only names of its includer's context (`loop` only of its own loops)."""
    if any(True for _ in partial.find_all(_NOT_INLINED)):
        return False
    names = [n.name for n in partial.find_all(nodes.Name)]
    if _OWN_NAMES.intersection(names):
        return False
    in_own_loops = {id(n) for loop in partial.find_all(nodes.For) for child in [*loop.body, *loop.else_]
                    for n in child.find_all(nodes.Name)}
    return all(id(n) in in_own_loops for n in partial.find_all(nodes.Name) if n.name == "loop")
