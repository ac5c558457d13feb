"""Launch Debian's chromium through playwright for the browser tests.

Usage (a test file in ``tests/``)::

    from browser import chromium_page

    @pytest.mark.browser
    def test_something(tmp_path):
        with chromium_page() as page:
            page.goto(path.as_uri())

Chromium is the system one (``/usr/bin/chromium``, or ``$CHROMIUM``); ``playwright install``
is never used. If chromium or playwright is missing the test is skipped, except under CI
(``CI=true``) where it fails: a browser test that silently skips in CI proves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ci import unavailable

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    unavailable(f"the browser test cannot run: {reason}")


@contextmanager
def chromium_page(**context_options: Any) -> Iterator[Any]:
    """Yield a fresh playwright ``Page`` in headless chromium; close everything afterwards.

    Keyword arguments go to ``browser.new_context`` (e.g. ``viewport={...}``).
    """
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (make browser installs Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(**context_options)
            page = context.new_page()
            page.set_default_timeout(30_000)
            yield page
            context.close()
        finally:
            browser.close()
