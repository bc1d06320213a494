"""Site configuration (site.yaml) and build options, with their defaults."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.core.errors import Problems, join_choices, suggestion
from generator.core.schema import Reader
from generator.core.yamlsrc import YamlError, YMap, load_yaml

STAGE_KEYS = ("raised", "adopted", "consulting", "following_up", "resolved")
DEFAULT_STAGE_LABELS = {
    "zh-CN": ("群众点单", "委员买单", "协商接单", "跟进查单", "已办结"),
    "en": ("Raised by residents", "Taken up by members", "Under consultation", "Following up", "Resolved"),
}
LANGUAGES = ("zh-CN", "en")

SITE_KEYS = ("title", "description", "base_url", "language", "timezone", "theme", "per_page",
             "stages", "author", "feed_limit", "index_links", "precompress")


@dataclass(frozen=True, slots=True)
class Stage:
    key: str
    label: str
    index: int


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str = "协商公报"
    description: str = ""
    base_url: str = "http://localhost:8000/"
    language: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    theme: str = "default"
    per_page: int = 10
    author: str = ""
    feed_limit: int = 20
    # Links end in index.html, so the site browses from a folder or USB stick as well as from a
    # server; `index_links: false` gives folder links (cases/x/) for a site only ever served.
    index_links: bool = True
    # FILE.gz and/or FILE.br beside every text file, for servers that send them as they are
    # (nginx gzip_static / brotli_static): site.yaml `precompress: true` (gzip) or a list.
    precompress: tuple[str, ...] = ()
    stages: tuple[Stage, ...] = field(default_factory=tuple)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def stage(self, key: str) -> Stage:
        return self.stages[STAGE_KEYS.index(key)]


@dataclass(frozen=True, slots=True)
class BuildOptions:
    drafts: bool = False
    base_url: str | None = None
    jobs: int = 1
    # None: the build decides it once, in the site's timezone (today_for). Never the
    # machine's local date: that differs from the site's for hours of every day.
    today: dt.date | None = None
    use_cache: bool = True

    def today_in(self, tz: ZoneInfo) -> dt.date:
        """The day this build publishes for: the fixed one, else today in `tz`."""
        return self.today if self.today is not None else today_for(tz)


def today_for(tz: ZoneInfo) -> dt.date:
    """Today in the site's timezone, or SOURCE_DATE_EPOCH's day for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz).date()
    return dt.datetime.now(tz).date()


def default_stages(language: str) -> tuple[Stage, ...]:
    labels = DEFAULT_STAGE_LABELS["en" if language == "en" else "zh-CN"]
    return tuple(Stage(k, l, i) for i, (k, l) in enumerate(zip(STAGE_KEYS, labels)))


def load_config(site_dir: Path, problems: Problems) -> SiteConfig:
    """Read site.yaml; missing file means all defaults. Problems are collected."""
    path = site_dir / "site.yaml"
    if not path.exists():
        return SiteConfig(stages=default_stages("zh-CN"))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add("site.yaml", None, "文件不是 UTF-8 编码；请用 UTF-8 另存", "the file is not UTF-8; save it as UTF-8")
        return SiteConfig(stages=default_stages("zh-CN"))
    # The language decides the language of every later message, so peek at it first.
    lang_match = re.search(r"^language:\s*['\"]?(en)\b", text, re.M)
    problems.lang = "en" if lang_match else problems.lang
    try:
        data = load_yaml(text)
    except YamlError as exc:
        problems.add("site.yaml", exc.line, exc.zh, exc.en)
        return SiteConfig(stages=default_stages(problems.lang))
    if data is None:
        return SiteConfig(stages=default_stages(problems.lang))
    if not isinstance(data, YMap):
        problems.add("site.yaml", 1, "site.yaml 应为「键: 值」形式", "site.yaml should be a mapping of `key: value`")
        return SiteConfig(stages=default_stages(problems.lang))
    r = Reader(data, "site.yaml", problems)
    r.unknown_keys(SITE_KEYS, "site.yaml ", "site.yaml")
    base = SiteConfig()
    language = r.get("language", str, default=base.language)
    if language not in LANGUAGES:
        r.error("language", f"language 应为 {join_choices(problems, LANGUAGES)} 之一",
                f"`language` should be one of {', '.join(LANGUAGES)}", at_value=True)
        language = base.language
    problems.lang = language
    timezone = r.get("timezone", str, default=base.timezone)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        r.error("timezone", f"未知的时区「{timezone}」，例如 timezone: Asia/Shanghai",
                f"unknown timezone `{timezone}`, e.g. timezone: Asia/Shanghai", at_value=True)
        timezone = base.timezone
    per_page = r.get("per_page", int, example="10", default=base.per_page)
    if per_page < 1:
        r.error("per_page", "per_page 至少为 1", "`per_page` must be at least 1", at_value=True)
        per_page = base.per_page
    base_url = r.get("base_url", str, example="https://example.org/", default=base.base_url)
    if not re.match(r"^https?://[^\s/]+", base_url):
        r.error("base_url", "base_url 应以 http:// 或 https:// 开头，例如 https://example.org/",
                "`base_url` should start with http:// or https://, e.g. https://example.org/", at_value=True)
        base_url = base.base_url
    return SiteConfig(
        title=r.get("title", str, example="望江县协商公报", default=base.title),
        description=r.get("description", str, default=""),
        base_url=base_url.rstrip("/") + "/",
        language=language,
        timezone=timezone,
        theme=r.get("theme", str, example="default", default=base.theme),
        per_page=per_page,
        author=r.get("author", str, default=""),
        feed_limit=max(1, r.get("feed_limit", int, example="20", default=base.feed_limit)),
        index_links=r.get("index_links", bool, example="true", default=True),
        precompress=_precompress(r, problems),
        stages=_read_stages(data, r, problems, language),
    )


