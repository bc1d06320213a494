"""Property tests (hypothesis): no traceback on any input, slugs always safe, the sanitiser
never lets through what its allowlist does not name, and the output does not depend on
file order, --jobs or the hash seed.

Example counts are fixed (no database, no deadline), so a run is reproducible in time;
the last property builds real sites with the CLI in child processes.
"""
from __future__ import annotations

import html.parser
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings, strategies as st

from conftest import REPO, case_text, make_site, tree_hash
from generator.render import markup as markup_module, quickmark
from generator.core import sanitize
from generator.source.config import load_config
from generator.source.content import parse_document
from generator.source.readers import CASE_KEYS, Context
from generator.core.errors import Problems
from generator.render.markup import render_body
from generator.source.places import load_places
from generator.core.slugs import MAX_SLUG, SLUG_RE, slugify
from generator.source.topics import load_topics

FAST = settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))

CJK = "凉泉乡南干渠新架桥梁村群众出行不再绕远扬子街道妈妈班弹性工时重庆长寿区银行行长议事协商委员会"
MIXED = CJK + "abcXYZ019 -_./:\\#*[]()<>&\"'`~!@{}|\t\n\u3000\u2028\ufeff。，、；：？！“”（）—…"
SAMPLES = ["2021-06-20", "2021-06", "2021年6月20日", "2022-01-04 00:18:21", "Tue, 04 Jan 2022 00:18:21 GMT", "凉泉乡",
           "望江县/凉泉乡", "交通出行", "resolved", "已办结", "raised", "韩店村", "https://bulletin.test/a", "javascript:alert(1)",
           "liangquan-bridge", "../x", "", " ", "null", "~", "yes", "2999-01-01", "-1", "1e9", "<script>alert(1)</script>"]
KEYS = list(CASE_KEYS) + ["allow_personal_data", "personal_data_reason", "categories", "tags", "author", "permalink",
                          "description", "text", "stage", "name", "url", "标题", "x"]

scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**12), st.floats(allow_nan=True),
                   st.text(alphabet=MIXED, max_size=30), st.sampled_from(SAMPLES))
value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
                     max_leaves=10)
