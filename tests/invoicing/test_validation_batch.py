"""The validation task takes on waiting invoices in batches: still exactly one result and one pair
of audit events per invoice, nothing lost when one invoice fails or the batch crashes."""

import threading
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType

from invoicing import engine
from invoicing.models import Invoice, ValidationReport
from invoicing.services.intake import invoice_receive
from invoicing.services.validation import invoice_validate_queued
from invoicing.tasks import invoice_validate_task
from tests.invoicing.factories import invoice_xml, make_contract
from workflows.models import AuditEvent
from workflows.verify import audit_chain_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine_runs(monkeypatch):
    """Counts engine runs per invoice number; ``fail`` holds numbers the engine crashes on."""
    runs: Counter = Counter()
    fail: set[str] = set()
    lock = threading.Lock()
    real = engine.validate

    def counting(data: bytes):
        number = next((n for n in _numbers if f">{n}<".encode() in data), "?")
        with lock:
            runs[number] += 1
        if number in fail:
            raise RuntimeError(f"engine crashed on {number}")
        return real(data)

    _numbers: list[str] = []
    monkeypatch.setattr(engine, "validate", counting)
    counting.runs, counting.fail, counting.numbers = runs, fail, _numbers
    return counting


def _received(buyer, supplier, engine_runs, *numbers, **extra) -> list[Invoice]:
    # In a django_db test the intake's on_commit task never fires: the invoices wait, as they do
    # in a busy inbox whose tasks are still queued.
    engine_runs.numbers.extend(numbers)
    return [
        invoice_receive(
            buyer=buyer,
            source=invoice_xml(seller=supplier, buyer=buyer, number=number, **extra),
            channel="api",
        ).invoice
        for number in numbers
    ]


def _events(invoice: Invoice) -> list[str]:
    content_type = ContentType.objects.get_for_model(Invoice)
    return list(
        AuditEvent.objects.filter(content_type=content_type, object_id=str(invoice.pk))
        .order_by("sequence")
        .values_list("transition", flat=True)
    )


def _state(invoice: Invoice) -> str:
    invoice.refresh_from_db()
    return invoice.state


def test_one_task_validates_the_waiting_invoices_and_their_own_tasks_find_them_done(
    de_buyer, de_supplier, engine_runs, settings
):
    # given five received invoices, each with its task still queued, and batches of four
    settings.ZUSCHLAG_VALIDATION_BATCH = 4
    invoices = _received(de_buyer, de_supplier, engine_runs, "B-1", "B-2", "B-3", "B-4", "B-5")

    # when the first task runs
    assert invoice_validate_task.delay(invoices[0].pk).get() == Invoice.State.VALID

    # then it validated the four oldest in one go; the fifth still waits for its task
    assert [_state(i) for i in invoices] == ["valid"] * 4 + ["received"]
    assert engine_runs.runs == Counter({"B-1": 1, "B-2": 1, "B-3": 1, "B-4": 1})

    # when every queued task runs (also the first once more: a redelivery)
    states = [invoice_validate_task.delay(i.pk).get() for i in [*invoices, invoices[0]]]

    # then each invoice was validated exactly once, with one report and its two transitions
    assert states == ["valid"] * 6
    assert engine_runs.runs == Counter({f"B-{n}": 1 for n in range(1, 6)})
    for invoice in invoices:
        assert ValidationReport.objects.filter(invoice=invoice).count() == 1
        assert _events(invoice) == ["begin_validation", "accept"]
    assert audit_chain_verify().ok


