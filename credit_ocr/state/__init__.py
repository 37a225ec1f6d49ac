"""The stored state: the database (tables, engine, transactions), the state machine and its one transition,
the blobs, the upload of documents, and the events published after each commit.

Layer 3 of 7: imports ``config`` and ``runtime``; knows nothing of Celery, OCR or the views.
"""
