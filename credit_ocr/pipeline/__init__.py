"""The Celery pipeline: the app and its reliability settings, the stages as plain functions, the tasks around
them (Celery's own retries), worker processes, submitting, and the reconciler.

Layer 5 of 7: uses ``reading`` and ``state``; nothing here draws or prints for a person.
"""
