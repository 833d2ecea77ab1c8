"""Deployment files and production settings (docs/decisions/0010-two-shapes.md).

Production settings are loaded in a subprocess: the test process already runs under
``config.settings.test`` and Django settings cannot be swapped once configured.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
COMPOSE_FILE = BASE_DIR / "docker-compose.yml"
DOCKERFILE = BASE_DIR / "Dockerfile"
ENV_EXAMPLE = BASE_DIR / ".env.example"

# Everything the settings read, so that the machine's own environment (CI exports
# DATABASE_URL and REDIS_URL) cannot change what these tests prove.
_SETTINGS_VARIABLES = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def _settings_variables() -> set[str]:
    names: set[str] = set()
    for path in (BASE_DIR / "config" / "settings").glob("*.py"):
        names.update(_SETTINGS_VARIABLES.findall(path.read_text()))
    return names


def _production_env(tmp_path, **overrides) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _settings_variables()}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="lectern.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:6379/0",  # never connected to by these checks
        PYTHONDONTWRITEBYTECODE="1",
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 — fixed argv, our own interpreter and manage.py
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _dotenv_defines(name: str) -> bool:
    """base.py reads ./.env without overriding the environment; a developer's file may set it."""
    dotenv = BASE_DIR / ".env"
    if not dotenv.exists():
        return False
    return re.search(rf"^\s*(export\s+)?{name}\s*=", dotenv.read_text(), re.MULTILINE) is not None


# --- production settings --------------------------------------------------------------


def test_production_settings_pass_check_deploy_with_no_warning(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path)
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "System check identified some issues" not in output
    assert "System check identified no issues" in result.stdout


def test_check_deploy_does_warn_when_https_is_turned_off(tmp_path):
    # Proves the check above can fail: the same command flags a weakened configuration.
    env = _production_env(tmp_path, SECURE_SSL_REDIRECT="False", SECURE_HSTS_SECONDS="0")
    result = _run(["manage.py", "check", "--deploy"], env)
    assert "security.W008" in result.stdout + result.stderr
    assert "security.W004" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SECRET_KEY", None),
        ("SECRET_KEY", ""),
        ("SECRET_KEY", "lectern-insecure-development-key-change-me-in-production"),
        ("ALLOWED_HOSTS", None),
        ("ALLOWED_HOSTS", ""),
    ],
    ids=["key-missing", "key-empty", "key-is-dev-default", "hosts-missing", "hosts-empty"],
)
def test_production_refuses_to_start_without_secret_key_or_hosts(tmp_path, variable, value):
    if _dotenv_defines(variable):
        pytest.skip(f"./.env defines {variable}; base.py would read it")
    result = _run(["manage.py", "check"], _production_env(tmp_path, **{variable: value}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_production_redirects_to_https_except_the_health_probes(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='lectern.example.org')\n"
        "print(c.get('/healthz').status_code, c.get('/editions/').status_code,"
        " c.get('/editions/')['Location'])\n"
        "print(c.get('/healthz', HTTP_X_FORWARDED_PROTO='https')['Strict-Transport-Security'])\n"
    )
    result = _run(["-c", script], _production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    probe_line, hsts_line = result.stdout.strip().splitlines()[-2:]
    assert probe_line == "200 301 https://lectern.example.org/editions/"
    assert hsts_line == "max-age=31536000; includeSubDomains; preload"


def test_env_example_lists_every_variable_the_settings_read():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.M))
    read = _settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= read
    assert read - documented == set()


# --- docker-compose.yml and Dockerfile -------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return DOCKERFILE.read_text()


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _healthcheck_enabled(service: dict) -> bool:
    check = service.get("healthcheck")
    return bool(check) and not check.get("disable", False) and bool(check.get("test"))


def _waits_for_healthy(service: dict) -> set[str]:
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):  # short syntax: started, not healthy
        return set()
    return {name for name, spec in depends.items() if spec.get("condition") == "service_healthy"}


