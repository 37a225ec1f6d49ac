"""Publishing committed transitions on Redis pub/sub, so that watchers are pushed, not polling.

A publish is best effort: the database row is the truth, and every subscriber reconciles with the
database when it (re)connects. A Redis outage therefore never fails a transition.
"""

from __future__ import annotations

import json
import logging
import os
import threading
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


def reset_publisher() -> None:
    global _client, _client_key
    with _lock:
        _client, _client_key = None, None


def publish(message: dict[str, Any]) -> bool:
    """Publish one event as JSON on ``credit_ocr:events``; False (and a log line) when Redis is away."""
    try:
        client = redis_client()
        client.publish(EVENTS_CHANNEL, json.dumps(message, default=str))
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
        pipe = redis_client().pipeline(transaction=False)
        for message in messages:
            pipe.publish(EVENTS_CHANNEL, json.dumps(message, default=str))
        pipe.execute()
        return True
    except ConfigurationError:
        log.debug("no broker configured; events not published")
    except redis.RedisError as exc:
        log.warning(
            "%d events not published (%s); watchers will catch up from the database", len(messages), exc
        )
    return False
