"""The opening: k members hand over their shares after the deadline, every bid is decrypted and
checked, the record is written, the tender becomes opened; interrupted openings resume."""

import json
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from unittest import mock

import pytest
from django.utils import timezone
from freezegun import freeze_time
from pypdf import PdfReader

from bids.crypto import envelope_encrypt_bytes
from bids.models import Bid, BidState, OpeningSession, OpeningState
from bids.services.opening import opening_run, opening_start
from tenders.models import TenderState
from tests.bids.sealed import (
    bid_content,
    client_for,
    hand_over,
    new_bidder,
    opening_public_key,
    post_bid,
    seal,
    sealed_tender,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender_and_members(authority, officer, approver):
    return sealed_tender(authority=authority, officer=officer, approver=approver, n=3, k=2)


@pytest.fixture
def after_opening_time(django_capture_on_commit_callbacks):
    """Time after the opening date; on-commit work (the queued opening run) really runs."""
    from contextlib import contextmanager

    @contextmanager
    def at(tender):
        with freeze_time(tender.opening_at + timedelta(minutes=1)) as frozen:
            with django_capture_on_commit_callbacks(execute=True):
                yield frozen

    return at


def test_two_of_three_members_open_and_the_record_lists_every_bid(
    tender_and_members, officer, bidder, after_opening_time
):
    tender, members = tender_and_members
    alpha = client_for(bidder)
    beta_user = new_bidder("Beta Bau AG")
    post_bid(alpha, tender, seal(tender, bid_content(b"%PDF alpha", price="1234.50")))
    withdrawn = json.loads(post_bid(client_for(beta_user), tender, seal(tender, b"beta")).content)
    client_for(beta_user).delete(
        f"/api/v1/tenders/{tender.reference}/lots/1/bids/{withdrawn['receipt']['bid']}"
    )
    post_bid(client_for(beta_user), tender, seal(tender, b"beta again, no price form"))

    with after_opening_time(tender):
        late = post_bid(client_for(new_bidder("Spät GmbH")), tender, seal(tender, b"late"))
        assert late.status_code == 409
        session = opening_start(tender_id=tender.pk, actor=officer)
        first = hand_over(tender, members[0])
        assert first.status_code == 200, first.content
        assert first.json()["present"] == 1
        assert first.json()["needed"] == 2
        tender.refresh_from_db()
        assert tender.state == TenderState.CLOSED
        second = hand_over(tender, members[2])  # celery eager: the opening runs on commit
        assert second.status_code == 200, second.content

    tender.refresh_from_db()
    session.refresh_from_db()
    assert tender.state == TenderState.OPENED
    assert session.state == OpeningState.DONE
    assert bytes(session.session_private_key) == b""
    assert all(h.share == "" for h in session.handovers.all())
    opened = {b.bidder.name: b for b in Bid.objects.filter(opened_at__isnull=False)}
    assert set(opened) == {bidder.memberships.first().organisation.name, "Beta Bau AG"}
    alpha_bid = opened[bidder.memberships.first().organisation.name]
    assert alpha_bid.intact is True
    assert alpha_bid.state == BidState.ADMITTED
    assert alpha_bid.price == Decimal("1234.50")
    assert alpha_bid.document.read().endswith(b"%PDF alpha")
    assert opened["Beta Bau AG"].price is None
    assert Bid.objects.get(state=BidState.WITHDRAWN).opened_at is None

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(session.record.read())).pages)
    assert "Niederschrift" in text
    assert "Beta Bau AG" in text
    assert "1234.50 EUR" in text
    assert "Spät GmbH" in text  # late bid listed separately
    assert "Zurückgezogene Angebote" in text
    assert session.log_head[:20] in text.replace("\n", "")
    for member in (members[0], members[2]):
        assert (member.user.get_full_name() or member.user.username) in text


