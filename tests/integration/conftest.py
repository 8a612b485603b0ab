"""Integration tests: PostgreSQL, Redis and a REAL celery worker (prefork, 2 processes).

Every test in this folder automatically
- is marked ``integration`` (plain ``make test`` deselects them; ``ZUSCHLAG_FULL=1`` runs them),
- runs with ``transactional_db`` (the worker is another process: it sees committed rows only),
- has the celery app of the test process pointed at the broker instead of running eagerly, so a
  ``task.delay()`` (also one queued by a service through ``transaction.on_commit``) is executed by
  the worker; ``.get(timeout=…)`` works because Redis is the result backend too.

When PostgreSQL or Redis is missing the tests FAIL with a message naming what is missing; they
never skip. The worker uses the very test database pytest-django created (``test_<name>``), a
dedicated Redis database (``CELERY_BROKER_URL``, default ``redis://127.0.0.1:6379/14``) and a queue
of its own, so parallel runs on one Redis do not steal each other's tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BROKER = "redis://127.0.0.1:6379/14"
WORKER_START_TIMEOUT = 60.0
HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Before -m deselects anything: whatever lives here needs the real services.
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)


def broker_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "") or DEFAULT_BROKER
    if not url.startswith("redis://"):
        pytest.fail(
            f"integration tests need a Redis broker, but CELERY_BROKER_URL is {url!r}: set it to "
            "redis://127.0.0.1:6379/<db> (or leave it unset for the default "
            f"{DEFAULT_BROKER})",
            pytrace=False,
        )
    return url


def _require_postgres() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(
            "integration tests need PostgreSQL, but the test database is "
            f"{connection.vendor}: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> "
            "and ZUSCHLAG_FULL=1 (as .ci/run does), or deselect with -m 'not integration'",
            pytrace=False,
        )
    try:
        connection.ensure_connection()
    except Exception as error:
        pytest.fail(f"integration tests need PostgreSQL, which is not reachable: {error}")


def _require_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as error:
        pytest.fail(
            f"integration tests need Redis at {url}, which is not reachable: {error}. Start it "
            "with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''",
            pytrace=False,
        )


def _database_url(settings_dict: dict[str, Any]) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


@dataclass
class LiveWorker:
    """A running ``celery -A procurement worker`` and how to reach it."""

    process: subprocess.Popen
    name: str
    queue: str
    broker_url: str
    database_url: str
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no worker log)"
        return "\n".join(text.splitlines()[-lines:])

    def wait_for(
        self, predicate: Callable[[], Any], *, timeout: float = 30.0, what: str = "condition"
    ) -> Any:
        """Poll ``predicate`` until it returns something truthy; fail with the worker log if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        code = self.process.poll()
        state = "still running" if code is None else f"exited with {code}"
        pytest.fail(
            f"timed out after {timeout:.0f}s waiting for {what}; the worker is {state}; "
            f"its log ends with:\n{self.log_tail()}",
            pytrace=False,
        )


def _point_app_at(app: Any, *, broker: str, queue: str, eager: bool) -> None:
    """Switch the test process's celery app between eager mode and the live broker."""
    app.conf.task_always_eager = eager
    app.conf.broker_url = broker
    app.conf.result_backend = None if eager else broker
    app.conf.task_default_queue = queue
    # The app caches its connection pool, producer pool and result backend: drop the references
    # (kombu keeps its pools per broker URL, so none is closed); the next send rebuilds them.
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    app._backend_cache = None
    if hasattr(app._local, "backend"):
        del app._local.backend


@pytest.fixture(scope="session")
def live_celery_worker(django_db_setup: None, django_db_blocker: Any) -> Iterator[LiveWorker]:
    """Start a prefork worker (concurrency 2) on the test database; stop it at the end."""
    from django.db import connection

    from procurement.celery import app

    broker = broker_url()
    with django_db_blocker.unblock():
        _require_postgres()
        database_url = _database_url(connection.settings_dict)
    _require_redis(broker)

    token = uuid.uuid4().hex[:10]
    name = f"zuschlag-test-{token}@localhost"
    queue = f"zuschlag-test-{token}"
    # Kept under test-artifacts/ (git-ignored) so a failed CI run can be read afterwards.
    log_path = REPO / "test-artifacts" / "celery" / f"worker-{token}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "procurement.settings_test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "ZUSCHLAG_TEST_CELERY_EAGER": "0",
        # The flush between transactional tests recreates content types with new ids: the worker
        # forgets its cached ones before every task (procurement/celery.py, test-only switch).
        "ZUSCHLAG_TEST_WORKER_CLEAR_CONTENT_TYPES": "1",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "procurement",
        "worker",
        "--pool=prefork",
        "--concurrency=2",
        "--loglevel=INFO",
        f"--hostname={name}",
        f"--queues={queue}",
        "--without-gossip",
        "--without-mingle",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    worker = LiveWorker(process, name, queue, broker, database_url, log_path)
    _point_app_at(app, broker=broker, queue=queue, eager=False)
    try:
        worker.wait_for(
            lambda: app.control.ping(destination=[name], timeout=1.0),
            timeout=WORKER_START_TIMEOUT,
            what=f"celery worker {name} to answer a ping",
        )
        _point_app_at(app, broker=broker, queue=queue, eager=True)
        yield worker
    finally:
        _stop(process)
        _point_app_at(app, broker="memory://", queue="celery", eager=True)
        _forget_queue(broker, queue)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # warm shutdown: finish running tasks, then exit
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # our own worker's process group only
        process.wait(timeout=10)


def _forget_queue(broker: str, queue: str) -> None:
    import redis

    try:
        client = redis.Redis.from_url(broker, socket_connect_timeout=3)
        client.delete(queue, *client.keys(f"{queue}*"))
    except Exception:  # best effort: leftover keys in a test Redis database harm nobody
        pass


@pytest.fixture(autouse=True)
def _live_celery(live_celery_worker: LiveWorker, transactional_db: None) -> Iterator[LiveWorker]:
    """Each integration test sends its tasks to the live worker instead of running them eagerly."""
    from procurement.celery import app

    _point_app_at(
        app, broker=live_celery_worker.broker_url, queue=live_celery_worker.queue, eager=False
    )
    try:
        yield live_celery_worker
    finally:
        _point_app_at(
            app, broker=live_celery_worker.broker_url, queue=live_celery_worker.queue, eager=True
        )
