"""The kit's own processes: one way to start, wait for and stop a child (redis-server, Azurite, Flower, the
stand-in LLM, Celery workers), one ``wait_until``, and ``credit-ocr services up|down|status``.

Layer 2 of 7: imports only ``config``.
"""