def _named_mounts(service: dict) -> dict[str, str]:
    mounts = {}
    for volume in service.get("volumes", []):
        source, _, target = volume.partition(":")
        if not source.startswith((".", "/")):
            mounts[source] = target.split(":")[0]
    return mounts


def _dockerfile_env(dockerfile: str, name: str) -> str:
    match = re.search(rf"\b{name}=(\S+)", dockerfile)
    assert match, f"Dockerfile sets no {name}"
    return match.group(1)


def _workers(compose: dict) -> dict[str, dict]:
    return {
        name: service
        for name, service in compose["services"].items()
        if _command(service).startswith("celery -A config worker")
    }


def _worker_queues(service: dict) -> set[str]:
    queues = set()
    for argument in _command(service).split():
        if argument.startswith(("--queues=", "-Q=")):
            queues.update(argument.split("=", 1)[1].split(","))
    return queues


def _app_services(compose: dict) -> list[str]:
    """Every service that runs Lectern: web, the workers, beat."""
    return ["web", "beat", *_workers(compose)]


def test_compose_declares_the_full_stack(compose):
    services = compose["services"]
    assert {"web", "beat", "db", "redis", "proxy", "storage"} <= set(services)
    assert _workers(compose)
    for name, service in services.items():
        assert service.get("image") or service.get("build"), f"{name} has no image or build"
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"].split(":")[0] == "redis"
    assert services["redis"]["image"].split(":")[1].startswith("7")


def test_web_scales_behind_the_proxy_that_is_the_only_published_port(compose):
    services = compose["services"]
    web = services["web"]
    # `docker compose up --scale web=3`: a fixed host port or a container name would clash.
    assert "ports" not in web and "container_name" not in web
    assert str(web["environment"]["TRUSTED_PROXY_COUNT"]) == "1"
    proxy = services["proxy"]
    assert proxy["ports"]
    assert "web" in _waits_for_healthy(proxy)
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["proxy"]
    config = next(v for v in proxy["volumes"] if "deploy/nginx" in v)
    nginx = (BASE_DIR / config.split(":")[0]).read_text()
    # Forwards to every web container and sets the headers TRUSTED_PROXY_COUNT=1 relies on.
    assert "proxy_pass http://$lectern_web" in nginx and "web:8000" in nginx
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in nginx
    assert "X-Forwarded-Proto https" in nginx
    assert "location = /metrics" in nginx


def test_each_queue_has_its_own_worker_service_and_there_is_one_beat(compose):
    from django.conf import settings

    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    consumed: list[str] = []
    for name, service in _workers(compose).items():
        queues = _worker_queues(service)
        assert queues, f"{name} names no --queues: it would consume every queue"
        assert queues <= declared, f"{name} consumes an undeclared queue: {queues - declared}"
        consumed.extend(queues)
        hostname = next(a for a in _command(service).split() if a.startswith("--hostname="))
        assert hostname.split("=", 1)[1].split("@")[0] in " ".join(service["healthcheck"]["test"])
    assert sorted(consumed) == sorted(declared), "each declared queue, by exactly one service"
    beats = [
        n for n, s in compose["services"].items() if _command(s).startswith("celery -A config beat")
    ]
    assert beats == ["beat"]


