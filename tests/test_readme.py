"""The README tells the truth about the two commands, every setting and every command."""

from __future__ import annotations

from conftest import ROOT

from credit_ocr.config import Settings
from credit_ocr.faces.cli import main

README = (ROOT / "README.md").read_text()


def test_the_two_commands_come_first() -> None:
    top = README.split("\n## ", 1)[0]
    assert "make demo" in top and "make test" in top
    makefile = (ROOT / "Makefile").read_text()
    assert "\ndemo:" in makefile and "\ntest:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_setting_is_in_the_settings_table() -> None:
    missing = [n for n in Settings.model_fields if f"`CREDIT_OCR_{n.upper()}`" not in README]
    assert not missing, f"README settings table lacks {missing}"


def test_every_command_is_documented() -> None:
    missing = [name for name in main.commands if f"credit-ocr {name}" not in README]
    assert not missing, f"README command list lacks {missing}"


def test_every_notebook_is_listed() -> None:
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert len(notebooks) >= 8
    assert all(f"`{stem}`" in README for stem in notebooks)
