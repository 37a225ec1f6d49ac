"""credit-ocr: asynchronous OCR and field extraction of credit documents with Celery, for teaching.

The package does the work; the notebooks in ``notebooks/`` call it. Start with
``credit_ocr.runtime.services.up()`` (or ``credit-ocr services up``), then see the README.
"""

__version__ = "0.1.0"
