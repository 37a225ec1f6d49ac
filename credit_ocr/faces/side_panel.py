"""JupyterLab's side panel, where a dashboard stays in view while Run All scrolls the notebook away.

Run All in JupyterLab runs every cell and scrolls to the last one: a dashboard shown only in a cell's
output is out of sight before it moves. The ``sidecar`` extension (of the Jupyter widgets project) opens
a panel beside the notebook; the widget shown there is a second view of the same widget, so both move
together, and the panel keeps the last view after the notebook's cleanup.

The panel is handed the widget as an output (``append_display_data``), never through ``display()``: a
front end without the extension (classic Notebook, VS Code, nbval) then shows nothing more than before,
and the cell's own output stays as it was.
"""

from __future__ import annotations

from typing import Any

#: The title of the panel's tab.
TITLE = "credit-ocr dashboard"

_open_panel: Any = None  # the panel this kernel opened last: a new dashboard takes its place


def show_beside(widget: Any, title: str = TITLE) -> Any | None:
    """Show ``widget`` in a panel beside the notebook (JupyterLab), closing the one shown before.

    Returns the panel (a ``sidecar.Sidecar``), or None where the ``sidecar`` package is not installed.
    """
    global _open_panel
    try:
        from sidecar import Sidecar
    except ImportError:  # the panel is a comfort of JupyterLab: the cell's own view is still there
        return None
    if _open_panel is not None:
        _open_panel.close()
    panel = Sidecar(title=title, anchor="split-right")
    panel.append_display_data(widget)
    _open_panel = panel
    return panel