def test_app_services_use_the_bucket_of_the_storage_service(compose):
    services = compose["services"]
    storage = services["storage"]
    assert _healthcheck_enabled(storage)
    bucket = services["storage-bucket"]
    assert "mc mb" in _command(bucket)
    assert bucket["depends_on"]["storage"]["condition"] == "service_healthy"
    for name in _app_services(compose):
        environment = services[name]["environment"]
        for variable in (
            "AWS_STORAGE_BUCKET_NAME",
            "AWS_S3_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ):
            assert environment.get(variable), f"{name} lacks {variable}"
        assert "storage:9000" in environment["AWS_S3_ENDPOINT_URL"]
        condition = services[name]["depends_on"]["storage-bucket"]["condition"]
        assert condition == "service_completed_successfully", name


def test_every_service_is_health_checked_or_waits_for_healthy_dependencies(compose):
    for name, service in compose["services"].items():
        assert _healthcheck_enabled(service) or _waits_for_healthy(service), name
    assert "pg_isready" in " ".join(compose["services"]["db"]["healthcheck"]["test"])
    assert "ping" in " ".join(compose["services"]["redis"]["healthcheck"]["test"])


def test_app_services_wait_for_db_redis_and_migrations(compose):
    services = compose["services"]
    migrate_in_web = "migrate" in _command(services["web"])
    if not migrate_in_web:
        assert "manage.py migrate" in _command(services["migrate"])
        assert services["migrate"].get("restart") == "no"
    for name in _app_services(compose):
        assert {"db", "redis"} <= _waits_for_healthy(services[name]), name
        if not migrate_in_web:
            migrate = services[name]["depends_on"]["migrate"]
            assert migrate["condition"] == "service_completed_successfully", name


def test_commands_run_gunicorn_and_celery_for_this_project(compose, dockerfile):
    services = compose["services"]
    web = _command(services["web"]) or dockerfile.split("\nCMD", 1)[1]
    assert "gunicorn" in web and "config.wsgi" in web
    assert "--config" not in web  # gunicorn.conf.py is read from the working directory
    assert _command(services["beat"]).startswith("celery -A config beat")


def test_app_services_read_the_env_file_and_production_settings(compose, dockerfile):
    for name in _app_services(compose):
        service = compose["services"][name]
        env_files = service["env_file"]
        assert ".env" in ([env_files] if isinstance(env_files, str) else env_files), name
        settings_module = service.get("environment", {}).get(
            "DJANGO_SETTINGS_MODULE", _dockerfile_env(dockerfile, "DJANGO_SETTINGS_MODULE")
        )
        assert settings_module == "config.settings.production", name


def test_volumes_persist_the_database_and_the_bucket_and_no_app_service_keeps_files(compose):
    services = compose["services"]
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        assert set(_named_mounts(service)) <= declared, f"{name} mounts an undeclared volume"
    assert "/var/lib/postgresql/data" in _named_mounts(services["db"]).values()
    assert "/data" in _named_mounts(services["storage"]).values()
    # Uploads are in the bucket: a web container holds nothing another one needs. The
    # autograder's environments are no one's data (rebuilt by autograder_env create): its
    # worker keeps them on a volume of its own.
    for name in _app_services(compose):
        mounts = _named_mounts(services[name])
        if name == "worker-autograde":
            assert mounts == {"autograder-envs": "/data/autograder-envs"}
        else:
            assert not mounts, name


def test_dockerfile_builds_a_non_root_gunicorn_image_from_the_lock_file(dockerfile):
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    assert "requirements/base.lock" in dockerfile
    assert "collectstatic" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK\b", dockerfile, re.M)
    assert "/healthz" in dockerfile
    assert "config.wsgi" in dockerfile


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", "var/"} <= set(ignored)


def _compose_command() -> list[str] | None:
    """``docker compose`` (the plugin) or Debian's ``docker-compose``; neither needs an engine
    for ``config``. .ci/run installs the latter where neither is present."""
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run(  # noqa: S603
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_accepts_the_file(tmp_path):
    command = _compose_command()
    if command is None:
        if os.environ.get("LECTERN_REQUIRE_SERVICES") == "1":
            pytest.fail("no docker compose command; .ci/run installs Debian's docker-compose")
        pytest.skip("no docker compose command (apt-get install docker-compose)")
    # `config` needs no engine; it needs the env_file to exist, so give it the example.
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    result = subprocess.run(  # noqa: S603
        [*command, "--project-directory", str(tmp_path)]
        + ["-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
