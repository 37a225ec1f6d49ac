"""The Celery configuration the kit runs with: what each reliability setting is, from the settings."""

from __future__ import annotations

from kombu import Queue

from credit_ocr.config import Settings, override_settings
from credit_ocr.pipeline import celery_app
from credit_ocr.pipeline.celery_app import QUEUES, broker_priority, celery_config


def _config(**changes: object) -> dict:
    with override_settings(**{"broker_url": "redis://127.0.0.1:1/0", **changes}) as settings:
        return celery_config(settings)


def test_json_only_no_pickle_crosses_the_wire() -> None:
    conf = _config()
    assert conf["task_serializer"] == conf["result_serializer"] == conf["event_serializer"] == "json"
    assert conf["accept_content"] == conf["result_accept_content"] == ["json"]


def test_two_queues_and_each_task_routed_to_its_own() -> None:
    conf = _config()
    assert [q.name for q in conf["task_queues"]] == list(QUEUES) == ["ocr", "llm"]
    assert all(isinstance(q, Queue) for q in conf["task_queues"])
    assert conf["task_routes"][celery_app.TASK_OCR] == {"queue": "ocr"}
    assert conf["task_routes"][celery_app.TASK_EXTRACT] == {"queue": "llm"}
    assert conf["task_create_missing_queues"] is False  # a typo in a queue name is an error, not a new queue


def test_late_acks_and_the_visibility_timeout_above_the_hard_limit() -> None:
    conf = _config(time_limit=300, soft_time_limit=240, visibility_timeout=600)
    assert conf["task_acks_late"] and conf["task_reject_on_worker_lost"]
    assert conf["worker_prefetch_multiplier"] == 1
    assert conf["task_soft_time_limit"] < conf["task_time_limit"]
    transport = conf["broker_transport_options"]
    assert transport["visibility_timeout"] > conf["task_time_limit"]
    # a killed worker's message is swept back within seconds of its visibility timeout, not 100 s later
    assert transport["unacked_restore_interval"] * transport["unacked_restore_throttle"] <= 10
    # ... even when the worker was killed in a sweep, holding kombu's sweep lock (300 s by default)
    assert transport["unacked_mutex_expire"] <= 15


def test_sending_retries_through_a_broker_restart_of_a_few_seconds() -> None:
    policy = _config()["task_publish_retry_policy"]
    waits = [
        min(policy["interval_start"] + n * policy["interval_step"], policy["interval_max"])
        for n in range(policy["max_retries"])
    ]
    assert 3 <= sum(waits) <= 10  # long enough for a restart, short enough for `submit` to answer soon


def test_settings_flow_into_the_config() -> None:
    conf = _config(worker_max_tasks_per_child=7, reconcile_interval=12)
    assert conf["worker_max_tasks_per_child"] == 7
    assert conf["beat_schedule"]["reconcile-stuck-documents"]["schedule"] == 12.0
    assert conf["broker_url"] == "redis://127.0.0.1:1/0" == conf["result_backend"]


def test_tls_broker_urls_verify_the_certificate_by_default() -> None:
    conf = _config(broker_url="rediss://:pw@example.invalid:6380/0")
    assert conf["broker_url"].endswith("?ssl_cert_reqs=required")
    assert conf["result_backend"].endswith("?ssl_cert_reqs=required")


def test_priorities_map_the_kits_scale_onto_the_redis_transports() -> None:
    # the kit: 0-9, 9 most urgent; the Redis transport: 0 first
    assert broker_priority(9) == 0
    assert broker_priority(0) == 9
    assert broker_priority(5) == 4
    assert broker_priority(42) == 0 and broker_priority(-3) == 9  # clamped, never an error


def test_the_app_follows_the_settings_in_force() -> None:
    with override_settings(broker_url="redis://127.0.0.1:2/0"):
        assert celery_app.get_app().conf.broker_url == "redis://127.0.0.1:2/0"
    with override_settings(broker_url="redis://127.0.0.1:3/0"):
        assert celery_app.get_app().conf.broker_url == "redis://127.0.0.1:3/0"


def test_settings_type_is_the_one_settings_object() -> None:
    with override_settings(broker_url="redis://127.0.0.1:1/0") as settings:
        assert isinstance(settings, Settings)
