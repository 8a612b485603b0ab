"""Submission over the HTTP contract of docs/envelope.md: receipts, log, replace, withdraw,
refusals (plain file, wrong key, late, no role) that store nothing."""

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from freezegun import freeze_time

from bids.crypto import (
    HybridPrivateKey,
    Receipt,
    ServiceVerifyKey,
    envelope_encrypt_bytes,
    log_import,
    log_verify,
    receipt_verify,
)
from bids.models import Bid, BidLogEntry, BidState
from bids.services.opening import opening_start
from tests.bids.sealed import client_for, new_bidder, post_bid, seal, sealed_tender
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender_and_members(authority, officer, approver):
    return sealed_tender(authority=authority, officer=officer, approver=approver)


def _files() -> set[Path]:
    root = Path(storages["documents"].location)
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def new_files():
    """Files added to the private storage during the test (other tests' files excluded)."""
    before = _files()
    return lambda: sorted(_files() - before)


def test_bid_is_stored_as_ciphertext_with_signed_receipt_and_log_entry(tender_and_members, bidder):
    tender, _ = tender_and_members
    envelope = seal(tender, b"Angebot mit Preis 1.000 EUR")
    client = client_for(bidder)

    response = post_bid(client, tender, envelope)

    assert response.status_code == 201, response.content
    receipt = Receipt.from_json(response.content)
    service_key = ServiceVerifyKey.from_json(client.get("/api/v1/service-key").content)
    receipt_verify(receipt=receipt, service_key=service_key)
    fields = receipt.signed_fields()
    bid = Bid.objects.get()
    assert fields["bid"] == str(bid.public_id)
    assert fields["ciphertext_size"] == len(envelope)
    assert fields["tender"] == tender.reference
    assert fields["lot"] == "1"
    assert fields["event"] == "bid.submitted"
    assert fields["position"] == 1
    assert response["Location"].endswith(str(bid.public_id))
    assert bid.ciphertext.read() == envelope
    assert bid.state == BidState.SUBMITTED
    assert bid.ciphertext.name.startswith(f"bids/{tender.public_id}/")
    assert BidLogEntry.objects.get().entry_hash == fields["entry_hash"]
    # The receipt time is the log's time and the stored bid's time.
    assert fields["recorded_at"] == bid.received_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _verify_cli(*args: str) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bids.client", "verify-receipt", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_receipt_verifies_offline_and_against_the_opening_checkpoint(
    tender_and_members, bidder, officer, tmp_path
):
    tender, _ = tender_and_members
    envelope = seal(tender, b"CLI check")
    receipt = post_bid(client_for(bidder), tender, envelope).content
    (tmp_path / "r.json").write_bytes(receipt)
    (tmp_path / "s.json").write_bytes(client_for(bidder).get("/api/v1/service-key").content)
    (tmp_path / "b.zbid").write_bytes(envelope)
    _verify_cli(str(tmp_path / "r.json"), "--service-key", str(tmp_path / "s.json"),
                "--envelope", str(tmp_path / "b.zbid"))  # fmt: skip
    # Before the opening the log would reveal the other bidders: staff only.
    log_url = f"/api/v1/tenders/{tender.reference}/bid-log"
    checkpoint_url = f"/api/v1/tenders/{tender.reference}/opening/checkpoint"
    assert client_for(bidder).get(log_url).status_code == 403
    assert client_for(officer).get(log_url).status_code == 200
    with freeze_time(tender.opening_at + timedelta(minutes=1)):
        opening_start(tender_id=tender.pk, actor=officer)
        client = client_for(bidder)
        (tmp_path / "log.json").write_bytes(client.get(log_url).content)
        (tmp_path / "cp.json").write_bytes(client.get(checkpoint_url).content)
        assert client_for(new_bidder()).get(checkpoint_url).status_code == 403
    _verify_cli(str(tmp_path / "r.json"), "--service-key", str(tmp_path / "s.json"),
                "--log", str(tmp_path / "log.json"), "--checkpoint", str(tmp_path / "cp.json"),
                "--envelope", str(tmp_path / "b.zbid"))  # fmt: skip


