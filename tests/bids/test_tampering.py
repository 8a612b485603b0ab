"""Tampering and misuse around the opening: each is refused with a clear message and leaves the
tender (and the bids) as they were."""

from datetime import timedelta

import pytest
from django.core.files.storage import storages
from freezegun import freeze_time

from bids.crypto import OpeningShare
from bids.errors import BidConflictError, BidForbiddenError
from bids.models import Bid, BidLogEntry, BidState, OpeningSession, OpeningState
from bids.services.opening import opening_run, opening_shares_reset, opening_start
from tenders.models import TenderState
from tests.bids.sealed import (
    client_for,
    hand_over,
    member_share_json,
    new_bidder,
    post_bid,
    seal,
    sealed_tender,
)
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender_with_bids(authority, officer, approver):
    tender, members = sealed_tender(authority=authority, officer=officer, approver=approver)
    for i in range(3):
        assert (
            post_bid(client_for(new_bidder()), tender, seal(tender, b"bid %d" % i)).status_code
            == 201
        )
    return tender, members


def _unchanged(tender):
    tender.refresh_from_db()
    assert tender.state in {TenderState.PUBLISHED, TenderState.CLOSED}
    assert not Bid.objects.filter(tender=tender, opened_at__isnull=False).exists()


def _late(tender):
    return freeze_time(tender.opening_at + timedelta(minutes=1))


def test_changed_ciphertext_is_detected_before_anything_opens(tender_with_bids, officer):
    tender, _ = tender_with_bids
    bid = Bid.objects.order_by("pk")[1]
    path = storages["documents"].path(bid.ciphertext.name)
    data = bytearray(open(path, "rb").read())
    data[-5] ^= 0x01
    open(path, "wb").write(bytes(data))
    with _late(tender), pytest.raises(BidConflictError) as caught:
        opening_start(tender_id=tender.pk, actor=officer)
    assert "differs from the SHA-256 in its receipt" in caught.value.message
    assert not OpeningSession.objects.exists()
    _unchanged(tender)


def test_deleted_log_entry_is_detected(tender_with_bids, officer):
    tender, _ = tender_with_bids
    BidLogEntry.objects.get(tender=tender, position=2).delete()
    with _late(tender), pytest.raises(BidConflictError) as caught:
        opening_start(tender_id=tender.pk, actor=officer)
    assert "bid log" in caught.value.message
    assert "broken at entry 2" in caught.value.message
    assert not OpeningSession.objects.exists()
    _unchanged(tender)


def test_reordered_log_entries_are_detected(tender_with_bids, officer):
    tender, _ = tender_with_bids
    entries = BidLogEntry.objects.filter(tender=tender)
    entries.filter(position=2).update(position=99)
    entries.filter(position=3).update(position=2)
    entries.filter(position=99).update(position=3)
    with _late(tender), pytest.raises(BidConflictError) as caught:
        opening_start(tender_id=tender.pk, actor=officer)
    assert "bid log of tender" in caught.value.message
    _unchanged(tender)


def test_bid_row_edited_behind_the_log_is_detected(tender_with_bids, officer):
    tender, _ = tender_with_bids
    Bid.objects.filter(pk=Bid.objects.first().pk).update(ciphertext_sha256="00" * 32)
    with _late(tender), pytest.raises(BidConflictError) as caught:
        opening_start(tender_id=tender.pk, actor=officer)
    assert "not in the bid log as stored" in caught.value.message
    _unchanged(tender)


def test_opening_before_the_deadline_is_refused(tender_with_bids, officer):
    tender, members = tender_with_bids
    with pytest.raises(BidConflictError) as caught:
        opening_start(tender_id=tender.pk, actor=officer)
    assert "cannot be opened before its deadline" in caught.value.message
    response = hand_over(tender, members[0])
    assert response.status_code == 409
    assert "has not been started" in response.json()["detail"]
    share = client_for(members[0].user).get(f"/api/v1/tenders/{tender.reference}/opening/my-share")
    assert share.status_code == 403
    _unchanged(tender)


def test_fewer_than_k_shares_leave_the_bids_sealed(tender_with_bids, officer):
    tender, members = tender_with_bids
    with _late(tender):
        session = opening_start(tender_id=tender.pk, actor=officer)
        assert hand_over(tender, members[0]).json() == {
            "present": 1,
            "needed": 2,
            "detail": "Share 1 accepted (1 of 2).",
        }
        with pytest.raises(BidConflictError) as caught:
            opening_run(session_id=session.pk)
    assert "waits for committee members' shares" in caught.value.message
    _unchanged(tender)


def _forged(tender, member):
    real = OpeningShare.from_json(member_share_json(tender, member))
    return OpeningShare(
        key_id=real.key_id,
        binding=real.binding,
        threshold=real.threshold,
        shares=real.shares,
        index=real.index,
        value=bytes(b ^ 0xFF for b in real.value),
    ).to_json()


