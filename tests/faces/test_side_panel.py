"""JupyterLab's side panel: the widget goes in as an output of the panel, one panel open at a time."""

from __future__ import annotations

import ipywidgets as W  # noqa: N812

from credit_ocr.faces.side_panel import TITLE, show_beside


def test_the_widget_is_an_output_of_the_panel_and_a_new_panel_closes_the_last() -> None:
    first, second = W.Label("first"), W.Label("second")
    panel = show_beside(first)
    assert panel is not None and panel.title == TITLE and panel.anchor == "split-right"
    (output,) = panel.outputs  # given as an output, not display()ed: no other front end shows it twice
    assert output["output_type"] == "display_data"
    assert output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] == first.model_id
    again = show_beside(second, title="another")
    assert again is not None and again.title == "another"
    assert panel.comm is None and again.comm is not None  # the first panel was closed
    again.close()
