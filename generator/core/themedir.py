"""Where the built-in theme lives, without importing the theme machinery (Jinja): the command
line reads its strings before it knows whether it will render anything."""
from __future__ import annotations

from pathlib import Path


def builtin_theme_dir() -> Path:
    """The default theme: packaged beside the code in a wheel, or at the repo root in a checkout."""
    packaged = Path(__file__).resolve().parents[1] / "_theme_default"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "themes" / "default"
