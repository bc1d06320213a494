"""mypy --strict over generator/: every function typed, nothing inferred as Any where a type is known."""
from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_generator_is_clean_under_mypy_strict(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "mypy"), "generator"],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Success: no issues found" in result.stdout
