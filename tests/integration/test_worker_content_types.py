"""The long-lived worker and pytest-django's flush: ContentType ids change between tests.

``transactional_db`` flushes the tables after each test and the content types are recreated with
new ids. The worker process outlives the tests, and Django caches ContentType ids per process,
so without the test-only ``task_prerun`` hook (procurement/celery.py, switched on by
tests/integration/conftest.py) the second test's worker would write audit events pointing at a
content type id that no longer exists (a foreign key violation in the worker).
"""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from tests.factories import AuthorityFactory, person
from tests.workflows.testapp.models import Ticket
from workflows.models import AuditEvent
from workflows.tasks import deadlines_tick_task
from workflows.verify import audit_chain_verify

pytestmark = pytest.mark.integration

SEEN_CONTENT_TYPE_IDS: list[int] = []


def _expire_a_ticket_in_the_worker(worker, *, title: str) -> AuditEvent:
    authority = AuthorityFactory()
    officer = person(authority, "procurement_officer", username=f"ct-{title.lower()}")
    ticket = Ticket.objects.create(
        title=title, organisation=authority, deadline=timezone.now() - dt.timedelta(hours=1)
    )
    ticket.submit(by=officer)
    ticket.save(update_fields=["state"])
    result = deadlines_tick_task.delay()
    summary = result.get(timeout=60, propagate=False)
    assert result.successful(), f"worker task failed: {result.result!r}\n{worker.log_tail()}"
    assert summary["fired"] == {"workflows_testapp.ticket_expiry": [ticket.pk]}
    event = AuditEvent.objects.get(transition="expire", object_id=str(ticket.pk))
    # The worker wrote the content type id valid in THIS test's database state.
    assert event.content_type_id == ContentType.objects.get_for_model(Ticket).pk
    assert audit_chain_verify().ok
    return event


def test_first_test_whose_worker_writes_audit_events(live_celery_worker):
    event = _expire_a_ticket_in_the_worker(live_celery_worker, title="CT-1")
    SEEN_CONTENT_TYPE_IDS.append(event.content_type_id)


def test_second_test_whose_worker_writes_audit_events(live_celery_worker):
    event = _expire_a_ticket_in_the_worker(live_celery_worker, title="CT-2")
    if SEEN_CONTENT_TYPE_IDS:
        # The flush really recreated the content types: the stale-cache case was exercised.
        assert event.content_type_id != SEEN_CONTENT_TYPE_IDS[0]
