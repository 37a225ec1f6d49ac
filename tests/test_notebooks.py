"""The lesson notebooks, read without running them: what nbval will compare must be there and be clean.

nbval (``make test``) runs every notebook and compares its outputs with the committed ones; these checks
catch, in a second, what would make that comparison meaningless or a lesson unreadable: a notebook saved
without outputs or with an error, a path of the author's machine, widget state, a code cell with no
markdown lead-in, a call to a ``credit_ocr`` function that does not exist (any more). The solution
notebooks (``notebooks/solutions/``) get the same checks, and every exercise is checked both ways: its
check prints "not yet" in the lesson as shipped and ✓ in its solutions.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
LESSONS = (
    "01_setup",
    "02_ocr",
    "03_field_extraction",
    "04_status_model",
    "05_async_processing",
    "06_live_monitoring",
    "07_scaling_experiments",
    "08_failures_and_recovery",
)
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
SOLUTIONS = sorted((NOTEBOOK_DIR / "solutions").glob("*.ipynb"))
EVERY = NOTEBOOKS + SOLUTIONS
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|tmp|root|home|Users)/")
IGNORE = "# NBVAL_IGNORE_OUTPUT"


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def _output_texts(cell: nbformat.NotebookNode) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            texts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            for mime, value in out.data.items():
                if mime.startswith("text/") or mime == "application/json":
                    texts.append(value if isinstance(value, str) else str(value))
        elif out.output_type == "error":
            texts.append(f"{out.ename}: {out.evalue}")
    return texts


def test_every_lesson_of_the_course_is_there() -> None:
    assert _ids(NOTEBOOKS) == list(LESSONS)


@pytest.mark.parametrize("path", EVERY, ids=_ids(EVERY))
def test_notebook_is_saved_executed_with_outputs_and_a_kernel(path: Path) -> None:
    nb = _read(path)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "no python3 kernel spec"
    cells = [c for c in _code_cells(nb) if c.source.strip()]
    assert cells, "a lesson without code"
    unexecuted = [c.source.splitlines()[0] for c in cells if c.execution_count is None]
    assert not unexecuted, f"code cells saved without running them: {unexecuted}"
    counts = [c.execution_count for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        "not run top to bottom in one kernel: run scripts/run_notebooks.py"
    )
    assert sum(bool(c.outputs) for c in cells) >= len(cells) // 2, "most cells should show what they did"


@pytest.mark.parametrize("path", EVERY, ids=_ids(EVERY))
def test_no_errors_no_machine_paths_no_widget_state(path: Path) -> None:
    nb = _read(path)
    assert "widgets" not in nb.metadata, (
        "widget state saved: strip it (scripts/run_notebooks.py --strip-only)"
    )
    for cell in _code_cells(nb):
        head = cell.source.splitlines()[0] if cell.source else ""
        for out in cell.outputs:
            assert out.output_type != "error", f"error output in cell {head!r}: {out.get('ename')}"
        for text in _output_texts(cell):
            assert "Traceback (most recent call last)" not in text, f"a traceback in cell {head!r}"
            found = MACHINE_PATH.search(text)
            assert found is None, (
                f"a path of this machine in the output of {head!r}: {text[found.start() - 40 : found.end() + 40]!r}"
            )
        assert not MACHINE_PATH.search(cell.source), f"a path of this machine in the code of {head!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_lesson_structure_title_learn_leadins_summary_cleanup(path: Path) -> None:
    nb = _read(path)
    first = nb.cells[0]
    number = path.stem[:2]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {number} "), (
        "title first: '# NN · ...'"
    )
    assert "What you will learn" in first.source
    _lead_ins_and_cleanup(nb)
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()]
    assert any(h.startswith("## Summary") for h in headings), "a '## Summary' section"


def _lead_ins_and_cleanup(nb: nbformat.NotebookNode) -> None:
    for before, cell in zip(nb.cells, nb.cells[1:], strict=False):
        if cell.cell_type == "code":
            assert before.cell_type == "markdown" and before.source.strip(), (
                f"code cell without a markdown lead-in: {cell.source.splitlines()[0] if cell.source else ''!r}"
            )
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()]
    assert any(h.startswith("## Cleanup") for h in headings), "a '## Cleanup' section"
    assert nb.cells[-1].cell_type == "code", "the last cell is the cleanup code"


# --------------------------------------------------------------------------------------------
# the exercises: in the lessons as shipped, and solved in notebooks/solutions/

CHECK_CALL = re.compile(r"""check\(["'](\d\d\.\d+)["']""")


def _exercise_keys(number: str) -> list[str]:
    from credit_ocr.faces.exercises import EXERCISES

    return sorted(key for key in EXERCISES if key.startswith(f"{number}."))


def _checks(nb: nbformat.NotebookNode) -> dict[str, list[str]]:
    """Exercise key → the output lines its check printed, for each ``check("NN.k", ...)`` cell."""
    found: dict[str, list[str]] = {}
    for cell in _code_cells(nb):
        for key in CHECK_CALL.findall(cell.source):
            lines = [line for text in _output_texts(cell) for line in text.splitlines()]
            found[key] = [line for line in lines if line.startswith((f"✓ {key}:", f"✗ {key} not yet:"))]
    return found


def test_lessons_02_to_08_have_exercises_with_their_solutions() -> None:
    numbers = {path.stem[:2] for path in NOTEBOOKS if _exercise_keys(path.stem[:2])}
    assert numbers == {"02", "03", "04", "05", "06", "07", "08"}
    assert sorted(p.stem for p in SOLUTIONS) == sorted(
        f"{p.stem}_solutions" for p in NOTEBOOKS if p.stem[:2] in numbers
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_a_lesson_as_shipped_prints_not_yet_for_each_exercise(path: Path) -> None:
    keys = _exercise_keys(path.stem[:2])
    nb = _read(path)
    checks = _checks(nb)
    assert sorted(checks) == keys, "each exercise of the lesson is checked in it"
    for key in keys:
        assert len(checks[key]) == 1 and checks[key][0].startswith(f"✗ {key} not yet:"), (
            f"{key}: the shipped placeholder should print its hint, got {checks[key]}"
        )
    if keys:
        learn, summary = nb.cells[0].source, next(c.source for c in nb.cells if "## Summary" in c.source)
        for key in keys:
            assert key in learn and key in summary, f"'What you will learn' and the summary name {key}"
        sources = [c.source for c in nb.cells]
        exercises = next(i for i, text in enumerate(sources) if text.startswith("## Exercise"))
        summary_at = next(i for i, text in enumerate(sources) if "## Summary" in text)
        assert exercises < summary_at, "the exercises come before the summary and the cleanup"


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids(SOLUTIONS))
def test_a_solution_notebook_prints_a_tick_for_each_exercise(path: Path) -> None:
    nb = _read(path)
    number = path.stem[:2]
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {number} · Solutions"), (
        "title first: '# NN · Solutions: ...'"
    )
    _lead_ins_and_cleanup(nb)
    checks = _checks(nb)
    keys = _exercise_keys(number)
    assert sorted(checks) == keys, "every exercise of the lesson is solved"
    for key in keys:
        assert key in first.source
        assert len(checks[key]) == 1 and checks[key][0].startswith(f"✓ {key}:"), (
            f"{key}: the solution's check should print ✓, got {checks[key]}"
        )


@pytest.mark.parametrize("path", EVERY, ids=_ids(EVERY))
def test_only_truly_nondeterministic_cells_are_ignored(path: Path) -> None:
    nb = _read(path)
    cells = [c for c in _code_cells(nb) if c.source.strip()]
    ignored = [c for c in cells if IGNORE in c.source]
    for cell in ignored:
        assert cell.source.startswith(IGNORE), "NBVAL_IGNORE_OUTPUT belongs on the first line"
    assert len(ignored) <= len(cells) // 3, (
        f"{len(ignored)} of {len(cells)} cells unchecked: print facts instead"
    )
    assert all("NBVAL_SKIP" not in c.source for c in cells), "every cell runs under nbval"
    assert "nbval" not in str(nb.metadata).lower(), "no notebook-wide nbval switches"


