# The kit's worker image: the package and tesseract, nothing else (used by docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CREDIT_OCR_HOME=/var/lib/credit-ocr

# tesseract is installed at build time, never when a container starts: the program (pytesseract, the
# lessons) and the eng and deu models that the pipeline's tesserocr loads from /usr/share/tesseract-ocr/5/tessdata
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-osd \
    && rm -rf /var/lib/apt/lists/* \
    && tesseract --version

WORKDIR /app
COPY pyproject.toml README.md* ./
COPY credit_ocr ./credit_ocr
RUN pip install . && credit-ocr --version

RUN useradd --create-home --uid 1000 kit \
    && mkdir -p "$CREDIT_OCR_HOME" && chown kit:kit "$CREDIT_OCR_HOME"
USER kit
VOLUME ["/var/lib/credit-ocr"]

CMD ["credit-ocr", "worker", "--queues", "ocr,llm"]
