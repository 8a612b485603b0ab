"""The transitions the bids app drives after the deadline: open, evaluate, standstill, award,
conclude, and their guards."""

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from procurement.core.roles import Role
from tenders.errors import TenderForbiddenError, TenderStateError, TenderValidationError
from tenders.models import TenderState
from tenders.selectors import tender_committee, tender_criteria, tender_is_committee_member
from tenders.services import (
    tender_award,
    tender_close_at_deadline,
    tender_conclude,
    tender_evaluate,
    tender_open,
    tender_standstill,
)
from tests.factories import person
from tests.tenders.factories import published_tender

pytestmark = pytest.mark.django_db


def _closed(authority, officer, approver, **kw):
    tender = published_tender(authority=authority, officer=officer, approver=approver, **kw)
    return tender


def test_eu_path_open_evaluate_standstill_award_conclude(authority, officer, approver):
    tender = _closed(authority, officer, approver)
    members, k = tender_committee(tender=tender)
    assert k == 2
    assert len(members) == 2
    assert tender_is_committee_member(tender=tender, user=members[0])
    assert not tender_is_committee_member(tender=tender, user=officer)
    assert [c.name for c in tender_criteria(tender=tender)] == ["Preis", "Qualität"]
    evaluator = person(authority, Role.EVALUATOR)
    with freeze_time(tender.opening_at + timedelta(minutes=5)) as frozen:
        with pytest.raises(TenderStateError):  # still published: the timer closes it first
            tender_open(tender_id=tender.pk, actor=members[0])
        tender_close_at_deadline(tender.pk)
        with pytest.raises(TenderForbiddenError):
            tender_open(tender_id=tender.pk, actor=officer)
        tender_open(tender_id=tender.pk, actor=members[0], record_sha256="ab" * 32)
        tender_evaluate(tender_id=tender.pk, actor=evaluator)
        with pytest.raises(TenderStateError):  # EU: GWB §134 standstill comes first
            tender_award(tender_id=tender.pk, actor=officer)
        with pytest.raises(TenderValidationError):
            tender_standstill(tender_id=tender.pk, actor=officer, ends_at=timezone.now())
        ends = timezone.now() + timedelta(days=10)
        tender_standstill(tender_id=tender.pk, actor=officer, ends_at=ends)
        with pytest.raises(TenderStateError):
            tender_award(tender_id=tender.pk, actor=officer)
        frozen.move_to(ends + timedelta(minutes=1))
        tender_award(tender_id=tender.pk, actor=officer)
        tender_conclude(tender_id=tender.pk, actor=officer)
    tender.refresh_from_db()
    assert tender.state == TenderState.CONCLUDED
    assert tender.standstill_ends_at == ends


def test_national_tender_is_awarded_without_standstill(authority, officer, approver):
    from decimal import Decimal

    tender = _closed(
        authority,
        officer,
        approver,
        estimated_value=Decimal("90000.00"),
        procedure="national_public",
    )
    members, _ = tender_committee(tender=tender)
    with freeze_time(tender.opening_at + timedelta(minutes=5)):
        tender_close_at_deadline(tender.pk)
        tender_open(tender_id=tender.pk, actor=members[1])
        tender_evaluate(tender_id=tender.pk, actor=officer)
        tender_award(tender_id=tender.pk, actor=officer)
    tender.refresh_from_db()
    assert tender.state == TenderState.AWARDED


def test_opening_waits_for_the_opening_time(authority, officer, approver):
    tender = _closed(authority, officer, approver)
    members, _ = tender_committee(tender=tender)
    with freeze_time(tender.submission_deadline + timedelta(minutes=1)):
        tender_close_at_deadline(tender.pk)
        with pytest.raises(TenderStateError):
            tender_open(tender_id=tender.pk, actor=members[0])
    tender.refresh_from_db()
    assert tender.state == TenderState.CLOSED
