import pytest
from django.db import transaction
from django.test.utils import isolate_apps
from django_fsm import TransitionNotAllowed

from tests.workflows.testapp.models import Ticket
from workflows import audit
from workflows.audit import canonical_json, payload_digest
from workflows.models import GENESIS_HASH, AuditChainHead, AuditEvent, AuditTrailImmutableError
from workflows.selectors import audit_last_actor, audit_trail_for
from workflows.verify import audit_chain_verify

pytestmark = pytest.mark.django_db


def test_transition_writes_exactly_one_event_with_states_and_actor(ticket, officer):
    # given a ticket in draft; when the officer submits it
    ticket.submit(by=officer)
    ticket.save(update_fields=["state"])

    # then one event names the transition, both states, the actor and the object
    events = list(AuditEvent.objects.all())
    assert len(events) == 1
    event = events[0]
    assert event.action == "workflows_testapp.ticket.submitted"
    assert (event.transition, event.from_state, event.to_state) == ("submit", "draft", "submitted")
    assert event.actor == officer
    assert "officer" in event.actor_label
    assert event.object_id == str(ticket.pk)
    assert event.object_repr == "Ticket T-1"
    assert event.content_type.model_class() is Ticket
    assert event.sequence == 1
    assert event.prev_hash == GENESIS_HASH
    assert event.time.tzinfo is not None
    assert event.payload == {}
    assert event.payload_digest == payload_digest({})


def test_payload_digest_covers_kwargs_except_by(ticket, officer, approver):
    ticket.submit(by=officer)
    ticket.approve(by=approver, note="geprüft")
    event = AuditEvent.objects.get(transition="approve")
    assert event.payload == {"note": "geprüft"}
    assert event.payload_digest == audit.sha256_hex(canonical_json({"note": "geprüft"}))
    assert event.actor == approver


def test_system_transition_has_no_actor(ticket, officer):
    ticket.submit(by=officer)
    ticket.expire()
    event = AuditEvent.objects.get(transition="expire")
    assert event.actor is None
    assert event.actor_label == "system"


def test_events_chain_with_gapless_sequence(ticket, officer, approver):
    ticket.submit(by=officer)
    ticket.approve(by=approver)
    ticket.cancel(by=officer, reason="Haushaltsmittel gestrichen")
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert events[2].payload == {"reason": "Haushaltsmittel gestrichen"}
    head = AuditChainHead.objects.get(pk=1)
    assert (head.sequence, head.hash) == (3, events[2].hash)
    assert audit_chain_verify().ok


def test_refused_transition_writes_nothing(ticket, approver):
    with pytest.raises(TransitionNotAllowed):
        ticket.approve(by=approver)  # still a draft
    assert not AuditEvent.objects.exists()


def test_rolled_back_transition_leaves_no_event(ticket, officer):
    # given a transition inside a transaction that fails afterwards
    def service():
        with transaction.atomic():
            locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
            locked.submit(by=officer)
            locked.save(update_fields=["state"])
            seen.append(AuditEvent.objects.count())  # written inside the caller's transaction
            raise RuntimeError("service failed after the transition")

    seen = []
    with pytest.raises(RuntimeError):
        service()
    assert seen == [1]
    # then neither the state change nor its event survived
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.DRAFT
    assert not AuditEvent.objects.exists()
    # and the chain continues from genesis: the head was rolled back too
    ticket.submit(by=officer)
    assert AuditEvent.objects.get().sequence == 1
    assert audit_chain_verify().ok


def test_orm_refuses_update_and_delete(ticket, officer):
    ticket.submit(by=officer)
    event = AuditEvent.objects.get()
    event.actor_label = "someone else"
    with pytest.raises(AuditTrailImmutableError):
        event.save()
    with pytest.raises(AuditTrailImmutableError):
        event.delete()
    with pytest.raises(AuditTrailImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="x")
    with pytest.raises(AuditTrailImmutableError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditTrailImmutableError):
        AuditEvent.objects.bulk_update([event], ["actor_label"])
    with pytest.raises(AuditTrailImmutableError):
        AuditEvent.objects.bulk_create([AuditEvent(sequence=99, hash="f" * 64)])
    assert AuditEvent.objects.get().actor_label != "someone else"


