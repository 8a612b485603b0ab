"""Issue 3 in a real browser: two committee members make their keys in the page; the tender is
published with its opening key; a bidder encrypts and submits in the page, gets the receipt and
verifies it (in the page and offline with the bidder CLI); after the deadline an officer starts
the opening, both members hand over their shares in the page, and the record PDF lists the bid.
Screenshots: test-artifacts/screenshots/test_sealed_bid_from_browser_to_record/."""

import io
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from pypdf import PdfReader

from bids.models import Bid, MemberKey, OpeningKey
from procurement.core.roles import Role
from tenders.models import Tender, TenderState
from tests.factories import OperatorFactory, person
from tests.tenders.factories import published_tender

PASSPHRASES = ["erste Passphrase 2026", "zweite Passphrase 2026"]
MARKER = b"E2E-GEHEIMES-ANGEBOT-4711"
SUBMISSION_WINDOW = timedelta(seconds=40)


def _switch(page, login_as, user) -> None:
    page.context.clear_cookies()
    login_as(page, user)


def test_sealed_bid_from_browser_to_record(
    page, login_as, screenshot, authority, officer, approver, tmp_path: Path
):
    members = [person(authority, Role.OPENING_COMMITTEE) for _ in range(2)]
    key_files = []
    for i, member in enumerate(members):
        _switch(page, login_as, member)
        page.goto("/committee/key/")
        page.wait_for_selector("body[data-ready='1']")
        page.fill("input[name=passphrase]", PASSPHRASES[i])
        page.fill("input[name=passphrase2]", PASSPHRASES[i])
        page.click("form[data-zuschlag-member-keygen] button")
        page.wait_for_selector("[data-key-download]:not([hidden])", timeout=60_000)
        with page.expect_download() as download:
            page.click("[data-key-download]")
        path = tmp_path / f"member-{i}.json"
        download.value.save_as(path)
        key_files.append(path)
        screenshot(f"member-{i}-key")
    assert MemberKey.objects.count() == 2

    tender = published_tender(
        authority=authority, officer=officer, approver=approver, committee=members, quorum=2
    )
    assert OpeningKey.objects.filter(tender=tender).exists()
    deadline = timezone.now() + SUBMISSION_WINDOW
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=deadline, opening_at=deadline)

    bidder_org = OperatorFactory(name="Browser Bau GmbH")
    bidder = person(bidder_org, Role.BIDDER_ADMIN)
    _switch(page, login_as, bidder)
    page.goto("/bids/")
    page.click(f"a[href='/bids/tenders/{tender.reference}/']")
    page.wait_for_selector("body[data-ready='1']")
    page.set_input_files(
        "form[data-zuschlag-bid-page] input[name=file]",
        files=[
            {
                "name": "angebot.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.7 " + MARKER + b" " + b"." * 200_000,
            }
        ],
    )
    page.fill("form[data-zuschlag-bid-page] input[name=price]", "4321,50")
    page.click("form[data-zuschlag-bid-page] button")
    status_js = "document.querySelector('form[data-zuschlag-bid-page] [data-status]').textContent"
    page.wait_for_function(
        f"{status_js}.includes('Quittung geprüft') || {status_js}.includes('fehlgeschlagen')",
        timeout=60_000,
    )
    status = page.text_content("form[data-zuschlag-bid-page] [data-status]")
    assert "Quittung geprüft: Signaturen gültig" in status, status
    screenshot("bid-submitted")
    with page.expect_download() as download:
        page.click("[data-receipt-download]")
    receipt = tmp_path / "receipt.json"
    download.value.save_as(receipt)
    service_key = tmp_path / "service.json"
    service_key.write_bytes(page.request.get("/api/v1/service-key").body())
    bid = Bid.objects.get(tender=tender)
    offline = subprocess.run(
        [
            sys.executable,
            "-m",
            "bids.client",
            "verify-receipt",
            str(receipt),
            "--service-key",
            str(service_key),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert MARKER not in bid.ciphertext.read()

    time.sleep(max(0.0, (deadline - timezone.now()).total_seconds()) + 1)

    _switch(page, login_as, officer)
    page.goto(f"/opening/{tender.reference}/")
    page.click("#start-opening")
    page.wait_for_selector("#opening-progress")
    screenshot("opening-started")

    for i, member in enumerate(members):
        _switch(page, login_as, member)
        page.goto(f"/opening/{tender.reference}/")
        page.wait_for_selector("body[data-ready='1']")
        page.set_input_files(
            "form[data-zuschlag-share-handover] input[name=keyfile]", str(key_files[i])
        )
        page.fill("form[data-zuschlag-share-handover] input[name=passphrase]", PASSPHRASES[i])
        page.click("form[data-zuschlag-share-handover] button")
        page.wait_for_function(
            "document.querySelector('form[data-zuschlag-share-handover] [data-status]')"
            "?.textContent.match(/accepted|angenommen|Fehler/) || "
            "!!document.querySelector('#handed-over')",
            timeout=60_000,
        )
        said = page.locator("form[data-zuschlag-share-handover] [data-status]")
        if said.count():
            assert "Fehler" not in said.text_content(), said.text_content()
        screenshot(f"member-{i}-handed-over")

    tender.refresh_from_db()
    assert tender.state == TenderState.OPENED
    _switch(page, login_as, officer)
    page.goto(f"/opening/{tender.reference}/")
    page.wait_for_selector("#record-link")
    screenshot("opened")
    record = page.request.get(f"/opening/{tender.reference}/record.pdf")
    assert record.ok
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(record.body())).pages)
    assert "Browser Bau GmbH" in text
    assert "4321.50 EUR" in text
    assert bid.ciphertext_sha256 in text.replace("\n", "")
    bid.refresh_from_db()
    assert bid.intact is True
    assert MARKER in bid.document.read()

    # The bidder proves its bid was in the opening: log + signed checkpoint from its page.
    _switch(page, login_as, bidder)
    page.goto(f"/bids/tenders/{tender.reference}/")
    log, checkpoint = tmp_path / "log.json", tmp_path / "checkpoint.json"
    for link, target in (("#bid-log-link", log), ("#checkpoint-link", checkpoint)):
        with page.expect_download() as download:
            page.click(link)
        download.value.save_as(target)
    offline = subprocess.run(
        [
            sys.executable,
            "-m",
            "bids.client",
            "verify-receipt",
            str(receipt),
            "--service-key",
            str(service_key),
            "--log",
            str(log),
            "--checkpoint",
            str(checkpoint),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert offline.returncode == 0, offline.stdout + offline.stderr
    screenshot("bidder-after-opening")