def test_replace_supersedes_and_withdraw_logs(tender_and_members, bidder, officer):
    tender, _ = tender_and_members
    client = client_for(bidder)
    first = json.loads(post_bid(client, tender, seal(tender, b"v1")).content)["receipt"]
    second = json.loads(post_bid(client, tender, seal(tender, b"v2")).content)["receipt"]
    assert second["event"] == "bid.replaced"
    old = Bid.objects.get(public_id=first["bid"])
    new = Bid.objects.get(public_id=second["bid"])
    assert old.state == BidState.SUPERSEDED
    assert old.superseded_by == new
    assert old.ciphertext.read()  # kept

    response = client.delete(f"/api/v1/tenders/{tender.reference}/lots/1/bids/{new.public_id}")
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["receipt"]["event"] == "bid.withdrawn"
    new.refresh_from_db()
    assert new.state == BidState.WITHDRAWN
    events = list(BidLogEntry.objects.order_by("position").values_list("event", flat=True))
    assert events == ["bid.submitted", "bid.replaced", "bid.withdrawn"]
    export = client_for(officer).get(f"/api/v1/tenders/{tender.reference}/bid-log").content
    ref, entries, head = log_import(export)
    assert log_verify(tender=ref, entries=entries) == head


def test_other_bidder_cannot_withdraw(tender_and_members, bidder):
    tender, _ = tender_and_members
    receipt = json.loads(post_bid(client_for(bidder), tender, seal(tender, b"x")).content)
    other = client_for(new_bidder())
    url = f"/api/v1/tenders/{tender.reference}/lots/1/bids/{receipt['receipt']['bid']}"
    assert other.delete(url).status_code == 404
    assert Bid.objects.get().state == BidState.SUBMITTED


def test_plain_upload_is_refused_and_nothing_is_stored(tender_and_members, bidder, new_files):
    tender, _ = tender_and_members
    client = client_for(bidder)
    response = post_bid(client, tender, b"%PDF-1.7 plain offer" * 500)
    assert response.status_code == 400
    assert response.json()["code"] == "envelope_not_encrypted"
    assert "not an encrypted bid envelope" in response.json()["detail"]
    response = post_bid(client, tender, b"%PDF", content_type="application/pdf")
    assert response.status_code == 415
    assert "plain files are refused" in response.json()["detail"]
    assert not Bid.objects.exists()
    assert not BidLogEntry.objects.exists()
    assert new_files() == []


def test_envelope_for_another_key_is_refused(tender_and_members, bidder, new_files):
    tender, _ = tender_and_members
    stranger = HybridPrivateKey.generate().public_key
    body = envelope_encrypt_bytes(recipient=stranger, plaintext=b"x" * 5000, chunk_log2=12)
    response = post_bid(client_for(bidder), tender, body)
    assert response.status_code == 400
    assert response.json()["code"] == "wrong_recipient"
    assert not Bid.objects.exists()
    assert new_files() == []


def test_too_large_is_refused_before_reading(tender_and_members, bidder, settings):
    tender, _ = tender_and_members
    settings.ZUSCHLAG_MAX_BID_BYTES = 2000
    response = post_bid(client_for(bidder), tender, seal(tender, b"y" * 5000))
    assert response.status_code == 413
    assert not Bid.objects.exists()


def test_unknown_lot_and_non_bidders_are_refused(tender_and_members, bidder, officer):
    tender, _ = tender_and_members
    body = seal(tender, b"z")
    response = post_bid(client_for(bidder), tender, body, lot=2)
    assert response.status_code == 400
    assert "lot" in response.json()["detail"]
    response = post_bid(client_for(officer), tender, body)
    assert response.status_code == 403
    assert "bidder organisation" in response.json()["detail"]
    anonymous = post_bid(__import__("django.test").test.Client(), tender, body)
    assert anonymous.status_code in (401, 403)
    assert not Bid.objects.exists()


def test_late_bid_is_refused_logged_and_audited(tender_and_members, bidder, new_files):
    tender, _ = tender_and_members
    body = seal(tender, b"too late")
    with freeze_time(tender.submission_deadline + timedelta(seconds=1)):
        response = post_bid(client_for(bidder), tender, body)
    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"
    assert "deadline for offers" in response.json()["detail"]
    assert not Bid.objects.exists()
    assert list(BidLogEntry.objects.values_list("event", flat=True)) == ["bid.late_refused"]
    assert AuditEvent.objects.filter(action="bids.bid.late_refused").count() == 1
    assert new_files() == []