def test_wrong_share_is_refused_and_changes_nothing(tender_with_bids, officer):
    tender, members = tender_with_bids
    with _late(tender):
        opening_start(tender_id=tender.pk, actor=officer)
        assert hand_over(tender, members[0]).status_code == 200
        response = hand_over(tender, members[1], _forged(tender, members[1]))
        assert response.status_code == 409
        assert "do not rebuild the opening key" in response.json()["detail"]
        assert "bids stay sealed" in response.json()["detail"]
        session = OpeningSession.objects.get()
        assert session.state == OpeningState.COLLECTING
        _unchanged(tender)
        # The officer discards the hand-overs; both members hand over again and it opens.
        opening_shares_reset(tender_id=tender.pk, actor=officer)
        assert session.handovers.count() == 0
        assert AuditEvent.objects.filter(action="bids.opening.shares_reset").exists()
        assert hand_over(tender, members[1]).status_code == 200
        assert hand_over(tender, members[0]).status_code == 200
        session.refresh_from_db()
        assert session.state == OpeningState.RUNNING


def test_wrong_share_among_more_than_k_does_not_block(authority, officer, approver, bidder):
    tender, members = sealed_tender(authority=authority, officer=officer, approver=approver, n=3)
    post_bid(client_for(bidder), tender, seal(tender, b"three members"))
    with _late(tender):
        session = opening_start(tender_id=tender.pk, actor=officer)
        assert hand_over(tender, members[0], _forged(tender, members[0])).status_code == 200
        assert hand_over(tender, members[1]).status_code == 409
        assert hand_over(tender, members[2]).status_code == 200  # shares 2 and 3 rebuild it
        session.refresh_from_db()
        assert session.state == OpeningState.RUNNING
        opening_run(session_id=session.pk)
    tender.refresh_from_db()
    assert tender.state == TenderState.OPENED
    assert Bid.objects.get().intact is True


def test_someone_elses_share_is_refused(tender_with_bids, officer):
    tender, members = tender_with_bids
    with _late(tender):
        opening_start(tender_id=tender.pk, actor=officer)
        response = hand_over(tender, members[0], member_share_json(tender, members[1]))
    assert response.status_code == 400
    assert "your share is number 1" in response.json()["detail"]
    _unchanged(tender)


def test_share_of_another_tender_is_refused(tender_with_bids, officer, authority, approver):
    tender, _members = tender_with_bids
    other, other_members = sealed_tender(authority=authority, officer=officer, approver=approver)
    foreign = member_share_json(other, other_members[0])
    with _late(tender):
        opening_start(tender_id=tender.pk, actor=officer)
        tender.committee.add(other_members[0].user)  # even a member of both cannot mix them
        response = hand_over(tender, other_members[0], foreign)
    assert response.status_code in (400, 403)
    _unchanged(tender)


def test_member_hands_over_only_once(tender_with_bids, officer):
    tender, members = tender_with_bids
    with _late(tender):
        opening_start(tender_id=tender.pk, actor=officer)
        assert hand_over(tender, members[0]).status_code == 200
        again = hand_over(tender, members[0])
    assert again.status_code == 409
    assert "already handed over your share" in again.json()["detail"]
    assert OpeningSession.objects.get().handovers.count() == 1
    _unchanged(tender)


def test_outsiders_cannot_start_or_hand_over(tender_with_bids, bidder):
    tender, _ = tender_with_bids
    with _late(tender):
        with pytest.raises(BidForbiddenError):
            opening_start(tender_id=tender.pk, actor=bidder)
        response = client_for(bidder).generic(
            "POST", f"/api/v1/tenders/{tender.reference}/opening/shares", data=b"{}"
        )
    assert response.status_code == 403
    assert Bid.objects.filter(state=BidState.SUBMITTED).count() == 3


def test_a_log_broken_during_the_opening_stops_it_with_the_reason_in_every_language(
    tender_with_bids, officer
):
    """The timer that resumes an opening has no reader; the reason it records is kept in every
    language and the page shows the reader's."""
    from html import unescape

    from django.urls import reverse

    from bids.services.opening import opening_resume_fire

    tender, members = tender_with_bids
    with _late(tender):
        session = opening_start(tender_id=tender.pk, actor=officer)
        for member in members[:2]:
            assert hand_over(tender, member).status_code == 200
        BidLogEntry.objects.get(tender=tender, position=2).delete()
        opening_resume_fire(session.pk)  # refused inside; the timer itself must not fail
    session.refresh_from_db()
    assert session.state == OpeningState.RUNNING
    texts = session.last_error_texts
    assert set(texts) == {"de", "en", "fr"}
    assert texts["en"].startswith("The bid log changed since the opening started.")
    assert "broken at entry 2" in texts["en"]
    assert len({texts["de"], texts["en"], texts["fr"]}) == 3
    assert session.last_error == texts["de"]
    _unchanged(tender)
    page = client_for(officer).get(
        reverse("opening", args=[tender.reference]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert page.status_code == 200
    assert texts["fr"] in unescape(page.content.decode())
    assert texts["de"] not in unescape(page.content.decode())