def test_an_invoice_the_engine_fails_on_does_not_lose_the_others(
    de_buyer, de_supplier, engine_runs, settings
):
    settings.ZUSCHLAG_VALIDATION_BATCH = 8
    first, failing, last = _received(de_buyer, de_supplier, engine_runs, "F-1", "F-2", "F-3")
    engine_runs.fail.add("F-2")

    # when the first task's batch meets an invoice the engine crashes on
    assert invoice_validate_task.delay(first.pk).get() == Invoice.State.VALID

    # then the others are validated and the failing one waits, untouched, for its own task
    assert (_state(first), _state(failing), _state(last)) == ("valid", "received", "valid")
    assert not ValidationReport.objects.filter(invoice=failing).exists()
    assert _events(failing) == []

    # its own task reports the failure (the task fails, nothing is written) ...
    with pytest.raises(RuntimeError, match="F-2"):
        invoice_validate_task.delay(failing.pk).get()
    assert _state(failing) == "received"
    assert _events(failing) == []

    # ... and once the engine works again, its retry validates it once
    engine_runs.fail.clear()
    assert invoice_validate_task.delay(failing.pk).get() == Invoice.State.VALID
    assert ValidationReport.objects.filter(invoice=failing).count() == 1
    assert engine_runs.runs == Counter({"F-1": 1, "F-2": 3, "F-3": 1})
    assert audit_chain_verify().ok


def test_when_the_engine_fails_on_its_own_invoice_the_task_commits_nothing(
    de_buyer, de_supplier, engine_runs, settings
):
    settings.ZUSCHLAG_VALIDATION_BATCH = 8
    failing, other = _received(de_buyer, de_supplier, engine_runs, "O-1", "O-2")
    engine_runs.fail.add("O-1")

    with pytest.raises(RuntimeError, match="O-1"):
        invoice_validate_task.delay(failing.pk).get()

    # the other invoice was not validated on the way either; its own task does it
    assert (_state(failing), _state(other)) == ("received", "received")
    assert not ValidationReport.objects.exists()
    assert invoice_validate_task.delay(other.pk).get() == Invoice.State.VALID
    assert _state(failing) == "received"


def test_a_batch_that_crashes_while_writing_commits_nothing_and_its_retry_is_idempotent(
    de_buyer, de_supplier, engine_runs, settings, monkeypatch
):
    # given a batch of three that dies at the third invoice's transition (after two were
    # already written in its transaction)
    settings.ZUSCHLAG_VALIDATION_BATCH = 8
    invoices = _received(de_buyer, de_supplier, engine_runs, "C-1", "C-2", "C-3")
    real_accept = Invoice.accept

    def accept(self, **kwargs):
        if self.number == "C-3":
            raise RuntimeError("worker lost")
        return real_accept(self, **kwargs)

    monkeypatch.setattr(Invoice, "accept", accept)
    with pytest.raises(RuntimeError, match="worker lost"):
        invoice_validate_task.delay(invoices[0].pk).get()

    # then nothing of the batch was committed: no report, no state change, no audit event
    assert [_state(i) for i in invoices] == ["received"] * 3
    assert not ValidationReport.objects.exists()
    assert all(_events(i) == [] for i in invoices)

    # when the task is delivered again, it validates each invoice once
    monkeypatch.setattr(Invoice, "accept", real_accept)
    assert invoice_validate_task.delay(invoices[0].pk).get() == Invoice.State.VALID
    for invoice in invoices:
        assert invoice_validate_task.delay(invoice.pk).get() == Invoice.State.VALID
        assert ValidationReport.objects.filter(invoice=invoice).count() == 1
        assert _events(invoice) == ["begin_validation", "accept"]
    assert audit_chain_verify().ok


def test_duplicates_and_invoices_naming_a_contract_are_left_out_of_a_batch(
    de_buyer, de_supplier, engine_runs, settings
):
    settings.ZUSCHLAG_VALIDATION_BATCH = 8
    make_contract(authority=de_buyer, supplier=de_supplier, reference="VG-BATCH")
    (first,) = _received(de_buyer, de_supplier, engine_runs, "K-1")
    # the same invoice again, as CII: other bytes, same seller, number and issue date
    (duplicate,) = _received(de_buyer, de_supplier, engine_runs, "K-1", fmt="xrechnung-cii")
    (named,) = _received(de_buyer, de_supplier, engine_runs, "K-2", contract_reference="VG-BATCH")
    assert duplicate.duplicate_of_id == first.pk

    invoice_validate_queued(invoice_id=first.pk)

    # the duplicate is never validated; the invoice naming a contract waits for its own task,
    # which locks the contract and checks its remaining value one invoice at a time
    assert (_state(first), _state(duplicate), _state(named)) == ("valid", "received", "received")
    assert invoice_validate_queued(invoice_id=duplicate.pk) == "received"
    assert invoice_validate_queued(invoice_id=named.pk) == Invoice.State.MATCHED
    assert engine_runs.runs == Counter({"K-1": 1, "K-2": 1})