front_matter = st.dictionaries(st.sampled_from(KEYS), value, max_size=12)
MUTATIONS = ["\t", ":", "---\n", "&a ", "*a", "!!python/object:os.system ", "{", "[", "\"", "'", "\n  - ", "\x00", "\ufeff", "\r\n"]
MARKDOWN = ["# ", "- ", "1. ", "> ", "```\n", "    ", "[x](case:bridge)", "[x](javascript:alert(1))", "<div>", "</div>",
            "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "*", "_", "`", "|a|b|\n|-|-|\n", "\n\n", "[^1]", "*[A]: x\n",
            ": def\n", "{: #id }", '<div markdown="1">', "&amp;", "&#0;", "13812345678", "a@b.cn"]
body = st.lists(st.one_of(st.sampled_from(MARKDOWN), st.text(alphabet=MIXED, max_size=20)), max_size=25).map("".join)


@st.composite
def documents(draw: Any) -> bytes:
    """A content file: valid YAML from random values, sometimes mutated, sometimes plain junk."""
    shape = draw(st.sampled_from(["yaml", "mutated", "junk", "bytes"]))
    if shape == "bytes":
        return draw(st.binary(max_size=300))
    text = yaml.safe_dump(draw(front_matter), allow_unicode=True, sort_keys=False)
    if shape == "mutated":
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(MUTATIONS)) + text[at:]
    elif shape == "junk":
        text = draw(st.text(alphabet=MIXED, max_size=200))
    fence = draw(st.sampled_from(["---\n", "\n\n---\n", "---\r\n", "\ufeff---\n", ""]))
    return (fence + text + "---\n" + draw(body)).encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Context:
    site = make_site(tmp_path_factory.mktemp("ctx"), {})
    problems = Problems()
    return Context(load_config(site, problems), load_places(site, problems), load_topics(site, problems))


@FAST
@given(data=documents(), kind=st.sampled_from(["cases", "reports", "pages"]))
def test_any_file_gives_a_document_or_located_problems(ctx: Context, data: bytes, kind: str) -> None:
    rel = f"content/{kind}/2021-06-20-x.md"
    doc, problems = parse_document(kind, rel, data, ctx)
    assert all(p.path == rel and p.line >= 0 and p.message.strip() for p in problems)
    if doc is None:
        assert any(not p.warning for p in problems)
    else:
        assert SLUG_RE.match(doc.slug) and len(doc.slug) <= MAX_SLUG
        render_body(doc.body)   # whatever validation let through renders


@SLOW
@given(data=documents())
@example(data=b"---\ndate: '\n\n  '\n---\n")   # a date value holding a line break, quoted in the message
def test_check_never_shows_a_traceback(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    site = make_site(tmp_path_factory.mktemp("check"), {"content/cases/ok.md": case_text(slug="ok"), "content/cases/x.md": data})
    code, _, err = run_quietly(["check", str(site)])
    assert code in (0, 1)
    assert "Traceback" not in err and "internal error" not in err
    if code == 1:
        *problems, count = err.splitlines()
        assert count.startswith("发现 ") and all(line.startswith(("content/", "site.yaml")) for line in problems), err


def run_quietly(argv: list[str]) -> tuple[int, str, str]:
    import contextlib
    import io
    from generator.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=1000, deadline=None, database=None)
@given(st.text(max_size=120) | st.text(alphabet=MIXED, max_size=120))
def test_slugs_are_always_safe(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or (SLUG_RE.match(slug) and len(slug) <= MAX_SLUG)
    assert slugify(slug) == slug   # stable


# -- the sanitiser -------------------------------------------------------------------------

TAG_NAMES = sorted(sanitize.TAGS) + ["script", "style", "iframe", "object", "embed", "form", "input", "button", "svg", "math",
                                     "base", "meta", "link", "textarea", "select", "template", "noscript", "xmp", "a", "img",
                                     "frameset", "set", "animate", "foreignObject", "mglyph", "x-y", "SCRIPT", "ScRiPt"]
ATTR_NAMES = sorted(set().union(*sanitize.ATTRIBUTES.values())) + [
    "onerror", "onload", "onclick", "ONMOUSEOVER", "style", "srcdoc", "formaction", "action", "xlink:href", "data", "srcset",
    "background", "poster", "to", "values", "http-equiv", "content", "target", "rel", "xmlns", "href", "src"]
ATTR_VALUES = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "jav&#x09;ascript:alert(1)",
               "&#106;avascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "https://bulletin.test/",
               "/a", "case:bridge", "x.png", "expression(alert(1))", "alert(1)", "\"><script>alert(1)</script>", "", "#x"]


@st.composite
def markup(draw: Any, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.integers(0, 5))
        if choice == 0 or depth > 3:
            parts.append(draw(st.text(alphabet="ab<>&\"'=/ !-\n中", max_size=8)))
        else:
            tag = draw(st.sampled_from(TAG_NAMES))
            attrs = "".join(f' {draw(st.sampled_from(ATTR_NAMES))}="{draw(st.sampled_from(ATTR_VALUES))}"'
                            for _ in range(draw(st.integers(0, 3))))
            close = draw(st.sampled_from(["</" + tag + ">", "", "/>"]))
            parts.append(f"<{tag}{attrs}>{draw(markup(depth + 1))}{close}")
    return "".join(parts)


# Independent of sanitize.py's own lists: none of these may ever come out.
DANGEROUS_TAGS = {"script", "style", "iframe", "frame", "object", "embed", "form", "input", "button", "textarea", "select",
                  "base", "meta", "link", "svg", "math", "template", "noscript", "xmp", "plaintext", "applet", "frameset"}


class Collect(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_allowed(cleaned: str) -> None:
    parser = Collect()
    parser.feed(cleaned)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in sanitize.TAGS, (tag, cleaned)
        allowed = sanitize.ATTRIBUTES["*"] | sanitize.ATTRIBUTES.get(tag, set())
        assert tag not in DANGEROUS_TAGS
        for name, value in attrs:
            assert name in allowed, (tag, name, cleaned)
            assert not name.startswith("on") and name not in ("style", "srcdoc", "action", "formaction"), (tag, name)
            if name in ("href", "src") and value and ":" in value.split("/", 1)[0]:
                scheme = value.split(":", 1)[0].strip().lower()
                assert scheme in sanitize.URL_SCHEMES, (tag, name, value)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(markup())
def test_the_sanitiser_lets_through_only_its_allowlist(html_text: str) -> None:
    assert_allowed(sanitize.clean(html_text))


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(markup(), st.sampled_from(MARKDOWN)), max_size=6).map("\n".join))
def test_markdown_bodies_come_out_within_the_allowlist(text: str) -> None:
    assert_allowed(render_body(text))


# -- output bytes do not depend on file order, --jobs or the hash seed ----------------------

def random_site(seed: int) -> dict[str, str]:
    """A site big enough (410 files, 400+ outputs) that --jobs 2 parses and renders in worker processes."""
    rng = random.Random(seed)
    towns, stages = ["凉泉乡", "赛口镇", "杨庙镇"], ["raised", "adopted", "consulting", "following_up", "resolved"]
    files = {}
    for i in range(150):
        title = "".join(rng.choice(CJK) for _ in range(rng.randint(4, 12)))
        date = rng.choice(["2021-06-20", "2021-06", "2022-01-04 00:18:21", f"2020-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"])
        timeline = "".join(f"  - {{date: 2021-0{k + 1}, stage: {stages[k]}, text: 第{k}步}}\n" for k in range(rng.randint(0, 3)))
        links = f"见 [另一个案例](case:c{rng.randrange(i)})。\n" if i and rng.random() < 0.3 else ""
        files[f"content/cases/{rng.choice(['', 'sub/'])}c{i}.md"] = (
            f"---\ntitle: {title}\ndate: {date}\ntownship: {rng.choice(towns)}\ntopics: [{rng.choice(['交通出行', '农田水利'])}]\n"
            f"status: {rng.choice(stages)}\nslug: c{i}\nparticipants: {rng.randint(1, 30)}\n"
            + (f"timeline:\n{timeline}" if timeline else "")
            + f"---\n{title}。\n\n## 经过\n\n- 一\n- 二\n\n{links}")
    for i in range(rng.randint(1, 5)):
        files[f"content/reports/2022-01-{i + 1:02d}-r{i}.md"] = f"---\ntitle: 报道{i}\ncases: [c{rng.randrange(150)}]\n---\n正文\n"
    for i in range(260):
        files[f"content/pages/p{i}.md"] = f"---\ntitle: 页面{i}\nslug: p{i}\n---\n{rng.choice(CJK) * rng.randint(1, 40)}\n"
    return files


def cli_build(site: Path, out: Path, jobs: int, hash_seed: str, cache: bool) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": hash_seed, "SOURCE_DATE_EPOCH": "1700000000"}
    env.pop("BULLETIN_NO_CACHE", None)
    if not cache:
        env["BULLETIN_NO_CACHE"] = "1"
    done = subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-o", str(out), "--jobs", str(jobs)],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    return tree_hash(out)


@settings(max_examples=2, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32 - 1))
def test_output_does_not_depend_on_file_order_jobs_or_hash_seed(tmp_path_factory: pytest.TempPathFactory, seed: int) -> None:
    files = random_site(seed)
    root = tmp_path_factory.mktemp("det")
    forward = make_site(root / "forward", dict(files))
    backward = make_site(root / "a" / "backward", dict(reversed(list(files.items()))))   # other creation order, other path
    reference = cli_build(forward, root / "out1", jobs=1, hash_seed="0", cache=False)
    assert cli_build(backward, root / "out2", jobs=2, hash_seed="12345", cache=True) == reference
    assert cli_build(backward, root / "out2", jobs=2, hash_seed="random", cache=True) == reference   # warm cache, new seed


# -- Markdown converted by the pruned instances equals a full instance's output ---------

PRUNING_PIECES = MARKDOWN + ["~~~\ncode\n~~~\n", "```py\nx\n```\n", "a  \nb", "a \t\nb", "a\r\nb  \r\n", "trailing  ",
                             "\\*", "\\[x]", "<https://example.org>", "<a@b.cn>", "![p](/x.png)", "![p][r]\n\n[r]: /y.png",
                             "[a][r]\n\n[r]: /z", "[r]", "**b**", "__u__", "_e_", "***", "a | b\n--|--\n1 | 2\n",
                             "[^n]\n\n[^n]: note", "&copy;", "&#x41;", "`code`", "``a`b``", "\t- tab item",
                             "<div>", "</div>\n", "<!-- c -->", "<br>", "<span>s</span>", "&#12", "&", "a<b", "<!",
                             # what block processors look for: indents, numbers, rules, underlines, references
                             "\n    code\n", "\n\tcode\n", "\n1. one\n2. two\n", "\n3) three\n", "\nTitle\n=====\n",
                             "\ntext\n---\n", "\n* * *\n", "\n- - -\n", "\n___\n", "\n+ plus\n", "\n[r]: /x\n", "\n> q\n",
                             "\n- a\n\n    more\n", "\n1. a\n\n        code\n"]


