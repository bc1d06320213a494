"""Browser tests (Playwright driving Debian Chromium); a package so its conftest keeps its own module name."""
