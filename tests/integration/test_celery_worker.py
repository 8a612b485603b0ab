"""Round trip through the real services: Redis broker, prefork worker, PostgreSQL test database."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from procurement.celery import app
from tests.factories import AuthorityFactory, person
from tests.workflows.testapp.models import Ticket
from workflows.models import AuditEvent
from workflows.tasks import deadlines_tick_task
from workflows.verify import audit_chain_verify

pytestmark = pytest.mark.integration


def test_worker_is_a_separate_prefork_pool(live_celery_worker):
    stats = app.control.inspect([live_celery_worker.name], timeout=5).stats()
    assert stats, f"no stats from {live_celery_worker.name}:\n{live_celery_worker.log_tail()}"
    pool = stats[live_celery_worker.name]["pool"]
    assert pool["max-concurrency"] == 2
    assert "prefork" in pool["implementation"]
    assert os.getpid() not in pool["processes"]


def test_deadline_tick_in_the_worker_writes_an_audit_event(live_celery_worker):
    # given a committed, submitted ticket whose deadline passed an hour ago
    authority = AuthorityFactory()
    officer = person(authority, "procurement_officer", username="int-officer")
    ticket = Ticket.objects.create(
        title="INT-1", organisation=authority, deadline=timezone.now() - dt.timedelta(hours=1)
    )
    ticket.submit(by=officer)
    ticket.save(update_fields=["state"])

    # when beat's task is sent through Redis and run by the worker
    result = deadlines_tick_task.delay()
    summary = result.get(timeout=30)

    # then the worker moved it and its audit event is visible to this process
    assert summary["fired"] == {"workflows_testapp.ticket_expiry": [ticket.pk]}
    assert result.successful()
    event = live_celery_worker.wait_for(
        lambda: AuditEvent.objects.filter(transition="expire", object_id=str(ticket.pk)).first(),
        what="the expiry audit event",
    )
    assert event.actor is None
    assert (event.from_state, event.to_state) == ("submitted", "expired")
    assert event.prev_hash == AuditEvent.objects.get(transition="submit").hash
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.EXPIRED
    assert audit_chain_verify().ok

    # and a second tick through the worker changes nothing (idempotent)
    assert deadlines_tick_task.delay().get(timeout=30)["fired"] == {}
    assert AuditEvent.objects.filter(transition="expire").count() == 1