def test_actor_cannot_be_deleted_while_in_the_trail(ticket, officer):
    from django.db.models import ProtectedError

    ticket.submit(by=officer)
    with pytest.raises(ProtectedError):
        officer.delete()


def test_record_appends_a_non_fsm_event_to_the_same_chain(ticket, officer, bidder):
    ticket.submit(by=officer)
    event = audit.record(
        actor=bidder,
        obj=ticket,
        action="bids.bid.late_refused",
        payload={"received_at": "2026-01-01T12:00:01+00:00", "size": 1234},
    )
    assert event.sequence == 2
    assert event.transition == ""
    assert event.prev_hash == AuditEvent.objects.get(sequence=1).hash
    assert event.payload["size"] == 1234
    assert audit_chain_verify().ok


def test_record_without_object_and_bad_action(officer):
    event = audit.record(actor=None, obj=None, action="workflows.chain.checked", payload={})
    assert event.object_id == ""
    assert event.content_type is None
    with pytest.raises(ValueError, match=r"<app>\.<entity>"):
        audit.record(actor=officer, obj=None, action="Not An Action", payload={})
    assert AuditEvent.objects.count() == 1


def test_payload_values_are_normalised(ticket, officer):
    import datetime as dt
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    when = dt.datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    event = audit.record(
        actor=officer,
        obj=ticket,
        action="tenders.tender.noted",
        payload={
            "amount": Decimal("1234.50"),
            "when": when,
            "ratio": 0.1,
            "blob": b"abc",
            "org": ticket.organisation,
            "tags": {"b", "a"},
        },
    )
    event = AuditEvent.objects.get(pk=event.pk)  # as read back from the database
    assert event.payload == {
        "amount": "1234.50",
        "when": "2026-03-01T09:00:00+00:00",
        "ratio": "0.1",
        "blob": {"bytes": 3, "sha256": audit.sha256_hex(b"abc")},
        "org": {"model": "procurement.organisation", "pk": ticket.organisation.pk},
        "tags": ["a", "b"],
    }
    assert audit_chain_verify().ok


def test_model_can_expose_extra_payload(ticket, officer, monkeypatch):
    monkeypatch.setattr(
        Ticket, "audit_payload", lambda self, name: {"title": self.title, "t": name}, raising=False
    )
    ticket.submit(by=officer)
    assert AuditEvent.objects.get().payload == {"_object": {"title": "T-1", "t": "submit"}}


def test_trail_selector_and_last_actor(ticket, officer, approver, authority):
    other = Ticket.objects.create(title="T-2", organisation=authority)
    ticket.submit(by=officer)
    other.submit(by=approver)
    ticket.approve(by=approver)
    trail = list(audit_trail_for(obj=ticket))
    assert [e.transition for e in trail] == ["submit", "approve"]
    assert audit_last_actor(obj=ticket, to_state="submitted") == officer
    assert audit_last_actor(obj=other, to_state="submitted") == approver
    assert audit_last_actor(obj=other, to_state="approved") is None


def test_trail_template_include(ticket, officer, approver):
    from django.template import Context, Template

    ticket.submit(by=officer)
    ticket.approve(by=approver, note="<b>geprüft</b> " + "x" * 300)
    html = Template("{% load workflows %}{% audit_trail ticket %}").render(
        Context({"ticket": ticket})
    )
    assert html.count("<tr>") == 3  # header + two events
    assert "submit" in html
    assert "approve" in html
    # states by their labels, not their stored values
    assert "<td>Draft</td>" in html
    assert html.count("<td>Submitted</td>") == 2
    assert "<td>Approved</td>" in html
    assert "<td>submitted</td>" not in html
    assert "(approver)" in html
    assert "<b>note</b>: &lt;b&gt;geprüft&lt;/b&gt; xxx" in html  # shown, escaped, shortened
    assert "x" * 200 not in html

    empty = Template('{% include "workflows/_trail.html" with trail=None %}').render(Context({}))
    assert "audit-trail" in empty


