"""The autograder's environments: virtual environments under
``LECTERN_AUTOGRADER_ENV_DIR`` (``var/autograder-envs`` by default), built by
``manage.py autograder_env create NAME --requirements FILE`` and bound read-only into the
sandbox. No ORM."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings

# What the runner needs inside every environment, whatever the course's requirements say.
RUNNER_REQUIREMENTS = ["ipykernel>=6.29,<7", "nbclient>=0.10,<0.12", "nbformat>=5.10"]
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class EnvironmentUnavailable(Exception):
    """An environment that is missing, misnamed or could not be built."""


def env_root() -> Path:
    return Path(settings.LECTERN_AUTOGRADER_ENV_DIR)


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise EnvironmentUnavailable(
            f"{name!r} is not an environment name: lowercase letters, digits, '.', '_', '-'."
        )
    return name


def env_path(name: str) -> Path:
    return env_root() / check_name(name)


def env_ready(name: str) -> bool:
    try:
        path = env_path(name)
    except EnvironmentUnavailable:
        return False
    return (path / "bin" / "python").exists() and (path / "pyvenv.cfg").exists()


def env_get(name: str) -> Path:
    """The environment's folder, or ``EnvironmentUnavailable`` saying how to build it."""
    if not env_ready(name):
        raise EnvironmentUnavailable(
            f"The autograder environment {name!r} does not exist: build it with "
            f"manage.py autograder_env create {name} --requirements FILE"
        )
    return env_path(name)


def env_list() -> list[str]:
    root = env_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if NAME.match(p.name) and env_ready(p.name))


def env_create(name: str, *, requirements: Path, log=print) -> Path:
    """Build the environment ``name`` from a pip requirements file (plus what the runner
    needs), then put it in place of any older one: a failed build leaves the old one."""
    target = env_path(name)
    if not requirements.is_file():
        raise EnvironmentUnavailable(f"No requirements file at {requirements}.")
    root = env_root()
    root.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        log(f"Creating a virtual environment for {name} …")
        _run([_base_python(), "-m", "venv", str(build)])
        log("Installing the requirements (pip) …")
        python = str(build / "bin" / "python")
        _run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              "-r", str(requirements), *RUNNER_REQUIREMENTS])  # fmt: skip
        # Everyone may read it (the sandbox may run as another user); nobody but us write.
        for path in [build, *build.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o444 | (0o111 if path.is_dir() else 0))
        if target.exists():
            old = root / f".{name}-old"
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        # The venv's scripts name the build folder; the runner only uses bin/python -m …
        build.rename(target)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    log(f"Environment {name} ready at {target}")
    return target


def _base_python() -> str:
    """The interpreter environments are built from: the one running Lectern (its base
    installation, when Lectern runs in a virtual environment) if every user may reach it —
    the sandbox may run as another user (``sandbox.SANDBOX_UID``) —, else the system's
    ``/usr/bin/python3`` (a Python installed under root's home, as pyenv does)."""
    own = getattr(sys, "_base_executable", None) or sys.executable
    if _reachable_by_all(Path(own).resolve()):
        return own
    system = Path("/usr/bin/python3")
    if system.exists():
        return str(system)
    raise EnvironmentUnavailable(
        f"{own} is not readable by every user and there is no /usr/bin/python3: install a "
        "Python the sandbox's user can run."
    )


def _reachable_by_all(path: Path) -> bool:
    return all(p.stat().st_mode & 0o001 for p in path.parents) and bool(path.stat().st_mode & 0o005)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise EnvironmentUnavailable(
            f"{' '.join(command[:4])} … failed:\n{(done.stderr or done.stdout)[-3000:]}"
        )
