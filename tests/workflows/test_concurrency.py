import itertools
import threading

import pytest
from django.db import close_old_connections, connection, transaction

from tests.workflows.testapp.models import Ticket
from workflows import audit
from workflows.models import AuditChainHead, AuditEvent
from workflows.verify import audit_chain_verify

THREADS = 8
PER_THREAD = 25


@pytest.mark.postgres
def test_concurrent_appends_never_fork_the_chain(transactional_db, authority, officer):
    # given many threads, each with its own connection, appending at the same moment
    tickets = [Ticket.objects.create(title=f"C{i}", organisation=authority) for i in range(THREADS)]
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            start.wait()
            for round_ in range(PER_THREAD):
                with transaction.atomic():
                    if round_ == 0:
                        # a real transition, locked the way services do it
                        ticket = Ticket.objects.select_for_update().get(pk=tickets[index].pk)
                        ticket.submit(by=officer)
                        ticket.save(update_fields=["state"])
                    else:
                        audit.record(
                            actor=officer,
                            obj=tickets[index],
                            action="workflows_testapp.ticket.noted",
                            payload={"thread": index, "round": round_},
                        )
        except BaseException as error:  # reported by the main thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()

    # then every append landed, on one unbroken chain with no gap and no duplicate link
    assert errors == []
    total = THREADS * PER_THREAD
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, total + 1))
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == total  # a fork would show as two events with the same parent
    report = audit_chain_verify()
    assert report.ok, report.message
    assert report.checked == total
    assert AuditChainHead.objects.get(pk=1).sequence == total
    assert AuditEvent.objects.filter(transition="submit").count() == THREADS


PROCESSES = 4
PER_PROCESS = 40
CHILD = """
import os, sys, time
from pathlib import Path
import django
django.setup()
from django.db import transaction
from tests.workflows.testapp.models import Ticket
from workflows import audit
ticket = Ticket.objects.get(pk=int(sys.argv[1]))
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.01)
for i in range(int(sys.argv[2])):
    with transaction.atomic():
        audit.record(actor=None, obj=ticket, action="workflows_testapp.ticket.noted",
                     payload={"pid": os.getpid(), "i": i})
"""


def _database_url(settings_dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.mark.postgres
def test_concurrent_processes_never_fork_the_chain(transactional_db, authority, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    # given separate OS processes on the same database, released at the same moment
    ticket = Ticket.objects.create(title="P", organisation=authority)
    go = tmp_path / "go"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "procurement.settings_test",
        "DATABASE_URL": _database_url(connection.settings_dict),
    }
    repo = Path(__file__).resolve().parents[2]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(ticket.pk), str(PER_PROCESS), str(go)],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(PROCESSES)
    ]
    go.touch()
    outputs = [child.communicate(timeout=180)[0].decode(errors="replace") for child in children]

    # then all appends landed on one chain, interleaved between the processes
    assert [child.returncode for child in children] == [0] * PROCESSES, "\n".join(outputs)
    total = PROCESSES * PER_PROCESS
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, total + 1))
    pids = [e.payload["pid"] for e in events]
    assert len(set(pids)) == PROCESSES
    switches = sum(1 for a, b in itertools.pairwise(pids) if a != b)
    assert switches >= PROCESSES - 1
    report = audit_chain_verify()
    assert report.ok, report.message
    assert report.checked == total


@pytest.mark.postgres
def test_concurrent_multi_event_transactions_never_fork_the_chain(transactional_db, authority):
    # given threads whose transactions each append three events (the later two reuse the head
    # their transaction already locked), some of them rolled back in part or in full
    tickets = [Ticket.objects.create(title=f"M{i}", organisation=authority) for i in range(4)]
    start = threading.Barrier(len(tickets))
    errors: list[BaseException] = []

    def note(ticket: Ticket, index: int, step: str) -> None:
        audit.record(
            actor=None,
            obj=ticket,
            action="workflows_testapp.ticket.noted",
            payload={"thread": index, "step": step},
        )

    def worker(index: int) -> None:
        try:
            start.wait()
            for round_ in range(15):
                try:
                    with transaction.atomic():
                        note(tickets[index], index, f"{round_}a")
                        try:
                            with transaction.atomic():
                                note(tickets[index], index, f"{round_}x")
                                if round_ % 3 == 0:
                                    raise ValueError("savepoint rolled back")
                        except ValueError:
                            pass
                        note(tickets[index], index, f"{round_}b")
                        if round_ % 5 == 4:
                            raise KeyError("whole transaction rolled back")
                except KeyError:
                    pass
        except BaseException as error:  # reported by the main thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(tickets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()

    # then exactly the committed events form one gapless, verifiable chain
    assert errors == []
    kept_rounds = [r for r in range(15) if r % 5 != 4]
    expected = sum(2 + (r % 3 != 0) for r in kept_rounds) * len(tickets)
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, expected + 1))
    assert len({e.prev_hash for e in events}) == expected
    rolled_back = {f"{r}{s}" for r in range(15) for s in "abx" if r % 5 == 4}
    rolled_back |= {f"{r}x" for r in range(15) if r % 3 == 0}
    assert not {e.payload["step"] for e in events} & rolled_back
    report = audit_chain_verify()
    assert report.ok, report.message
    assert AuditChainHead.objects.get(pk=1).sequence == expected
