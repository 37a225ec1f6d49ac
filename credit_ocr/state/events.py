"""Publishing committed transitions on Redis pub/sub, so that watchers are pushed, not polling.

A publish is best effort: the database row is the truth, and every subscriber reconciles with the
database when it (re)connects. A Redis outage therefore never fails a transition.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any

import redis

from credit_ocr.config import EVENTS_CHANNEL, ConfigurationError, get_settings

log = logging.getLogger(__name__)

_lock = threading.Lock()
_client: redis.Redis | None = None
_client_key: tuple[int, str] | None = None


def redis_client(url: str | None = None) -> redis.Redis:
    """The process's Redis client for the broker URL (one connection pool per process)."""
    global _client, _client_key
    url = url or get_settings().broker
    key = (os.getpid(), url)
    with _lock:
        if _client is None or _client_key != key:
            _client = redis.Redis.from_url(
                url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
            )
            _client_key = key
        return _client


#: The publishing connection's name in ``CLIENT LIST``.
PUBLISHER_NAME = "credit-ocr-publisher"
#: A publishing connection idle longer than this is checked for a close by the server before use.
CHECK_AFTER_IDLE_S = 1.0


class _Publisher:
    """One connection that publishes without waiting for replies (``CLIENT REPLY OFF``).

    A PUBLISH's reply (how many subscribers got it) is of no use here, and waiting for it is a round
    trip per event: four per document in the workers. With replies off, a publish is one socket write.
    Nothing is lost that was kept before: a publish was already best effort, a broken connection still
    raises (and is reconnected, with replies off again, on the next publish), and events of one process
    keep their order (one connection). A server that refuses ``CLIENT REPLY`` (a proxy) gets the plain
    client instead.
    """

    def __init__(self, url: str) -> None:
        pool = redis.ConnectionPool.from_url(
            url,
            socket_connect_timeout=2,
            socket_timeout=5,
            client_name=PUBLISHER_NAME,
            redis_connect_func=self._on_connect,
        )
        self._conn = pool.make_connection()
        self._lock = threading.Lock()
        self._last = 0.0

    def connect(self) -> None:
        with self._lock:
            self._conn.connect()

    @staticmethod
    def _on_connect(conn: redis.Connection) -> None:
        conn.on_connect()
        # OFF then ON: the ON's "OK" is the first reply exactly when OFF took; then OFF for good
        conn.send_command("CLIENT", "REPLY", "OFF")
        conn.send_command("CLIENT", "REPLY", "ON")
        if conn.read_response() not in (b"OK", "OK"):
            raise redis.ResponseError("CLIENT REPLY OFF refused")
        conn.send_command("CLIENT", "REPLY", "OFF")

    def send(self, payloads: list[str]) -> None:
        commands = [("PUBLISH", EVENTS_CHANNEL, payload) for payload in payloads]
        with self._lock:
            conn, now = self._conn, time.monotonic()
            if now - self._last > CHECK_AFTER_IDLE_S:
                # a write to a connection the server closed meanwhile would vanish without an error:
                # after a pause, look for the close first (a non-blocking read) and reconnect
                try:
                    conn.can_read(timeout=0)
                except redis.ConnectionError:
                    conn.disconnect()
            conn.send_packed_command(conn.pack_commands(commands), check_health=False)
            self._last = now


_publisher: _Publisher | None = None
_publisher_key: tuple[int, str] | None = None
#: Broker URLs whose server refused replies off: published through :func:`redis_client` instead.
_replies_needed: set[str] = set()


def _send(payloads: list[str]) -> None:
    """Publish JSON payloads: through the reply-less connection, or the plain client where refused."""
    url = get_settings().broker
    if url not in _replies_needed:
        try:
            _publisher_for(url).send(payloads)
            return
        except redis.ResponseError:
            _replies_needed.add(url)  # not this server: the plain client from now on
    pipe = redis_client(url).pipeline(transaction=False)
    for payload in payloads:
        pipe.publish(EVENTS_CHANNEL, payload)
    pipe.execute()


def _publisher_for(url: str) -> _Publisher:
    global _publisher, _publisher_key
    key = (os.getpid(), url)
    publisher = _publisher
    if publisher is None or _publisher_key != key:
        with _lock:
            if _publisher is None or _publisher_key != key:
                _publisher, _publisher_key = _Publisher(url), key
            publisher = _publisher
    return publisher


def warm_publisher() -> None:
    """Connect the publishing connection now (a worker's warm-up), not at the first event."""
    url = get_settings().broker
    try:
        _publisher_for(url).connect()
    except redis.ResponseError:
        _replies_needed.add(url)
        redis_client(url).ping()


def reset_publisher() -> None:
    global _client, _client_key, _publisher, _publisher_key
    with _lock:
        _client, _client_key = None, None
        _publisher, _publisher_key = None, None


def publish(message: dict[str, Any]) -> bool:
    """Publish one event as JSON on ``credit_ocr:events``; False (and a log line) when Redis is away."""
    try:
        _send([json.dumps(message, default=str)])
        return True
    except ConfigurationError:
        log.debug("no broker configured; event not published")
    except redis.RedisError as exc:
        log.warning("event not published (%s); watchers will catch up from the database", exc)
    return False


def publish_many(messages: list[dict[str, Any]]) -> bool:
    """Publish several events in one round trip (a Redis pipeline); best effort like :func:`publish`."""
    if len(messages) <= 1:
        return publish(messages[0]) if messages else True
    try:
        _send([json.dumps(message, default=str) for message in messages])
        return True
    except ConfigurationError:
        log.debug("no broker configured; events not published")
    except redis.RedisError as exc:
        log.warning(
            "%d events not published (%s); watchers will catch up from the database", len(messages), exc
        )
    return False
