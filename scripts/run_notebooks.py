#!/usr/bin/env python
"""Execute the lesson notebooks in place and make their outputs the committed, comparable ones.

    .venv/bin/python scripts/run_notebooks.py                 # every lesson, then every solution notebook
    .venv/bin/python scripts/run_notebooks.py 02 05           # those whose name starts so (lesson and solutions)
    .venv/bin/python scripts/run_notebooks.py solutions/      # the solution notebooks only
    .venv/bin/python scripts/run_notebooks.py --strip-only    # only clean what is there

Each notebook runs top to bottom in its own kernel (``python3``, from its own folder), as nbval will run
it; then widget state (``metadata.widgets``), per-cell timing metadata and execution noise are removed,
so that the file holds only the outputs nbval compares. ``make test`` checks them with
``pytest --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg notebooks/``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop widget state and execution metadata; number the code cells 1..n."""
    nb.metadata.pop("widgets", None)
    count = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count if cell.outputs or cell.source.strip() else None
        for out in cell.outputs:
            if "execution_count" in out:
                out["execution_count"] = count
            out.get("metadata", {}).pop("execution", None)
    return nb


def execute(path: Path, timeout: int) -> float:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    client.execute()
    nbformat.write(strip(nb), path)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="run only notebooks whose name starts with these")
    parser.add_argument("--strip-only", action="store_true", help="do not execute, only strip")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = sorted(NOTEBOOKS.glob("*.ipynb")) + sorted(NOTEBOOKS.glob("solutions/*.ipynb"))
    if args.prefixes:
        paths = [
            p
            for p in paths
            if any(p.name.startswith(x) or p.relative_to(NOTEBOOKS).as_posix().startswith(x) for x in args.prefixes)
        ]
    if not paths:
        print("no notebooks matched", file=sys.stderr)
        return 1
    total = 0.0
    for path in paths:
        if args.strip_only:
            nbformat.write(strip(nbformat.read(path, as_version=4)), path)
            print(f"stripped {path.name}")
            continue
        seconds = execute(path, args.timeout)
        total += seconds
        print(f"{path.name}: {seconds:.1f}s", flush=True)
    if not args.strip_only:
        print(f"total {total:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
