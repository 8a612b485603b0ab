"""The HTML pages: who sees what (bidder home, receipts, withdraw, opening page, record, key)."""

import json
from datetime import timedelta

import pytest
from freezegun import freeze_time

from bids.models import Bid, BidState
from bids.services.opening import opening_start
from tests.bids.sealed import client_for, hand_over, new_bidder, post_bid, seal, sealed_tender

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender_with_bid(authority, officer, approver, bidder):
    tender, members = sealed_tender(authority=authority, officer=officer, approver=approver)
    receipt = json.loads(post_bid(client_for(bidder), tender, seal(tender, b"doc")).content)
    return tender, members, receipt["receipt"]["bid"]


def test_bidder_home_lists_open_tender_and_own_bid(tender_with_bid, bidder):
    tender, _, bid_id = tender_with_bid
    page = client_for(bidder).get("/bids/")
    assert page.status_code == 200
    assert tender.reference in page.content.decode()
    assert f"/bids/{bid_id}/receipt.json" in page.content.decode()
    form = client_for(bidder).get(f"/bids/tenders/{tender.reference}/").content.decode()
    assert "data-zuschlag-bid-page" in form
    assert f"/api/v1/tenders/{tender.reference}/lots/1/bids" in form


def test_receipt_download_only_for_own_bids(tender_with_bid, bidder):
    _, _, bid_id = tender_with_bid
    own = client_for(bidder).get(f"/bids/{bid_id}/receipt.json")
    assert own.status_code == 200
    assert json.loads(own.content)["receipt"]["bid"] == bid_id
    assert client_for(new_bidder()).get(f"/bids/{bid_id}/receipt.json").status_code == 404


def test_withdraw_from_the_page(tender_with_bid, bidder):
    _tender, _, bid_id = tender_with_bid
    response = client_for(bidder).post(f"/bids/{bid_id}/withdraw/")
    assert response.status_code == 302
    assert Bid.objects.get().state == BidState.WITHDRAWN
    assert client_for(new_bidder()).post(f"/bids/{bid_id}/withdraw/").status_code == 404


def test_non_bidders_do_not_get_the_bidder_pages(tender_with_bid, officer):
    assert client_for(officer).get("/bids/").status_code == 403


def test_opening_page_and_record_are_staff_only(
    tender_with_bid, officer, bidder, django_capture_on_commit_callbacks
):
    tender, members, bid_id = tender_with_bid
    with freeze_time(tender.opening_at + timedelta(minutes=1)):
        assert client_for(bidder).get(f"/opening/{tender.reference}/").status_code == 403
        page = client_for(officer).get(f"/opening/{tender.reference}/").content.decode()
        assert 'value="start"' in page
        assert (
            client_for(officer)
            .post(f"/opening/{tender.reference}/action/", {"action": "start"})
            .status_code
            == 302
        )
        member_page = client_for(members[0].user).get(f"/opening/{tender.reference}/")
        assert "data-zuschlag-share-handover" in member_page.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            hand_over(tender, members[0])
            hand_over(tender, members[1])
        record = client_for(officer).get(f"/opening/{tender.reference}/record.pdf")
        assert record.status_code == 200
        assert b"".join(record.streaming_content).startswith(b"%PDF")
        assert client_for(bidder).get(f"/opening/{tender.reference}/record.pdf").status_code == 403
        home = client_for(bidder).get("/bids/").content.decode()
        assert "VOB/A §14" in home
        assert client_for(bidder).get(f"/bids/{bid_id}/document/").status_code == 403
        assert client_for(officer).get(f"/bids/{bid_id}/document/").status_code == 200


def test_committee_key_page(tender_with_bid, bidder):
    _, members, _ = tender_with_bid
    page = client_for(members[0].user).get("/committee/key/")
    assert page.status_code == 200
    assert "data-zuschlag-member-keygen" in page.content.decode()
    assert client_for(bidder).get("/committee/key/").status_code == 403


def test_member_gets_only_their_sealed_share_after_the_start(tender_with_bid, officer):
    from bids.crypto import MEDIA_TYPE

    tender, members, _ = tender_with_bid
    url = f"/api/v1/tenders/{tender.reference}/opening/my-share"
    with freeze_time(tender.opening_at + timedelta(minutes=1)):
        assert client_for(members[0].user).get(url, HTTP_ACCEPT=MEDIA_TYPE).status_code == 403
        opening_start(tender_id=tender.pk, actor=officer)
        response = client_for(members[0].user).get(url, HTTP_ACCEPT=MEDIA_TYPE)
        assert response.status_code == 200
        assert response.content.startswith(b"\x89ZBID")
        assert client_for(officer).get(url, HTTP_ACCEPT=MEDIA_TYPE).status_code == 403
        session_key = client_for(members[1].user).get(
            f"/api/v1/tenders/{tender.reference}/opening/session-key"
        )
        assert session_key.json()["type"] == "zuschlag-hybrid-public-key"
