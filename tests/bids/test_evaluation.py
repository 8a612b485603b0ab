"""Evaluation: price methods (Decimal math), quality scores, exclusions, §56 requests, ranking
with documented tie-breaks, and the audited transitions (tender opened → evaluated)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from bids.models import (
    BidResult,
    BidState,
    DocumentRequestState,
    EvaluationState,
    PriceMethod,
    QualityScore,
)
from bids.services.evaluation import (
    Scored,
    bid_admit,
    bid_exclude,
    document_request_answer,
    document_request_create,
    document_request_lapse,
    document_requests_due,
    evaluation_configure,
    evaluation_of,
    evaluation_rank,
    lottery_key,
    price_points,
    quality_score_record,
    rank_scored,
)
from procurement.core.errors import (
    ConflictError,
    TooLargeError,
    TransitionForbiddenError,
    ValidationFailedError,
)
from procurement.core.roles import Role
from tenders.models import AwardCriterion, Notification, TenderState
from tests.bids.factories_award import bidder_user, opened_tender
from tests.factories import person
from workflows.models import AuditEvent

D = Decimal


@pytest.mark.parametrize(
    ("price", "lowest", "expected"),
    [
        ("100000", "100000", "10.0000"),
        ("125000", "100000", "8.0000"),
        ("300000", "100000", "3.3333"),
        ("150000.00", "100000.00", "6.6667"),
    ],
)
def test_lowest_ratio_points(price, lowest, expected):
    got = price_points(
        method=PriceMethod.LOWEST_RATIO, price=D(price), lowest=D(lowest), max_points=D(10)
    )
    assert got == D(expected)
    assert isinstance(got, Decimal)


@pytest.mark.parametrize(
    ("price", "expected"),
    [("100000", "10.0000"), ("150000", "5.0000"), ("200000", "0.0000"), ("250000", "0.0000")],
)
def test_linear_points_between_lowest_and_zero_price(price, expected):
    got = price_points(
        method=PriceMethod.LINEAR,
        price=D(price),
        lowest=D("100000"),
        max_points=D(10),
        zero_price=D("200000"),
    )
    assert got == D(expected)


def test_linear_needs_zero_price_above_lowest():
    with pytest.raises(ValidationFailedError, match="zero-point price"):
        price_points(
            method=PriceMethod.LINEAR,
            price=D(1),
            lowest=D(100),
            max_points=D(10),
            zero_price=D(50),
        )


def test_ties_quality_then_seeded_lottery():
    a = Scored(key="a", total=D("80.00"), quality=D("30.00"))
    b = Scored(key="b", total=D("80.00"), quality=D("35.00"))
    c = Scored(key="c", total=D("70.00"), quality=D("40.00"))
    d = Scored(key="d", total=D("70.00"), quality=D("40.00"))
    ranked = rank_scored([a, b, c, d], seed="s33d")
    assert [e.key for e in ranked[:2]] == ["b", "a"]
    assert (b.tie_break, a.tie_break) == ("quality", "quality")
    # c and d are equal in total and quality: the seeded lottery decides, reproducibly.
    expected = sorted(["c", "d"], key=lambda k: lottery_key("s33d", k))
    assert [e.key for e in ranked[2:]] == expected
    assert c.tie_break == d.tie_break == "lottery"
    again = rank_scored(
        [Scored(key=k, total=D("70.00"), quality=D("40.00")) for k in ("d", "c")], seed="s33d"
    )
    assert [e.key for e in again] == expected


@pytest.fixture
def evaluator(authority):
    return person(authority, Role.EVALUATOR, username="evaluator")


@pytest.fixture
def evaluator2(authority):
    return person(authority, Role.EVALUATOR, username="evaluator2")


def _quality(tender):
    return AwardCriterion.objects.get(tender=tender, kind="quality")


def test_full_evaluation_ranks_and_moves_tender(authority, officer, evaluator, evaluator2):
    tender, (a, b, c) = opened_tender(
        authority=authority, officer=officer, prices=["100000", "125000", "90000"]
    )
    for bid in (a, b, c):
        bid_admit(bid_id=bid.pk, actor=officer)
    quality = _quality(tender)
    # Two evaluators; the bid's quality points are their mean.
    for bid, p1, p2 in ((a, "8", "9"), (b, "10", "10"), (c, "5", "6")):
        quality_score_record(
            bid_id=bid.pk, criterion_id=quality.pk, actor=evaluator, points=p1, justification="ok"
        )
        quality_score_record(
            bid_id=bid.pk, criterion_id=quality.pk, actor=evaluator2, points=p2, justification="ok"
        )
    evaluation = evaluation_rank(tender_id=tender.pk, actor=officer)
    tender.refresh_from_db()
    assert tender.state == TenderState.EVALUATED
    assert evaluation.state == EvaluationState.RANKED
    assert evaluation.tie_seed
    results = {r.bid_id: r for r in BidResult.objects.all()}
    # a: price 10*90000/100000 = 9.0000 → 60*9/10 = 54.0000; quality mean 8.5 → 34.0000 → 88.00
    # b: price 7.2000 → 43.2000; quality 10 → 40.0000 → 83.20
    # c: price 10 → 60.0000; quality 5.5 → 22.0000 → 82.00
    assert results[a.pk].total == D("88.00")
    assert results[a.pk].rank == 1
    assert results[b.pk].total == D("83.20")
    assert results[b.pk].rank == 2
    assert results[c.pk].total == D("82.00")
    assert results[c.pk].rank == 3
    assert results[a.pk].price_points == D("9.0000")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"bids.bid.admitted", "bids.evaluation.ranked", "tenders.tender.evaluated"} <= actions


def test_linear_method_and_equal_totals_use_quality(authority, officer, evaluator):
    tender, (a, b) = opened_tender(authority=authority, officer=officer, prices=["100", "200"])
    evaluation_configure(
        tender_id=tender.pk, actor=officer, price_method="linear", zero_price="250"
    )
    for bid in (a, b):
        bid_admit(bid_id=bid.pk, actor=officer)
    quality = _quality(tender)
    # a: price 10 → 60; quality 0 → 0: total 60.00. b: price 10*(250-200)/150 = 3.3333 → 20.0000;
    # quality 10 → 40: total 60.00. Equal totals: b has the higher quality score and wins.
    quality_score_record(
        bid_id=a.pk, criterion_id=quality.pk, actor=evaluator, points="0", justification="x"
    )
    quality_score_record(
        bid_id=b.pk, criterion_id=quality.pk, actor=evaluator, points="10", justification="x"
    )
    evaluation_rank(tender_id=tender.pk, actor=officer)
    ra, rb = BidResult.objects.get(bid=a), BidResult.objects.get(bid=b)
    assert ra.total == rb.total == D("60.00")
    assert (rb.rank, ra.rank) == (1, 2)
    assert rb.tie_break == "quality"


def test_scores_once_per_evaluator_in_range_and_role(authority, officer, evaluator):
    tender, (a,) = opened_tender(authority=authority, officer=officer, prices=["100"])
    quality = _quality(tender)
    with pytest.raises(ConflictError, match="Only admitted"):
        quality_score_record(
            bid_id=a.pk, criterion_id=quality.pk, actor=evaluator, points="5", justification="x"
        )
    bid_admit(bid_id=a.pk, actor=officer)
    with pytest.raises(ValidationFailedError, match="between 0 and 10"):
        quality_score_record(
            bid_id=a.pk, criterion_id=quality.pk, actor=evaluator, points="11", justification="x"
        )
    with pytest.raises(TransitionForbiddenError):
        quality_score_record(
            bid_id=a.pk, criterion_id=quality.pk, actor=officer, points="5", justification="x"
        )
    price = AwardCriterion.objects.get(tender=tender, kind="price")
    with pytest.raises(ValidationFailedError, match="quality criterion"):
        quality_score_record(
            bid_id=a.pk, criterion_id=price.pk, actor=evaluator, points="5", justification="x"
        )
    quality_score_record(
        bid_id=a.pk, criterion_id=quality.pk, actor=evaluator, points="7.5", justification="x"
    )
    with pytest.raises(ConflictError, match="already scored"):
        quality_score_record(
            bid_id=a.pk, criterion_id=quality.pk, actor=evaluator, points="6", justification="x"
        )
    assert QualityScore.objects.get().points == D("7.50")


def test_rank_refused_until_everything_decided(authority, officer, evaluator):
    tender, (a, b) = opened_tender(authority=authority, officer=officer, prices=["100", None])
    bid_admit(bid_id=a.pk, actor=officer)
    with pytest.raises(ConflictError, match="neither admitted nor excluded"):
        evaluation_rank(tender_id=tender.pk, actor=officer)
    bid_admit(bid_id=b.pk, actor=officer)
    with pytest.raises(ConflictError, match="no price") as info:
        evaluation_rank(tender_id=tender.pk, actor=officer)
    assert "has no score" in info.value.message
    tender.refresh_from_db()
    assert tender.state == TenderState.OPENED
    assert evaluation_of(tender).state == EvaluationState.SCORING


def test_exclusion_with_ground_and_reason(authority, officer):
    _tender, (a, b) = opened_tender(
        authority=authority, officer=officer, prices=["100", "90"], intact=[True, False]
    )
    with pytest.raises(ConflictError, match="not intact"):
        bid_admit(bid_id=b.pk, actor=officer)
    with pytest.raises(ValidationFailedError, match="Explain"):
        bid_exclude(bid_id=b.pk, actor=officer, ground="not_intact", details="  ")
    with pytest.raises(ValidationFailedError, match="ground"):
        bid_exclude(bid_id=b.pk, actor=officer, ground="whim", details="x")
    b.refresh_from_db()
    assert b.state == BidState.OPENED
    bid_exclude(bid_id=b.pk, actor=officer, ground="not_intact", details="Ciphertext hash mismatch")
    b.refresh_from_db()
    assert b.state == BidState.EXCLUDED
    assert "Ciphertext hash mismatch" in b.exclusion_reason
    assert b.exclusion.ground == "not_intact"
    assert AuditEvent.objects.filter(action="bids.bid.excluded").exists()
    stranger = person(b.bidder, Role.BIDDER_ADMIN)
    with pytest.raises(TransitionForbiddenError):
        bid_exclude(bid_id=a.pk, actor=stranger, ground="late", details="x")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "(this one is “Excluded”)"),
        ("de", "(dieses ist „Ausgeschlossen“)"),
        ("fr", "(celle-ci est « Écartée »)"),
    ],
)
def test_refusals_name_the_bid_state_by_its_label(authority, officer, language, expected):
    _tender, (bid,) = opened_tender(authority=authority, officer=officer, prices=["100"])
    bid_exclude(bid_id=bid.pk, actor=officer, ground="late", details="Eingang 10:02")
    with translation.override(language), pytest.raises(ConflictError) as caught:
        bid_admit(bid_id=bid.pk, actor=officer)
    assert expected in caught.value.message
    assert "excluded" not in caught.value.message


def test_document_request_inbox_answer_and_deadline(authority, officer, settings):
    _tender, (a,) = opened_tender(authority=authority, officer=officer, prices=["100"])
    due = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationFailedError, match="future"):
        document_request_create(
            bid_id=a.pk, actor=officer, text="x", due_at=timezone.now() - timedelta(hours=1)
        )
    request = document_request_create(
        bid_id=a.pk, actor=officer, text="Handelsregisterauszug", due_at=due
    )
    user = bidder_user(a)
    note = Notification.objects.get(recipient=user, kind="document_request")
    assert "Handelsregisterauszug" in note.body
    assert str(request.public_id) in note.url
    settings.ZUSCHLAG_MAX_DOCUMENT_BYTES = 10
    with pytest.raises(TooLargeError):
        document_request_answer(
            request_id=request.pk, actor=user, upload=ContentFile(b"x" * 11), name="hr.pdf"
        )
    settings.ZUSCHLAG_MAX_DOCUMENT_BYTES = 1000
    with pytest.raises(TransitionForbiddenError):
        document_request_answer(
            request_id=request.pk, actor=officer, upload=ContentFile(b"%PDF"), name="hr.pdf"
        )
    document_request_answer(
        request_id=request.pk, actor=user, upload=ContentFile(b"%PDF-1.7"), name="hr.pdf"
    )
    request.refresh_from_db()
    assert request.state == DocumentRequestState.ANSWERED
    assert request.response.read() == b"%PDF-1.7"
    # A second request that lapses: after the deadline the answer is refused.
    late = document_request_create(
        bid_id=a.pk, actor=officer, text="Referenzen", due_at=timezone.now() + timedelta(minutes=1)
    )
    from freezegun import freeze_time

    with freeze_time(timezone.now() + timedelta(minutes=2)):
        with pytest.raises(ConflictError, match="deadline"):
            document_request_answer(
                request_id=late.pk, actor=user, upload=ContentFile(b"%PDF"), name="r.pdf"
            )
        assert late.pk in document_requests_due(timezone.now())
        document_request_lapse(late.pk)
        document_request_lapse(late.pk)  # idempotent
    late.refresh_from_db()
    assert late.state == DocumentRequestState.LAPSED


PRICES = st.decimals(min_value=D("0.01"), max_value=D("10000000"), places=2)


@given(lowest=PRICES, a=PRICES, b=PRICES, method=st.sampled_from(list(PriceMethod)))
def test_price_points_bounded_and_never_reward_a_higher_price(lowest, a, b, method):
    a, b = max(a, lowest), max(b, lowest)
    zero = lowest * 2 + 1
    points = [
        price_points(method=method, price=p, lowest=lowest, max_points=D(10), zero_price=zero)
        for p in (lowest, a, b)
    ]
    assert points[0] == D("10.0000")
    assert all(D(0) <= p <= D(10) for p in points)
    if a <= b:
        assert points[1] >= points[2]
