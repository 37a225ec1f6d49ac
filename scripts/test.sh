#!/usr/bin/env bash
# `make test`: the tests and the notebooks at the same time, on a machine of two cores.
#
# The tests run in three pytest-xdist processes (they wait on real workers and services more than they
# compute); the notebooks run under strict nbval in a second pytest, one after another, because they
# share the kit's home folder (var/) as a student's do. Their report is printed after the tests'.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
NOTEBOOK_LOG=$(mktemp)
trap 'rm -f "$NOTEBOOK_LOG"' EXIT

"$BIN/pytest" --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg notebooks/*.ipynb notebooks/solutions/*.ipynb \
  >"$NOTEBOOK_LOG" 2>&1 &
notebooks=$!
"$BIN/pytest" -n 3 tests
tests_status=$?
wait "$notebooks"
notebooks_status=$?
printf '\n==== the notebooks (pytest --nbval notebooks/) ====\n'
cat "$NOTEBOOK_LOG"
exit $(( tests_status != 0 || notebooks_status != 0 ))
