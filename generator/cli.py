"""The `bulletin` command: argument parsing and turning problems into stderr lines.

No business logic here. Exit codes: 0 ok, 1 content problems, 2 usage errors.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from generator import __version__
from generator.clitext import CliText, problem_count, site_language
from generator.source.config import BuildOptions, base_url_warning, load_config, today_for
from generator.core.errors import Problems, SiteError


class UsageError(Exception):
    """A wrong command line: exit 2."""


def _parser(t: CliText) -> argparse.ArgumentParser:
    """The command line, its help in the site's language (`t`)."""
    parser = argparse.ArgumentParser(prog="bulletin", description=t("cli_description"))
    parser.add_argument("--version", action="version", version=f"bulletin {__version__}", help=t("cli_version"))
    sub = parser.add_subparsers(dest="command", required=True, title=t("cli_commands"), metavar="COMMAND")

    def whole_number(text: str) -> int:
        return int(text)
    whole_number.__name__ = t("cli_type_int")   # argparse names the type in "invalid int value"

    def command(name: str) -> argparse.ArgumentParser:
        made = sub.add_parser(name, help=t(f"cli_help_{name}"), description=t(f"cli_help_{name}"))
        made.add_argument("--debug", action="store_true", help=t("cli_opt_debug"))
        return made

    def site_argument(made: argparse.ArgumentParser) -> None:
        made.add_argument("site", nargs="?", default=".", metavar="SITE", help=t("cli_opt_site"))

    build = command("build")
    site_argument(build)
    build.add_argument("-o", "--out", default=None, help=t("cli_opt_out"))
    build.add_argument("--drafts", action="store_true", help=t("cli_opt_drafts"))
    build.add_argument("--base-url", default=None, help=t("cli_opt_base_url"))
    build.add_argument("--jobs", type=whole_number, default=None, help=t("cli_opt_jobs"))
    build.add_argument("--no-cache", action="store_true", help=t("cli_opt_no_cache"))

    serve = command("serve")
    site_argument(serve)
    serve.add_argument("--host", default="127.0.0.1", help=t("cli_opt_host"))
    serve.add_argument("--port", type=whole_number, default=8000, help=t("cli_opt_port"))
    serve.add_argument("--drafts", action="store_true", help=t("cli_opt_drafts"))
    serve.add_argument("--jobs", type=whole_number, default=None, help=t("cli_opt_jobs"))

    check = command("check")
    site_argument(check)
    check.add_argument("--drafts", action="store_true", help=t("cli_opt_drafts"))
    check.add_argument("-o", "--out", default=None, metavar="OUT", help=t("cli_opt_check_out"))

    new = command("new")
    new.add_argument("site", metavar="SITE", help=t("cli_opt_site"))
    new.add_argument("title", metavar="TITLE", help=t("cli_opt_title"))
    new.add_argument("--township", required=True, help=t("cli_opt_township"))
    new.add_argument("--topic", required=True, action="append", help=t("cli_opt_topic"))

    init = command("init")
    init.add_argument("dir", metavar="DIR", help=t("cli_opt_dir"))

    advance = command("advance")
    advance.add_argument("files", nargs="+", metavar="FILE", help=t("cli_opt_files"))
    advance.add_argument("--to", required=True, metavar="STAGE", help=t("cli_opt_to"))
    advance.add_argument("--date", default=None, help=t("cli_opt_date"))
    advance.add_argument("--note", default=None, help=t("cli_opt_note"))
    advance.add_argument("--follow-up", default=None, metavar="DATE", help=t("cli_opt_follow_up"))
    advance.add_argument("--site", default=None, help=t("cli_opt_advance_site"))
    advance.add_argument("--force", action="store_true", help=t("cli_opt_force"))

    imp = command("import")
    imp.add_argument("csv", metavar="CSV", help=t("cli_opt_csv"))
    site_argument(imp)
    imp.add_argument("--update", action="store_true", help=t("cli_opt_update"))
    imp.add_argument("--dry-run", action="store_true", help=t("cli_opt_dry_run"))
    imp.add_argument("--encoding", default=None, help=t("cli_opt_encoding"))

    export = command("export")
    site_argument(export)
    export.add_argument("-o", "--out", default=None, metavar="FILE", help=t("cli_opt_export_out"))

    due = command("due")
    site_argument(due)
    due.add_argument("--within", type=whole_number, default=30, metavar="DAYS", help=t("cli_opt_within"))
    due.add_argument("--csv", default=None, metavar="FILE", help=t("cli_opt_due_csv"))
    due.add_argument("--drafts", action="store_true", help=t("cli_opt_due_drafts"))
    return parser


