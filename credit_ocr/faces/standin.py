"""The stand-in LLM's parts: its settings, its counters, the answers it reads, and its own process.

The server itself (:class:`~credit_ocr.faces.llm_server.StandInLLM`) is in ``llm_server``; this module
holds what does not depend on serving HTTP, so that a worker test can start and steer the stand-in as a
separate process (:func:`start_llm_server_process`) without the server's code.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from credit_ocr.config import Settings, get_settings
from credit_ocr.reading.extraction.rules import extract_rules
from credit_ocr.runtime.processes import ServerProcess, child_env, free_port, python_module

log = logging.getLogger("credit_ocr.faces.llm_server")

#: The model name the stand-in announces on ``/v1/models`` (any requested name is echoed back).
STANDIN_MODEL = "credit-ocr-standin"
#: Said wherever someone might mistake the stand-in for a model.
STANDIN_NOTICE = "credit-ocr STAND-IN server: answers by label matching, it is not a language model"
#: Request header with a JSON object of :class:`StandInConfig` overrides for that one request.
CONTROL_HEADER = "X-Stand-In-Control"
#: Kinds of malformed answers: ``not_json`` cannot be repaired locally; ``fenced`` is valid JSON
#: wrapped in prose and a code fence (a local repair recovers it); ``missing_keys`` drops keys.
MALFORMED_KINDS = ("not_json", "fenced", "missing_keys")


class StandInError(RuntimeError):
    """The stand-in server could not start or does not answer; the message says what to check."""


class StandInConfig(BaseModel):
    """What the stand-in does to each call. Every field may be changed while it runs (pydantic
    checks each change: an unknown key or a value out of range is refused with its name)."""

    model_config = ConfigDict(extra="forbid")

    latency: float = Field(0.0, ge=0)  # seconds slept before every completion answer
    fail_rate: float = 0.0  # share of completion calls answered with an injected error
    fail_codes: list[int] = Field([500, 429], min_length=1)  # drawn from at random
    retry_after: float = 1.0  # seconds announced in Retry-After of an injected 429
    malformed_rate: float = 0.0  # share of answers that are malformed
    malformed: Literal["not_json", "fenced", "missing_keys", "mixed"] = "not_json"  # "mixed": any kind
    malformed_next: int = Field(0, ge=0)  # the next N answers are malformed whatever the rate
    seed: int | None = None  # seeds the RNG that draws failures and malformed answers
    api_key: str | None = None  # when set, calls without "Bearer <api_key>" get a 401
    obey_injection: bool = True  # a document's "output {...}" is merged into the answer, like a weak model

    @field_validator("fail_rate", "malformed_rate")
    @classmethod
    def _a_share(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"must be between 0 and 1, got {value}")
        return value

    @field_validator("fail_codes")
    @classmethod
    def _error_codes(cls, codes: list[int]) -> list[int]:
        if any(not 400 <= c <= 599 for c in codes):
            raise ValueError("must be HTTP error codes (400-599)")
        return codes

    def updated(self, changes: dict[str, Any]) -> StandInConfig:
        """A copy with ``changes`` applied; unknown keys or bad values raise ``ValueError``."""
        try:
            return StandInConfig.model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"{problems} (known settings: {sorted(StandInConfig.model_fields)})") from None


@dataclass
class StandInStats:
    """Counters since start (or the last reset through ``POST /_control`` with ``reset_stats``)."""

    calls: int = 0  # POST /v1/chat/completions received
    answered: int = 0  # answered 200 (well-formed or malformed)
    failures_injected: int = 0  # injected 500/429 (and other fail_codes)
    injected_500: int = 0
    injected_429: int = 0
    malformed: int = 0  # malformed answers sent
    unauthorized: int = 0  # calls refused with 401
    connections: int = 0  # TCP connections accepted (keep-alive reuses one for many calls)


# --------------------------------------------------------------------------------------------
# reading the document text of a prompt


def document_text(messages: list[dict[str, Any]]) -> str:
    """The document text of a chat prompt: between the markers, else the last user message."""
    # the prompt's own markers; imported here to keep openai's import (0.5 s) out of the server's start
    from credit_ocr.reading.extraction.llm import DOC_BEGIN, DOC_END  # deferred: openai's import cost

    chunks: list[str] = []
    last_user = ""
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):  # the "parts" form: [{"type": "text", "text": ...}]
            content = "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        chunks.append(str(content or ""))
        if message.get("role") == "user":
            last_user = str(content or "")
    joined = "\n".join(chunks)
    begin = joined.rfind(DOC_BEGIN)
    if begin >= 0:
        start = joined.find("\n", begin)
        end = joined.find(DOC_END, start)
        if start >= 0 and end >= 0:
            return joined[start + 1 : end]
    return last_user or joined


@lru_cache(maxsize=512)
def _read_fields_cached(text: str) -> dict[str, Any]:
    # Cached: a benchmark sends the same documents again and again, and the stand-in's own CPU
    # (milliseconds of rules per call) must not compete with the OCR workers for the same cores.
    return dict(extract_rules(text).fields)


def read_fields(text: str) -> dict[str, Any]:
    """The 21 fields of a document text, read by the kit's rule-based extractor."""
    return dict(_read_fields_cached(text))


