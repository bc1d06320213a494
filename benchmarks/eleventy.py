"""Build the generated cases with Eleventy, to measure it once beside bulletin.

    python3 benchmarks/eleventy.py                       # 1,000 and 10,000 cases, 3 cold builds each
    python3 benchmarks/eleventy.py --cases 1000 --rounds 5

Writes the same N cases as benchmarks/generate.py (one Markdown page per case
at /cases/SLUG/, a list per township and per topic at /townships/SLUG/ and
/topics/SLUG/ with 20 cases a page and later pages at page/N/, a home page and
an Atom feed of the newest 20 at /feed.xml) as an Eleventy site with Nunjucks
layouts, then times cold builds: `npx @11ty/eleventy --quiet` run in the site
folder with its _site/ output removed first. Eleventy is installed with npm
into benchmarks/.peers/eleventy/ (gitignored) and the sites are written under
it, so npx finds that local install and never fetches anything.

Each run prints its wall time, the CPU time (user + system) of the process
tree, its peak memory (npx, node) and the load averages just before it; the machine is shared, so the load shows
how much to trust a figure. Results are recorded in benchmarks/PEERS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
from pathlib import Path

import generate

ELEVENTY = Path(__file__).resolve().parent / ".peers" / "eleventy"   # run.PEERS / "eleventy"
COMMAND = ["npx", "@11ty/eleventy", "--quiet"]
PER_PAGE = 20

CONFIG = """\
// Eleventy configuration for the generated benchmark site.
function pages(cases, keysOf, names) {
  const groups = new Map();
  for (const item of cases) {
    for (const key of keysOf(item)) {
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(item);
    }
  }
  const out = [];
  for (const [slug, items] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const total = Math.ceil(items.length / PER_PAGE);
    for (let number = 1; number <= total; number++) {
      out.push({ slug, name: names[slug], number, total, count: items.length,
                 items: items.slice((number - 1) * PER_PAGE, number * PER_PAGE) });
    }
  }
  return out;
}
const PER_PAGE = @PER_PAGE@;

module.exports = function (eleventyConfig) {
  const names = require("./src/_data/names.json");
  const newestFirst = (api) => api.getFilteredByGlob("./src/cases/*.md").sort((a, b) =>
    b.date - a.date || (a.fileSlug < b.fileSlug ? -1 : 1));
  eleventyConfig.addCollection("cases", newestFirst);
  eleventyConfig.addCollection("townshipPages", (api) =>
    pages(newestFirst(api), (c) => [c.data.township], names.townships));
  eleventyConfig.addCollection("topicPages", (api) => pages(newestFirst(api), (c) => c.data.topics, names.topics));
  eleventyConfig.addFilter("head", (items, count) => items.slice(0, count));
  eleventyConfig.addFilter("isoDate", (date) => date.toISOString());
  eleventyConfig.addFilter("zhDate", (date) =>
    `${date.getUTCFullYear()}年${date.getUTCMonth() + 1}月${date.getUTCDate()}日`);
  return { dir: { input: "src", output: "_site" }, markdownTemplateEngine: "liquid" };
};
"""

BASE = """\
<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% if title %}{{ title }} · {% endif %}{{ site.title }}</title>
<link rel="alternate" type="application/atom+xml" href="/feed.xml"></head>
<body>
<header><a href="/">{{ site.title }}</a></header>
<main>
{{ content | safe }}
</main>
</body>
</html>
"""

CASE = """\
---
layout: base.njk
---
<article>
<h1>{{ title }}</h1>
<dl>
<dt>日期</dt><dd><time datetime="{{ page.date | isoDate }}">{{ page.date | zhDate }}</time></dd>
<dt>乡镇</dt><dd><a href="/townships/{{ township }}/">{{ names.townships[township] }}</a></dd>
<dt>议题</dt><dd>{% for t in topics %}<a href="/topics/{{ t }}/">{{ names.topics[t] }}</a> {% endfor %}</dd>
<dt>进展</dt><dd>{{ status }}</dd>
<dt>形式</dt><dd>{{ form }}</dd>
</dl>
{{ content | safe }}
</article>
"""

LIST_PAGE = """\
---
pagination:
  data: collections.@COLLECTION@
  size: 1
  alias: chunk