def test_chain_head_selector_follows_the_newest_event(ticket, officer):
    from workflows.selectors import audit_chain_head

    assert audit_chain_head() == (0, GENESIS_HASH)
    ticket.submit(by=officer)
    event = AuditEvent.objects.get()
    assert audit_chain_head() == (1, event.hash)


def test_admin_is_read_only(admin_client, ticket, officer):
    ticket.submit(by=officer)
    event = AuditEvent.objects.get()
    listing = admin_client.get("/admin/workflows/auditevent/")
    assert listing.status_code == 200
    assert b"workflows_testapp.ticket.submitted" in listing.content
    assert admin_client.get("/admin/workflows/auditevent/add/").status_code == 403
    delete = admin_client.post(f"/admin/workflows/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@isolate_apps("tests.workflows.testapp")
def test_failed_transition_with_error_state_is_recorded(officer):
    # django-fsm moves to ``on_error`` when the body raises and still sends post_transition.
    from django.db import models
    from django_fsm import FSMField, transition

    class Job(models.Model):  # noqa: DJ008
        state = FSMField(default="new")

        class Meta:
            app_label = "workflows_testapp"

        @transition(field=state, source="new", target="done", on_error="failed")
        def run(self, *, by, attempt: int):
            raise RuntimeError("printer on fire")

    job = Job()
    with pytest.raises(RuntimeError):
        job.run(by=officer, attempt=3)
    event = AuditEvent.objects.get()
    assert (event.from_state, event.to_state) == ("new", "failed")
    assert event.action == "workflows_testapp.job.failed"
    assert event.payload == {"attempt": 3, "_error": "RuntimeError: printer on fire"}
    assert event.object_id == ""  # never saved: recorded all the same
    assert audit_chain_verify().ok


def test_nul_characters_do_not_block_a_transition(ticket, officer):
    ticket.submit(by=officer)
    ticket.cancel(by=officer, reason="evil\x00name")
    event = AuditEvent.objects.get(transition="cancel")  # stored, also in PostgreSQL's jsonb
    assert event.payload == {"reason": "evil\ufffdname"}
    noted = audit.record(actor=officer, obj=ticket, action="a.b.c", payload={"k\x00": 1})
    assert AuditEvent.objects.get(pk=noted.pk).payload == {"k\ufffd": 1}
    assert audit_chain_verify().ok


def test_later_appends_of_one_transaction_reuse_the_locked_head(ticket, officer, approver):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a transaction that already appended (and so holds the chain head)
    with transaction.atomic():
        ticket.submit(by=officer)
        # when two more events are appended in it
        with CaptureQueriesContext(connection) as queries:
            ticket.approve(by=approver)
            audit.record(actor=approver, obj=ticket, action="workflows_testapp.ticket.noted")
        ticket.save(update_fields=["state"])

    # then each costs one head UPDATE and one INSERT, no second read of the head
    head_reads = [
        q
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "auditchainhead" in q["sql"]
    ]
    assert head_reads == []
    assert len(queries.captured_queries) == 4
    assert [e.sequence for e in AuditEvent.objects.order_by("sequence")] == [1, 2, 3]
    assert audit_chain_verify().ok


def test_append_after_a_rolled_back_append_links_to_the_real_head(ticket, officer, approver):
    # given an append whose savepoint is rolled back after the transaction appended once
    with transaction.atomic():
        ticket.submit(by=officer)
        try:
            with transaction.atomic():
                audit.record(actor=officer, obj=ticket, action="workflows_testapp.ticket.noted")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        # when the transaction appends again
        audit.record(actor=approver, obj=ticket, action="workflows_testapp.ticket.checked")
        ticket.save(update_fields=["state"])

    # then the event follows the surviving one: no gap, no link to the rolled-back event
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [(e.sequence, e.action.rsplit(".", 1)[1]) for e in events] == [
        (1, "submitted"),
        (2, "checked"),
    ]
    assert events[1].prev_hash == events[0].hash
    assert AuditChainHead.objects.get(pk=1).sequence == 2
    assert audit_chain_verify().ok


def test_append_after_another_connection_extended_the_chain(ticket, officer):
    from django.db import connection

    # given this connection's last known tip, then the chain extended behind its back
    audit.record(actor=officer, obj=ticket, action="workflows_testapp.ticket.noted")
    stale = (1, AuditEvent.objects.get(sequence=1).hash)
    audit.record(actor=officer, obj=ticket, action="workflows_testapp.ticket.noted")
    connection._audit_tip = stale  # as if a rolled-back transaction had left it

    # when it appends again, then it links to the real head, not to its stale tip
    event = audit.record(actor=officer, obj=ticket, action="workflows_testapp.ticket.checked")
    assert event.sequence == 3
    assert event.prev_hash == AuditEvent.objects.get(sequence=2).hash
    assert audit_chain_verify().ok


def test_appends_batched_writes_the_events_of_a_block_together_on_an_intact_chain(
    ticket, officer, approver
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given an event appended before, in another transaction
    audit.record(actor=officer, obj=ticket, action="workflows_testapp.ticket.opened")

    # when a transaction runs two transitions and a record in one batched block
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with audit.appends_batched():
            ticket.submit(by=officer)
            ticket.approve(by=approver)
            audit.record(actor=approver, obj=ticket, action="workflows_testapp.ticket.noted")
            # nothing of the block is written yet (but the head is locked)
            assert AuditEvent.objects.count() == 1
        ticket.save(update_fields=["state"])

    # then each transition has its own link, in order, after the earlier event; the head
    # follows the last one; the block took the head once (here by the UPDATE on the tip this
    # test's transaction holds), then wrote one INSERT and one UPDATE for all three events
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [(e.sequence, e.transition, e.action.rsplit(".", 1)[1]) for e in events] == [
        (1, "", "opened"),
        (2, "submit", "submitted"),
        (3, "approve", "approved"),
        (4, "", "noted"),
    ]
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert AuditChainHead.objects.get(pk=1).sequence == 4
    assert AuditChainHead.objects.get(pk=1).hash == events[-1].hash
    audit_sql = [
        q["sql"].split(" ", 1)[0]
        for q in queries.captured_queries
        if "audit" in q["sql"] and "COUNT(" not in q["sql"]
    ]
    assert audit_sql == ["UPDATE", "INSERT", "UPDATE"]
    assert audit_chain_verify().ok

    # and the next transaction appends after them as usual
    audit.record(actor=officer, obj=ticket, action="workflows_testapp.ticket.closed")
    assert AuditEvent.objects.order_by("sequence").last().sequence == 5
    assert audit_chain_verify().ok


def test_an_exception_leaving_appends_batched_commits_nothing(ticket, officer, approver):
    audit.record(actor=officer, obj=ticket, action="workflows_testapp.ticket.opened")

    # when the block fails after two appends and the caller swallows the error
    with transaction.atomic():
        try:
            with audit.appends_batched():
                ticket.submit(by=officer)
                audit.record(actor=approver, obj=ticket, action="workflows_testapp.ticket.noted")
                raise RuntimeError("worker lost")
        except RuntimeError:
            pass
        # then the transaction can only roll back: the moved head never commits alone
        assert transaction.get_rollback()

    assert AuditEvent.objects.count() == 1
    assert AuditChainHead.objects.get(pk=1).sequence == 1
    assert audit_chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_appends_batched_needs_a_transaction():
    with pytest.raises(RuntimeError, match="transaction"), audit.appends_batched():
        pass


def test_trail_template_reads_a_fixed_number_of_queries(
    ticket, officer, approver, django_assert_num_queries
):
    """The labels come from cached model metadata: a longer history costs no more queries."""
    from django.template import Context, Template

    template = Template("{% load workflows %}{% audit_trail ticket %}")
    ticket.submit(by=officer)
    template.render(Context({"ticket": ticket}))  # warms ContentType's cache
    with django_assert_num_queries(1):  # the events with their actors
        template.render(Context({"ticket": ticket}))
    ticket.approve(by=approver)
    with django_assert_num_queries(1):
        html = template.render(Context({"ticket": ticket}))
    assert html.count("<tr>") == 3
