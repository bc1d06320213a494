"""sitemap.xml and robots.txt. Pure."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from html import escape  # &, < and > (xml.sax.saxutils would import urllib.request and ssl: 13 ms)

from generator.core import urls

if TYPE_CHECKING:
    from generator.source.model import Site
    from generator.render.jobs import Job

_PAGE_JOBS: dict[str, Callable[..., str]] = {"home": lambda: "", "townships": lambda: "townships/", "topics": lambda: "topics/",
              "stages": lambda: "stages/", "case": urls.case, "report": urls.report, "page": urls.page,
              "township": lambda s, p: urls.township(s, int(p)),
              "township_stage": lambda s, k, p: urls.township_stage(s, k, int(p)), "topic": lambda s, p: urls.topic(s, int(p)),
              "stage": lambda k, p: urls.stage(k, int(p)), "reports": lambda p: urls.reports(int(p)),
              "stats": lambda: "stats/", "search": lambda: "search/",
              "overdue": lambda p: urls.stage("overdue", int(p)), "data_readme": lambda: "data/",
              "subscribe": lambda: "subscribe/", "site_map": lambda: "sitemap/"}


def sitemap_xml(site: Site, jobs: list[Job]) -> str:
    lastmod = {urls.case(c.slug): c.last_changed.date().isoformat() for c in site.cases}
    lastmod.update({urls.report(r.slug): r.when.date.isoformat() for r in site.reports})
    locations = sorted({_PAGE_JOBS[job[0]](*job[1:]) for job in jobs if job[0] in _PAGE_JOBS})
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<?xml-stylesheet type="text/xsl" href="sitemap.xsl"?>',   # a readable page in a browser
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc in locations:
        extra = f"<lastmod>{lastmod[loc]}</lastmod>" if loc in lastmod else ""
        lines.append(f"  <url><loc>{escape(site.base_url + loc, quote=False)}</loc>{extra}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(site: Site) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {site.base_url}sitemap.xml\n"
