#!/usr/bin/env bash
# `make test`: the tests and the notebooks at the same time, on a machine of two cores.
#
# Three streams side by side, because they wait on real workers and services more than they compute:
#   - the tests, in five pytest-xdist processes;
#   - the lessons under strict nbval, one after another, because they share the kit's home folder (var/)
#     as a student's do;
#   - the exercises' solutions under strict nbval, in a home folder of their own (var-solutions/).
# The notebooks' reports are printed after the tests'.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
LESSONS_LOG=$(mktemp)
SOLUTIONS_LOG=$(mktemp)
trap 'rm -f "$LESSONS_LOG" "$SOLUTIONS_LOG"' EXIT
NBVAL=(--nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg)

"$BIN/pytest" "${NBVAL[@]}" notebooks/*.ipynb >"$LESSONS_LOG" 2>&1 &
lessons=$!
CREDIT_OCR_HOME=var-solutions "$BIN/pytest" "${NBVAL[@]}" notebooks/solutions/*.ipynb >"$SOLUTIONS_LOG" 2>&1 &
solutions=$!
# --dist worksteal: each process starts with a fifth of the tests, in order, and one that runs out takes
# half of what another still has waiting. Under the default (`load`) every process is handed a first
# chunk of 72 tests it must run itself: the first one's held the browser tests, both chaos runs and the
# demo, and it ended 40 s after the other two (394 s against 354 and 357 s on a loaded machine).
# Five processes: most tests wait on workers and services, and more processes keep the two cores busy
# while they do (one 2-core machine, 2026-11-30, runs one after the other: `make test` 304 s with five,
# 320 s with four; three had taken 504 s there an hour before, under a little other load).
"$BIN/pytest" -n "${TEST_PROCESSES:-5}" --dist worksteal tests
tests_status=$?
wait "$lessons"
lessons_status=$?
wait "$solutions"
solutions_status=$?
printf '\n==== the lessons (pytest --nbval notebooks/) ====\n'
cat "$LESSONS_LOG"
printf '\n==== the solutions (pytest --nbval notebooks/solutions/, home var-solutions/) ====\n'
cat "$SOLUTIONS_LOG"
exit $(( tests_status != 0 || lessons_status != 0 || solutions_status != 0 ))
