"""Reading a document: its pages prepared (PDF, images), tesseract's words, and the 21 fields extracted by
rules or an LLM; the sample generator, the hostile corpus and the accuracy evaluation.

Layer 4 of 7: plain functions of bytes and text; may use ``state`` (the upload's checks), never Celery.
"""
