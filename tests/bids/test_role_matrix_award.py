"""Who may see and do what on the evaluation / award / contract pages.

Staff pages answer 404 to anybody without a staff role in the tender's authority (an officer of
another authority included); each action is refused unless the actor holds the action's role;
bidders see only their own letters and document requests."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bids.models import AwardDecision, AwardState, BidState, QualityScore
from bids.services.evaluation import bid_admit, document_request_create
from procurement.core.roles import Role
from procurement.core.timeutil import BERLIN
from tenders.models import AwardCriterion
from tests.bids.factories_award import bidder_user, opened_tender
from tests.bids.test_award import evaluated, notified
from tests.factories import AuthorityFactory, person


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def evaluator(authority):
    return person(authority, Role.EVALUATOR, username="evaluator")


@pytest.fixture
def foreign_officer(db):
    return person(AuthorityFactory(), Role.PROCUREMENT_OFFICER, Role.EVALUATOR, Role.APPROVER)


def test_staff_page_by_role(authority, officer, approver, evaluator, foreign_officer):
    tender, (bid,) = opened_tender(authority=authority, officer=officer, prices=["100"])
    url = reverse("evaluation", kwargs={"reference": tender.reference})
    for user in (officer, approver, evaluator):
        response = client(user).get(url)
        assert response.status_code == 200, user
        assert bid.bidder.name in response.content.decode()
    assert client(foreign_officer).get(url).status_code == 404
    assert client(bidder_user(bid)).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


@pytest.mark.parametrize(
    ("who", "action", "allowed"),
    [
        ("officer", "admit", True),
        ("evaluator", "admit", True),
        ("approver", "admit", False),
        ("foreign", "admit", False),
        ("evaluator", "score", True),
        ("officer", "score", False),
        ("approver", "score", False),
    ],
)
def test_evaluation_actions_by_role(
    authority, officer, approver, evaluator, foreign_officer, who, action, allowed
):
    users = {
        "officer": officer,
        "approver": approver,
        "evaluator": evaluator,
        "foreign": foreign_officer,
    }
    tender, (bid,) = opened_tender(authority=authority, officer=officer, prices=["100"])
    url = reverse("evaluation-action", kwargs={"reference": tender.reference})
    data = {"action": action, "bid": str(bid.public_id)}
    if action == "score":
        bid_admit(bid_id=bid.pk, actor=officer)
        quality = AwardCriterion.objects.get(tender=tender, kind="quality")
        data.update(criterion=str(quality.pk), points="7", justification="gut")
    response = client(users[who]).post(url, data)
    if who == "foreign":
        assert response.status_code == 404
    else:
        assert response.status_code == 302
    bid.refresh_from_db()
    if action == "admit":
        assert (bid.state == BidState.ADMITTED) is allowed
    else:
        assert QualityScore.objects.filter(bid=bid).exists() is allowed


def test_award_proposal_and_approval_by_role(authority, officer, approver, evaluator):
    tender, _bids = evaluated(authority, officer, evaluator)
    url = reverse("evaluation-action", kwargs={"reference": tender.reference})
    client(approver).post(url, {"action": "propose", "reasons": "x"})
    client(evaluator).post(url, {"action": "propose", "reasons": "x"})
    assert not AwardDecision.objects.exists()
    client(officer).post(url, {"action": "propose", "reasons": "wirtschaftlichstes Angebot"})
    decision = AwardDecision.objects.get()
    # The officer (proposer) and an evaluator cannot approve; the approver can.
    client(officer).post(url, {"action": "approve", "decision": str(decision.public_id)})
    client(evaluator).post(url, {"action": "approve", "decision": str(decision.public_id)})
    decision.refresh_from_db()
    assert decision.state == AwardState.PROPOSED
    response = client(approver).post(
        url, {"action": "approve", "decision": str(decision.public_id)}, follow=True
    )
    decision.refresh_from_db()
    assert decision.state == AwardState.APPROVED
    assert response.status_code == 200


def test_bidder_sees_only_its_letters(authority, officer, approver, evaluator):
    _tender, (a, b, c), letters = notified(
        authority, officer, approver, evaluator, at=datetime(2026, 3, 20, 10, tzinfo=BERLIN)
    )
    letter_b = next(letter for letter in letters if letter.bid_id == b.pk)
    url = reverse("bidder-award-letter", kwargs={"public_id": letter_b.public_id})
    response = client(bidder_user(b)).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    for other in (bidder_user(a), bidder_user(c), officer):
        assert client(other).get(url).status_code == 404
    inbox = client(bidder_user(b)).get(reverse("bidder-award-inbox")).content.decode()
    assert a.bidder.name in inbox
    assert "31.03.2026" in inbox
    assert client(officer).get(reverse("bidder-award-inbox")).status_code == 404


def test_bidder_answers_its_request_only(authority, officer):
    _tender, (a, b) = opened_tender(authority=authority, officer=officer, prices=["1", "2"])
    request = document_request_create(
        bid_id=a.pk, actor=officer, text="Nachweis", due_at=timezone.now() + timedelta(days=2)
    )
    url = reverse("bidder-document-request", kwargs={"public_id": request.public_id})
    assert client(bidder_user(b)).get(url).status_code == 404
    assert client(officer).get(url).status_code == 404
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("nachweis.pdf", b"%PDF-1.7 answer", "application/pdf")
    response = client(bidder_user(a)).post(url, {"document": upload, "note": "anbei"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == "answered"
    download = reverse("evaluation-request-response", kwargs={"public_id": request.public_id})
    got = client(officer).get(download)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == b"%PDF-1.7 answer"
    assert client(bidder_user(b)).get(download).status_code == 404


def test_bad_input_is_refused_cleanly(authority, officer, evaluator):
    tender, (bid,) = opened_tender(authority=authority, officer=officer, prices=["100"])
    url = reverse("evaluation-action", kwargs={"reference": tender.reference})
    assert client(officer).post(url, {"action": "admit", "bid": "not-a-uuid"}).status_code == 404
    bid_admit(bid_id=bid.pk, actor=officer)
    response = client(evaluator).post(
        url,
        {"action": "score", "bid": str(bid.public_id), "criterion": "x", "points": "7"},
        follow=True,
    )
    assert response.status_code == 200
    assert "„x“ ist keine Zahl." in response.content.decode()  # the page is German by default
    assert not QualityScore.objects.exists()