@settings(max_examples=1500, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(st.sampled_from(PRUNING_PIECES), st.text(alphabet=MIXED, max_size=12)), max_size=14).map("".join))
@example("<script>alert(1)</script>trailing  <div>")   # raw HTML put a newline after the spaces
@example("&#12")   # the html_block pass completes a character reference: not idle without "<"
def test_pruned_markdown_instances_give_the_full_instances_html(text: str) -> None:
    assert markup_module._markdown(text).reset().convert(text) == markup_module._markdown_full().convert(text)


def _example_and_benchmark_bodies() -> tuple[list[str], list[str]]:
    """The bodies of the example site, and 300 of the benchmark corpus generator's."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import generate  # the benchmark corpus generator: realistic bodies
    finally:
        sys.path.pop(0)
    examples = [p.read_text(encoding="utf-8").split("\n---\n", 1)[-1] for p in (REPO / "content").rglob("*.md")]
    return examples, [case["body"] for case in generate.cases(300)]


def test_pruned_markdown_matches_on_every_example_and_benchmark_body() -> None:
    examples, generated = _example_and_benchmark_bodies()
    full = markup_module._markdown_full()
    for text in examples + generated:
        assert markup_module._markdown(text).reset().convert(text) == full.reset().convert(text), text[:80]


# -- quickmark gives Python-Markdown's HTML, or leaves the body to it -------------------

QUICK_PIECES = ["\n", "\n\n", "\n\n\n", "\n>", "\n> ", "\n>\n", "\n- ", "\n1. ", "\n## ", "## ", "# ", "###### ", "####### ", "#",
                "- ", "* ", "+ ", "1. ", "2. ", "10. ", "1.", "> ", ">", ">> ", "**", "*", " ", "  ", "=", "==\n", "---", "- - -",
                "***", "___", "[", "]", "(", ")", "[a](case:b)", "[文字](/x/y.html)", "[a](b c)", "[a] (b)", "[a]: /r", "![p](x.png)",
                "**加粗**", "** x **", "**a**b**c**", "“引号”", "'", '"', "\u3000", "\u2028", "\x0b", "\x85", ":", "：", "1)", "#标题",
                "!", "凉泉乡", "正文", "x>y", "。"]


@settings(max_examples=3000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(QUICK_PIECES), min_size=1, max_size=16).map("".join))
@example("> a\n>")           # Python-Markdown keeps a newline at the end of the quote's paragraph
@example("- \x85a")          # and strips any kind of space after a list marker
@example("## 标题\n正文\n\n- **a**：[b](case:c)\n- d\n\n1. e\n\n> f\n>\n> g")
def test_quickmark_gives_python_markdowns_html_or_nothing(text: str) -> None:
    quick = quickmark.convert(text)
    assert quick is None or quick == markup_module._markdown_full().convert(text)


def test_quickmark_takes_the_example_and_benchmark_bodies() -> None:
    """Every body it takes comes out as Python-Markdown's; and it takes most of them, or the
    build would be as slow as before (a test that fails when the quick path falls out of use)."""
    examples, generated = _example_and_benchmark_bodies()
    full = markup_module._markdown_full()
    for text in examples + generated:
        quick = quickmark.convert(text)
        assert quick is None or quick == full.reset().convert(text), text[:80]
    assert all(quickmark.convert(text) is not None for text in generated)
    assert sum(quickmark.convert(text) is not None for text in examples) >= len(examples) * 2 // 3