def test_a_batch_of_one_validates_only_the_tasks_own_invoice(
    de_buyer, de_supplier, engine_runs, settings
):
    settings.ZUSCHLAG_VALIDATION_BATCH = 1
    first, second = _received(de_buyer, de_supplier, engine_runs, "S-1", "S-2")
    assert invoice_validate_task.delay(second.pk).get() == Invoice.State.VALID
    assert (_state(first), _state(second)) == ("received", "valid")


def test_without_a_broker_each_task_validates_only_its_own_invoice(
    de_buyer, de_supplier, engine_runs, settings, monkeypatch
):
    # given the embedded deployment (eager celery: the task runs inside the receiving request)
    monkeypatch.delenv("ZUSCHLAG_VALIDATION_BATCH", raising=False)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    first, second = _received(de_buyer, de_supplier, engine_runs, "E-1", "E-2")
    assert invoice_validate_task.delay(second.pk).get() == Invoice.State.VALID
    assert (_state(first), _state(second)) == ("received", "valid")

    # with a broker the same task takes the waiting invoice on as well
    settings.CELERY_TASK_ALWAYS_EAGER = False
    third, fourth = _received(de_buyer, de_supplier, engine_runs, "E-3", "E-4")
    assert invoice_validate_queued(invoice_id=third.pk) == Invoice.State.VALID
    assert [_state(i) for i in (first, third, fourth)] == ["valid"] * 3


def test_one_message_for_a_bulk_intake_validates_each_invoice_exactly_once(
    de_buyer, de_supplier, engine_runs, settings
):
    from invoicing.tasks import invoice_validate_queued_many_task

    # given five received invoices of one bulk request, queued as one message, batches of two
    settings.ZUSCHLAG_VALIDATION_BATCH = 2
    invoices = _received(de_buyer, de_supplier, engine_runs, *[f"M-{n}" for n in range(1, 6)])
    ids = [invoice.pk for invoice in invoices]

    # when the message runs, and again (redelivered after a worker was lost)
    invoice_validate_queued_many_task.delay(ids).get()
    invoice_validate_queued_many_task.delay(ids).get()

    # then every invoice was validated once, with one report and its two transitions
    assert [_state(invoice) for invoice in invoices] == ["valid"] * 5
    assert engine_runs.runs == Counter({f"M-{n}": 1 for n in range(1, 6)})
    for invoice in invoices:
        assert ValidationReport.objects.filter(invoice=invoice).count() == 1
        assert _events(invoice) == ["begin_validation", "accept"]
    assert audit_chain_verify().ok


def test_an_invoice_failing_in_a_bulk_message_is_left_to_its_own_task(
    de_buyer, de_supplier, engine_runs, settings, monkeypatch
):
    from invoicing import tasks
    from invoicing.services.validation import invoice_validate_queued_many

    settings.ZUSCHLAG_VALIDATION_BATCH = 1
    first, failing, last = _received(de_buyer, de_supplier, engine_runs, "N-1", "N-2", "N-3")
    engine_runs.fail.add("N-2")

    # the service settles the others and names the failing one
    ids = [first.pk, failing.pk, last.pk]
    assert invoice_validate_queued_many(invoice_ids=ids) == [failing.pk]
    assert (_state(first), _state(failing), _state(last)) == ("valid", "received", "valid")
    assert _events(failing) == []

    # the task hands it to a task of its own (with that task's retries)
    own_tasks = []
    with monkeypatch.context() as patched:
        patched.setattr(tasks.invoice_validate_task, "delay", own_tasks.append)
        tasks.invoice_validate_queued_many_task.delay(ids).get()
    assert own_tasks == [failing.pk]
    engine_runs.fail.clear()
    assert invoice_validate_task.delay(failing.pk).get() == Invoice.State.VALID
    assert engine_runs.runs == Counter({"N-1": 1, "N-2": 3, "N-3": 1})
