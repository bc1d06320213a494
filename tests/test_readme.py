"""The README's "Make your own site" walkthrough, run as an editor would type it: every
command in its shell blocks, in order, in a new folder (the install step excepted: the
test's own environment has bulletin installed, which is what that step does)."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.clock   # `new` dates the case today: tests/test_clock.py varies the hour

INSTALL = ("python3 -m venv ", ". ~/bulletin-env/bin/activate", "pip install ~/bulletin")


def walkthrough() -> tuple[str, list[str]]:
    """The section's text and its commands, in order."""
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme[readme.index("## Make your own site"):]
    section = section[:section.index("\n## ", 1)]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        commands += [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]
    return section, commands


def test_the_walkthrough_has_the_steps_an_editor_needs() -> None:
    _, commands = walkthrough()
    assert [next(p for p in INSTALL if c.startswith(p)) for c in commands if c.startswith(INSTALL)] == list(INSTALL)
    verbs = [c.split()[1] for c in commands if c.startswith("bulletin ")]
    assert verbs == ["init", "new", "check", "serve", "build"]


def test_the_walkthrough_works_word_for_word(tmp_path: Path) -> None:
    bulletin = shutil.which("bulletin")
    assert bulletin, "bulletin is not installed (pip install -e .)"
    section, commands = walkthrough()
    env = {**os.environ, "COLUMNS": "100"}
    cwd = tmp_path
    printed: dict[str, subprocess.CompletedProcess[str]] = {}
    for command in commands:
        if command.startswith(INSTALL):
            continue
        if command.startswith("cd "):
            cwd = cwd / command[3:].strip()
            assert cwd.is_dir(), command
            site_yaml = cwd / "site.yaml"   # step 2: the editor sets the site's address
            site_yaml.write_text(site_yaml.read_text("utf-8").replace("https://example.org/", "https://zx.wangjiang.gov.cn/"),
                                 "utf-8")
            continue
        argv = command.split()
        argv = [argv[0], *[a.strip('"') for a in re.findall(r'"[^"]*"|\S+', command)[1:]]]
        if argv[1] == "serve":
            _serve_once(bulletin, argv[1:], cwd, env)
            continue
        if argv[1] == "build":   # step 6: the editor deletes the draft line first
            case = cwd / printed["new"].stdout.strip()
            case.write_text(case.read_text("utf-8").replace("draft: true\n", ""), "utf-8")
        done = subprocess.run([bulletin, *argv[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (command, done.stderr)
        printed[argv[1]] = done
    path = printed["new"].stdout.strip()
    assert f"`{path}`" in section   # the README names the file `new` writes
    assert printed["new"].stderr.startswith("这是一篇草稿（draft: true），不会出现在公开网站上")
    assert printed["check"].stdout.strip() == "检查通过，没有发现问题" and printed["check"].stderr == ""
    assert printed["build"].stderr == ""   # base_url was set, so no warning
    slug = Path(path).stem
    page = (cwd / "output" / "cases" / slug / "index.html").read_text("utf-8")
    assert "凉泉乡南干渠新架桥梁" in page and "草稿" not in page


def _serve_once(bulletin: str, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Step 5: the server starts, lists the draft (marked 草稿 on its page), and stops on Ctrl-C.
    `--port 0` is added so that a busy port 8000 on the test machine does not matter."""
    proc = subprocess.Popen([bulletin, *argv, "--port", "0"], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        address = next((m[0] for line in proc.stdout if (m := re.search(r"http://127\.0\.0\.1:\d+/", line))), None)
        assert address, "serve printed no address"
        built = next((line for line in proc.stdout if "首次构建" in line), None)   # the first build is done
        assert built and "写入" in built, built
        with urllib.request.urlopen(address, timeout=10) as response:
            home = response.read().decode("utf-8")
        assert "凉泉乡南干渠新架桥梁" in home
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) in (0, 130)
