"""The course in a real browser: JupyterLab in headless Chromium, notebooks run as a student runs them.

Notebooks 01 and 05 with Run ▸ Run All Cells; notebook 06 cell by cell with Shift+Enter up to its dashboard, whose
buttons are clicked, then with Run ▸ Run Selected Cell and All Below (Run All's scrolling and cleanup). What is asserted is what the page shows: widgets that render (never "Error displaying
widget"), counts that move during the batch, file names and attempts in the dashboard's rows, buttons
that act while the dashboard is open and are disabled once it is closed, a side panel that keeps the
dashboard in sight and keeps its last view after the cleanup, plots drawn as PNG images, no error in
any cell. With ``CREDIT_OCR_SCREENSHOTS=<folder>`` the tests also write the pictures of docs/img there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from browser.lab_page import DASHBOARD, SIDE_PANEL, NotebookTab
from browser.lab_server import SAMPLES, LabServer
from credit_ocr.faces import lessons

# Each xdist worker that runs some of these tests starts its own JupyterLab and browser (module
# fixtures): `--dist loadgroup` would keep them on one, but it does not group under pytest 9.2
# (pytest-xdist issue 1386).
pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.tesseract]

PNG_IMAGE = 'img[src^="data:image/png;base64,"]'
COUNTS = re.compile(r"(pending|ocr_running|llm_running|done|failed)(\d+)")


def counts_of(text: str) -> dict[str, int]:
    """``pending0ocr_running2...`` (the text of the dashboard's counts) as a dict."""
    return {status: int(n) for status, n in COUNTS.findall(text)}


def test_run_all_01_setup(page: Page, lab: LabServer) -> None:
    """The first notebook a student opens: services, connections, the samples and a page shown as a PNG."""
    nb = NotebookTab(page, lab.notebook_url("01_setup")).open()
    nb.run_all()
    expect(nb.panel).to_contain_text("redis PING: True")
    expect(nb.panel).to_contain_text("blob store round trip: True")
    expect(nb.panel).to_contain_text(f"{sum(SAMPLES.values())} documents")
    expect(nb.outputs(nb.index_of("load_pages(")).locator(PNG_IMAGE)).to_be_visible()
    expect(nb.panel).to_contain_text("stopped what this notebook started: True")


def test_run_all_05_async_processing(page: Page, lab: LabServer) -> None:
    nb = NotebookTab(page, lab.notebook_url("05_async_processing")).open()
    nb.run_all()
    expect(nb.panel).to_contain_text("feed connected: True")
    expect(nb.panel).to_contain_text("stages add up to the total: True")
    expect(nb.panel).to_contain_text(f"documents seen reaching done: {sum(SAMPLES.values())}")
    expect(nb.panel).to_contain_text("workers alive: False")


def _dashboards(page: Page) -> tuple[Locator, Locator]:
    """The dashboard in the cell's output and in the side panel."""
    return page.locator(f".jp-NotebookPanel {DASHBOARD}"), page.locator(f"{SIDE_PANEL} {DASHBOARD}")


def _check_counts_moved(nb: NotebookTab, key: str, total: int) -> None:
    """The recorded counts went through a state with documents on their way, and ended all done."""
    seen = [counts_of(text) for text in nb.recorded(key)]
    assert any(sum(c.values()) > 0 and c["done"] + c["failed"] < total for c in seen), seen
    assert seen[-1]["done"] == total, seen[-1]


def _check_buttons_act(side: Locator) -> None:
    """Start worker, then Stop worker: each click reaches the kernel and says what it did. (Submit
    samples is clicked in tests/faces/test_widgets.py: here it would add to the batch the notebook
    waits for.)"""
    message = side.locator(".credit-ocr-message")
    side.get_by_role("button", name="Start worker").click()
    expect(message).to_have_text(re.compile(r"^started worker both-\w+ \(pid \d+\)$"), timeout=90_000)
    side.get_by_role("button", name="Stop worker").click()
    expect(message).to_have_text(re.compile(r"^stopped worker both-\w+$"), timeout=90_000)


def _check_rows(dashboard: Locator, files: list[str]) -> None:
    """One row per document, with its file name and at least one attempt."""
    rows = dashboard.locator("table tr")
    expect(rows).to_have_count(len(files) + 1)
    header = rows.first.locator("th").all_inner_texts()
    file_col, attempts_col = header.index("file"), header.index("attempts")
    cells = [row.locator("td").all_inner_texts() for row in rows.all()[1:]]
    assert sorted(c[file_col] for c in cells) == sorted(files)
    assert all(int(c[attempts_col]) >= 1 for c in cells), cells


def _batch_files(lab: LabServer) -> list[str]:
    """The files notebook 06 submits (its own choice, read from the suite's samples)."""
    samples = lab.root / "data" / "samples"
    paths = lessons.sample_paths("text", limit=4, directory=samples)
    return [p.name for p in paths + lessons.sample_paths("scan", limit=4, directory=samples)]


def test_06_cell_by_cell_then_run_below_with_the_dashboard(
    page: Page, lab: LabServer, screenshots: Path | None
) -> None:
    nb = NotebookTab(page, lab.notebook_url("06_live_monitoring")).open()
    shown = nb.run_through(0, "dash = Dashboard(")  # Shift+Enter, cell after cell
    inline, side = _dashboards(page)
    expect(inline).to_be_visible()
    expect(side).to_be_visible()  # JupyterLab's side panel (sidecar)
    expect(side).to_contain_text("live (Redis pub/sub)")
    _check_buttons_act(side)

    # Run ▸ Run Selected Cell and All Below: like Run All, the notebook scrolls to its end and the
    # cleanup closes the dashboard right after the batch; the side panel is where the batch is seen.
    nb.record_texts(f"{SIDE_PANEL} .credit-ocr-counts", "counts")
    nb.run_below(shown + 1)
    expect(side.locator(".credit-ocr-progress")).to_have_text(re.compile(r"^[1-9]\d*/\d+ finished"))
    expect(side).to_be_in_viewport()
    nb.screenshot(screenshots, "jupyterlab_run_all.png")
    nb.screenshot(screenshots, "dashboard_midrun.png", side)
    nb.wait_all_ran()
    files = _batch_files(lab)
    _check_counts_moved(nb, "counts", len(files))
    expect(inline).not_to_be_in_viewport()  # the notebook is at its end, far below the dashboard's cell
    expect(side).to_be_in_viewport()

    # The cleanup closed the dashboard: the last view stays, rows filled, buttons disabled.
    cleanup = nb.index_of("dash.close()")
    expect(nb.outputs(cleanup)).to_contain_text(f"the dashboard keeps its last view: True | {len(files)} of")
    for dashboard in (inline, side):
        expect(dashboard).to_contain_text("closed: a snapshot")
        expect(dashboard.locator(".credit-ocr-progress")).to_contain_text(
            f"{len(files)}/{len(files)} finished"
        )
        _check_rows(dashboard, files)
        for name in ("Start worker", "Stop worker", "Submit samples"):
            expect(dashboard.get_by_role("button", name=name)).to_be_disabled()
    nb.screenshot(screenshots, "dashboard_final.png", side)

    # The plots: PNG images in the page.
    for text, name in (("plots.timeline(", "timeline.png"), ("plots.status_counts(", "status_counts.png")):
        image = nb.outputs(nb.index_of(text)).locator(PNG_IMAGE)
        expect(image).to_be_visible()
        nb.save_image(screenshots, name, image)
    nb.assert_no_errors()
