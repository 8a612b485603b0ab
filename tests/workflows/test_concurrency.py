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
