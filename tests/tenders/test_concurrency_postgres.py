"""Concurrency on PostgreSQL: the row lock makes each step happen exactly once."""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import translation
from freezegun import freeze_time

from procurement.core.roles import Role
from tenders.models import DocumentVersion, TenderState
from tenders.services import (
    document_version_add,
    tender_approve,
    tender_close_at_deadline,
    tender_submit,
)
from tests.factories import person
from tests.tenders.factories import PDF, draft_tender, pdf_upload, published_tender
from workflows.models import AuditEvent

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _needs_postgres(request):
    if connection.vendor != "postgresql":
        pytest.fail(
            "this test needs PostgreSQL (select_for_update, real concurrency) but the database "
            f"is {connection.vendor}: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
            "<db> or deselect it with -m 'not postgres'",
            pytrace=False,
        )


def run_together(workers: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    start = threading.Barrier(len(workers))
    results: list[object] = []
    errors: list[BaseException] = []

    def wrap(work: Callable[[], object]) -> None:
        try:
            start.wait()
            # A new thread starts in the default language (German); the checks read English.
            with translation.override("en"):
                results.append(work())
        except BaseException as error:  # collected for the main thread's assertions
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return results, errors


def test_two_approvers_at_once_approve_once(transactional_db, authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    tender_submit(tender_id=tender.pk, actor=officer)
    approvers = [person(authority, Role.APPROVER) for _ in range(2)]
    results, errors = run_together(
        [lambda a=a: tender_approve(tender_id=tender.pk, actor=a) for a in approvers]
    )
    assert len(results) == 1
    assert len(errors) == 1
    assert "not possible" in str(errors[0])
    assert AuditEvent.objects.filter(object_id=str(tender.pk), to_state="approved").count() == 1


def test_overlapping_deadline_ticks_close_once(transactional_db, authority, officer, approver):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    with freeze_time(tender.submission_deadline + timedelta(minutes=1)):
        _, errors = run_together([lambda: tender_close_at_deadline(tender.pk) for _ in range(4)])
    assert errors == []
    tender.refresh_from_db()
    assert tender.state == TenderState.CLOSED
    assert AuditEvent.objects.filter(object_id=str(tender.pk), to_state="closed").count() == 1


def test_concurrent_new_versions_get_distinct_numbers(
    transactional_db, authority, officer, approver
):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    document = tender.documents.get()
    _, errors = run_together(
        [
            lambda i=i: document_version_add(
                document_id=document.pk,
                actor=officer,
                upload=pdf_upload(PDF + f"%{i}\n".encode()),
                name="lb.pdf",
                change_note=f"Änderung {i}",
            )
            for i in range(4)
        ]
    )
    assert errors == []
    numbers = sorted(
        DocumentVersion.objects.filter(document=document).values_list("number", flat=True)
    )
    assert numbers == [1, 2, 3, 4, 5]
