"""A real Celery worker process, against a real broker, runs a TrustDesk task through to its result.

`.ci/run` sets CELERY_BROKER_URL to the local Redis, and then this test must pass. Without it,
the test uses Redis (and RabbitMQ) on 127.0.0.1 when they are running, and skips otherwise.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from celery import Celery

ROOT = Path(__file__).resolve().parent.parent
CONFIGURED = os.environ.get("CELERY_BROKER_URL", "")
REDIS = CONFIGURED if CONFIGURED.startswith("redis") else "redis://127.0.0.1:6379/15"
AMQP = CONFIGURED if CONFIGURED.startswith("amqp") else "amqp://guest:guest@127.0.0.1:5672//"


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def broker_or_skip(url: str) -> str:
    if not reachable(url):
        if url == CONFIGURED:
            pytest.fail(f"CELERY_BROKER_URL={url} is configured but cannot be reached")
        pytest.skip(f"no broker at {url}; .ci/run starts Redis and sets CELERY_BROKER_URL")
    return url


def wait_until_ready(process: subprocess.Popen[bytes], log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if " ready." in log_path.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"the Celery worker did not start:\n{log_path.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def worker(tmp_path):
    """Start `celery worker` on a private queue; yields a function that starts it for a broker URL."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(broker: str, backend: str) -> str:
        queue = f"trustdesk-test-{uuid.uuid4().hex[:8]}"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": backend,
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path}/worker.sqlite3",
        }
        log_path = tmp_path / f"{queue}.log"
        command = [sys.executable, "-m", "celery", "-A", "trustdesk", "worker", "--pool=solo", "-Q", queue]
        with log_path.open("wb") as log:
            process = subprocess.Popen([*command, "--loglevel=INFO"], cwd=ROOT, env=environment, stdout=log, stderr=log)
        processes.append(process)
        wait_until_ready(process, log_path)
        return queue

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.worker
@pytest.mark.parametrize(
    ("broker", "backend"),
    [
        pytest.param(REDIS, REDIS, id="redis"),
        pytest.param(AMQP, "rpc://", id="rabbitmq"),
    ],
)
def test_a_real_worker_runs_a_task_sent_through_the_broker(worker, monkeypatch, broker, backend):
    broker_or_skip(broker)
    queue = worker(broker, backend)
    # Celery prefers these variables to the URLs an app is given.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    client = Celery("trustdesk-test-client", broker=broker, backend=backend)

    result = client.send_task("trustdesk.ping", queue=queue)

    try:
        value = result.get(timeout=60)
    finally:
        client.close()
    assert value["database"] is True
    assert value["worker"] == socket.gethostname()
