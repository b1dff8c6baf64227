"""docker-compose.yml and the Dockerfile, checked by reading them (no Docker engine runs here).

What is held: the services of the production-like deployment exist and start in a sound order,
every image is pinned, the app services get exactly the configuration variables the app reads
(ARCHITECTURE.md §6), and no secret is written into the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "migrate")
APP_ENV_KEYS = {"DATABASE_URL", "TEMPORAL_ADDRESS", "STRIPE_SECRET_KEY", "STRIPE_API_BASE",
                "STRIPE_WEBHOOK_SECRET", "SMTP_URL", "SECRET_KEY"}
REQUIRED = re.compile(r"\$\{(?P<name>[A-Z0-9_]+):\?[^}]*\}")
SECRET_NAME = re.compile(r"PASSWORD|PWD|SECRET|KEY")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def command(service: dict[str, Any]) -> str:
    value = service.get("command", "")
    return " ".join(value) if isinstance(value, list) else str(value)


def depends(service: dict[str, Any], on: str) -> str | None:
    dependencies = service.get("depends_on") or {}
    if isinstance(dependencies, list):
        return "service_started" if on in dependencies else None
    entry = dependencies.get(on)
    return None if entry is None else entry.get("condition", "service_started")


def test_the_deployment_has_its_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) >= {"postgres", "temporal-admin-tools", "temporal", "temporal-ui",
                             "web", "worker", "migrate"}


def test_every_image_is_pinned_to_a_version(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if "build" in service:
            continue
        image = service.get("image", "")
        assert "$" not in image, f"{name}: the image must not depend on the environment"
        repository, _, tag = image.rpartition(":")
        assert repository and re.match(r"\d+\.\d+", tag), f"{name}: {image!r} is not pinned to a version"
        assert "latest" not in tag


def test_the_dockerfile_pins_python_and_runs_unprivileged() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    assert base and re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", base.group(1)), base
    assert re.search(r"^USER\s+(?!root\b|0\b)\S+", dockerfile, re.MULTILINE)
    assert re.search(r"pip install \.\s.*gunicorn==", dockerfile)


def test_app_services_get_exactly_the_settings_variables(services: dict[str, dict[str, Any]]) -> None:
    for name in APP_SERVICES:
        assert set(environment(services[name])) == APP_ENV_KEYS, name
        assert "build" in services[name], f"{name} runs the app's own image"


def test_no_secret_is_written_into_the_file(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key) or key == "SMTP_URL":
                assert REQUIRED.fullmatch(value), f"{name}.{key} must be ${{VAR:?...}}, not {value!r}"
            credentials = re.match(r"^\w[\w+.-]*://[^:/@]+:(?P<password>[^@]+)@", value)
            if credentials:
                assert REQUIRED.fullmatch(credentials.group("password")), f"{name}.{key} has a literal password"


def test_required_secrets_are_the_expected_ones() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert {m.group("name") for m in REQUIRED.finditer(text)} == {
        "POSTGRES_PASSWORD", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "SMTP_URL", "SECRET_KEY"}


def test_app_commands(services: dict[str, dict[str, Any]]) -> None:
    assert "gunicorn" in command(services["web"])
    assert "web:create_app()" in command(services["web"])
    assert "0.0.0.0:5000" in command(services["web"])
    assert command(services["worker"]) == "python -m workflows.worker"
    assert command(services["migrate"]) == "alembic -c integrations/db/alembic.ini upgrade head"
    assert (ROOT / "integrations/db/alembic.ini").is_file()


def test_workers_scale_out(services: dict[str, dict[str, Any]]) -> None:
    worker = services["worker"]
    assert worker["deploy"]["replicas"] >= 2
    assert "container_name" not in worker, "a fixed name allows only one replica"


def test_start_order(services: dict[str, dict[str, Any]]) -> None:
    assert depends(services["temporal-admin-tools"], "postgres") == "service_healthy"
    assert "healthcheck" in services["postgres"]
    assert depends(services["temporal"], "temporal-admin-tools") == "service_completed_successfully"
    assert depends(services["migrate"], "postgres") == "service_healthy"
    for name in ("web", "worker"):
        assert depends(services[name], "migrate") == "service_completed_successfully", name


def test_temporal_runs_on_postgresql(services: dict[str, dict[str, Any]]) -> None:
    env = environment(services["temporal"])
    assert env["DB"] == "postgres12"
    assert env["POSTGRES_SEEDS"] == "postgres"
    assert (env["DBNAME"], env["VISIBILITY_DBNAME"]) == ("temporal", "temporal_visibility")
    schema_job = command(services["temporal-admin-tools"])
    for database in ("temporal", "temporal_visibility"):
        assert f"--db {database} update-schema" in schema_job
    assert "postgresql/v12/temporal/versioned" in schema_job
    assert "postgresql/v12/visibility/versioned" in schema_job
    assert environment(services["temporal-admin-tools"])["SQL_PLUGIN"] == "postgres12"


def test_the_deal_stage_search_attribute_is_registered(services: dict[str, dict[str, Any]]) -> None:
    registering = [name for name, service in services.items()
                   if "search-attribute create" in command(service)]
    assert registering, "no service registers DealStage"
    for name in registering:
        text = command(services[name])
        assert "--name DealStage --type Keyword" in text
        assert services[name]["image"].startswith("temporalio/admin-tools:")
        for app in ("web", "worker"):
            assert depends(services[app], name) == "service_completed_successfully", (app, name)


def test_the_temporal_ui_is_on_8233(services: dict[str, dict[str, Any]]) -> None:
    ui = services["temporal-ui"]
    assert any(str(port).endswith("8233:8080") for port in ui["ports"])
    assert environment(ui)["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_postgres_keeps_its_data_in_a_volume(compose: dict[str, Any], services: dict[str, dict[str, Any]]) -> None:
    volumes = [str(v).split(":", 1) for v in services["postgres"]["volumes"]]
    assert any(source in (compose.get("volumes") or {}) for source, _target in volumes)
