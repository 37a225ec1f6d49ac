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
import socket
import sys
import threading
import time
from dataclasses import asdict, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from credit_ocr.faces import standin
from credit_ocr.faces.standin import (
    CONTROL_HEADER,
    STANDIN_MODEL,
    StandInConfig,
    StandInError,
    StandInStats,
    start_llm_server_process,
)

__all__ = [
    "CONTROL_HEADER",
    "STANDIN_MODEL",
    "StandInError",
    "StandInLLM",
    "serve",
    "start_llm_server_process",
]

log = logging.getLogger("credit_ocr.faces.llm_server")


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections must not hold up stop()
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], owner: StandInLLM) -> None:
        self.owner = owner
        super().__init__(addr, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.owner._count(connections=1)
        return sock, addr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves many calls
    server_version = "credit-ocr-standin/1"
    timeout = 120  # an idle keep-alive connection is closed after this many seconds
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("stand-in %s - %s", self.address_string(), format % args)

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _answer(self, route: Any) -> None:
        """Run one route; its :class:`standin.HttpError` becomes the error answer OpenAI clients expect."""
        try:
            self._send_json(200, route())
        except standin.HttpError as exc:
            body = {"error": {"message": str(exc), "type": exc.kind, "param": None, "code": str(exc.status)}}
            self._send_json(exc.status, body, exc.headers)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        owner = self.server.owner
        routes = {
            "/v1/models": owner.models,
            "/_stats": lambda: asdict(owner.stats()),
            "/_control": owner.config.model_dump,
        }
        self._answer(routes.get(self.path.rstrip("/"), self._not_found))

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"  # read whatever the route: keep-alive
        routes = {
            "/_control": lambda: owner.control(standin.json_body(raw)),
            "/v1/chat/completions": lambda: owner.complete(
                standin.json_body(raw),
                self.headers.get(CONTROL_HEADER),
                self.headers.get("Authorization", ""),
            ),
        }
        self._answer(routes.get(self.path.rstrip("/"), self._not_found))

    def _not_found(self) -> None:
        raise standin.HttpError(
            404, f"{self.path} not found on the stand-in: try /v1/chat/completions", "not_found"
        )


class StandInLLM:
    """The stand-in server in a background thread of this process (tests, notebooks)::

    with StandInLLM(latency=0.05).start() as llm:
        settings = Settings(llm_base_url=llm.url)
    """

    def __init__(self, **config: Any) -> None:
        self.config = StandInConfig().updated(config)
        self._lock = threading.Lock()
        self._rng = random.Random(self.config.seed)
        self._stats = StandInStats()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.started_at = int(time.time())

    # ---- lifecycle ----------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> StandInLLM:
        """Listen (port 0: a free one) and serve in a daemon thread; returns at once, ready to answer."""
        try:
            server = self._server = _Server((host, port), self)
        except OSError as exc:
            raise StandInError(
                f"The stand-in LLM cannot listen on {host}:{port} ({exc}): choose another --port."
            ) from exc
        # a short poll interval: stop() returns within 50 ms
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="standin-llm", daemon=True
        )
        self._thread.start()
        log.info("%s listening on %s", standin.STANDIN_NOTICE, self.url)
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
        """(host, port) it listens on."""
        if self._server is None:
            raise StandInError("The stand-in LLM is not started: call .start() first.")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

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
        """Counters back to zero."""
        with self._lock:
            self._stats = StandInStats()

    def _count(self, **increments: int) -> None:
        with self._lock:
            for name, n in increments.items():
                setattr(self._stats, name, getattr(self._stats, name) + n)

    # ---- the routes ---------------------------------------------------------------------
    def models(self) -> dict[str, Any]:
        """``GET /v1/models``: the one model it announces."""
        model = {
            "id": STANDIN_MODEL,
            "object": "model",
            "created": self.started_at,
            "owned_by": standin.STANDIN_NOTICE,
        }
        return {"object": "list", "data": [model]}

    def control(self, body: Any) -> dict[str, Any]:
        """``POST /_control``: change settings (and ``reset_stats``); answers the settings now in force."""
        if not isinstance(body, dict):
            raise standin.bad_request("POST /_control takes a JSON object of settings")
        reset = bool(body.pop("reset_stats", False))
        try:
            self.configure(**body)
        except ValueError as exc:
            raise standin.bad_request(str(exc)) from None
        if reset:
            self.reset_stats()
        return self.config.model_dump()

    def _draw(self, config: StandInConfig) -> tuple[int, str | None]:
        """This call's fate: the status to answer, and the kind of malformed answer (None: well-formed)."""
        with self._lock:
            self._stats.calls += 1
            failure = self._rng.random() < config.fail_rate
            code = int(self._rng.choice(config.fail_codes)) if failure else 200
            malformed = self._rng.random() < config.malformed_rate
            if not failure and self.config.malformed_next > 0:
                malformed = True
                self.config = self.config.model_copy(
                    update={"malformed_next": self.config.malformed_next - 1}
                )
            kind = (
                self._rng.choice(standin.MALFORMED_KINDS) if config.malformed == "mixed" else config.malformed
            )
        return code, kind if malformed else None

    def _injected_failure(self, code: int, config: StandInConfig) -> standin.HttpError:
        self._count(failures_injected=1, injected_500=code == 500, injected_429=code == 429)
        if code == 429:
            retry = {"Retry-After": f"{config.retry_after:g}"}
            return standin.HttpError(429, "stand-in: injected rate limit", "rate_limit_error", retry)
        return standin.HttpError(code, f"stand-in: injected server error {code}", "server_error")

    def complete(self, body: Any, override: str | None, authorization: str) -> dict[str, Any]:
        """``POST /v1/chat/completions``: the fields of the prompt's document, or the fault drawn."""
        config = self.config
        if override:
            try:
                config = config.updated(json.loads(override))
            except ValueError as exc:
                raise standin.bad_request(f"bad {CONTROL_HEADER} header: {exc}") from None
        code, malformed = self._draw(config)
        if config.api_key is not None and authorization != f"Bearer {config.api_key}":
            self._count(unauthorized=1)
            # Like some real servers, echo what was sent: clients must not pass it on.
            sent = authorization.removeprefix("Bearer ")
            raise standin.HttpError(401, f"Incorrect API key provided: {sent}", "invalid_api_key")
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            raise standin.bad_request("a chat completion needs a JSON body with a 'messages' list")
        if body.get("stream"):
            raise standin.bad_request("the stand-in does not stream: call without stream=True")
        time.sleep(config.latency)
        if code != 200:
            raise self._injected_failure(code, config)
        text = standin.document_text(body["messages"])
        answer = standin.read_fields(text)
        if config.obey_injection:
            answer.update(standin.injected_object(text))
        content = json.dumps(answer, ensure_ascii=False)
        if malformed:
            content = standin.malform(content, answer, malformed)
        self._count(malformed=malformed is not None, answered=1)
        return standin.completion_body(str(body.get("model") or STANDIN_MODEL), body["messages"], content)


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
    ).start(host, port)
    print(
        f"{standin.STANDIN_NOTICE}\nlistening on {llm.url} (latency {latency:g}s, fail rate {fail_rate:g}, "
        f"malformed rate {malformed_rate:g}); set CREDIT_OCR_LLM_BASE_URL={llm.url} to use it. Ctrl-C stops.",
        file=sys.stderr,
        flush=True,
    )
    try:
        threading.Event().wait()  # the server's thread serves until Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        llm.stop()
