"""bid-upload.js and committee.js in headless Chromium against a reference server.

The whole sealed-bid path without Django: two members make keys in the page, the tender's
opening key is split between them, a bidder encrypts and uploads in the page and verifies the
receipt, then both members hand over their shares in the page and the bid opens. The reference
server shows the Django side what the HTTP contract in docs/envelope.md asks for.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bids.crypto import (
    MEDIA_TYPE,
    BidCryptoError,
    EnvelopeStreamCheck,
    HybridPrivateKey,
    HybridPublicKey,
    LogEntry,
    LogEvent,
    OpeningKeyBundle,
    OpeningShare,
    ServiceSigningKey,
    envelope_decrypt_bytes,
    log_append,
    opening_key_generate,
    opening_key_recover,
    receipt_sign,
    share_decrypt,
)

from .test_crypto_browser import CHROMIUM, CHROMIUM_ARGS, STATIC

pytestmark = pytest.mark.e2e

CSRF = "csrf-test-token-0123456789"
MARKER = b"GEHEIMER-ANGEBOTSPREIS-987654"

PAGES = {
    "/bid": """<form data-zuschlag-bid-upload
        data-tender-key-url="/api/v1/tenders/T-1/opening-key"
        data-upload-url="/api/v1/tenders/T-1/lots/1/bids"
        data-service-key-url="/api/v1/service-key">
      <input type="hidden" name="csrfmiddlewaretoken" value="%(csrf)s">
      <input type="file" name="file"> <progress data-progress max="1" value="0"></progress>
      <output data-status></output>
      <a data-receipt-download hidden download="receipt.json">Quittung</a>
      <button>Abgeben</button></form>
      <script type="module">
        import { bindBidUploadForms } from "/static/bids/bid-upload.js";
        bindBidUploadForms(); document.body.dataset.ready = "1";
      </script>""",
    "/keygen": """<form data-zuschlag-member-keygen data-register-url="/api/v1/committee/member-key"
        data-iterations="100000">
      <input type="hidden" name="csrfmiddlewaretoken" value="%(csrf)s">
      <input name="label"> <input type="password" name="passphrase">
      <input type="password" name="passphrase2">
      <a data-key-download hidden download="member-key.json">Schlüsseldatei</a>
      <output data-status></output><button>Erzeugen</button></form>
      <script type="module">
        import { bindCommitteeForms } from "/static/bids/committee.js";
        bindCommitteeForms(); document.body.dataset.ready = "1";
      </script>""",
    "/handover": """<form data-zuschlag-share-handover
        data-share-url="/api/v1/tenders/T-1/opening/my-share?member=%(member)s"
        data-handover-url="/api/v1/tenders/T-1/opening/shares"
        data-session-key-url="/api/v1/tenders/T-1/opening/session-key">
      <input type="hidden" name="csrfmiddlewaretoken" value="%(csrf)s">
      <input type="file" name="keyfile"> <input type="password" name="passphrase">
      <output data-status></output><button>Freigeben</button></form>
      <script type="module">
        import { bindCommitteeForms } from "/static/bids/committee.js";
        bindCommitteeForms(); document.body.dataset.ready = "1";
      </script>""",
}


class Service:
    def __init__(self) -> None:
        self.signing = ServiceSigningKey.generate()
        self.session = HybridPrivateKey.generate()
        self.member_keys: list[HybridPublicKey] = []
        self.bundle: OpeningKeyBundle | None = None
        self.log: list[LogEntry] = []
        self.bids: list[bytes] = []
        self.shares: dict[int, OpeningShare] = {}
        self.lock = threading.Lock()


def _handler(service: Service) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, obj: Any) -> None:
            text = obj if isinstance(obj, str) else json.dumps(obj)
            self._send(status, text.encode(), "application/json")

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            if url.path in PAGES:
                html = "<!doctype html><meta charset=utf-8><body>" + PAGES[url.path] % {
                    "csrf": CSRF,
                    "member": query.get("member", [""])[0],
                }
                self._send(200, html.encode(), "text/html; charset=utf-8")
            elif url.path.startswith("/static/"):
                path = (STATIC / url.path.removeprefix("/static/")).resolve()
                if STATIC not in path.parents or not path.is_file():
                    self._json(404, {"code": "not_found", "detail": url.path})
                    return
                self._send(200, path.read_bytes(), "text/javascript")
            elif url.path == "/api/v1/tenders/T-1/opening-key":
                assert service.bundle is not None
                self._json(200, service.bundle.public_key.to_json())
            elif url.path == "/api/v1/service-key":
                self._json(200, service.signing.verify_key.to_json())
            elif url.path == "/api/v1/tenders/T-1/opening/session-key":
                self._json(200, service.session.public_key.to_json())
            elif url.path == "/api/v1/tenders/T-1/opening/my-share":
                assert service.bundle is not None
                index = int(query["member"][0])
                self._send(200, service.bundle.encrypted_shares[index].envelope, MEDIA_TYPE)
            else:
                self._json(404, {"code": "not_found", "detail": url.path})

        def do_POST(self) -> None:
            if self.headers.get("X-CSRFToken") != CSRF:
                self._json(403, {"code": "csrf", "detail": "CSRF token missing"})
                return
            path = urlsplit(self.path).path
            if path == "/api/v1/committee/member-key":
                key = HybridPublicKey.from_json(self._body())
                service.member_keys.append(key)
                self._json(201, {"kid": key.key_id_hex})
            elif path == "/api/v1/tenders/T-1/lots/1/bids":
                if self.headers.get("Content-Type") != MEDIA_TYPE:
                    self._json(415, {"code": "media_type", "detail": MEDIA_TYPE})
                    return
                assert service.bundle is not None
                check = EnvelopeStreamCheck(expected_key_id=service.bundle.public_key.key_id)
                data = self._body()
                try:
                    for i in range(0, len(data), 65536):
                        check.feed(data[i : i + 65536])
                    info = check.finish()
                except BidCryptoError as exc:
                    self._json(400, {"code": exc.code, "detail": str(exc)})
                    return
                with service.lock:
                    entry = log_append(
                        tender="T-1",
                        previous=service.log[-1] if service.log else None,
                        event=LogEvent.SUBMITTED,
                        lot="1",
                        bidder="Muster Bau GmbH",
                        bid=f"bid-{len(service.log) + 1}",
                        ciphertext_sha256=info.ciphertext_sha256,
                        ciphertext_size=info.ciphertext_size,
                        recorded_at=datetime.now(UTC),
                    )
                    service.log.append(entry)
                    service.bids.append(data)
                self._json(201, receipt_sign(entry=entry, signing_key=service.signing).to_json())
            elif path == "/api/v1/tenders/T-1/opening/shares":
                try:
                    share = share_decrypt(member_key=service.session, envelope=self._body())
                except BidCryptoError as exc:
                    self._json(400, {"code": exc.code, "detail": str(exc)})
                    return
                service.shares[share.index] = share
                self._json(
                    200,
                    {
                        "present": len(service.shares),
                        "needed": share.threshold,
                        "detail": f"Anteil {share.index} angenommen "
                        f"({len(service.shares)} von {share.threshold})",
                    },
                )
            else:
                self._json(404, {"code": "not_found", "detail": path})

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def service() -> Iterator[tuple[Service, str]]:
    state = Service()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _open(browser: Any, url: str) -> Any:
    page = browser.new_page(accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']")
    page.errors = errors
    return page


def test_keys_bid_receipt_and_opening_all_in_the_page(
    service: tuple[Service, str], browser: Any, tmp_path: Path
) -> None:
    state, base = service
    passphrases = ["Erste Passphrase für Anna", "Zweite Passphrase für Ben"]
    keyfiles = []
    for i, passphrase in enumerate(passphrases):
        page = _open(browser, base + "/keygen")
        page.fill("input[name=label]", f"Mitglied {i}")
        page.fill("input[name=passphrase]", passphrase)
        page.fill("input[name=passphrase2]", passphrase)
        page.click("button")
        page.wait_for_selector("[data-key-download]:not([hidden])", timeout=30_000)
        assert "erzeugt und registriert" in page.text_content("[data-status]")
        with page.expect_download() as download:
            page.click("[data-key-download]")
        path = tmp_path / f"member{i}.json"
        download.value.save_as(path)
        keyfiles.append(path)
        assert not page.errors
        page.close()
    assert len(state.member_keys) == 2
    state.bundle = opening_key_generate(
        binding="tender:T-1", threshold=2, member_keys=state.member_keys
    )

    bid = tmp_path / "angebot.pdf"
    bid.write_bytes(b"%PDF-1.7\n" + MARKER + b"\n" + bytes(range(256)) * 12_000)  # ~3 MB
    page = _open(browser, base + "/bid")
    page.set_input_files("input[type=file]", str(bid))
    page.click("button")
    page.wait_for_function(
        "document.querySelector('[data-status]').textContent.includes('Quittung geprüft')"
        " || document.querySelector('[data-status]').textContent.includes('fehlgeschlagen')",
        timeout=60_000,
    )
    status = page.text_content("[data-status]")
    assert "Quittung geprüft" in status, status
    assert "Protokollposition 1" in status
    with page.expect_download() as download:
        page.click("[data-receipt-download]")
    receipt = json.loads(Path(download.value.path()).read_text())
    assert receipt["receipt"]["ciphertext_sha256"] == state.log[0].ciphertext_sha256
    assert not page.errors
    page.close()
    assert len(state.bids) == 1
    assert MARKER not in state.bids[0]

    # Wrong passphrase: refused in the page, nothing handed over.
    page = _open(browser, base + "/handover?member=0")
    page.set_input_files("input[name=keyfile]", str(keyfiles[0]))
    page.fill("input[name=passphrase]", "falsche Passphrase hier")
    page.click("button")
    page.wait_for_function("document.querySelector('[data-status]').textContent.includes('Fehler')")
    assert "wrong passphrase" in page.text_content("[data-status]")
    assert state.shares == {}
    page.close()

    for i, passphrase in enumerate(passphrases):
        page = _open(browser, base + f"/handover?member={i}")
        page.set_input_files("input[name=keyfile]", str(keyfiles[i]))
        page.fill("input[name=passphrase]", passphrase)
        page.click("button")
        page.wait_for_function(
            "document.querySelector('[data-status]').textContent.includes('angenommen')",
            timeout=30_000,
        )
        assert f"({i + 1} von 2)" in page.text_content("[data-status]")
        assert not page.errors
        page.close()

    key = opening_key_recover(
        wrapped=state.bundle.wrapped_private_key,
        shares=list(state.shares.values()),
        public_key=state.bundle.public_key,
    )
    assert envelope_decrypt_bytes(private_key=key, envelope=state.bids[0]) == bid.read_bytes()
