"""The whole evaluation → award → contract path through the pages, as staff click it."""

import re
from datetime import date, datetime

from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from bids.models import AwardDecision, BidState, Contract, Evaluation, InformationLetter
from procurement.core.roles import Role
from procurement.core.timeutil import BERLIN
from tenders.models import AwardCriterion, TenderState
from tests.bids.factories_award import opened_tender
from tests.factories import person


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_pages_carry_a_tender_from_opened_to_concluded(authority, officer, approver):
    evaluator = person(authority, Role.EVALUATOR, username="evaluator")
    with freeze_time(datetime(2026, 3, 20, 10, 0, tzinfo=BERLIN)):
        tender, (a, b) = opened_tender(authority=authority, officer=officer, prices=["100", "80"])
        url = reverse("evaluation-action", kwargs={"reference": tender.reference})
        page = reverse("evaluation", kwargs={"reference": tender.reference})
        off, ev, ap = _client(officer), _client(evaluator), _client(approver)
        off.post(url, {"action": "configure", "price_method": "linear", "zero_price": "200"})
        assert Evaluation.objects.get(tender=tender).price_method == "linear"
        for bid in (a, b):
            off.post(url, {"action": "admit", "bid": str(bid.public_id)})
        quality = AwardCriterion.objects.get(tender=tender, kind="quality")
        for bid, points in ((a, "10"), (b, "2")):
            ev.post(
                url,
                {
                    "action": "score",
                    "bid": str(bid.public_id),
                    "criterion": str(quality.pk),
                    "points": points,
                    "justification": "Konzept",
                },
            )
        off.post(url, {"action": "rank"})
        tender.refresh_from_db()
        assert tender.state == TenderState.EVALUATED
        # a: price 10*(200-100)/120 = 8.3333 → 50.0000 + quality 40 = 90.00;
        # b: price 10 → 60 + quality 8 = 68.00.
        # Rendered in the page's locale (German by default: "Rang 1, 90,00 Punkte").
        assert re.search(r"Rang 1, 90,00 Punkte", ev.get(page).content.decode())
        off.post(url, {"action": "propose", "lot": "1", "reasons": "wirtschaftlichstes Angebot"})
        decision = AwardDecision.objects.get()
        assert decision.winner_id == a.pk
        ap.post(url, {"action": "approve", "decision": str(decision.public_id)})
        off.post(url, {"action": "notify", "electronic": "1"})
        tender.refresh_from_db()
        assert tender.state == TenderState.STANDSTILL
        assert InformationLetter.objects.get().bid_id == b.pk
        response = off.post(
            url, {"action": "conclude", "lot": "1", "signed_on": "2026-03-20"}, follow=True
        )
        assert "31.03.2026" in response.content.decode()
        assert not Contract.objects.exists()
    with freeze_time(datetime(2026, 3, 31, 8, 0, tzinfo=BERLIN)):
        off.post(
            url,
            {
                "action": "conclude",
                "lot": "1",
                "signed_on": "2026-03-31",
                "starts_on": "2026-04-01",
                "ends_on": "2027-03-31",
                "order_reference": "PO-1",
            },
        )
    tender.refresh_from_db()
    assert tender.state == TenderState.CONCLUDED
    contract = Contract.objects.get()
    assert (contract.supplier, contract.signed_on) == (a.bidder, date(2026, 3, 31))
    b.refresh_from_db()
    assert b.state == BidState.ADMITTED
