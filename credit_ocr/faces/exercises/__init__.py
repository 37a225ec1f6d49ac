"""Exercises at the end of lessons 02-08, each checked against the running system.

``check("05.1", answer)`` prints ✓ and what the answer shows, or a hint that says what is still wrong;
it never raises. The checks read what the student's code produced: tesseract's reading, the stored
fields, the event log, a worker's Celery events. Solutions: ``notebooks/solutions/``.

Lesson modules: :mod:`.reading` (02, 03), :mod:`.status` (04), :mod:`.pipeline` (05, 06),
:mod:`.scaling` (07), :mod:`.tasks` and :mod:`.taskworker` (08).
"""

from credit_ocr.faces.exercises import pipeline, reading, scaling, status, tasks
from credit_ocr.faces.exercises.core import EXERCISES, Verdict, check, verdict
from credit_ocr.faces.exercises.reading import (
    DPI_CANDIDATES,
    MONEY_FIELDS,
    STANDIN_CALM,
    STANDIN_FAULTS,
    exercise_scan,
    teur_sample,
)
from credit_ocr.faces.exercises.status import resubmit_puzzle
from credit_ocr.faces.exercises.taskworker import TaskModuleError, task_module_path, task_worker

__all__ = [
    "DPI_CANDIDATES",
    "EXERCISES",
    "MONEY_FIELDS",
    "STANDIN_CALM",
    "STANDIN_FAULTS",
    "TaskModuleError",
    "Verdict",
    "check",
    "exercise_scan",
    "pipeline",
    "reading",
    "resubmit_puzzle",
    "scaling",
    "status",
    "task_module_path",
    "task_worker",
    "tasks",
    "teur_sample",
    "verdict",
]