def run() -> None:
    """The console entry point: main(), then exit without freeing every object one by one
    (on a 10,000-case site that teardown alone takes a tenth of a second)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    text = CliText(site_language(words))
    with text.speaking():
        args = _parser(text).parse_args(words)
    try:
        return _run(args)
    except UsageError as exc:
        print(f"bulletin: {exc}", file=sys.stderr)
        return 2
    except SiteError as exc:
        for problem in sorted(exc.warnings + exc.problems):
            print(problem.format(), file=sys.stderr)
        if args.command == "check":   # check's last line says how it went, as its OK does
            print(problem_count(len(exc.problems), len(exc.warnings), text.language != "en"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # an internal bug, not a content error
        if getattr(args, "debug", False):
            traceback.print_exc()
        else:
            print(f"internal error: {type(exc).__name__}: {exc}; rerun with --debug for a traceback", file=sys.stderr)
        return 1


def _site_dir(value: str) -> Path:
    site = Path(value).resolve()
    if not site.is_dir():
        raise UsageError(f"找不到网站目录 {value} / site folder not found: {value}")
    if not (site / "site.yaml").is_file() and not (site / "content").is_dir():
        raise UsageError(f"{value} 不是网站目录（其中没有 site.yaml，也没有 content/）；请在网站目录中运行，"
                         f"或写出它的路径，如 bulletin build 我的网站；新建网站用 bulletin init 目录名 / "
                         f"{value} is not a site folder (no site.yaml, no content/): run this in the site's folder "
                         f"or name it; bulletin init DIR makes a new site")
    return site


def _output_file(value: str) -> Path:
    """A file a command may write (export, due --csv): not a folder, in a folder that exists."""
    target = Path(value)
    if target.is_dir() or not target.resolve().parent.is_dir():
        raise UsageError(f"cannot write {value}: choose a file in an existing folder")
    return target


def _options(site: Path, args: argparse.Namespace) -> BuildOptions:
    from generator.build.workers import default_jobs
    jobs = args.jobs if getattr(args, "jobs", None) is not None else default_jobs()
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    base_url = getattr(args, "base_url", None)
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise UsageError("--base-url must start with http:// or https://")
    use_cache = not getattr(args, "no_cache", False) and not os.environ.get("BULLETIN_NO_CACHE")
    # No `today`: the build takes it in the site's timezone, once per build (serve's too).
    return BuildOptions(drafts=args.drafts, base_url=base_url, jobs=jobs, use_cache=use_cache)


def out_dir_for(site: Path, out: str | None) -> Path:
    """Resolve OUT (symlinks too) and refuse places where a build would destroy other files (exit 2).

    A build replaces OUT as a whole, so OUT may not be or hold SITE, lie in its sources, cache
    or bulletin's own files, nor be a folder of other files (one with no index.html of a build).
    """
    from generator.core.themedir import builtin_theme_dir
    out_dir = (Path(out) if out else site / "output").resolve()
    if out_dir == site or site.is_relative_to(out_dir):
        raise UsageError(f"output folder {out_dir} would replace the site folder itself; choose another -o")
    for protected in ("content", "templates", "static", "themes", ".cache"):
        if out_dir.is_relative_to(site / protected):
            raise UsageError(f"output folder {out_dir} lies inside {protected}/ of the site; choose another -o")
    for own in (builtin_theme_dir().resolve(), Path(__file__).resolve().parent):
        if out_dir.is_relative_to(own) or own.is_relative_to(out_dir):
            raise UsageError(f"output folder {out_dir} would overwrite bulletin's own files in {own}; choose another -o")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"output path {out_dir} is a file, not a folder")
    if out_dir.is_dir() and not (out_dir / "index.html").is_file() and any(out_dir.iterdir()):
        raise UsageError(f"output folder {out_dir} holds other files (it has no index.html of an earlier build) and a "
                         "build replaces the whole folder; choose an empty or new folder with -o")
    return out_dir


def _progress_line() -> Callable[[int, int], None]:
    """A one-line progress display on a terminal: pages rendered / total and the rate."""
    import time
    started = time.perf_counter()
    shown = [0.0]

    def show(done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - shown[0] < 0.1:
            return
        shown[0] = now
        rate = done / max(now - started, 1e-6)
        sys.stderr.write(f"\r{done}/{total} pages, {rate:,.0f}/s" + ("\n" if done == total else ""))
        sys.stderr.flush()
    return show


def _run(args: argparse.Namespace) -> int:
    if args.command == "build":
        from generator.build.pipeline import build
        site = _site_dir(args.site)
        out_dir = out_dir_for(site, args.out)
        opts = _options(site, args)
        report = build(site, out_dir, opts, progress=_progress_line() if sys.stderr.isatty() else None)
        config = load_config(site, Problems())
        placeholder = Problems(config.language)
        base_url_warning(site, config, args.base_url, placeholder)
        for warning in [*report.warnings, *placeholder.warnings]:
            print(warning.format(), file=sys.stderr)
        if os.environ.get("BULLETIN_TIMINGS"):
            print(report.timings(), file=sys.stderr)
        zh = config.language != "en"
        shown = out_dir.relative_to(Path.cwd()) if out_dir.is_relative_to(Path.cwd()) else out_dir
        if zh:
            print(f"已生成 {report.pages} 个文件（写入 {report.written}，未变 {report.unchanged}），用时 {report.seconds:.2f} 秒 → {shown}{report.unpublished_note(True)}")
        else:
            print(f"built {report.pages} files ({report.written} written, {report.unchanged} unchanged) in {report.seconds:.2f} s → {shown}{report.unpublished_note(False)}")
        return 0
    if args.command == "serve":
        from generator.preview.server import serve
        site = _site_dir(args.site)
        if not 0 <= args.port <= 65535:
            raise UsageError("--port must be between 0 and 65535")
        return serve(site, out_dir_for(site, None), _options(site, args), args.host, args.port, args.debug)
    if args.command == "check":
        from generator.build.checking import check
        site = _site_dir(args.site)
        args.jobs = None
        exceptions: list[str] = []
        warnings = check(site, _options(site, args), exceptions, Path(args.out) if args.out else None)
        for warning in warnings:
            print(warning.format(), file=sys.stderr)
        for line in exceptions:  # allow_personal_data: published by exception, listed for review
            print(line)
        print("检查通过，没有发现问题" if load_config(site, Problems()).language != "en" else "OK")
        return 0
    if args.command == "new":
        from generator.editing.scaffold import new_case
        site = _site_dir(args.site)
        config = load_config(site, Problems())
        path = new_case(site, args.title, args.township, args.topic, today_for(config.tz))
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
        if "\ndraft: true" in path.read_text(encoding="utf-8"):   # the archetype starts cases as drafts
            print("这是一篇草稿（draft: true），不会出现在公开网站上；用 bulletin serve --drafts 预览，"
                  "写好后删除 draft: true 一行即可发布" if config.language != "en" else
                  "this is a draft (draft: true) and stays off the public site; preview it with "
                  "bulletin serve --drafts, and delete the draft: true line to publish it", file=sys.stderr)
        return 0
    if args.command == "init":
        from generator.editing.scaffold import init_site
        target = Path(args.dir).resolve()
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise UsageError(f"{args.dir} exists and is not an empty folder")
        init_site(target)
        print(target)
        return 0
    if args.command in ("advance", "import", "export"):
        return _run_editing(args)
    if args.command == "due":
        return _run_due(args)
    raise UsageError(f"unknown command {args.command}")


def _run_due(args: argparse.Namespace) -> int:
    """The staff's list of follow-ups overdue or due within --within days."""
    from generator.editing.textfiles import write_atomic
    from generator.editing.due import csv_text, due_list, summary, table
    if args.within < 0:
        raise UsageError("--within must be 0 or more days")
    site = _site_dir(args.site)
    due = due_list(site, _options(site, args), args.within)
    if args.csv == "-":
        sys.stdout.write(csv_text(due))
    else:
        if due.cases:
            sys.stdout.write(table(due))
        if args.csv:
            write_atomic(_output_file(args.csv), csv_text(due).encode("utf-8"))
    print(summary(due), file=sys.stderr)
    return 0


