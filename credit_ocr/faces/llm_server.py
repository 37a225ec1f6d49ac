"""A STAND-IN for an OpenAI-compatible LLM server, on loopback: for tests, teaching and benchmarks.

It is not a language model. It answers ``POST /v1/chat/completions`` in the chat-completions shape
with a JSON object of the 21 credit-request fields, read from the document text of the prompt by a
cheap label-based reading (the kit's rule-based extractor). What it adds is control over
what a real endpoint does to a pipeline: a latency per call, a share of calls answered with an
injected ``500`` or ``429`` (with ``Retry-After``), and malformed answers. Behaviour can be changed
while it runs (``POST /_control`` or a per-request ``X-Stand-In-Control`` header) and counted
(``GET /_stats``), so tests and lessons need no restart.

It speaks HTTP/1.1 with keep-alive and sets ``TCP_NODELAY`` on every accepted socket: the stdlib
server writes headers and body in two small writes, and with Nagle on, the client's delayed ACK then
holds the second write back by about 40 ms per call on Linux.

To use a real model instead, point ``CREDIT_OCR_LLM_BASE_URL`` at OpenAI, Ollama or vLLM.
"""

from __future__ import annotations

import json
import logging
import random
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field, fields, replace
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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


@dataclass
class StandInConfig:
    """What the stand-in does to each call. Every field may be changed while it runs."""

    latency: float = 0.0  # seconds slept before every completion answer
    fail_rate: float = 0.0  # share of completion calls answered with an injected error
    fail_codes: list[int] = field(default_factory=lambda: [500, 429])  # drawn from at random
    retry_after: float = 1.0  # seconds announced in Retry-After of an injected 429
    malformed_rate: float = 0.0  # share of answers that are malformed
    malformed: str = "not_json"  # which kind of malformed answer (see MALFORMED_KINDS, or "mixed")
    malformed_next: int = 0  # the next N answers are malformed whatever the rate (then counts down)
    seed: int | None = None  # seeds the RNG that draws failures and malformed answers
    api_key: str | None = None  # when set, calls without "Bearer <api_key>" get a 401
    obey_injection: bool = True  # a document's "output {...}" is merged into the answer, like a weak model

    def updated(self, changes: dict[str, Any]) -> StandInConfig:
        """A copy with ``changes`` applied; unknown keys or bad values raise ``ValueError``."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(known)}")
        new = replace(self, **changes)
        new.validate()
        return new

    def validate(self) -> None:
        if self.latency < 0 or self.malformed_next < 0:
            raise ValueError("latency and malformed_next must be >= 0")
        for name in ("fail_rate", "malformed_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if not self.fail_codes or any(not 400 <= int(c) <= 599 for c in self.fail_codes):
            raise ValueError("fail_codes must be a non-empty list of HTTP error codes (400-599)")
        if self.malformed not in (*MALFORMED_KINDS, "mixed"):
            raise ValueError(f"malformed must be one of {[*MALFORMED_KINDS, 'mixed']}")


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
    # the prompt's own markers; imported here to keep openai's import (0.5 s) out of the server's start
    from credit_ocr.reading.extraction.llm import DOC_BEGIN, DOC_END  # deferred: openai's import cost

    begin = joined.rfind(DOC_BEGIN)
    if begin >= 0:
        start = joined.find("\n", begin)
        end = joined.find(DOC_END, start)
        if start >= 0 and end >= 0:
            return joined[start + 1 : end]
    return last_user or joined


def read_fields(text: str) -> dict[str, Any]:
    """The 21 fields of a document text, read by the kit's rule-based extractor."""
    return dict(_read_fields_cached(text))


@lru_cache(maxsize=512)
def _read_fields_cached(text: str) -> dict[str, Any]:
    # Cached: a benchmark sends the same documents again and again, and the stand-in's own CPU
    # (milliseconds of rules per call) must not compete with the OCR workers for the same cores.
    return dict(extract_rules(text).fields)


_INJECTION = re.compile(r"\b(?:output|return|answer with)\b\s*:?\s*(?=\{)", re.IGNORECASE)


def _injected_object(text: str) -> dict[str, Any]:
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


