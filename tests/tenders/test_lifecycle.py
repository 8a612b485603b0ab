"""The tender lifecycle through the services: four eyes, time limits, timer, cancel, suspend."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from freezegun import freeze_time

from procurement.core.roles import Role
from tenders.errors import (
    TenderForbiddenError,
    TenderStateError,
    TenderValidationError,
    TimeLimitError,
)
from tenders.models import Tender, TenderPublication, TenderState
from tenders.services import (
    TenderInput,
    tender_approve,
    tender_cancel,
    tender_close_at_deadline,
    tender_publish,
    tender_reopen,
    tender_resume,
    tender_return_to_draft,
    tender_submit,
    tender_suspend,
    tender_update,
    tenders_due_for_closing,
)
from tests.factories import person
from tests.tenders.factories import approved_tender, draft_tender, published_tender
from workflows.four_eyes import FourEyesError
from workflows.models import AuditEvent
from workflows.timers import deadlines_tick

pytestmark = pytest.mark.django_db


def states(tender: Tender) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(tender.pk), transition__gt="")
        .order_by("sequence")
        .values_list("to_state", flat=True)
    )


def test_self_approval_is_refused(authority):
    both = person(authority, Role.PROCUREMENT_OFFICER, Role.APPROVER)
    tender = draft_tender(authority=authority, officer=both)
    tender_submit(tender_id=tender.pk, actor=both)
    with pytest.raises(FourEyesError) as caught:
        tender_approve(tender_id=tender.pk, actor=both)
    assert "four-eyes" in caught.value.message
    tender.refresh_from_db()
    assert tender.state == TenderState.PENDING_APPROVAL


def test_approval_needs_the_approver_role(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    tender_submit(tender_id=tender.pk, actor=officer)
    other_officer = person(authority, Role.PROCUREMENT_OFFICER)
    with pytest.raises(TenderForbiddenError):
        tender_approve(tender_id=tender.pk, actor=other_officer)
    tender.refresh_from_db()
    assert tender.state == TenderState.PENDING_APPROVAL


def test_approver_of_another_authority_cannot_approve(authority, officer):
    from tests.factories import AuthorityFactory

    stranger = person(AuthorityFactory(), Role.APPROVER)
    tender = draft_tender(authority=authority, officer=officer)
    tender_submit(tender_id=tender.pk, actor=officer)
    with pytest.raises(TenderForbiddenError):
        tender_approve(tender_id=tender.pk, actor=stranger)


def test_full_path_to_published_writes_audit_and_publications(authority, officer, approver):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    assert tender.state == TenderState.PUBLISHED
    assert tender.approved_by == approver
    assert tender.submitted_by == officer
    assert states(tender) == ["pending_approval", "approved", "published"]
    kinds = set(tender.publications.values_list("kind", flat=True))
    assert kinds == {TenderPublication.Kind.EFORMS, TenderPublication.Kind.OCDS}
    for publication in tender.publications.all():
        import hashlib

        assert publication.sha256 == hashlib.sha256(publication.content.encode()).hexdigest()


def test_publish_without_approval_is_refused(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    with translation.override("en"), pytest.raises(TenderStateError) as caught:
        tender_publish(tender_id=tender.pk, actor=officer)
    assert "approved" in caught.value.message
    tender_submit(tender_id=tender.pk, actor=officer)
    with pytest.raises(TenderStateError):
        tender_publish(tender_id=tender.pk, actor=officer)
    tender.refresh_from_db()
    assert tender.state == TenderState.PENDING_APPROVAL
    assert tender.published_at is None
    assert not tender.publications.exists()


def test_deadline_under_the_legal_minimum_is_refused_at_submission(authority, officer):
    tender = draft_tender(
        authority=authority,
        officer=officer,
        submission_deadline=timezone.now() + timedelta(days=20),
        questions_deadline=timezone.now() + timedelta(days=10),
        opening_at=timezone.now() + timedelta(days=21),
    )
    with translation.override("de"), pytest.raises(TimeLimitError) as caught:
        tender_submit(tender_id=tender.pk, actor=officer)
    assert caught.value.field == "submission_deadline"
    assert "Angebotsfrist endet vor dem frühesten zulässigen Datum" in caught.value.message
    assert "(VgV §15 Abs. 2, 4)" in caught.value.message
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT


def test_time_limits_are_enforced_again_at_approval_and_at_publication(
    authority, officer, approver
):
    with freeze_time("2026-03-02 09:00:00+01:00"):
        # Dispatch today (Monday 03-02) + 30 days = Wednesday 04-01: the earliest allowed day.
        from datetime import datetime

        from procurement.core.timeutil import BERLIN

        deadline = datetime(2026, 4, 1, 12, 0, tzinfo=BERLIN)
        tender = draft_tender(
            authority=authority,
            officer=officer,
            submission_deadline=deadline,
            questions_deadline=deadline - timedelta(days=7),
            opening_at=deadline + timedelta(hours=1),
        )
        tender_submit(tender_id=tender.pk, actor=officer)
    with freeze_time("2026-03-03 09:00:00+01:00"):
        with translation.override("en"), pytest.raises(TimeLimitError) as caught:
            tender_approve(tender_id=tender.pk, actor=approver)
        assert "April 2, 2026 (VgV §15 Abs. 2, 4)" in caught.value.message
        tender.refresh_from_db()
        assert tender.state == TenderState.PENDING_APPROVAL


@pytest.mark.parametrize(("nuts", "refused"), [("DE212", True), ("DEA23", False)])
def test_the_authoritys_land_decides_which_holidays_end_a_limit(authority, officer, nuts, refused):
    """Epiphany (Wednesday 2027-01-06) is a holiday in Bavaria (München, DE212), not in
    North Rhine-Westphalia (Köln, DEA23)."""
    from datetime import datetime

    from procurement.core.timeutil import BERLIN

    authority.nuts = nuts
    authority.save(update_fields=["nuts"])
    with freeze_time("2026-12-07 09:00:00+01:00"):
        # Dispatch Monday 12-07 + 30 days (electronic submission) = Wednesday 2027-01-06.
        deadline = datetime(2027, 1, 6, 12, 0, tzinfo=BERLIN)
        tender = draft_tender(
            authority=authority,
            officer=officer,
            submission_deadline=deadline,
            questions_deadline=deadline - timedelta(days=7),
            opening_at=deadline + timedelta(hours=1),
        )
        if refused:
            with translation.override("en"), pytest.raises(TimeLimitError) as caught:
                tender_submit(tender_id=tender.pk, actor=officer)
            assert "Jan. 7, 2027 (VgV §15 Abs. 2, 4)" in caught.value.message
            assert "Jan. 6, 2027, is not a working day (Epiphany)" in caught.value.message
        else:
            tender_submit(tender_id=tender.pk, actor=officer)
    tender.refresh_from_db()
    assert tender.state == (TenderState.DRAFT if refused else TenderState.PENDING_APPROVAL)


def test_publication_rechecks_the_limits_a_day_later(authority, officer, approver):
    from datetime import datetime

    from procurement.core.timeutil import BERLIN

    deadline = datetime(2026, 4, 1, 12, 0, tzinfo=BERLIN)
    with freeze_time("2026-03-02 09:00:00+01:00"):
        tender = approved_tender(
            authority=authority,
            officer=officer,
            approver=approver,
            submission_deadline=deadline,
            questions_deadline=deadline - timedelta(days=7),
            opening_at=deadline + timedelta(hours=1),
        )
    with freeze_time("2026-03-04 09:00:00+01:00"):
        with translation.override("fr"), pytest.raises(TimeLimitError) as caught:
            tender_publish(tender_id=tender.pk, actor=officer)
        # 03-04 + 30 days is Good Friday 04-03; Easter Monday follows: the limit ends 04-07.
        assert "le 7 avril 2026 (VgV §15 Abs. 2, 4)" in caught.value.message
        assert (
            "le 3 avril 2026, n\N{RIGHT SINGLE QUOTATION MARK}est pas un jour ouvrable (Karfreitag)"
            in caught.value.message
        )
    tender.refresh_from_db()
    assert tender.state == TenderState.APPROVED
    assert not tender.publications.exists()
    # the way out: reopen, move the deadline, and get a new approval
    with freeze_time("2026-03-04 09:00:00+01:00"):
        tender_reopen(tender_id=tender.pk, actor=officer, reason="Frist zu kurz geworden")
        tender.refresh_from_db()
        assert tender.state == TenderState.DRAFT
        assert tender.approved_by is None
        data = TenderInput.from_tender(tender)
        data.submission_deadline = deadline + timedelta(days=7)
        data.opening_at = deadline + timedelta(days=7, hours=1)
        tender_update(tender_id=tender.pk, actor=officer, data=data)
        tender_submit(tender_id=tender.pk, actor=officer)
        tender_approve(tender_id=tender.pk, actor=approver)
        tender_publish(tender_id=tender.pk, actor=officer)
    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLISHED


def test_return_to_draft_then_resubmit(authority, officer, approver):
    tender = draft_tender(authority=authority, officer=officer)
    tender_submit(tender_id=tender.pk, actor=officer)
    with pytest.raises(TenderValidationError):
        tender_return_to_draft(tender_id=tender.pk, actor=approver, reason="  ")
    tender_return_to_draft(tender_id=tender.pk, actor=approver, reason="Los 2 fehlt")
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT
    assert tender.returned_reason == "Los 2 fehlt"
    tender_submit(tender_id=tender.pk, actor=officer)


def test_timer_closes_at_the_deadline_once_and_catches_up(authority, officer, approver):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    assert list(tenders_due_for_closing(timezone.now())) == []
    later = tender.submission_deadline + timedelta(hours=5)
    with freeze_time(later):
        result = deadlines_tick()
        assert result.fired.get("tenders.close_at_submission_deadline") == [tender.pk]
        tender.refresh_from_db()
        assert tender.state == TenderState.CLOSED
        again = deadlines_tick()
        assert "tenders.close_at_submission_deadline" not in again.fired
        tender_close_at_deadline(tender.pk)  # a late duplicate fire is a no-op
    assert states(tender)[-1] == "closed"
    assert states(tender).count("closed") == 1
    closing = AuditEvent.objects.filter(object_id=str(tender.pk), to_state="closed").get()
    assert closing.actor is None


def test_timer_does_not_close_before_the_deadline(authority, officer, approver):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    with freeze_time(tender.submission_deadline - timedelta(seconds=1)):
        deadlines_tick()
        tender_close_at_deadline(tender.pk)
    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLISHED


def test_cancel_needs_ground_and_reason(authority, officer, approver):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    with pytest.raises(TenderValidationError) as caught:
        tender_cancel(tender_id=tender.pk, actor=officer, ground="not_economic", reason="")
    assert "VgV §63" in caught.value.message
    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLISHED
    tender_cancel(
        tender_id=tender.pk, actor=officer, ground="not_economic", reason="Haushaltssperre"
    )
    tender.refresh_from_db()
    assert tender.state == TenderState.CANCELLED
    assert tender.cancellation_reason == "Haushaltssperre"
    # An OCDS update tells the public.
    assert tender.publications.filter(kind="ocds").count() == 2
    with pytest.raises(TenderStateError):
        tender_cancel(tender_id=tender.pk, actor=officer, ground="not_economic", reason="again")


def test_cancel_from_draft_is_allowed(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    tender_cancel(
        tender_id=tender.pk, actor=officer, ground="other_serious", reason="Bedarf entfallen"
    )
    tender.refresh_from_db()
    assert tender.state == TenderState.CANCELLED


def test_suspend_and_resume_return_to_the_previous_state(authority, officer, approver):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    with pytest.raises(TenderStateError):
        tender_suspend(tender_id=tender.pk, actor=officer, reason="VK Bund 1-23/26")
    with freeze_time(tender.submission_deadline + timedelta(minutes=1)):
        tender_close_at_deadline(tender.pk)
        tender_suspend(tender_id=tender.pk, actor=officer, reason="VK Bund 1-23/26")
        tender.refresh_from_db()
        assert tender.state == TenderState.SUSPENDED
        tender_resume(tender_id=tender.pk, actor=officer)
        tender.refresh_from_db()
        assert tender.state == TenderState.CLOSED
        assert tender.suspended_from == ""
