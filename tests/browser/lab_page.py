"""A notebook open in JupyterLab, driven as a student drives it: menus, Shift+Enter, buttons.

Every wait is on a condition of the page (Playwright's ``expect`` and ``wait_for_function``), never a
sleep. Locators of the course's own widgets use the dashboard's CSS class (``credit-ocr-dashboard``);
the side panel is the ``sidecar`` extension's (``jupyterlab-sidecar``).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

#: A code cell that has run shows its execution count: ``[3]:``.
DONE_PROMPT = re.compile(r"^\[\d+\]:$")
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
DASHBOARD = ".credit-ocr-dashboard"
SIDE_PANEL = ".jupyterlab-sidecar"
#: What ipywidgets draws in place of a widget whose model or view fails to load.
WIDGET_ERROR = ".jupyter-widgets-error-widget"

#: True once every code cell has run, or an error (stderr) output shows (Run All stops there).
_ALL_RAN_OR_ERROR = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return false;
  if (panel.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')) return true;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
  return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
}"""

#: Records every text an element shows, from before it exists (a MutationObserver on the whole page):
#: what a student saw move, not one sample taken at some moment.
_RECORD_TEXTS = """([selector, key]) => {
  window[key] = [];
  const note = () => {
    const el = document.querySelector(selector);
    const text = el ? el.textContent : null;
    if (text !== null && text !== window[key][window[key].length - 1]) window[key].push(text);
  };
  note();
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


class NotebookTab:
    """One notebook of the course in a JupyterLab tab."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        self.cells = self.panel.locator(".jp-Notebook .jp-Cell")

    def open(self) -> NotebookTab:
        """Load the notebook, wait until its kernel is idle, and fold the file browser away."""
        self.page.goto(self.url)
        expect(self.page.locator("#jp-main-statusbar")).to_contain_text("| Idle", timeout=90_000)
        expect(self.cells.first).to_be_visible()
        self.page.keyboard.press("Control+b")
        return self

    # -- running ------------------------------------------------------------------------------
    def run_all(self, wait: bool = True) -> None:
        """Run ▸ Run All Cells, then (``wait``) wait until every cell ran."""
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        if wait:
            self.wait_all_ran()

    def run_below(self, index: int) -> None:
        """Select cell ``index``, then Run ▸ Run Selected Cell and All Below (without waiting)."""
        self.cells.nth(index).locator(".jp-InputPrompt").click()
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.get_by_role("menuitem", name="Run Selected Cell and All Below", exact=True).click()

    def wait_all_ran(self, timeout: float = 180.0) -> None:
        """Wait until every code cell has run, or one shows an error (Run All stops there)."""
        self.page.wait_for_function(_ALL_RAN_OR_ERROR, timeout=timeout * 1000)
        self.assert_no_errors()

    def is_code(self, index: int) -> bool:
        return "jp-CodeCell" in (self.cells.nth(index).get_attribute("class") or "")

    def code(self, index: int) -> str:
        """The source of code cell ``index`` ("" for a markdown cell)."""
        if not self.is_code(index):
            return ""
        return self.cells.nth(index).locator(".jp-InputArea-editor").inner_text()

    def run_cell(self, index: int, timeout: float = 120.0) -> None:
        """Select cell ``index`` and press Shift+Enter; a code cell is waited for until it has run."""
        cell = self.cells.nth(index)
        cell.locator(".jp-InputPrompt").click()
        self.page.keyboard.press("Shift+Enter")
        if self.is_code(index):
            expect(cell.locator(".jp-InputPrompt")).to_have_text(DONE_PROMPT, timeout=timeout * 1000)
            self.assert_no_errors()

    def run_through(self, start: int, text: str, timeout: float = 120.0) -> int:
        """Run the cells from ``start`` one by one up to the code cell that holds ``text``; its index."""
        for index in range(start, self.cells.count()):
            self.run_cell(index, timeout)
            if text in self.code(index):
                return index
        raise AssertionError(f"no code cell from {start} on holds {text!r}")

    def index_of(self, text: str) -> int:
        """The first code cell that holds ``text``."""
        for index in range(self.cells.count()):
            if text in self.code(index):
                return index
        raise AssertionError(f"no code cell holds {text!r}")

    # -- reading ------------------------------------------------------------------------------
    def outputs(self, index: int) -> Locator:
        return self.cells.nth(index).locator(".jp-OutputArea-output")

    def assert_no_errors(self) -> None:
        errors = self.panel.locator(STDERR).all_inner_texts()
        assert not errors, "a cell shows an error:\n" + "\n---\n".join(e[-1500:] for e in errors)
        broken = self.page.locator(WIDGET_ERROR).count()
        assert broken == 0, (
            f"{broken} widget view(s) failed to load in the browser (ipywidgets' error widget)"
        )
        shown = self.page.get_by_text("Error displaying widget").count()
        assert shown == 0, "a widget did not render: Error displaying widget"

    def record_texts(self, selector: str, key: str) -> None:
        """Record every text the first element matching ``selector`` shows (now or once it exists) into
        ``window[key]``; :meth:`recorded` reads them back."""
        self.page.evaluate(_RECORD_TEXTS, [selector, key])

    def recorded(self, key: str) -> list[str]:
        return self.page.evaluate(f"window[{key!r}]")

    def screenshot(self, folder: Path | None, name: str, target: Locator | None = None) -> None:
        """Write ``name`` into ``folder`` (when screenshots are asked for): the element, else the page."""
        if folder is None:
            return
        (target or self.page).screenshot(path=str(folder / name))

    def save_image(self, folder: Path | None, name: str, image: Locator) -> None:
        """Write the PNG an ``<img>`` of an output shows, as the page has it (full size), when asked."""
        if folder is None:
            return
        source = image.get_attribute("src") or ""
        assert source.startswith("data:image/png;base64,"), source[:40]
        (folder / name).write_bytes(base64.b64decode(source.split(",", 1)[1]))
