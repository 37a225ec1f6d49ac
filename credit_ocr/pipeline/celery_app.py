"""The Celery app: Redis broker, JSON only, queues ``ocr`` and ``llm``, and the reliability settings.

Why each setting is here:

- ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only after its task
  finished, so a worker killed mid-task leaves the message to be delivered again (tasks are idempotent).
- ``worker_prefetch_multiplier=1``: a busy worker process holds no second message hostage.
- ``visibility_timeout`` above the hard time limit: Redis redelivers an unacknowledged message only
  after a task could no longer be running, never while it still is.
- JSON only: no pickle ever crosses the wire (a pickled message is refused by the worker).
- Task events on (``worker_send_task_events``, ``task_send_sent_event``): Flower and the live views
  see queued tasks, not only running ones.
- Priorities: ``priority`` 0-9 in the kit's API, 9 most urgent; the Redis transport orders lists
  with 0 first, so :func:`broker_priority` maps one to the other.
"""

from __future__ import annotations

import contextlib
import threading

from celery import Celery
from kombu import Queue

from credit_ocr.config import Settings, get_settings

QUEUES = ("ocr", "llm")
PRIORITY_LEVELS = 10
TASK_OCR = "credit_ocr.ocr"
TASK_EXTRACT = "credit_ocr.extract"
TASK_NOTIFY = "credit_ocr.notify"
TASK_RECONCILE = "credit_ocr.reconcile"


def broker_priority(priority: int) -> int:
    """The kit's priority (0-9, 9 most urgent) as the Redis transport's (0 most urgent)."""
    return PRIORITY_LEVELS - 1 - max(0, min(PRIORITY_LEVELS - 1, int(priority)))


def _transport_options(settings: Settings) -> dict:
    """The Redis transport's options: redelivery timing, priorities, socket timeouts."""
    return {
        "visibility_timeout": settings.visibility_timeout,
        # kombu sweeps for expired unacknowledged messages every interval x throttle seconds (100 s by
        # default): sweep every few seconds instead, so a message of a killed worker comes back soon
        # after its visibility timeout, not up to 100 s later. One cheap ZRANGE per sweep.
        "unacked_restore_interval": max(1, min(10, settings.visibility_timeout // 4)),
        "unacked_restore_throttle": 1,
        # a sweep holds a Redis lock for milliseconds; one of a worker SIGKILLed mid-sweep would block every
        # other worker's sweeps for kombu's default 300 s: let it lapse after 15 s instead
        "unacked_mutex_expire": 15,
        "priority_steps": list(range(PRIORITY_LEVELS)),
        "sep": ":",
        "queue_order_strategy": "priority",
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
        "retry_on_timeout": True,
        "health_check_interval": 25,
    }


def celery_config(settings: Settings) -> dict:
    """The Celery configuration the kit runs with, from its settings."""
    return {
        "broker_url": settings.broker,
        "result_backend": settings.backend,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "event_serializer": "json",
        "task_queues": [Queue(name, routing_key=name) for name in QUEUES],
        "task_default_queue": "ocr",
        "task_create_missing_queues": False,
        "task_routes": {
            TASK_OCR: {"queue": "ocr"},
            TASK_EXTRACT: {"queue": "llm"},
            TASK_NOTIFY: {"queue": "llm"},
            TASK_RECONCILE: {"queue": "llm"},
        },
        "task_default_priority": broker_priority(0),
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_transport_options": _transport_options(settings),
        "result_backend_transport_options": {"visibility_timeout": settings.visibility_timeout},
        "broker_connection_retry_on_startup": True,
        # Sending a message (a submit, a chain's next task) retries through a broker blip of a few seconds
        # (a Redis restart), instead of giving up after 0.6 s; longer outages are the reconciler's.
        "task_publish_retry_policy": {
            "max_retries": 8,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 1,
        },
        "broker_connection_max_retries": None,
        "task_soft_time_limit": settings.soft_time_limit,
        "task_time_limit": settings.time_limit,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "task_track_started": True,
        "task_ignore_result": True,  # the database is the record; results would only fill Redis
        "result_expires": 3600,
        "worker_max_tasks_per_child": settings.worker_max_tasks_per_child,
        "worker_max_memory_per_child": settings.worker_max_memory_per_child,
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        # beat (`credit-ocr worker --beat`) remembers its last runs in the kit's home, not in the current folder
        "beat_schedule_filename": str(settings.home_dir / "celerybeat-schedule"),
        "beat_schedule": {
            "reconcile-stuck-documents": {
                "task": TASK_RECONCILE,
                "schedule": float(settings.reconcile_interval),
            },
        },
    }


#: The modules whose tasks a worker registers: the pipeline's stages, the reconciler, and the completion
#: webhook (a task of the watching layer, sent by name so that the pipeline does not import it).
TASK_MODULES = ["credit_ocr.pipeline.tasks", "credit_ocr.pipeline.reconcile", "credit_ocr.watching.notify"]
app = Celery("credit_ocr", include=TASK_MODULES)
_configured_for: str | None = None
_lock = threading.Lock()


def _forget_broker() -> None:
    """Drop everything the app built for the old broker: pooled connections, producers, the control
    mailbox, the event dispatcher and the result backend are all cached on first use."""
    app.close()
    app._pool = None
    for cached in ("amqp", "control", "events"):
        app.__dict__.pop(cached, None)
    app._local = threading.local()  # the per-thread result backend


def get_app() -> Celery:
    """The app, configured for the settings in force (re-configured when the broker changed)."""
    global _configured_for
    settings = get_settings()
    key = f"{settings.broker}|{settings.backend}|{settings.visibility_timeout}"
    if _configured_for == key:
        return app
    with _lock:
        if _configured_for != key:
            if _configured_for is not None:
                _forget_broker()
            app.conf.update(celery_config(settings))
            _configured_for = key
    return app


# Configure at import when a broker is known (the worker process imports this module); without one
# yet, the app is configured on first use.
with contextlib.suppress(Exception):
    get_app()
