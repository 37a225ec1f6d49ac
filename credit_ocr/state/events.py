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
#: One client (and so one connection pool) per process and broker URL: a forked worker makes its own.
_clients: dict[tuple[int, str], redis.Redis] = {}


def redis_client(url: str | None = None) -> redis.Redis:
    """The process's Redis client for the broker URL (one connection pool per process and URL)."""
    url = url or get_settings().broker
    key = (os.getpid(), url)
    with _lock:
        client = _clients.get(key)
        if client is None:
            for old in [k for k in _clients if k[0] != key[0]]:
                del _clients[old]  # inherited through fork: the parent's sockets are not ours
            client = _clients[key] = redis.Redis.from_url(
                url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
            )
        return client


def warm_publisher() -> None:
    """Open the publishing connection now (a worker's warm-up), not at the first event."""
    redis_client().ping()


def publish_many(messages: list[dict[str, Any]]) -> bool:
    """Publish events as JSON on ``credit_ocr:events``, in order, through a pipeline (one round trip).

    Best effort: a Redis outage or no broker configured is logged and returns False, never raises.
    """
    if not messages:
        return True
    payloads = [json.dumps(message, default=str) for message in messages]
    try:
        pipe = redis_client().pipeline(transaction=False)
        for payload in payloads:
            pipe.publish(EVENTS_CHANNEL, payload)
        pipe.execute()
        return True
    except ConfigurationError:
        log.debug("no broker configured; %d event(s) not published", len(payloads))
    except redis.RedisError as exc:
        log.warning(
            "%d event(s) not published (%s); watchers will catch up from the database", len(payloads), exc
        )
    return False