PRECOMPRESS = ("gzip", "brotli")


def _precompress(r: Reader, problems: Problems) -> tuple[str, ...]:
    """`precompress: true` is gzip; `[gzip, brotli]` names the formats."""
    raw = r.data.get("precompress")
    if raw is None or raw is False:
        return ()
    if raw is True:
        return ("gzip",)
    found: list[str] = []
    for name, line in r.get_text_list("precompress", example="[gzip, brotli]"):
        if name in PRECOMPRESS:
            found.append(name)
        else:
            hint = suggestion(problems, name, PRECOMPRESS)
            problems.add(r.path, line, f"precompress 中有未知的格式「{name}」；可写 true，或 [gzip, brotli]{hint}",
                         f"unknown format `{name}` in precompress; write true, or [gzip, brotli]{hint}")
    return tuple(f for f in PRECOMPRESS if f in found)


def _read_stages(data: YMap, r: Reader, problems: Problems, language: str) -> tuple[Stage, ...]:
    stages = default_stages(language)
    raw = data.get("stages")
    if raw is None:
        return stages
    if not isinstance(raw, YMap):
        r.error("stages", "stages 应为「阶段键: 名称」，例如 resolved: 已办结",
                "`stages` should map stage keys to labels, e.g. resolved: Resolved", at_value=True)
        return stages
    labels = {s.key: s.label for s in stages}
    for key, label in raw.items():
        if key not in STAGE_KEYS:
            hint = suggestion(problems, str(key), STAGE_KEYS)
            problems.add("site.yaml", raw.line_of(key),
                         f"未知的阶段「{key}」；阶段只能改名，不能增加或调整顺序：{join_choices(problems, STAGE_KEYS)}{hint}",
                         f"unknown stage `{key}`; stages can be renamed but not added or reordered: {', '.join(STAGE_KEYS)}{hint}")
        elif not isinstance(label, str) or not label.strip():
            problems.add("site.yaml", raw.line_of(key), f"阶段「{key}」的名称应为文字", f"the label of stage `{key}` should be text")
        else:
            labels[key] = label.strip()
    return tuple(Stage(k, labels[k], i) for i, k in enumerate(STAGE_KEYS))


_PLACEHOLDER_HOSTS = ("example.org", "example.com", "example.net", "localhost", "127.0.0.1")


def base_url_warning(site_dir: Path, config: SiteConfig, given: str | None, problems: Problems) -> None:
    """Warn when the address the site is built for is a placeholder (example.org, as `init` writes
    it, or the localhost default): feeds, the sitemap and the open data would link elsewhere."""
    url = given or config.base_url
    host = re.sub(r"^https?://([^/:]+).*$", r"\1", url).lower()
    if not any(host == h or host.endswith("." + h) for h in _PLACEHOLDER_HOSTS):
        return
    path = site_dir / "site.yaml"
    line = 0
    if given is None and path.is_file():
        for number, text in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if text.startswith("base_url:"):
                line = number
    where = "--base-url" if given else "site.yaml"
    problems.add(where, line,
                 f"base_url 仍是示例地址 {url}；发布前请改成网站的真实地址（如 https://zx.example.gov.cn/），"
                 f"否则订阅、站点地图和开放数据中的链接都会指向别处",
                 f"base_url is still the placeholder {url}; set it to the site's real address before publishing, "
                 f"or the feeds, sitemap and open data will link elsewhere", warning=True)