permalink: "/@KIND@/{{ chunk.slug }}/{% if chunk.number > 1 %}page/{{ chunk.number }}/{% endif %}"
layout: base.njk
eleventyExcludeFromCollections: true
eleventyComputed:
  title: "{{ chunk.name }}"
---
<h1>{{ chunk.name }}</h1>
<p>共 {{ chunk.count }} 件，第 {{ chunk.number }}/{{ chunk.total }} 页</p>
<ul>
{%- for item in chunk.items %}
<li><a href="{{ item.url }}">{{ item.data.title }}</a> <time>{{ item.date | zhDate }}</time></li>
{%- endfor %}
</ul>
<nav>
{%- if chunk.number > 1 %}<a href="/@KIND@/{{ chunk.slug }}/{% if chunk.number > 2 %}page/{{ chunk.number - 1 }}/{% endif %}">上一页</a>{% endif %}
{%- if chunk.number < chunk.total %} <a href="/@KIND@/{{ chunk.slug }}/page/{{ chunk.number + 1 }}/">下一页</a>{% endif %}
</nav>
"""

HOME = """\
---
permalink: /
layout: base.njk
eleventyExcludeFromCollections: true
---
<h1>{{ site.title }}</h1>
<h2>最新协商成果</h2>
<ul>
{%- for item in collections.cases | head(20) %}
<li><a href="{{ item.url }}">{{ item.data.title }}</a> <time>{{ item.date | zhDate }}</time></li>
{%- endfor %}
</ul>
<h2>按乡镇</h2>
<ul>{% for slug, name in names.townships %}<li><a href="/townships/{{ slug }}/">{{ name }}</a></li>{% endfor %}</ul>
<h2>按议题</h2>
<ul>{% for slug, name in names.topics %}<li><a href="/topics/{{ slug }}/">{{ name }}</a></li>{% endfor %}</ul>
"""

FEED = """\
---
permalink: /feed.xml
eleventyExcludeFromCollections: true
---
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">
<title>{{ site.title }}</title>
<id>{{ site.url }}/</id>
<link href="{{ site.url }}/feed.xml" rel="self"/>
<link href="{{ site.url }}/"/>
<updated>{{ (collections.cases | first).date | isoDate }}</updated>
{%- for item in collections.cases | head(20) %}
<entry>
<title>{{ item.data.title }}</title>
<id>{{ site.url }}{{ item.url }}</id>
<link href="{{ site.url }}{{ item.url }}"/>
<updated>{{ item.date | isoDate }}</updated>
<content type="html">{{ item.templateContent }}</content>
</entry>
{%- endfor %}
</feed>
"""

def write_eleventy(n: int, root: Path) -> int:
    """The same N cases as generate.cases(n), as an Eleventy site in ROOT; returns the files it should build."""
    shutil.rmtree(root, ignore_errors=True)
    src = root / "src"
    for folder in ("cases", "_includes", "_data"):
        (src / folder).mkdir(parents=True)
    (root / "eleventy.config.cjs").write_text(CONFIG.replace("@PER_PAGE@", str(PER_PAGE)), "utf-8")
    townships = {}
    for county, cslug in zip(generate.COUNTIES, generate.COUNTY_SLUGS):
        for t, (stem, tslug) in enumerate(zip(generate.TOWN_STEMS, generate.TOWN_SLUGS)):
            townships[f"{cslug}-{tslug}"] = f"{county}{stem}{'乡' if t % 3 == 0 else '镇'}"
    names = {"townships": townships, "topics": {slug: name for name, slug in generate.TOPICS}}
    (src / "_data" / "names.json").write_text(json.dumps(names, ensure_ascii=False, indent=1), "utf-8")
    (src / "_data" / "site.json").write_text(
        json.dumps({"title": "基准测试公报", "url": "https://bench.example.org"}, ensure_ascii=False), "utf-8")
    includes = src / "_includes"
    (includes / "base.njk").write_text(BASE, "utf-8")
    (includes / "case.njk").write_text(CASE, "utf-8")
    for kind, collection in (("townships", "townshipPages"), ("topics", "topicPages")):
        (src / f"{kind}.njk").write_text(LIST_PAGE.replace("@KIND@", kind).replace("@COLLECTION@", collection), "utf-8")
    (src / "index.njk").write_text(HOME, "utf-8")
    (src / "feed.njk").write_text(FEED, "utf-8")
    per_list: dict[str, int] = {}
    for c in generate.cases(n):
        for key in [f"townships/{c['township_slug']}"] + [f"topics/{slug}" for _, slug in c["topics"]]:
            per_list[key] = per_list.get(key, 0) + 1
        front = {"title": c["title"], "date": c["date"], "township": c["township_slug"],
                 "topics": [slug for _, slug in c["topics"]], "status": c["status"], "form": c["form"],
                 "participants": c["participants"], "beneficiaries": c["beneficiaries"],
                 "layout": "case.njk", "permalink": f"/cases/{c['slug']}/"}
        lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()]
        (src / "cases" / f"{c['slug']}.md").write_text("---\n" + "\n".join(lines) + "\n---\n" + c["body"], "utf-8")
    return n + sum(-(-count // PER_PAGE) for count in per_list.values()) + 2  # + home page and feed


def install() -> str:
    """Install Eleventy into benchmarks/.peers/eleventy/ if needed; return its version."""
    if not (ELEVENTY / "node_modules" / "@11ty" / "eleventy").is_dir():
        ELEVENTY.mkdir(parents=True, exist_ok=True)
        if not (ELEVENTY / "package.json").exists():
            (ELEVENTY / "package.json").write_text('{"private": true}\n', "utf-8")
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "@11ty/eleventy"], cwd=ELEVENTY, check=True)
    return json.loads((ELEVENTY / "node_modules" / "@11ty" / "eleventy" / "package.json").read_text("utf-8"))["version"]


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` prints them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def check_output(out: Path, n: int, expected: int) -> int:
    """Check that a build wrote every page; returns the number of files written."""
    cases = sum(1 for _ in (out / "cases").glob("*/index.html"))
    files = sum(1 for p in out.rglob("*") if p.is_file())
    if cases != n or files != expected or not (out / "feed.xml").is_file():
        raise RuntimeError(f"{out}: {cases} case pages and {files} files, expected {n} and {expected}")
    return files


def available() -> bool:
    """Whether Eleventy is installed here, or can be (npm is there to install it)."""
    return (ELEVENTY / "node_modules" / "@11ty" / "eleventy").is_dir() or shutil.which("npm") is not None


def main() -> None:
    from run import measure   # run.py imports this module for its peer rows
    parser = argparse.ArgumentParser(description="cold Eleventy builds of the generated cases")
    parser.add_argument("--cases", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    version = install()
    print(f"Eleventy {version} on {os.cpu_count()} CPUs; "
          f"node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}")
    for n in args.cases:
        site = ELEVENTY / "sites" / f"eleventy-{n}"
        expected = write_eleventy(n, site)
        print(f"\n## {n:,} cases: {' '.join(COMMAND)} in {site}")
        walls, mems, cpus = [], [], []
        for round_no in range(args.rounds):
            shutil.rmtree(site / "_site", ignore_errors=True)
            load = load_average()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall, mem = measure(COMMAND, cwd=site)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            files = check_output(site / "_site", n, expected)
            walls.append(wall)
            mems.append(mem)
            cpus.append(cpu)
            print(f"run {round_no + 1}: {wall:6.2f} s wall, {cpu:6.2f} s CPU, {mem:5.0f} MiB peak, {files:,} files, "
                  f"load before {load}", flush=True)
        print(f"median: {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU, "
              f"{statistics.median(mems):.0f} MiB peak")


if __name__ == "__main__":
    main()
