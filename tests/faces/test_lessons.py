"""The notebooks' helpers read the committed samples, draw the real state machine and start only what is missing."""

from __future__ import annotations

import pytest
from conftest import SAMPLES

from credit_ocr.config import get_settings, override_settings
from credit_ocr.faces import lessons
from credit_ocr.runtime import services
from credit_ocr.state.status import ALLOWED, Status


def test_samples_frame_has_one_row_per_committed_sample() -> None:
    frame = lessons.samples_frame(SAMPLES)
    truths = sorted(p for p in SAMPLES.glob("*.json") if p.name != "manifest.json")
    assert len(frame) == len(truths)
    assert set(frame["layer"]) == {"text", "scan", "image"}
    assert {"file", "layout", "pages", "font", "format", "fields_stated"} <= set(frame.columns)
    assert (frame["fields_stated"] > 0).all()


def test_sample_paths_by_layer_in_name_order() -> None:
    every = lessons.sample_paths()
    assert every == sorted(every) and all(p.exists() for p in every)
    scans = lessons.sample_paths("scan")
    images = lessons.sample_paths(["image"])
    assert scans and images and set(scans).isdisjoint(images)
    assert sorted(lessons.sample_paths(["scan", "image"])) == sorted(scans + images)
    assert lessons.sample_paths("scan", limit=1) == scans[:1]


def test_transition_matrix_is_status_allowed() -> None:
    matrix = lessons.transition_matrix()
    assert list(matrix.index) == list(matrix.columns) == [s.value for s in Status]
    for dst, sources in ALLOWED.items():
        for src in Status:
            assert (matrix.loc[src.value, dst.value] == "yes") == (src in sources)
    assert matrix.loc["pending", "ocr_running"] == "yes" and matrix.loc["done", "pending"] == ""


def test_state_machine_figure_draws_every_state_and_transition() -> None:
    fig = lessons.state_machine_figure()
    ax = fig.axes[0]
    assert {t.get_text() for t in ax.texts} >= {s.value for s in Status}
    arrows = [c for c in ax.get_children() if c.__class__.__name__ == "Annotation" and not c.get_text()]
    assert len(arrows) == sum(len(sources) for sources in ALLOWED.values())


@pytest.mark.redis
def test_start_services_starts_what_is_missing_and_stops_only_that(tmp_path) -> None:
    with override_settings(home=tmp_path / "var", broker_url=None):
        first = lessons.start_services()
        assert first.names == ["redis"]
        pid = get_settings().services_state()["redis"]["pid"]
        second = lessons.start_services()  # redis is running already: nothing for this one to stop
        assert second.names == [] and second.stop() == []
        assert services.pid_alive(pid)
        assert first.stop() == ["redis"] and first.names == []
        assert not services.pid_alive(pid)
