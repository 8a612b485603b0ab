"""AP inbox throughput and page speed, beside the engine's own throughput in the same run.

    .venv/bin/python bench/inbox.py [--invoices 1000] [--inbox-rows 100000] [--requests 60]
                                    [--bulk N] [--inbox-rows 0]

Needs PostgreSQL and Redis (defaults 127.0.0.1). It creates a fresh database ``zuschlag_bench``
(env BENCH_DATABASE_URL overrides), a Redis database 13 queue, and prints:
  engine   ``python -m xrechnung validate --jobs 2`` on the same files: invoices per second
  inbox    the files POSTed to /api/invoices/ by --clients concurrent senders (threads of this
           process, each its own session and database connection, as independent senders
           are) and validated by one celery worker with 2 prefork processes: invoices per
           second from the first POST to the last stored report, and its ratio to the engine
           (goal ≥ 70 %); then where the CPU went (senders, worker, whole machine).
           With ``--bulk N`` each sender posts N files per request to /api/invoices/bulk/
           instead (the issue's measure is the default, one invoice per POST)
  page     /ap/ (the inbox page, 50 per page, various filters and pages) with N rows: p50/p95,
           beside the bare ORM page query as the baseline (``--inbox-rows 0`` skips it)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zuschlag_bench")
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
VAR = Path(tempfile.mkdtemp(prefix="zuschlag-bench-"))

os.environ.update(
    {
        "DATABASE_URL": DB_URL,
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": BROKER,
        "ZUSCHLAG_VAR_DIR": str(VAR),
        "DJANGO_SETTINGS_MODULE": "procurement.settings",
        "LOG_LEVEL": "WARNING",
    }
)


def recreate_database() -> None:
    import psycopg

    base, name = DB_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def make_files(count: int, folder: Path) -> list[Path]:
    """Distinct XRechnung UBL invoices (German supplier → German authority) on disk."""
    from datetime import date
    from decimal import Decimal

    from invoicing import engine
    from invoicing.services.supplier import LineInput, invoice_model_build
    from procurement.core.models import Organisation

    buyer = Organisation(
        kind="authority",
        name="Stadt Bench",
        country="DE",
        vat_id="DE811569869",
        leitweg_id="04011000-1234512345-06",
        street="Rathausplatz 1",
        postcode="10115",
        city="Berlin",
    )
    seller = Organisation(
        kind="operator",
        name="Bench Bau GmbH",
        country="DE",
        vat_id="DE136695976",
        street="Industriestraße 5",
        postcode="50667",
        city="Köln",
        email="r@bench.example",
        iban="DE89370400440532013000",
    )
    paths = []
    for n in range(count):
        model = invoice_model_build(
            seller=seller,
            buyer=buyer,
            number=f"B-{n:06d}",
            issue_date=date(2026, 11, 20),
            lines=[
                LineInput(
                    description=f"Leistung {i}",
                    quantity=Decimal(i + 1),
                    unit_code="C62",
                    unit_price=Decimal("12.50"),
                    vat_rate=Decimal("19"),
                )
                for i in range(3)
            ],
            contact_phone="+49 221 1",
        )
        data, _ = engine.generate(model, fmt="xrechnung-ubl")
        path = folder / f"B-{n:06d}.xml"
        path.write_bytes(data)
        paths.append(path)
    return paths


def engine_rate(folder: Path, count: int) -> tuple[float, float]:
    """Invoices per second, and machine CPU milliseconds per invoice meanwhile (its pool
    processes are grandchildren this process cannot account for; other jobs are included)."""
    busy = machine_busy_seconds()
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "xrechnung",
            "validate",
            "--jobs",
            "2",
            "--format",
            "json",
            str(folder),
        ],
        cwd=REPO,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - started
    return count / elapsed, 1000 * (machine_busy_seconds() - busy) / count


def purge_queue() -> None:
    """Drop messages an earlier, aborted run left in the bench queue: they are not this run's."""
    from procurement.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of ``pid`` and its living descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (every process, also other jobs)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def start_worker() -> subprocess.Popen:
    log = (VAR / "worker.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "procurement",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--queues=celery",
        ],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    from procurement.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return process
    raise SystemExit(f"worker did not start; see {VAR / 'worker.log'}")