def _import(args: argparse.Namespace, site: Path, zh: bool) -> int:
    from generator.editing.csvimport import change_table, plan_import, write_plan
    from generator.editing.textfiles import text_table
    plan = plan_import(Path(args.csv), site, args.csv, update=args.update, encoding=args.encoding)
    for problem in plan.warnings:
        print(problem.format(), file=sys.stderr)
    if plan.encoding not in ("utf-8", "utf-8-sig") and not args.encoding:
        print(f"{args.csv}: 按 {plan.encoding.upper()} 编码读取" if zh else f"{args.csv}: read as {plan.encoding.upper()}",
              file=sys.stderr)
    rows = change_table(plan, zh)
    if len(rows) > 1:
        sys.stdout.write(text_table(rows))
    if not args.dry_run:
        write_plan(site, plan)
    made, changed, same = len(plan.created), len(plan.updated), len(plan.unchanged)
    if zh:
        done = "试运行，未写入任何文件；去掉 --dry-run 即写入：将" if args.dry_run else "已"
        print(f"{done}新建 {made} 个、更新 {changed} 个案例文件" + (f"，{same} 行没有变化" if same else ""), file=sys.stderr)
    else:
        done = "dry run, nothing written (run without --dry-run to write): would create" if args.dry_run else "created"
        print(f"{done} {made} and {'update' if args.dry_run else 'updated'} {changed} case files"
              + (f"; {same} rows unchanged" if same else ""), file=sys.stderr)
    return 0


def _run_editing(args: argparse.Namespace) -> int:
    """The editors' bulk commands: advance, import, export."""
    if args.command == "advance":
        from generator.editing.advance import advance
        site = _site_dir(args.site) if args.site else None
        changes = advance([Path(f) for f in args.files], args.to, args.date, args.note, args.follow_up, site,
                          force=args.force)
        for change in changes:
            print(f"{change.path}: {change.before} → {change.after}")
        return 0
    site = _site_dir(args.site)
    zh = load_config(site, Problems()).language != "en"
    if args.command == "import":
        return _import(args, site, zh)
    from generator.editing.textfiles import write_atomic
    from generator.editing.csvimport import export_csv
    data = export_csv(site, _options(site, argparse.Namespace(drafts=False, jobs=1)))
    if args.out and args.out != "-":
        write_atomic(_output_file(args.out), data.encode("utf-8"))
    else:
        sys.stdout.write(data)
    return 0
