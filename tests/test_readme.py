"""The README tells the truth about the two commands, every setting and every command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
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


def test_the_readme_is_a_front_door() -> None:
    """Short enough to read at once; the details live in docs/ pages it links to."""
    assert len(README.encode()) <= 15 * 1024, (
        f"README.md is {len(README.encode())} bytes; move details to docs/"
    )
    for page in ("setup", "pipeline", "reading", "reliability", "experiments", "development"):
        assert f"](docs/{page}.md)" in README, f"README does not link docs/{page}.md"


def test_the_readme_says_how_long_the_two_commands_take() -> None:
    top = README.split("\n## ", 1)[0]
    assert "make demo` takes about" in top and "make test` takes about" in top
    assert "--allow-root" in README and ".venv/bin/jupyter lab" in README


@pytest.mark.parametrize(
    "words", ["the original course", "the reference", "these machines", "embedded default"]
)
def test_the_readme_uses_words_a_newcomer_knows(words: str) -> None:
    assert words not in README.lower()


def _links(page: Path) -> list[str]:
    text = page.read_text()
    return [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if not t.startswith(("http://", "https://", "#"))]


@pytest.mark.parametrize(
    "page", ["README.md", "notebooks/README.md", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))]
)
def test_every_link_resolves(page: str) -> None:
    path = ROOT / page if (ROOT / page).exists() else ROOT / "docs" / page
    broken = []
    for target in _links(path):
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve()
        if not resolved.exists():
            broken.append(target)
        elif anchor and resolved.suffix == ".md":
            headings = re.findall(r"(?m)^#+ (.+)$", resolved.read_text())
            slugs = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
            if anchor not in slugs:
                broken.append(target)
    assert not broken, f"{page} links to what does not exist: {broken}"