def inbox_rate(paths: list[Path], clients: int, worker: subprocess.Popen, bulk: int = 0) -> float:
    from concurrent.futures import ThreadPoolExecutor

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client

    from invoicing.models import ValidationReport
    from procurement.core.models import Membership, Organisation, User

    buyer = Organisation.objects.create(
        kind="authority",
        name="Stadt Bench",
        country="DE",
        vat_id="DE811569869",
        leitweg_id="04011000-1234512345-06",
        street="Rathausplatz 1",
        postcode="10115",
        city="Berlin",
    )
    clerk = User.objects.create_user("bench-clerk", password="x")
    Membership.objects.create(user=clerk, organisation=buyer, role="ap_clerk")

    def post_all(chunk: list[Path]) -> None:
        # One HTTP client per thread, as independent senders would be (each its own DB session).
        client = Client()
        client.force_login(clerk)
        try:
            if bulk:
                for start in range(0, len(chunk), bulk):
                    group = chunk[start : start + bulk]
                    files = [SimpleUploadedFile(p.name, p.read_bytes()) for p in group]
                    response = client.post("/api/invoices/bulk/", {"files": files})
                    statuses = [r.get("status") for r in response.json().get("results", [])]
                    if response.status_code != 207 or statuses != [201] * len(group):
                        raise SystemExit(
                            f"POST {group[0].name}…: {response.status_code} "
                            f"{response.content[:300]!r}"
                        )
                return
            for path in chunk:
                response = client.post(
                    "/api/invoices/", data=path.read_bytes(), content_type="application/xml"
                )
                if response.status_code != 201:
                    raise SystemExit(
                        f"POST {path.name}: {response.status_code} {response.content[:300]!r}"
                    )
        finally:
            connection.close()

    own = resource.getrusage(resource.RUSAGE_SELF)
    worker_cpu = cpu_seconds(worker.pid)
    busy = machine_busy_seconds()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(post_all, [paths[i::clients] for i in range(clients)]))
    posted = time.perf_counter() - started
    while ValidationReport.objects.count() < len(paths):
        time.sleep(0.05)
    total = time.perf_counter() - started
    busy = machine_busy_seconds() - busy
    worker_cpu = cpu_seconds(worker.pid) - worker_cpu
    end = resource.getrusage(resource.RUSAGE_SELF)
    senders = end.ru_utime + end.ru_stime - own.ru_utime - own.ru_stime
    per = 1000 / len(paths)
    print(
        f"        (posting alone took {posted:.1f} s = {len(paths) / posted:.1f} invoices "
        f"posted/s; "
        f"all validated after {total:.1f} s)"
    )
    print(
        f"        CPU per invoice: senders {senders * per:.1f} ms, worker {worker_cpu * per:.1f} "
        f"ms, whole machine {busy * per:.1f} ms (PostgreSQL, Redis, other jobs included); "
        f"machine busy {100 * busy / total / (os.cpu_count() or 1):.0f} % of "
        f"{os.cpu_count()} cores"
    )
    return len(paths) / total


def page_times(rows: int, requests: int) -> tuple[list[float], list[float]]:
    from decimal import Decimal

    from django.db import connection
    from django.test import Client

    from invoicing.models import Invoice
    from invoicing.selectors import invoice_inbox
    from procurement.core.models import User

    clerk = User.objects.get(username="bench-clerk")
    template = Invoice.objects.first()
    missing = rows - Invoice.objects.count()
    batch = []
    states = [s for s, _ in Invoice.State.choices]
    for n in range(max(missing, 0)):
        batch.append(
            Invoice(
                buyer_id=template.buyer_id,
                document_id=template.document_id,
                sha256=f"{n:064x}",
                channel="api",
                number=f"S-{n}",
                seller_name=f"Lieferant {n % 500}",
                state=states[n % len(states)],
                payable_amount=Decimal(n % 20000),
                currency="EUR",
                due_date=template.issue_date,
            )
        )
        if len(batch) == 5000:
            Invoice.objects.bulk_create(batch)
            batch = []
    Invoice.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE invoicing_invoice")
    client = Client()
    client.force_login(clerk)
    queries = [
        {},
        {"page": "50"},
        {"state": "matched"},
        {"supplier": "Lieferant 42"},
        {"amount_min": "100", "amount_max": "300"},
        {"page": "1500"},
    ]
    page, orm = [], []
    for i in range(requests):
        params = queries[i % len(queries)]
        started = time.perf_counter()
        response = client.get("/ap/", params)
        page.append(time.perf_counter() - started)
        assert response.status_code == 200
        filters = {k: v for k, v in params.items() if k != "page"}
        if "amount_min" in filters:
            filters = {"amount_min": Decimal("100"), "amount_max": Decimal("300")}
        started = time.perf_counter()
        offset = (int(params.get("page", 1)) - 1) * 50
        qs = invoice_inbox(user=clerk, **filters)
        qs.count()
        list(qs[offset : offset + 50])
        orm.append(time.perf_counter() - started)
    return page, orm


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--inbox-rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--clients", type=int, default=4, help="concurrent API senders")
    parser.add_argument(
        "--bulk",
        type=int,
        default=0,
        help="files per request to /api/invoices/bulk/ (default 0: one POST per invoice)",
    )
    args = parser.parse_args()

    recreate_database()
    import gc

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    folder = VAR / "files"
    folder.mkdir()
    paths = make_files(args.invoices, folder)
    engine, engine_cpu = engine_rate(folder, len(paths))
    print(
        f"engine  python -m xrechnung validate --jobs 2: {engine:8.1f} invoices/s "
        f"({len(paths)} files; whole machine {engine_cpu:.1f} ms CPU per invoice)"
    )
    purge_queue()
    # This process stands for the web server: freeze what start-up loaded, as procurement/wsgi.py
    # does.
    gc.freeze()
    worker = start_worker()
    try:
        inbox = inbox_rate(paths, args.clients, worker, args.bulk)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    # The machine may be shared: measure the engine again right after, and compare with the mean.
    engine_after, _ = engine_rate(folder, len(paths))
    engine_mean = (engine + engine_after) / 2
    print(f"engine  again after the inbox run:             {engine_after:8.1f} invoices/s")
    mode = f"bulk POST of {args.bulk}" if args.bulk else "API POST"
    print(
        f"inbox   {mode} ({args.clients} senders) + 2 prefork workers: {inbox:8.1f} invoices/s "
        f"= {100 * inbox / engine_mean:5.1f} % of the engine's mean (goal >= 70 %)"
    )
    if not args.inbox_rows:
        shutil.rmtree(VAR, ignore_errors=True)
        return
    page, orm = page_times(args.inbox_rows, args.requests)
    print(
        f"page    /ap/ with {args.inbox_rows} invoices: p50 {p(page, 50):7.1f} ms, "
        f"p95 {p(page, 95):7.1f} ms"
    )
    print(
        f"        baseline (ORM count + page query only): p50 {p(orm, 50):7.1f} ms, "
        f"p95 {p(orm, 95):7.1f} ms"
    )
    shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
