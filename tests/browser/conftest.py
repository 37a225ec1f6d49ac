"""JupyterLab of the suite's own (see lab_server.py) and a headless Chromium driven by Playwright.

The browser is Debian's ``chromium`` (Playwright's own browser downloads are not used): a missing
browser fails the suite with the command that installs it; it is never skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from browser.lab_server import LabServer, start_lab, stop_lab

#: Debian's chromium, or the program CREDIT_OCR_CHROMIUM names.
CHROMIUM = Path(os.environ.get("CREDIT_OCR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: How long a page condition may take to come true: a batch on a busy machine of two cores.
expect.set_options(timeout=120_000)
#: Where the suite writes its screenshots when asked (``make screenshots`` sets it to docs/img).
SCREENSHOTS = os.environ.get("CREDIT_OCR_SCREENSHOTS")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A JupyterLab of this module's own, serving a copy of the notebooks with a home of its own."""
    server = start_lab(tmp_path_factory.mktemp("lab"))
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Headless Chromium with a fresh profile; fails, saying how to install it, when it is missing."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"No Chromium at {CHROMIUM}: the browser tests need it. Install it with "
            "`sudo apt-get install -y chromium chromium-driver` (Debian/Ubuntu; `make deps` does it as "
            "root), or point CREDIT_OCR_CHROMIUM at a Chromium or Chrome program. "
            "(`playwright install` is not needed.)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1680, "height": 1050},
        )
        context.set_default_timeout(120_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context: BrowserContext, lab: LabServer) -> Iterator[Page]:
    """A new tab; after the test it is closed and the kernels it started are shut down."""
    tab = browser_context.new_page()
    yield tab
    tab.close()
    lab.end_sessions()


@pytest.fixture
def screenshots() -> Path | None:
    """The folder to write screenshots to (``CREDIT_OCR_SCREENSHOTS``), or None."""
    if not SCREENSHOTS:
        return None
    folder = Path(SCREENSHOTS).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder
