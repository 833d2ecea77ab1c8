"""A real S3 API for the tests: moto's standalone server (``moto[server]``, a dev
dependency) in a subprocess of its own on a free port — never an in-process mock, so
boto3 and django-storages speak HTTP to it exactly as they would to MinIO or AWS.

Used by ``tests/storage`` (one server per test session) and by the two-node test and
benchmark (``tests/load/nodes.py``), which point gunicorn processes at it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ACCESS_KEY = "lectern-test"
SECRET_KEY = "lectern-test-secret"  # noqa: S105 — moto accepts any credentials
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def moto_available() -> bool:
    try:
        import moto.server  # noqa: F401
    except ImportError:
        return False
    return True


class MotoServer:
    """``python -m moto.server`` on 127.0.0.1:<free port>; ``stop`` ends it."""

    def __init__(self, log: Path | None = None):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> MotoServer:
        out = self.log.open("wb") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(  # noqa: S603 — our interpreter, moto's module
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        give_up = time.monotonic() + 60
        while time.monotonic() < give_up:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto_server did not listen within 60 s")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.proc = None

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def new_bucket(self) -> str:
        name = f"lectern-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def env(self, bucket: str) -> dict[str, str]:
        """The environment that points Lectern's settings at ``bucket`` on this server."""
        return {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_REGION_NAME": REGION,
        }


def storage_options(*, endpoint: str, bucket: str, timeout: float = 5.0) -> dict:
    """``STORAGES["default"]`` for ``bucket`` at ``endpoint``, as base.py builds it."""
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "region_name": REGION,
            "default_acl": None,
            "file_overwrite": True,
            "client_config": Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": 2, "mode": "standard"},
                signature_version="s3v4",
                s3={"addressing_style": "path"},
            ),
        },
    }


def object_keys(server: MotoServer, bucket: str, prefix: str = "") -> list[str]:
    pages = server.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