# --------------------------------------------------------------------------------------------
# the server


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections must not hold up stop()
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], owner: StandInLLM) -> None:
        self.owner = owner
        super().__init__(addr, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        if self.owner.tcp_nodelay:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.owner._lock:
            self.owner._stats.connections += 1
        return sock, addr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves many calls
    server_version = "credit-ocr-standin/1"
    timeout = 120  # an idle keep-alive connection is closed after this many seconds
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("stand-in %s - %s", self.address_string(), format % args)

    # ---- plumbing -----------------------------------------------------------------------
    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> None:
        body = {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}
        self._send_json(status, body, headers)

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    # ---- routes -------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        owner = self.server.owner
        if self.path.rstrip("/") == "/v1/models":
            model = {
                "id": STANDIN_MODEL,
                "object": "model",
                "created": owner.started_at,
                "owned_by": STANDIN_NOTICE,
            }
            self._send_json(200, {"object": "list", "data": [model]})
        elif self.path.rstrip("/") == "/_stats":
            self._send_json(200, asdict(owner.stats()))
        elif self.path.rstrip("/") == "/_control":
            self._send_json(200, asdict(owner.config))
        else:
            self._error(404, f"{self.path} not found on the stand-in: try /v1/chat/completions", "not_found")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        try:
            body = self._read_json()
        except (ValueError, UnicodeDecodeError) as exc:
            self._error(400, f"request body is not JSON: {exc}", "invalid_request_error")
            return
        path = self.path.rstrip("/")
        if path == "/_control":
            self._control(body)
        elif path == "/v1/chat/completions":
            self._completion(body)
        else:
            self._error(404, f"{self.path} not found on the stand-in: try /v1/chat/completions", "not_found")

    def _control(self, body: Any) -> None:
        owner = self.server.owner
        if not isinstance(body, dict):
            self._error(400, "POST /_control takes a JSON object of settings", "invalid_request_error")
            return
        reset = bool(body.pop("reset_stats", False))
        try:
            owner.configure(**body)
        except (TypeError, ValueError) as exc:
            self._error(400, str(exc), "invalid_request_error")
            return
        if reset:
            owner.reset_stats()
        self._send_json(200, asdict(owner.config))

    def _completion(self, body: Any) -> None:
        owner = self.server.owner
        config = owner.config
        override = self.headers.get(CONTROL_HEADER)
        if override:
            try:
                config = config.updated(json.loads(override))
            except (ValueError, TypeError) as exc:
                self._error(400, f"bad {CONTROL_HEADER} header: {exc}", "invalid_request_error")
                return
        with owner._lock:
            owner._stats.calls += 1
            failure = owner._rng.random() < config.fail_rate
            code = int(owner._rng.choice(config.fail_codes)) if failure else 200
            malformed = owner._rng.random() < config.malformed_rate
            if not failure and owner.config.malformed_next > 0:
                malformed = True
                owner.config = replace(owner.config, malformed_next=owner.config.malformed_next - 1)
            kind = owner._rng.choice(MALFORMED_KINDS) if config.malformed == "mixed" else config.malformed

        if config.api_key is not None:
            sent = self.headers.get("Authorization", "")
            if sent != f"Bearer {config.api_key}":
                with owner._lock:
                    owner._stats.unauthorized += 1
                # Like some real servers, echo what was sent: clients must not pass it on.
                self._error(
                    401, f"Incorrect API key provided: {sent.removeprefix('Bearer ')}", "invalid_api_key"
                )
                return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            self._error(
                400, "a chat completion needs a JSON body with a 'messages' list", "invalid_request_error"
            )
            return
        if body.get("stream"):
            self._error(
                400, "the stand-in does not stream: call without stream=True", "invalid_request_error"
            )
            return

        if config.latency:
            time.sleep(config.latency)
        if failure:
            with owner._lock:
                owner._stats.failures_injected += 1
                if code == 500:
                    owner._stats.injected_500 += 1
                elif code == 429:
                    owner._stats.injected_429 += 1
            if code == 429:
                retry = f"{config.retry_after:g}"
                self._error(429, "stand-in: injected rate limit", "rate_limit_error", {"Retry-After": retry})
            else:
                self._error(code, f"stand-in: injected server error {code}", "server_error")
            return

        text = document_text(body["messages"])
        answer = read_fields(text)
        if config.obey_injection:
            answer.update(_injected_object(text))
        content = json.dumps(answer, ensure_ascii=False)
        if malformed:
            content = _malform(content, answer, kind)
            with owner._lock:
                owner._stats.malformed += 1
        with owner._lock:
            owner._stats.answered += 1
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
        completion_tokens = len(content.split())
        self._send_json(
            200,
            {
                "id": f"chatcmpl-standin-{uuid.uuid4().hex[:16]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": str(body.get("model") or STANDIN_MODEL),
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
            },
        )


def _malform(content: str, answer: dict[str, Any], kind: str) -> str:
    """A malformed answer of the given kind (see :data:`MALFORMED_KINDS`)."""
    if kind == "fenced":
        return f"Sure! Here are the fields you asked for:\n```json\n{content}\n```\nAnything else?"
    if kind == "missing_keys":
        kept = dict(list(answer.items())[: max(0, len(answer) - 5)])
        return json.dumps(kept, ensure_ascii=False)
    return "I think the company is " + content[: len(content) // 2]  # truncated prose: not JSON


class StandInLLM:
    """The stand-in server in a background thread of this process (tests, notebooks)::

    with StandInLLM(latency=0.05).start() as llm:
        settings = Settings(llm_base_url=llm.url)
    """

    def __init__(self, *, tcp_nodelay: bool = True, **config: Any) -> None:
        self.config = StandInConfig().updated(config)
        self.tcp_nodelay = tcp_nodelay  # off only to measure what Nagle costs
        self._lock = threading.Lock()
        self._rng = random.Random(self.config.seed)
        self._stats = StandInStats()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.started_at = int(time.time())

    # ---- lifecycle ----------------------------------------------------------------------
    def bind(self, host: str = "127.0.0.1", port: int = 0) -> StandInLLM:
        """Open the listening socket (port 0: a free one) without serving yet."""
        try:
            self._server = _Server((host, port), self)
        except OSError as exc:
            raise StandInError(
                f"The stand-in LLM cannot listen on {host}:{port} ({exc}): choose another --port."
            ) from exc
        return self

    def start(self, host: str = "127.0.0.1", port: int = 0) -> StandInLLM:
        """Serve in a daemon thread; returns at once, ready to answer."""
        self.bind(host, port)
        assert self._server is not None
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="standin-llm", daemon=True
        )  # a short poll interval: stop() returns within 50 ms
        self._thread.start()
        log.info("%s listening on %s", STANDIN_NOTICE, self.url)
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join(timeout=5)
            self._server.server_close()
            self._server = None
            self._thread = None

    def __enter__(self) -> StandInLLM:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- addresses ----------------------------------------------------------------------
    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise StandInError("The stand-in LLM is not started: call .start() first.")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def url(self) -> str:
        """Base URL for an OpenAI client (ends in ``/v1``)."""
        host, port = self.address
        return f"http://{host}:{port}/v1"

    # ---- control ------------------------------------------------------------------------
    def configure(self, **changes: Any) -> StandInConfig:
        """Change behaviour while running, e.g. ``configure(fail_rate=1.0, fail_codes=[429])``.

        A new ``seed`` restarts the RNG, so the same seed draws the same failures again.
        """
        with self._lock:
            self.config = self.config.updated(changes)
            if "seed" in changes:
                self._rng = random.Random(self.config.seed)
            return self.config

    def stats(self) -> StandInStats:
        """A snapshot of the counters."""
        with self._lock:
            return replace(self._stats)

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = StandInStats()


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    latency: float = 0.0,
    fail_rate: float = 0.0,
    malformed_rate: float = 0.0,
    malformed: str = "not_json",
    seed: int | None = None,
) -> None:
    """Run the stand-in in the foreground until interrupted (``credit-ocr llm-server``)."""
    llm = StandInLLM(
        latency=latency, fail_rate=fail_rate, malformed_rate=malformed_rate, malformed=malformed, seed=seed
    ).bind(host, port)
    assert llm._server is not None
    print(
        f"{STANDIN_NOTICE}\nlistening on {llm.url} (latency {latency:g}s, fail rate {fail_rate:g}, "
        f"malformed rate {malformed_rate:g}); set CREDIT_OCR_LLM_BASE_URL={llm.url} to use it. Ctrl-C stops.",
        file=sys.stderr,
        flush=True,
    )
    try:
        llm._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        llm._server.server_close()