def test_not_intact_bid_is_recorded_not_hidden(
    tender_and_members, officer, bidder, after_opening_time
):
    tender, members = tender_and_members
    # A valid header and random-looking garbage behind it: accepted at upload (no key), but it
    # cannot decrypt. The opening records it as not intact.
    good = seal(tender, b"x" * 20000)
    broken = good[:1300] + bytes(b ^ 0x55 for b in good[1300:1400]) + good[1400:]
    assert post_bid(client_for(bidder), tender, broken).status_code == 201
    with after_opening_time(tender):
        opening_start(tender_id=tender.pk, actor=officer)
        hand_over(tender, members[0])
        hand_over(tender, members[1])
    bid = Bid.objects.get()
    assert bid.intact is False
    assert bid.state == BidState.OPENED
    # Read only in the German opening record: German whatever language runs the opening.
    assert bid.opening_error.startswith("Teil 0 des Umschlags besteht die Echtheitsprüfung nicht")


def test_interrupted_opening_resumes_without_reopening_done_bids(
    tender_and_members, officer, bidder
):
    tender, members = tender_and_members
    for i in range(3):
        post_bid(client_for(new_bidder()), tender, seal(tender, f"bid {i}".encode()))
    # No on-commit execution here: the test drives the queued run itself, crash included.
    with freeze_time(tender.opening_at + timedelta(minutes=1)):
        opening_start(tender_id=tender.pk, actor=officer)
        hand_over(tender, members[0])
        hand_over(tender, members[1])
        session = OpeningSession.objects.get()
        assert session.state == OpeningState.RUNNING
        from bids.services import opening as opening_module

        real = opening_module._open_one
        calls = {"n": 0}

        def crash_on_second(**kw):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("power cut")
            real(**kw)

        with mock.patch.object(opening_module, "_open_one", crash_on_second):
            with pytest.raises(RuntimeError):
                opening_run(session_id=session.pk)
        tender.refresh_from_db()
        assert tender.state == TenderState.CLOSED  # nothing half-opened: tender unchanged
        assert Bid.objects.filter(opened_at__isnull=False).count() == 1
        first_opened = Bid.objects.get(opened_at__isnull=False)
        stamp = first_opened.opened_at

        opening_run(session_id=session.pk)  # the rerun completes the opening
        opening_run(session_id=session.pk)  # and a third run changes nothing
    tender.refresh_from_db()
    assert tender.state == TenderState.OPENED
    assert Bid.objects.filter(state=BidState.ADMITTED).count() == 3
    first_opened.refresh_from_db()
    assert first_opened.opened_at == stamp


def test_bid_sealed_for_the_right_key_by_the_cli_format_opens(
    tender_and_members, officer, bidder, after_opening_time
):
    tender, members = tender_and_members
    body = envelope_encrypt_bytes(
        recipient=opening_public_key(tender), plaintext=b"A" * 3_000_000, chunk_log2=20
    )
    assert post_bid(client_for(bidder), tender, body).status_code == 201
    with after_opening_time(tender):
        opening_start(tender_id=tender.pk, actor=officer)
        hand_over(tender, members[1])
        hand_over(tender, members[2])
    bid = Bid.objects.get()
    assert bid.intact is True
    assert bid.plaintext_size == 3_000_000


def test_deadline_timer_finishes_an_interrupted_opening(tender_and_members, officer, bidder):
    from bids.services.opening import RESUME_AFTER
    from workflows.timers import _registry

    tender, members = tender_and_members
    post_bid(client_for(bidder), tender, seal(tender, b"resume me"))
    timer = _registry["bids.opening_resume"]
    with freeze_time(tender.opening_at + timedelta(minutes=1)) as frozen:
        opening_start(tender_id=tender.pk, actor=officer)
        hand_over(tender, members[0])
        hand_over(tender, members[1])  # its queued run is lost (no on-commit here: a crash)
        session = OpeningSession.objects.get()
        assert list(timer.due(timezone.now())) == []  # a running opening gets time first
        frozen.tick(RESUME_AFTER + timedelta(seconds=1))
        assert list(timer.due(timezone.now())) == [session.pk]
        timer.fire(session.pk)
    tender.refresh_from_db()
    assert tender.state == TenderState.OPENED
    assert list(timer.due(timezone.now())) == []
