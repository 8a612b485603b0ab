"""Award: four eyes, GWB §134 letters (PDF + inbox), standstill dates and its timer, review
requests suspending the tender."""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time
from pypdf import PdfReader

from bids.models import AwardState, InformationLetter, ReviewRequest
from bids.services.award import (
    award_approve,
    award_notify,
    award_propose,
    award_reject,
    review_request_close,
    review_request_record,
    standstill_due,
    standstill_fire,
    standstill_period,
)
from bids.services.evaluation import (
    bid_admit,
    bid_exclude,
    evaluation_rank,
    quality_score_record,
)
from procurement.core.errors import ConflictError, TransitionForbiddenError
from procurement.core.roles import Role
from procurement.core.timeutil import BERLIN
from tenders.models import AwardCriterion, Notification, TenderState
from tests.bids.factories_award import bidder_user, opened_tender
from tests.factories import person
from workflows.four_eyes import FourEyesError
from workflows.models import AuditEvent
from workflows.timers import deadlines_tick


@pytest.mark.parametrize(
    ("sent", "electronic", "last_day", "earliest", "ends_utc"),
    [
        # Friday before the switch to summer time (29 March 2026): D+10 = 30 March.
        (
            datetime(2026, 3, 20, 10, 0, tzinfo=BERLIN),
            True,
            date(2026, 3, 30),
            date(2026, 3, 31),
            datetime(2026, 3, 30, 22, 0, tzinfo=UTC),
        ),
        # 23:30 UTC is already the 21st in Berlin; the period spans the end of summer time.
        (
            datetime(2026, 10, 20, 23, 30, tzinfo=UTC),
            True,
            date(2026, 10, 31),
            date(2026, 11, 1),
            datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
        ),
        # By post: 15 days across a month end.
        (
            datetime(2026, 1, 31, 12, 0, tzinfo=BERLIN),
            False,
            date(2026, 2, 15),
            date(2026, 2, 16),
            datetime(2026, 2, 15, 23, 0, tzinfo=UTC),
        ),
        # Leap year: 20 Feb 2028 + 10 = 1 March.
        (
            datetime(2028, 2, 20, 9, 0, tzinfo=BERLIN),
            True,
            date(2028, 3, 1),
            date(2028, 3, 2),
            datetime(2028, 3, 1, 23, 0, tzinfo=UTC),
        ),
        # Sent at 23:59 Berlin on 31 Dec: the dispatch day is still 31 Dec.
        (
            datetime(2026, 12, 31, 23, 59, tzinfo=BERLIN),
            True,
            date(2027, 1, 10),
            date(2027, 1, 11),
            datetime(2027, 1, 10, 23, 0, tzinfo=UTC),
        ),
    ],
)
def test_standstill_period(sent, electronic, last_day, earliest, ends_utc):
    got_last, got_earliest, ends_at = standstill_period(sent_at=sent, electronic=electronic)
    assert (got_last, got_earliest) == (last_day, earliest)
    assert ends_at == ends_utc
    assert ends_at.astimezone(BERLIN).hour == 0


@pytest.fixture
def evaluator(authority):
    return person(authority, Role.EVALUATOR, username="evaluator")


def evaluated(authority, officer, evaluator, prices=("100000", "125000", "90000")):
    tender, bids = opened_tender(authority=authority, officer=officer, prices=list(prices))
    quality = AwardCriterion.objects.get(tender=tender, kind="quality")
    for bid, points in zip(bids[:-1], ("9", "10"), strict=True):
        bid_admit(bid_id=bid.pk, actor=officer)
        quality_score_record(
            bid_id=bid.pk,
            criterion_id=quality.pk,
            actor=evaluator,
            points=points,
            justification="Konzept",
        )
    bid_exclude(
        bid_id=bids[-1].pk,
        actor=officer,
        ground="formal",
        details="Preisblatt nicht unterschrieben",
    )
    evaluation_rank(tender_id=tender.pk, actor=officer)
    return tender, bids


def test_four_eyes_on_the_award(authority, officer, approver, evaluator):
    tender, (a, b, _c) = evaluated(authority, officer, evaluator)
    with pytest.raises(ConflictError, match="best-ranked"):
        award_propose(tender_id=tender.pk, actor=officer, reasons="x", bid_id=b.pk)
    decision = award_propose(tender_id=tender.pk, actor=officer, reasons="Bestes Verhältnis")
    assert decision.winner_id == a.pk
    # The proposer cannot approve, even holding the approver role.
    from procurement.core.models import Membership

    Membership.objects.create(user=officer, organisation=authority, role=Role.APPROVER)
    with pytest.raises(FourEyesError, match="officer"):
        award_approve(decision_id=decision.pk, actor=officer)
    with pytest.raises(TransitionForbiddenError, match="evaluator"):
        award_approve(decision_id=decision.pk, actor=evaluator)
    decision.refresh_from_db()
    assert decision.state == AwardState.PROPOSED
    award_approve(decision_id=decision.pk, actor=approver)
    decision.refresh_from_db()
    assert decision.state == AwardState.APPROVED
    assert decision.approved_by == approver
    assert AuditEvent.objects.filter(action="bids.awarddecision.approved").exists()


