"""The package's layers hold: no module imports a layer above its own (the contract in pyproject.toml)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "credit_ocr"


def test_layers_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "KEPT" in result.stdout and "BROKEN" not in result.stdout


def test_function_local_imports_of_the_package_say_why() -> None:
    """An import of the package inside a function is allowed only to defer a real start-up cost, and
    then it says so in a comment on its line."""
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text().splitlines()
        tree = ast.parse("\n".join(lines))
        typing_only = {
            id(child)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
            for child in ast.walk(node)
        }  # imports for type annotations only: never run
        for node in ast.walk(tree):
            if (
                not isinstance(node, ast.Import | ast.ImportFrom)
                or node.col_offset == 0
                or id(node) in typing_only
            ):
                continue
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            if module and module.startswith("credit_ocr") and "#" not in lines[node.lineno - 1]:
                unexplained.append(
                    f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}"
                )
    assert not unexplained, "function-local imports without a reason:\n" + "\n".join(unexplained)


#: The longest a function of the package may be (issue 12): one that does not fit on a screen does more
#: than one thing.
MAX_FUNCTION_LINES = 60


def test_no_function_is_longer_than_a_screen() -> None:
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(long)
