"""The bidder CLI (`python -m bids.client submit/withdraw/verify-receipt`) against the real
Django server: token auth, streamed upload, receipt checked by the client, offline verify."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from bids.models import Bid, BidState
from tests.bids.sealed import sealed_tender

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_media_url_handler(monkeypatch):
    # Django's live server wraps requests in a MEDIA_URL handler that breaks on MEDIA_URL = None
    # (nothing in our storage is served by URL); tests/e2e/conftest.py switches it off the same way.
    from django.test.testcases import _MediaFilesHandler

    monkeypatch.setattr(_MediaFilesHandler, "_should_handle", lambda self, path: False)


def _cli(*args: str, token: str, cwd: Path) -> subprocess.CompletedProcess:
    repo = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "ZUSCHLAG_TOKEN": token, "PYTHONPATH": repo}
    return subprocess.run(
        [sys.executable, "-m", "bids.client", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_cli_submits_verifies_and_withdraws(
    live_server, authority, officer, approver, bidder, tmp_path
):
    tender, _ = sealed_tender(authority=authority, officer=officer, approver=approver)
    token = Token.objects.create(user=bidder).key
    offer = tmp_path / "angebot.pdf"
    offer.write_bytes(b"%PDF-1.7 CLI offer " + os.urandom(3_000_000))
    service_key = tmp_path / "service.json"
    import urllib.request

    with urllib.request.urlopen(f"{live_server.url}/api/v1/service-key") as response:
        service_key.write_bytes(response.read())

    done = _cli(
        "submit",
        "--url",
        live_server.url,
        "--tender",
        tender.reference,
        "--lot",
        "1",
        "--service-key",
        str(service_key),
        str(offer),
        token=token,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bid accepted at" in done.stdout
    receipt_path = tmp_path / "angebot.pdf.receipt.json"
    receipt = json.loads(receipt_path.read_text())["receipt"]
    bid = Bid.objects.get()
    assert receipt["bid"] == str(bid.public_id)
    assert bid.ciphertext_size > 3_000_000
    assert b"CLI offer" not in bid.ciphertext.read()

    done = _cli(
        "verify-receipt",
        str(receipt_path),
        "--service-key",
        str(service_key),
        token=token,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    plain = _cli(
        "submit",
        "--url",
        live_server.url,
        "--tender",
        tender.reference,
        "--lot",
        "1",
        "--encrypted",
        str(offer),
        token=token,
        cwd=tmp_path,
    )
    assert plain.returncode != 0  # the CLI refuses to send a plain file as an envelope

    done = _cli(
        "withdraw",
        "--url",
        live_server.url,
        "--tender",
        tender.reference,
        "--lot",
        "1",
        receipt["bid"],
        token=token,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    bid.refresh_from_db()
    assert bid.state == BidState.WITHDRAWN

    wrong = _cli(
        "submit",
        "--url",
        live_server.url,
        "--tender",
        tender.reference,
        "--lot",
        "1",
        str(offer),
        token="0" * 40,
        cwd=tmp_path,
    )
    assert wrong.returncode != 0
    assert Bid.objects.count() == 1