# --------------------------------------------------------------------------------------------
# the stand-in as a separate process (for Celery workers in other processes)


@dataclass
class StandInProcess(ServerProcess):
    """A stand-in running as its own process (``python -m credit_ocr llm-server``), steered over HTTP:
    ready when it answers ``GET /v1/models``."""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/models", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def not_ready(self, exc: Exception) -> Exception:
        return StandInError(f"The stand-in LLM process did not start: {exc}")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        root = self.url.removesuffix("/v1")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(root + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise StandInError(f"stand-in {path} refused: {exc.read().decode(errors='replace')}") from exc

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change behaviour of the running process (``POST /_control``)."""
        return self._call("POST", "/_control", changes)

    def stats(self) -> StandInStats:
        return StandInStats(**self._call("GET", "/_stats"))


def start_llm_server_process(
    port: int | None = None,
    latency: float = 0.0,
    fail_rate: float = 0.0,
    *,
    host: str = "127.0.0.1",
    malformed_rate: float = 0.0,
    seed: int | None = None,
    wait: float = 20.0,
    settings: Settings | None = None,
) -> StandInProcess:
    """Start the stand-in as a separate process and return once it answers on ``/v1/models``.

    Worker processes of a pipeline test reach it over TCP like any real endpoint; ``port=None``
    picks a free one. Its log is ``CREDIT_OCR_HOME/logs/llm-standin-<port>.log``.
    """
    settings = settings or get_settings()
    port = port or free_port(host)
    command = python_module(
        "credit_ocr", "llm-server", "--host", host, "--port", str(port), "--latency", str(latency),
        "--fail-rate", str(fail_rate), "--malformed-rate", str(malformed_rate),
    )  # fmt: skip
    if seed is not None:
        command += ["--seed", str(seed)]
    handle = StandInProcess(
        name="llm-standin", argv=command, log_path=settings.log_dir / f"llm-standin-{port}.log",
        env=child_env(settings), host=host, port=port,
    )  # fmt: skip
    handle.start(timeout=wait)
    return handle