def _parse(source: str) -> ast.AST:
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    return compile("\n".join(lines), "<cell>", "exec", flags=flags)


def _package_calls(nb: nbformat.NotebookNode) -> tuple[list[str], list[str]]:
    """Every ``credit_ocr`` name a notebook uses that does not exist (and all the names checked)."""
    bound: dict[str, object] = {}  # local name -> the credit_ocr module or object it stands for
    missing, checked = [], []
    for cell in _code_cells(nb):
        tree = _parse(cell.source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "credit_ocr":
                        module = importlib.import_module(alias.name)
                        if alias.asname:
                            bound[alias.asname] = module
                        else:
                            bound["credit_ocr"] = importlib.import_module("credit_ocr")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "credit_ocr":
                module = importlib.import_module(node.module)
                for alias in node.names:
                    checked.append(f"{node.module}.{alias.name}")
                    if hasattr(module, alias.name):
                        bound[alias.asname or alias.name] = getattr(module, alias.name)
                    else:
                        try:
                            bound[alias.asname or alias.name] = importlib.import_module(
                                f"{node.module}.{alias.name}"
                            )
                        except ImportError:
                            missing.append(f"{node.module}.{alias.name}")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            chain, base = [], node
            while isinstance(base, ast.Attribute):
                chain.append(base.attr)
                base = base.value
            if not (isinstance(base, ast.Name) and base.id in bound):
                continue
            obj = bound[base.id]
            name = base.id
            for attr in reversed(chain):
                if not isinstance(obj, ModuleType | type):
                    break  # an instance: its attributes are data, checked by running the notebook
                name = f"{name}.{attr}"
                checked.append(name)
                if hasattr(obj, attr):
                    obj = getattr(obj, attr)
                    continue
                if isinstance(obj, ModuleType):
                    try:  # a submodule not imported yet
                        obj = importlib.import_module(f"{obj.__name__}.{attr}")
                        continue
                    except ImportError:
                        pass
                missing.append(name)
                break
    return missing, checked


@pytest.mark.parametrize("path", EVERY, ids=_ids(EVERY))
def test_every_package_function_a_notebook_calls_exists(path: Path) -> None:
    missing, checked = _package_calls(_read(path))
    assert checked, "a lesson that does not use the package"
    assert not missing, f"{path.name} uses names the package does not have: {missing}"


def test_the_name_check_catches_a_missing_function() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "from credit_ocr.runtime import services\nservices.up()\nservices.no_such_thing()"
            ),
            nbformat.v4.new_code_cell("import credit_ocr.watching.tables as m\nm.summary\nm.gone"),
            nbformat.v4.new_code_cell(
                "from credit_ocr.state.status import Status, nothing_here\nStatus.DONE\nStatus.NOPE"
            ),
        ]
    )
    missing, _ = _package_calls(nb)
    assert missing == [
        "services.no_such_thing",
        "m.gone",
        "credit_ocr.state.status.nothing_here",
        "Status.NOPE",
    ]