def test_rejected_proposal_can_be_proposed_again(authority, officer, approver, evaluator):
    tender, _bids = evaluated(authority, officer, evaluator)
    decision = award_propose(tender_id=tender.pk, actor=officer, reasons="r")
    award_reject(decision_id=decision.pk, actor=approver, reason="Begründung fehlt")
    with pytest.raises(ConflictError, match="This decision is “Rejected”, not proposed"):
        award_approve(decision_id=decision.pk, actor=approver)
    again = award_propose(tender_id=tender.pk, actor=officer, reasons="Begründet")
    assert again.pk != decision.pk


def notified(authority, officer, approver, evaluator, *, at, electronic=True):
    with freeze_time(at - timedelta(hours=1)):
        tender, bids = evaluated(authority, officer, evaluator)
        decision = award_propose(tender_id=tender.pk, actor=officer, reasons="wirtschaftlichstes")
        award_approve(decision_id=decision.pk, actor=approver)
    with freeze_time(at):
        letters = award_notify(tender_id=tender.pk, actor=officer, electronic=electronic)
    return tender, bids, letters


def _pdf_text(pdf) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(pdf))).pages)
    return " ".join(text.split())


def test_letters_name_winner_reasons_and_date(authority, officer, approver, evaluator):
    sent = datetime(2026, 3, 20, 10, 0, tzinfo=BERLIN)
    tender, (a, b, c), letters = notified(authority, officer, approver, evaluator, at=sent)
    tender.refresh_from_db()
    assert tender.state == TenderState.STANDSTILL
    assert tender.standstill_ends_at == datetime(2026, 3, 31, 0, 0, tzinfo=BERLIN)
    # Every unsuccessful bidder (the outranked and the excluded one), not the winner.
    assert {letter.bid_id for letter in letters} == {b.pk, c.pk}
    by_bid = {letter.bid_id: letter for letter in letters}
    text = _pdf_text(by_bid[b.pk].pdf)
    assert a.bidder.name in text
    assert "31.03.2026" in text
    # a German procedure writes its letters in German, whatever the officer's language
    assert "Information nach § 134 GWB" in text
    assert "Rang 2" in text
    assert "Qualität" in text
    assert "Preis" in text
    excluded = _pdf_text(by_bid[c.pk].pdf)
    assert "Preisblatt nicht unterschrieben" in excluded
    note = Notification.objects.get(recipient=bidder_user(b), kind="award_information")
    assert a.bidder.name in note.body
    assert "31.03.2026" in note.body
    assert "Der Zuschlag soll an" in note.body
    assert not Notification.objects.filter(recipient=bidder_user(a), kind="award_information")
    assert AuditEvent.objects.filter(action="tenders.tender.standstill").exists()


def test_standstill_timer_awards_at_the_end(authority, officer, approver, evaluator):
    sent = datetime(2026, 10, 20, 12, 0, tzinfo=BERLIN)
    tender, _bids, _letters = notified(authority, officer, approver, evaluator, at=sent)
    # Period: 21-30 October; conclusion from 31 October 00:00 (CET after the DST change).
    with freeze_time(datetime(2026, 10, 30, 23, 59, tzinfo=BERLIN)):
        assert standstill_due(timezone.now()) == []
        deadlines_tick()
    tender.refresh_from_db()
    assert tender.state == TenderState.STANDSTILL
    with freeze_time(datetime(2026, 10, 31, 0, 0, 1, tzinfo=BERLIN)):
        deadlines_tick()
        standstill_fire(tender.pk)  # idempotent
    tender.refresh_from_db()
    assert tender.state == TenderState.AWARDED


def test_review_request_suspends_and_resumes(authority, officer, approver, evaluator):
    sent = datetime(2026, 3, 20, 10, 0, tzinfo=BERLIN)
    tender, _bids, _letters = notified(authority, officer, approver, evaluator, at=sent)
    with freeze_time(datetime(2026, 3, 25, 9, 0, tzinfo=BERLIN)):
        review = review_request_record(
            tender_id=tender.pk,
            actor=officer,
            applicant="Bieter 2 GmbH",
            received_on=date(2026, 3, 25),
            details="Rüge der Wertung",
        )
    tender.refresh_from_db()
    assert tender.state == TenderState.SUSPENDED
    # The timer does nothing while suspended, even after the period.
    with freeze_time(datetime(2026, 4, 2, 9, 0, tzinfo=BERLIN)):
        deadlines_tick()
        tender.refresh_from_db()
        assert tender.state == TenderState.SUSPENDED
        review_request_close(review_id=review.pk, actor=officer, outcome="zurückgenommen")
        tender.refresh_from_db()
        assert tender.state == TenderState.STANDSTILL
        deadlines_tick()
    tender.refresh_from_db()
    assert tender.state == TenderState.AWARDED
    assert ReviewRequest.objects.get().closed_at is not None


def test_notify_refused_without_approval(authority, officer, evaluator):
    tender, _bids = evaluated(authority, officer, evaluator)
    award_propose(tender_id=tender.pk, actor=officer, reasons="r")
    with pytest.raises(ConflictError, match="approved award decision"):
        award_notify(tender_id=tender.pk, actor=officer)
    assert not InformationLetter.objects.exists()
    tender.refresh_from_db()
    assert tender.state == TenderState.EVALUATED


def test_winning_price_is_decimal(authority, officer, approver, evaluator):
    sent = datetime(2026, 3, 20, 10, 0, tzinfo=BERLIN)
    _tender, (a, _b, _c), _letters = notified(authority, officer, approver, evaluator, at=sent)
    a.refresh_from_db()
    assert a.price == Decimal("100000.00")
