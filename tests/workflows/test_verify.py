import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.workflows.conftest import tamper
from workflows.models import AuditEvent
from workflows.verify import audit_chain_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(ticket, officer, approver):
    """Five events: submit, approve, cancel on one ticket and two recorded facts."""
    from workflows import audit

    ticket.submit(by=officer)
    ticket.approve(by=approver, note="ok")
    audit.record(actor=officer, obj=ticket, action="tenders.tender.noted", payload={"n": 1})
    audit.record(actor=officer, obj=ticket, action="tenders.tender.noted", payload={"n": 2})
    ticket.cancel(by=officer, reason="kein Bedarf")
    assert AuditEvent.objects.count() == 5
    return ticket


def run_verify():
    """(exit code, output) of ``manage.py audit_verify`` as the shell would see them."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue()


def test_intact_chain_verifies(chain):
    code, output = run_verify()
    assert code == 0
    assert "OK: 5 events" in output


def test_empty_chain_verifies(db):
    assert run_verify()[0] == 0


def test_edited_payload_is_reported(chain):
    event = AuditEvent.objects.get(sequence=2)
    tamper(
        "UPDATE workflows_auditevent SET payload = %s WHERE id = %s",
        ['{"note": "nicht ok"}', event.pk],
    )
    code, output = run_verify()
    assert code == 1
    assert "event #2" in output
    assert "payload" in output


def test_edited_payload_with_recomputed_digest_is_still_caught(chain):
    # An attacker who also fixes the digest changes the row's hash input: caught there.
    from workflows.audit import payload_digest

    payload = {"note": "nicht ok"}
    event = AuditEvent.objects.get(sequence=2)
    tamper(
        "UPDATE workflows_auditevent SET payload = %s, payload_digest = %s WHERE id = %s",
        ['{"note": "nicht ok"}', payload_digest(payload), event.pk],
    )
    report = audit_chain_verify()
    assert not report.ok
    assert report.sequence == 2
    assert "edited" in report.message


def test_edited_column_is_reported(chain):
    event = AuditEvent.objects.get(sequence=3)
    tamper("UPDATE workflows_auditevent SET actor_label = %s WHERE id = %s", ["mallory", event.pk])
    code, output = run_verify()
    assert code == 1
    assert "event #3" in output
    assert "edited" in output


def test_deleted_row_is_reported(chain):
    tamper("DELETE FROM workflows_auditevent WHERE sequence = %s", [3])
    code, output = run_verify()
    assert code == 1
    assert "#3 is missing" in output
    report = audit_chain_verify()
    assert report.sequence == 3
    assert report.checked == 2


def test_deleted_last_row_is_reported(chain):
    tamper("DELETE FROM workflows_auditevent WHERE sequence = %s", [5])
    code, output = run_verify()
    assert code == 1
    assert "removed from the end" in output


def test_deleted_row_with_renumbered_tail_is_reported(chain):
    # Hiding a deletion by shifting the later sequence numbers down still breaks the hashes.
    tamper("DELETE FROM workflows_auditevent WHERE sequence = %s", [3])
    for seq in (4, 5):
        tamper("UPDATE workflows_auditevent SET sequence = %s WHERE sequence = %s", [seq - 1, seq])
    report = audit_chain_verify()
    assert not report.ok
    assert report.sequence == 3


def test_reordered_pair_is_reported(chain):
    # Swap events #3 and #4 (their sequence numbers) through a free slot.
    tamper("UPDATE workflows_auditevent SET sequence = %s WHERE sequence = %s", [1000, 3])
    tamper("UPDATE workflows_auditevent SET sequence = %s WHERE sequence = %s", [3, 4])
    tamper("UPDATE workflows_auditevent SET sequence = %s WHERE sequence = %s", [4, 1000])
    code, output = run_verify()
    assert code == 1
    assert "event #3" in output
    assert audit_chain_verify().sequence == 3


def test_swapped_contents_with_consistent_hashes_are_reported(chain):
    # Even with each row's own hash recomputed after the swap, the back links no longer match.
    from workflows.audit import event_hash

    tamper("UPDATE workflows_auditevent SET sequence = %s WHERE sequence = %s", [1000, 3])
    tamper("UPDATE workflows_auditevent SET sequence = %s WHERE sequence = %s", [3, 4])
    tamper("UPDATE workflows_auditevent SET sequence = %s WHERE sequence = %s", [4, 1000])
    for event in AuditEvent.objects.filter(sequence__in=[3, 4]):
        tamper(
            "UPDATE workflows_auditevent SET hash = %s WHERE id = %s",
            [event_hash(event), event.pk],
        )
    report = audit_chain_verify()
    assert not report.ok
    assert report.sequence == 3
    assert "does not follow event #2" in report.message


def test_first_broken_link_is_the_one_reported(chain):
    tamper("UPDATE workflows_auditevent SET actor_label = %s WHERE sequence = %s", ["x", 4])
    tamper("UPDATE workflows_auditevent SET actor_label = %s WHERE sequence = %s", ["y", 2])
    assert audit_chain_verify().sequence == 2


def test_appending_continues_after_verification(chain, officer):
    chain.refresh_from_db()
    assert audit_chain_verify().ok
    from workflows import audit

    audit.record(actor=officer, obj=chain, action="tenders.tender.noted", payload={})
    report = audit_chain_verify()
    assert report.ok
    assert report.checked == 6
