"""50 bidders submit concurrently across the deadline on PostgreSQL (each thread its own
connection, through the real upload and submission services); then the real celery worker
opens the bids. Every bid accepted before the deadline is in, every later one is refused and
logged, none is lost, and the log chain verifies."""

import io
import threading
import time
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone, translation

from bids.crypto import LogEvent, log_verify, timestamp_format
from bids.models import Bid, BidLogEntry, BidState
from bids.services.log import log_entries
from bids.services.opening import opening_start, share_handover
from bids.services.submission import LateBidError, bid_submit, bid_upload_receive
from tenders.models import Tender, TenderState
from tests.bids.sealed import member_share_json, new_bidder, seal, sealed_tender

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

BIDDERS = 50


def test_fifty_bidders_race_the_deadline(authority, officer, approver, live_celery_worker):
    tender, members = sealed_tender(authority=authority, officer=officer, approver=approver)
    bidders = [new_bidder(f"Bieter {i:02d} GmbH") for i in range(BIDDERS)]
    bodies = [seal(tender, f"Angebot {i}".encode() * 200) for i in range(BIDDERS)]
    # The tender's deadline moves to a few seconds from now (the services forbid short
    # deadlines; the test wants the real clock to pass it while bids are in flight).
    deadline = timezone.now() + timedelta(seconds=4)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=deadline, opening_at=deadline)
    tender.refresh_from_db()
    # Attempts spread from 1.5 s before to 1.5 s after the deadline, several at nearly the
    # same instant, so some bids race it inside the lock.
    offsets = [-1.5 + 3.0 * i / (BIDDERS - 1) for i in range(BIDDERS)]
    outcomes: dict[int, tuple[str, object]] = {}
    lock = threading.Lock()
    start = threading.Barrier(BIDDERS)

    def submit(i: int) -> None:
        # A new thread starts in the default language (German); the checks below read English.
        translation.activate("en")
        try:
            start.wait()
            wait = (deadline - timezone.now()).total_seconds() + offsets[i]
            if wait > 0:
                time.sleep(wait)
            try:
                _, upload = bid_upload_receive(
                    tender_reference=tender.reference,
                    lot_number=1,
                    actor=bidders[i],
                    stream=io.BytesIO(bodies[i]),
                    content_type="application/vnd.zuschlag.envelope.v1",
                    content_length=len(bodies[i]),
                )
                bid = bid_submit(tender_id=tender.pk, lot_number=1, actor=bidders[i], upload=upload)
                result = ("accepted", bid)
            except LateBidError as error:
                result = ("refused", error.message)
            with lock:
                outcomes[i] = result
        except BaseException as error:  # reported by the main thread
            with lock:
                outcomes[i] = ("error", repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(BIDDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()

    assert len(outcomes) == BIDDERS, "a submission thread never finished"
    errors = {i: r for i, (kind, r) in outcomes.items() if kind == "error"}
    assert not errors, errors
    accepted = {i: r for i, (kind, r) in outcomes.items() if kind == "accepted"}
    refused = {i: r for i, (kind, r) in outcomes.items() if kind == "refused"}
    assert accepted, "no bid came in before the deadline"
    assert refused, "no bid came after the deadline"
    assert len(accepted) + len(refused) == BIDDERS

    stored = {b.bidder.name: b for b in Bid.objects.filter(tender=tender).select_related("bidder")}
    assert len(stored) == len(accepted)  # none lost, none extra
    for i, bid in accepted.items():
        row = stored[bidders[i].memberships.first().organisation.name]
        assert row.pk == bid.pk
        assert row.received_at < deadline
        assert row.ciphertext.read() == bodies[i]
    for message in refused.values():
        assert "deadline for offers" in message

    entries = log_entries(tender=tender)
    assert [e.position for e in entries] == list(range(1, len(entries) + 1))
    log_verify(tender=tender.reference, entries=entries)
    submitted = [e for e in entries if e.event == LogEvent.SUBMITTED]
    late = [e for e in entries if e.event == LogEvent.LATE_REFUSED]
    assert len(submitted) == len(accepted)
    assert len(late) == len(refused)
    cut = timestamp_format(deadline)
    assert all(e.recorded_at < cut for e in submitted)
    assert all(e.recorded_at >= cut for e in late)
    # Log order is receipt order: no late refusal sits before an accepted bid's entry that was
    # recorded after it.
    assert [e.recorded_at for e in entries] == sorted(e.recorded_at for e in entries)

    # The real celery worker opens them once two members hand over their shares.
    opening_start(tender_id=tender.pk, actor=officer)
    for member in members:
        share_handover(
            tender_id=tender.pk,
            actor=member.user,
            body=member_share_json(tender, member).encode(),
        )
    live_celery_worker.wait_for(
        lambda: Tender.objects.get(pk=tender.pk).state == TenderState.OPENED,
        timeout=120,
        what="the worker to open the bids",
    )
    assert Bid.objects.filter(tender=tender, state=BidState.ADMITTED).count() == len(accepted)
    assert not Bid.objects.filter(tender=tender, intact=False).exists()
    assert BidLogEntry.objects.filter(tender=tender).count() == len(entries)
