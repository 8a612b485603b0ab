"""Races on PostgreSQL: the same bytes posted twice at once are still one invoice; two
approvers releasing the same invoices at once make one payment run."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from invoicing import tasks
from invoicing.models import Invoice, PaymentRun
from invoicing.services.intake import invoice_receive
from invoicing.services.payment import payment_run_create
from procurement.core.errors import DomainError
from tests.invoicing.factories import (
    ap_staff,
    german_authority,
    german_supplier,
    invoice_xml,
    make_contract,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (DATABASE_URL=postgres://…)", pytrace=False)


def _race(count, work):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_same_bytes_posted_concurrently_are_one_invoice(monkeypatch):
    monkeypatch.setattr(tasks.invoice_validate_task, "delay", lambda *args: None)
    buyer, supplier = german_authority(), german_supplier()
    data = invoice_xml(seller=supplier, buyer=buyer, number="RACE-1")
    results, errors = _race(4, lambda: invoice_receive(buyer=buyer, source=data, channel="api"))
    assert errors == []
    assert len({r.invoice.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Invoice.objects.count() == 1


def test_the_same_bulk_request_sent_concurrently_stores_each_invoice_once(
    monkeypatch, settings, tmp_path
):
    from invoicing.models import StoredDocument
    from invoicing.services.intake import Received, invoice_receive_many

    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    # given three invoices sent by four senders at once, the bulk intake's message not sent
    queued = []
    monkeypatch.setattr(tasks.invoice_validate_queued_many_task, "delay", queued.append)
    buyer, supplier = german_authority(), german_supplier()
    named = [
        (f"{n}.xml", invoice_xml(seller=supplier, buyer=buyer, number=f"RACE-B{n}"))
        for n in range(3)
    ]

    # when they race
    results, errors = _race(
        4, lambda: invoice_receive_many(buyer=buyer, files=named, channel="api")
    )

    # then each file is one invoice for every sender, created once, and queued once
    assert errors == []
    assert all(isinstance(answer, Received) for result in results for answer in result)
    for position in range(3):
        answers = [result[position] for result in results]
        assert len({answer.invoice.pk for answer in answers}) == 1
        assert sum(answer.created for answer in answers) == 1
    assert Invoice.objects.count() == StoredDocument.objects.count() == 3
    assert sorted(pk for ids in queued for pk in ids) == sorted(
        Invoice.objects.values_list("pk", flat=True)
    )
    # and the archive holds their three files only: a loser's file went with its rolled-back row
    archived = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert archived == set(StoredDocument.objects.values_list("storage_name", flat=True))


def test_concurrent_release_makes_one_payment_run(monkeypatch):
    monkeypatch.setattr(tasks.invoice_validate_task, "delay", lambda *args: None)
    buyer, supplier = german_authority(), german_supplier()
    staff = ap_staff(buyer)
    ids = []
    for n in range(3):
        invoice = invoice_receive(
            buyer=buyer,
            source=invoice_xml(
                seller=supplier, buyer=buyer, number=f"REL-{n}", amount=Decimal("100")
            ),
            channel="api",
        ).invoice
        contract = make_contract(authority=buyer, supplier=supplier, reference=f"VG-REL-{n}")
        for step in ("begin_validation", "accept"):
            getattr(invoice, step)(by=None)
        invoice.contract = contract
        invoice.match(by=None, contract_id=contract.pk)
        invoice.approve(by=staff["approver"])
        invoice.save()
        ids.append(invoice.pk)
    results, errors = _race(
        2, lambda: payment_run_create(buyer=buyer, invoice_ids=ids, actor=staff["approver"])
    )
    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], DomainError)
    assert PaymentRun.objects.count() == 1
    assert set(Invoice.objects.values_list("state", flat=True)) == {"released"}


def test_concurrent_matching_cannot_overrun_the_contract_value(monkeypatch):
    from invoicing.services.matching import invoice_match_auto

    monkeypatch.setattr(tasks.invoice_validate_task, "delay", lambda *args: None)
    buyer, supplier = german_authority(), german_supplier()
    make_contract(
        authority=buyer, supplier=supplier, reference="VG-RACE", value_net=Decimal("1500.00")
    )
    ids = []
    for n in range(2):
        invoice = invoice_receive(
            buyer=buyer,
            source=invoice_xml(
                seller=supplier,
                buyer=buyer,
                number=f"OVR-{n}",
                amount=Decimal("800"),
                contract_reference="VG-RACE",
            ),
            channel="api",
        ).invoice
        invoice.begin_validation(by=None)
        invoice.accept(by=None)
        invoice.save()
        ids.append(invoice.pk)
    results, errors = _race(2, lambda: invoice_match_auto(invoice_id=ids.pop()))
    assert len(results) == 2
    assert errors == []
    states = sorted(Invoice.objects.values_list("state", flat=True))
    assert states == ["matched", "valid"]
    unmatched = Invoice.objects.get(state="valid")
    amount = next(r for r in unmatched.match_result if r["field"] == "amount")
    assert not amount["ok"]


def test_validation_takes_the_contract_lock_before_the_audit_chain(monkeypatch):
    # A clerk's contract work locks the contract, then appends to the audit chain. Validation must
    # take the same locks in the same order, or each would wait for the other (deadlock).
    import time

    from django.db import transaction

    from invoicing.services.validation import invoice_validate
    from workflows.audit import record
    from workflows.verify import audit_chain_verify

    monkeypatch.setattr(tasks.invoice_validate_task, "delay", lambda *args: None)
    buyer, supplier = german_authority(), german_supplier()
    contract = make_contract(authority=buyer, supplier=supplier, reference="VG-ORDER")
    invoice = invoice_receive(
        buyer=buyer,
        source=invoice_xml(
            seller=supplier, buyer=buyer, number="ORD-1", contract_reference="VG-ORDER"
        ),
        channel="api",
    ).invoice
    contract_model = type(contract)
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def clerk() -> None:
        # given a transaction holding the contract row, about to append to the chain
        try:
            with transaction.atomic():
                contract_model.objects.select_for_update().get(pk=contract.pk)
                locked.set()
                release.wait(30)
                record(actor=None, obj=invoice, action="invoicing.invoice.contract_checked")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def validate() -> None:
        try:
            invoice_validate(invoice_id=invoice.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=clerk)
    first.start()
    assert locked.wait(30)
    # when validation runs meanwhile and waits for a lock
    second = threading.Thread(target=validate)
    second.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
        time.sleep(0.02)
    release.set()
    first.join(60)
    second.join(60)

    # then neither was chosen as a deadlock victim: both committed, on one chain
    assert errors == []
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.MATCHED
    assert audit_chain_verify().ok


def _engine_counting(monkeypatch, numbers, pause=None):
    """engine.validate counting runs per invoice number; ``pause`` = (number, reached, go)."""
    from collections import Counter

    from invoicing import engine

    runs, lock, real = Counter(), threading.Lock(), engine.validate

    def counting(data):
        number = next(n for n in numbers if f">{n}<".encode() in data)
        with lock:
            runs[number] += 1
        if pause and number == pause[0]:
            pause[1].set()
            assert pause[2].wait(60)
        return real(data)

    monkeypatch.setattr(engine, "validate", counting)
    return runs


def test_two_workers_taking_batches_at_once_validate_each_invoice_once(monkeypatch):
    from invoicing.models import ValidationReport
    from invoicing.services.validation import invoice_validate_queued
    from workflows.models import AuditEvent
    from workflows.verify import audit_chain_verify

    # given twelve received invoices whose tasks two workers run at the same time
    monkeypatch.setattr(tasks.invoice_validate_task, "delay", lambda *args: None)
    buyer, supplier = german_authority(), german_supplier()
    numbers = [f"PAR-{n}" for n in range(12)]
    ids = [
        invoice_receive(
            buyer=buyer, source=invoice_xml(seller=supplier, buyer=buyer, number=n), channel="api"
        ).invoice.pk
        for n in numbers
    ]
    runs = _engine_counting(monkeypatch, numbers)
    queues = iter([ids[0::2], ids[1::2]])
    lock = threading.Lock()

    def worker():
        with lock:
            mine = next(queues)
        return [invoice_validate_queued(invoice_id=pk, batch=4) for pk in mine]

    # when both work through their queues, claiming batches of four
    results, errors = _race(2, worker)

    # then every task saw its invoice valid, and each invoice was validated exactly once
    assert errors == []
    assert sorted(state for states in results for state in states) == ["valid"] * 12
    assert runs == {n: 1 for n in numbers}
    assert ValidationReport.objects.filter(invoice_id__in=ids).count() == 12
    assert AuditEvent.objects.filter(action__startswith="invoicing.invoice.").count() == 24
    assert audit_chain_verify().ok


def test_a_task_whose_invoice_another_batch_holds_works_elsewhere_then_waits(monkeypatch):
    import time

    from invoicing.models import ValidationReport
    from invoicing.services.validation import invoice_validate_queued

    monkeypatch.setattr(tasks.invoice_validate_task, "delay", lambda *args: None)
    buyer, supplier = german_authority(), german_supplier()
    numbers = ["HOLD-1", "HOLD-2", "HOLD-3"]
    first, second, third = (
        invoice_receive(
            buyer=buyer, source=invoice_xml(seller=supplier, buyer=buyer, number=n), channel="api"
        ).invoice
        for n in numbers
    )
    reached, go = threading.Event(), threading.Event()
    runs = _engine_counting(monkeypatch, numbers, pause=("HOLD-1", reached, go))
    results, errors = {}, []

    def run(name, invoice):
        try:
            results[name] = invoice_validate_queued(invoice_id=invoice.pk, batch=2)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # given worker A's batch holding the first two invoices, stopped inside the engine
    a = threading.Thread(target=run, args=("a", first))
    a.start()
    assert reached.wait(60)
    # when worker B runs the task of the second invoice
    b = threading.Thread(target=run, args=("b", second))
    b.start()
    # then B validates the third (free) invoice instead of waiting idle ...
    deadline = time.monotonic() + 60
    while not ValidationReport.objects.filter(invoice=third).exists():
        assert time.monotonic() < deadline, "B did not validate the free invoice"
        time.sleep(0.02)
    # ... and then waits for A's batch rather than validating the second invoice again
    assert not ValidationReport.objects.filter(invoice=second).exists()
    go.set()
    a.join(60)
    b.join(60)
    assert errors == []
    assert results == {"a": "valid", "b": "valid"}
    assert runs == {"HOLD-1": 1, "HOLD-2": 1, "HOLD-3": 1}
    assert ValidationReport.objects.filter(invoice__in=[first, second, third]).count() == 3
