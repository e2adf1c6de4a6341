"""A real Celery worker in a subprocess, on the real Redis, for the Celery package's tests.

:func:`celery_worker` starts ``celery -A sandbox.celery_app worker`` (prefork,
two processes) on a queue and a Redis key prefix no other run uses, pointed at
the test run's database, waits until it answers, and on exit stops it and
deletes every key under that prefix (Redis is never flushed: other programs
may share the server).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .caches import REDIS_URL, redis_client

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Worker:
    """A running worker: the sandbox Celery app configured to reach it, and its log file."""

    app: Any
    queue: str
    prefix: str
    log: Path

    def output(self) -> str:
        """What the worker has logged so far."""
        return self.log.read_text(errors="replace")


def prepare_environment() -> dict[str, str]:
    """Choose this process's queue and key prefix, once, and put them in ``os.environ``.

    Call it before :mod:`sandbox.celery_app` is imported (a ``conftest.py`` does):
    a Celery app keeps the result backend it made first, so the app of the test
    process must be born with the worker's broker, queue and prefix.
    """
    if "SANDBOX_CELERY_QUEUE" not in os.environ:
        run_id = uuid.uuid4().hex[:12]
        os.environ["SANDBOX_CELERY_BROKER"] = f"{REDIS_URL}/0"
        os.environ["SANDBOX_CELERY_QUEUE"] = f"pgt-celery-{run_id}"
        os.environ["SANDBOX_CELERY_PREFIX"] = f"pgt-celery-{run_id}:"
    return {
        name: os.environ[name] for name in ("SANDBOX_CELERY_BROKER", "SANDBOX_CELERY_QUEUE", "SANDBOX_CELERY_PREFIX")
    }


@contextmanager
def celery_worker(test_db: str, *, pool: str = "prefork", concurrency: int = 2, **extra_env: str) -> Iterator[Worker]:
    """Start a worker on the test database ``test_db``; yield it; stop it and delete its Redis keys."""
    client = redis_client()  # fails, saying how to start Redis, when none answers
    env = {**prepare_environment(), "SANDBOX_TEST_DB": test_db, "SANDBOX_CONN_MAX_AGE": "600", **extra_env}
    queue, prefix = env["SANDBOX_CELERY_QUEUE"], env["SANDBOX_CELERY_PREFIX"]
    from sandbox.celery_app import app

    assert app.conf.task_default_queue == queue, "sandbox.celery_app was imported before prepare_environment()"
    log = Path(tempfile.mkstemp(prefix=f"{queue}-", suffix=".log")[1])
    command = [
        sys.executable, "-m", "celery", "-A", "sandbox.celery_app", "worker",
        f"--pool={pool}", "-c", str(concurrency), "-Q", queue, "-n", f"{queue}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **env, "PYTHONPATH": str(REPO)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(app=app, queue=queue, prefix=prefix, log=log)
    try:
        try:
            app.send_task("sandbox.schema_name").get(timeout=90)
        except Exception as exc:
            raise AssertionError(f"The Celery worker did not answer:\n{worker.output()}") from exc
        yield worker
    finally:
        process.send_signal(signal.SIGTERM)  # warm shutdown: running tasks finish
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        app.pool.force_close_all()
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
        log.unlink(missing_ok=True)