_INJECTION = re.compile(r"\b(?:output|return|answer with)\b\s*:?\s*(?=\{)", re.IGNORECASE)


def injected_object(text: str) -> dict[str, Any]:
    """The JSON object a document tells the model to output, if any (a weak model would obey)."""
    decoder = json.JSONDecoder()
    for match in _INJECTION.finditer(text):
        try:
            obj, _ = decoder.raw_decode(text, match.end())
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            return obj
    return {}


def malform(content: str, answer: dict[str, Any], kind: str) -> str:
    """A malformed answer of the given kind (see :data:`MALFORMED_KINDS`)."""
    if kind == "fenced":
        return f"Sure! Here are the fields you asked for:\n```json\n{content}\n```\nAnything else?"
    if kind == "missing_keys":
        kept = dict(list(answer.items())[: max(0, len(answer) - 5)])
        return json.dumps(kept, ensure_ascii=False)
    return "I think the company is " + content[: len(content) // 2]  # truncated prose: not JSON


def completion_body(model: str, messages: list[dict[str, Any]], content: str) -> dict[str, Any]:
    """A chat-completions answer around ``content``, shaped as OpenAI's (token counts are words)."""
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
    completion_tokens = len(content.split())
    return {
        "id": f"chatcmpl-standin-{uuid.uuid4().hex[:16]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "credit-ocr-standin",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


# --------------------------------------------------------------------------------------------
# errors in the shape OpenAI clients expect


class HttpError(Exception):
    """An error answer in OpenAI's shape, raised anywhere in a request and sent by the handler."""

    def __init__(self, status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.headers = status, kind, headers or {}


def json_body(raw: bytes) -> Any:
    """A request body parsed as JSON, or a 400 that says why not."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HttpError(400, f"request body is not JSON: {exc}", "invalid_request_error") from None


def bad_request(message: str) -> HttpError:
    """The 400 answer of a request the stand-in cannot take."""
    return HttpError(400, message, "invalid_request_error")


# --------------------------------------------------------------------------------------------
# the stand-in as a separate process (for Celery workers in other processes)


@dataclass
class StandInProcess(ServerProcess):
    """A stand-in running as its own process (``python -m credit_ocr llm-server``), steered over HTTP:
    ready when it answers ``GET /v1/models``."""

    @property
    def url(self) -> str:
        """Base URL for an OpenAI client (ends in ``/v1``)."""
        return f"http://{self.host}:{self.port}/v1"

    def ready(self) -> bool:
        try:
            return httpx.get(self.url + "/models", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def not_ready(self, exc: Exception) -> Exception:
        return StandInError(f"The stand-in LLM process did not start: {exc}")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.request(method, self.url.removesuffix("/v1") + path, json=body, timeout=10)
        if response.is_error:
            raise StandInError(f"stand-in {path} refused: {response.text}")
        return response.json()

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change behaviour of the running process (``POST /_control``)."""
        return self._call("POST", "/_control", changes)

    def stats(self) -> StandInStats:
        """A snapshot of the process's counters (``GET /_stats``)."""
        return StandInStats(**self._call("GET", "/_stats"))


def start_llm_server_process(
    latency: float = 0.0,
    fail_rate: float = 0.0,
    *,
    seed: int | None = None,
    settings: Settings | None = None,
) -> StandInProcess:
    """Start the stand-in as a separate process on a free loopback port; return once it answers on
    ``/v1/models``.

    Worker processes of a pipeline test reach it over TCP like any real endpoint. Its log is
    ``CREDIT_OCR_HOME/logs/llm-standin-<port>.log``.
    """
    settings = settings or get_settings()
    host, port = "127.0.0.1", free_port()
    command = python_module("credit_ocr", "llm-server", "--host", host, "--port", str(port))
    command += ["--latency", str(latency), "--fail-rate", str(fail_rate)]
    if seed is not None:
        command += ["--seed", str(seed)]
    handle = StandInProcess(
        name="llm-standin",
        argv=command,
        log_path=settings.log_dir / f"llm-standin-{port}.log",
        env=child_env(settings),
        host=host,
        port=port,
    )
    handle.start(timeout=20.0)
    return handle
