"""docker-compose.yml, Dockerfile and .env.example agree with the package (no Docker engine needed)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from credit_ocr.config import Settings
from credit_ocr.faces.cli import main

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
KIT_IMAGE_SERVICES = [name for name, svc in SERVICES.items() if "build" in svc]


def settings_env_names() -> set[str]:
    """Every variable Settings reads: CREDIT_OCR_<FIELD> and the aliases (e.g. AZURE_STORAGE_...)."""
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(f"CREDIT_OCR_{name.upper()}")
        alias = field.validation_alias
        if alias is not None:
            names.update(str(choice) for choice in getattr(alias, "choices", [alias]))
    return names


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def argv(service: dict) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def test_the_blueprints_services_are_there() -> None:
    assert {"redis", "postgres", "azurite", "worker-ocr", "worker-llm", "flower", "ollama"} <= set(SERVICES)
    assert SERVICES["ollama"].get("profiles") == ["ollama"]  # optional


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_kit_variable_exists_in_settings(service: str) -> None:
    known = settings_env_names()
    used = {k for k in environment(SERVICES[service]) if k.startswith("CREDIT_OCR_")}
    assert used <= known, f"{service} sets variables Settings does not read: {sorted(used - known)}"


def test_workers_get_the_kits_services() -> None:
    for name in ("worker-ocr", "worker-llm"):
        env = environment(SERVICES[name])
        assert env["CREDIT_OCR_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["CREDIT_OCR_BROKER_URL"].startswith("redis://:${REDIS_PASSWORD:-credit}@redis:6379/")
        assert "BlobEndpoint=http://azurite:10000/" in env["CREDIT_OCR_AZURE_CONNECTION_STRING"]
    assert environment(SERVICES["worker-ocr"])["OMP_THREAD_LIMIT"] == "1"


def _subcommand(group: click.Group, args: list[str]) -> tuple[click.Command, list[str]]:
    command: click.Command = group
    while isinstance(command, click.Group) and args and not args[0].startswith("-"):
        assert args[0] in command.commands, f"`credit-ocr` has no command {args[0]!r}"
        command, args = command.commands[args[0]], args[1:]
    return command, args


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_credit_ocr_command_exists(service: str) -> None:
    args = argv(SERVICES[service])
    if not args or args[0] != "credit-ocr":
        return
    command, rest = _subcommand(main, args[1:])
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    used = {a for a in rest if a.startswith("--")}
    assert used <= options, f"{service}: `{' '.join(args)}` uses options {sorted(used - options)} it lacks"


def test_worker_commands_are_the_blueprints() -> None:
    assert argv(SERVICES["worker-ocr"])[:6] == [
        "credit-ocr",
        "worker",
        "--queues",
        "ocr",
        "--pool",
        "prefork",
    ]
    llm = " ".join(argv(SERVICES["worker-llm"]))
    assert "--queues llm" in llm and "--pool threads" in llm and "--concurrency 16" in llm
    flower = argv(SERVICES["flower"])
    assert (
        flower[:3] == ["celery", "--broker", "redis://:${REDIS_PASSWORD:-credit}@redis:6379/0"]
        and "flower" in flower
    )
    redis = SERVICES["redis"]
    assert "--requirepass" in redis["command"], "Redis in compose requires a password"
    assert environment(SERVICES["flower"]).get("FLOWER_UNAUTHENTICATED_API") == "true"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_images_are_pinned(service: str) -> None:
    image = SERVICES[service].get("image")
    if image is None:
        assert "build" in SERVICES[service]
        return
    name, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
    assert tag and tag != "latest", f"{service}: image {image!r} is not pinned"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_health_is_checked_or_waited_for(service: str) -> None:
    svc = SERVICES[service]
    depends = svc.get("depends_on", {})
    if "healthcheck" in svc:
        assert svc["healthcheck"]["test"], service
        return
    assert isinstance(depends, dict) and depends, f"{service} has no healthcheck and waits for nothing"
    for dep, cond in depends.items():
        assert cond.get("condition") == "service_healthy", f"{service} starts before {dep} is healthy"
        assert "healthcheck" in SERVICES[dep], f"{dep} has no healthcheck to wait for"


def test_data_services_keep_their_data_in_volumes() -> None:
    for name in ("postgres", "azurite", "redis"):
        assert SERVICES[name].get("volumes"), name
        for volume in SERVICES[name]["volumes"]:
            assert volume.split(":")[0] in COMPOSE["volumes"]


def test_azurite_is_started_as_the_kit_needs() -> None:
    args = argv(SERVICES["azurite"])
    assert args[0] == "azurite-blob"
    assert {"--skipApiVersionCheck", "--loose"} <= set(args)
    assert args[args.index("--blobHost") + 1] == "0.0.0.0"


def test_dockerfile_installs_tesseract_at_build_time() -> None:
    assert re.search(r"^FROM python:3\.11-slim\b", DOCKERFILE, re.M)
    run_lines = " ".join(re.findall(r"^RUN (?:[^\n]*\\\n)*[^\n]*", DOCKERFILE, re.M))
    assert "apt-get install" in run_lines and "tesseract-ocr" in run_lines
    assert "pip install ." in run_lines
    assert KIT_IMAGE_SERVICES, "no service is built from the Dockerfile"
    dockerignore = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "node_modules", "var", ".env"} <= set(dockerignore)


def test_env_example_documents_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*(CREDIT_OCR_[A-Z0-9_]+)=", text, re.M))
    expected = {f"CREDIT_OCR_{name.upper()}" for name in Settings.model_fields}
    assert expected <= documented, f".env.example lacks {sorted(expected - documented)}"
    assert documented <= settings_env_names(), (
        f"unknown in .env.example: {sorted(documented - settings_env_names())}"
    )