def test_withdraw_after_deadline_is_refused(tender_and_members, bidder):
    tender, _ = tender_and_members
    client = client_for(bidder)
    bid_id = json.loads(post_bid(client, tender, seal(tender, b"w")).content)["receipt"]["bid"]
    with freeze_time(tender.submission_deadline + timedelta(seconds=1)):
        client = client_for(bidder)  # a fresh session: the first one expired in 40 days
        response = client.delete(f"/api/v1/tenders/{tender.reference}/lots/1/bids/{bid_id}")
    assert response.status_code == 409
    assert Bid.objects.get().state == BidState.SUBMITTED


def test_opening_key_and_service_key_are_public(tender_and_members, client):
    tender, _ = tender_and_members
    key = client.get(f"/api/v1/tenders/{tender.reference}/opening-key")
    assert key.status_code == 200
    assert key.json()["type"] == "zuschlag-hybrid-public-key"
    assert client.get("/api/v1/service-key").json()["type"] == "zuschlag-service-public-key"


def test_service_key_file_is_private(tender_and_members):
    path = Path(settings.ZUSCHLAG_KEY_DIR) / "service-signing-key.json"
    assert path.exists()
    assert path.stat().st_mode & 0o077 == 0


def test_bid_log_is_not_public(tender_and_members, client):
    tender, _ = tender_and_members
    outsider = client_for(new_bidder())
    assert outsider.get(f"/api/v1/tenders/{tender.reference}/bid-log").status_code == 403


def test_browser_session_needs_the_csrf_token_and_body_stays_unparsed(tender_and_members, bidder):
    from django.test import Client

    tender, _ = tender_and_members
    body = seal(tender, b"csrf")
    plain = Client(enforce_csrf_checks=True)
    plain.force_login(bidder)
    assert post_bid(plain, tender, body).status_code == 403
    assert not Bid.objects.exists()
    # With the token (as bid-upload.js sends it) the envelope passes DRF's CSRF check unparsed.
    assert post_bid(client_for(bidder), tender, body).status_code == 201


def test_ciphertext_is_written_once_and_synced_before_the_receipt(
    tender_and_members, bidder, monkeypatch
):
    # given: a record of every fsync (by inode)
    from bids.services import submission

    synced: list[int] = []
    real_fsync = submission.os.fsync
    monkeypatch.setattr(
        submission.os,
        "fsync",
        lambda fd: (synced.append(os.fstat(fd).st_ino), real_fsync(fd))[1],
    )
    spooled: list[int] = []
    real_receive = submission.envelope_receive

    def receive(**kwargs):
        info = real_receive(**kwargs)
        spooled.append(os.fstat(kwargs["sink"].fileno()).st_ino)
        return info

    monkeypatch.setattr(submission, "envelope_receive", receive)
    tender, _ = tender_and_members
    envelope = seal(tender, b"Angebot")

    # when
    response = post_bid(client_for(bidder), tender, envelope)

    # then: the stored file is the spooled file itself (renamed, never copied), and both its
    # bytes and its directory entry were synced
    assert response.status_code == 201, response.content
    stored = Path(Bid.objects.get().ciphertext.path)
    assert stored.read_bytes() == envelope
    assert [os.stat(stored).st_ino] == spooled
    assert os.stat(stored).st_ino in synced
    assert os.stat(stored.parent).st_ino in synced
    assert not list(stored.parent.parent.parent.glob("incoming/*.part"))


def test_signing_key_is_parsed_once_and_reloaded_when_the_file_is_replaced(settings, tmp_path):
    # given
    from bids.crypto import ServiceSigningKey
    from bids.services.keys import SIGNING_KEY_FILE, service_signing_key

    settings.ZUSCHLAG_KEY_DIR = tmp_path
    first = service_signing_key()

    # when / then: unchanged file, same parsed key object
    assert service_signing_key() is first

    # when: an operator rotates the key by replacing the file
    rotated = ServiceSigningKey.generate()
    (tmp_path / "new.json").write_text(rotated.to_json())
    os.replace(tmp_path / "new.json", tmp_path / SIGNING_KEY_FILE)

    # then
    reloaded = service_signing_key()
    assert reloaded.verify_key.key_id == rotated.verify_key.key_id != first.verify_key.key_id
    assert service_signing_key() is reloaded
