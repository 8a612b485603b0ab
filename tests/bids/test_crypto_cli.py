"""``python -m bids.client`` end to end, against a small reference server for the HTTP contract."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bids.client.cli import main
from bids.crypto import (
    MEDIA_TYPE,
    BidCryptoError,
    EnvelopeStreamCheck,
    HybridPrivateKey,
    LogEntry,
    LogEvent,
    MemberKeyFile,
    OpeningShare,
    ServiceSigningKey,
    envelope_decrypt_bytes,
    log_append,
    log_checkpoint_sign,
    log_export,
    opening_key_generate,
    opening_key_recover,
    receipt_sign,
)

PASSPHRASE = "eine lange Passphrase 2026"
TOKEN = "tok-123"


@pytest.fixture
def pass_env(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("TEST_PASSPHRASE", PASSPHRASE)
    return ["--passphrase-env", "TEST_PASSPHRASE"]


def test_member_keygen_decrypt_share_round_trip(
    tmp_path: Path, pass_env: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    keyfiles = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.json"
        assert main(["member-keygen", "-o", str(path), "--iterations", "100000", *pass_env]) == 0
        keyfiles.append(path)
    publics = [MemberKeyFile.from_json(p.read_bytes()).public_key for p in keyfiles]
    bundle = opening_key_generate(binding="tender:CLI-1", threshold=2, member_keys=publics)
    shares = []
    for i, path in enumerate(keyfiles):
        sealed = tmp_path / f"share{i}.bin"
        sealed.write_bytes(bundle.encrypted_shares[i].envelope)
        out = tmp_path / f"share{i}.json"
        assert (
            main(["decrypt-share", "--key", str(path), str(sealed), "-o", str(out), *pass_env]) == 0
        )
        shares.append(OpeningShare.from_json(out.read_bytes()))
    key = opening_key_recover(wrapped=bundle.wrapped_private_key, shares=shares)
    assert key.key_id == bundle.public_key.key_id
    # the key file is private to its owner
    assert keyfiles[0].stat().st_mode & 0o077 == 0
    # wrong passphrase: clear message, exit 1
    capsys.readouterr()
    (tmp_path / "wrong").write_text("not the right passphrase\n")
    code = main(
        [
            "decrypt-share",
            "--key",
            str(keyfiles[0]),
            str(tmp_path / "share0.bin"),
            "--passphrase-file",
            str(tmp_path / "wrong"),
        ]
    )
    assert code == 1
    assert "wrong passphrase" in capsys.readouterr().err


def test_encrypt_command_output_decrypts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = HybridPrivateKey.generate()
    (tmp_path / "tender.json").write_text(key.public_key.to_json())
    (tmp_path / "bid.pdf").write_bytes(b"%PDF-1.7 Angebot " * 100_000)
    assert (
        main(
            [
                "encrypt",
                "--tender-key",
                str(tmp_path / "tender.json"),
                str(tmp_path / "bid.pdf"),
                "-o",
                str(tmp_path / "bid.env"),
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    envelope = (tmp_path / "bid.env").read_bytes()
    assert report["ciphertext_size"] == len(envelope)
    assert envelope_decrypt_bytes(private_key=key, envelope=envelope) == (
        b"%PDF-1.7 Angebot " * 100_000
    )


class ReferenceServer:
    """Implements the submit contract of docs/envelope.md with bids.crypto only."""

    def __init__(self) -> None:
        self.opening = HybridPrivateKey.generate()
        self.signing = ServiceSigningKey.generate()
        self.log: list[LogEntry] = []
        self.closed = False
        self.stored: dict[str, bytes] = {}
        self.lock = threading.Lock()
        self.languages: list[str | None] = []


def _handler(state: ReferenceServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _json(self, status: int, body: dict[str, Any] | str) -> None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/api/v1/tenders/T-1/opening-key":
                self._json(200, state.opening.public_key.to_json())
            else:
                self._json(404, {"code": "not_found", "detail": "no such tender"})

        def do_POST(self) -> None:
            if self.headers.get("Authorization") != f"Token {TOKEN}":
                self._json(401, {"code": "unauthenticated", "detail": "token missing or wrong"})
                return
            if self.headers.get("Content-Type") != MEDIA_TYPE:
                self._json(415, {"code": "media_type", "detail": f"send {MEDIA_TYPE}"})
                return
            length = int(self.headers.get("Content-Length", "-1"))
            check = EnvelopeStreamCheck(expected_key_id=state.opening.key_id)
            body = bytearray()
            try:
                left = length
                while left > 0:
                    piece = self.rfile.read(min(65536, left))
                    if not piece:
                        break
                    left -= len(piece)
                    check.feed(piece)
                    body += piece
                info = check.finish()
            except BidCryptoError as exc:
                self.close_connection = True
                self._json(400, {"code": exc.code, "detail": str(exc)})
                return
            with state.lock:
                if state.closed:
                    # Like the service, the refusal speaks the language the client asks for.
                    language = self.headers.get("Accept-Language")
                    state.languages.append(language)
                    detail = {"de": "Angebotsfrist abgelaufen", "fr": "Date limite dépassée"}
                    self._json(
                        409,
                        {"code": "deadline_passed", "detail": detail.get(language, "closed")},
                    )
                    return
                lot = self.path.split("/lots/")[1].split("/")[0]
                entry = log_append(
                    tender="T-1",
                    previous=state.log[-1] if state.log else None,
                    event=LogEvent.SUBMITTED,
                    lot=lot,
                    bidder="ACME GmbH",
                    bid=f"bid-{len(state.log) + 1}",
                    ciphertext_sha256=info.ciphertext_sha256,
                    ciphertext_size=info.ciphertext_size,
                    recorded_at=datetime.now(UTC),
                )
                state.log.append(entry)
                state.stored[entry.bid] = bytes(body)
            self._json(201, receipt_sign(entry=entry, signing_key=state.signing).to_json())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[ReferenceServer, str]]:
    state = ReferenceServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_submit_streams_and_receipt_verifies_offline(
    tmp_path: Path, server: tuple[ReferenceServer, str], capsys: pytest.CaptureFixture[str]
) -> None:
    state, url = server
    bid = tmp_path / "angebot.pdf"
    bid.write_bytes(b"MARKER-ANGEBOT " * 200_000)  # 3 MB: several chunks
    (tmp_path / "service.json").write_text(state.signing.verify_key.to_json())
    receipt_path = tmp_path / "receipt.json"
    code = main(
        [
            "submit",
            "--url",
            url,
            "--tender",
            "T-1",
            "--lot",
            "2",
            "--token",
            TOKEN,
            str(bid),
            "--service-key",
            str(tmp_path / "service.json"),
            "--receipt-output",
            str(receipt_path),
        ]
    )
    assert code == 0, capsys.readouterr().err
    stored = state.stored["bid-1"]
    assert b"MARKER-ANGEBOT" not in stored
    assert envelope_decrypt_bytes(private_key=state.opening, envelope=stored) == bid.read_bytes()

    (tmp_path / "log.json").write_text(log_export(tender="T-1", entries=state.log))
    (tmp_path / "bid.env").write_bytes(stored)
    capsys.readouterr()
    code = main(
        [
            "verify-receipt",
            str(receipt_path),
            "--service-key",
            str(tmp_path / "service.json"),
            "--log",
            str(tmp_path / "log.json"),
            "--envelope",
            str(tmp_path / "bid.env"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "receipt OK" in out
    assert "lot 2" in out
    assert "this bid at position 1" in out

    checkpoint = log_checkpoint_sign(
        tender="T-1", entries=state.log, at=datetime.now(UTC), signing_key=state.signing
    )
    (tmp_path / "checkpoint.json").write_text(checkpoint.to_json())
    code = main(
        [
            "verify-receipt",
            str(receipt_path),
            "--service-key",
            str(tmp_path / "service.json"),
            "--log",
            str(tmp_path / "log.json"),
            "--checkpoint",
            str(tmp_path / "checkpoint.json"),
        ]
    )
    assert code == 0
    assert "the log that was opened contains this bid" in capsys.readouterr().out


def test_verify_receipt_detects_forgery_and_deleted_entry(
    tmp_path: Path, server: tuple[ReferenceServer, str], capsys: pytest.CaptureFixture[str]
) -> None:
    state, url = server
    (tmp_path / "a.txt").write_bytes(b"a")
    (tmp_path / "service.json").write_text(state.signing.verify_key.to_json())
    for i in range(2):
        assert (
            main(
                [
                    "submit",
                    "--url",
                    url,
                    "--tender",
                    "T-1",
                    "--lot",
                    "1",
                    "--token",
                    TOKEN,
                    str(tmp_path / "a.txt"),
                    "--receipt-output",
                    str(tmp_path / f"r{i}.json"),
                ]
            )
            == 0
        )
    receipt = json.loads((tmp_path / "r1.json").read_text())
    receipt["receipt"]["lot"] = "9"
    (tmp_path / "forged.json").write_text(json.dumps(receipt))
    capsys.readouterr()
    assert (
        main(
            [
                "verify-receipt",
                str(tmp_path / "forged.json"),
                "--service-key",
                str(tmp_path / "service.json"),
            ]
        )
        == 1
    )
    assert "signature is invalid" in capsys.readouterr().err
    (tmp_path / "log.json").write_text(log_export(tender="T-1", entries=state.log[:1]))
    assert (
        main(
            [
                "verify-receipt",
                str(tmp_path / "r1.json"),
                "--service-key",
                str(tmp_path / "service.json"),
                "--log",
                str(tmp_path / "log.json"),
            ]
        )
        == 1
    )
    assert "the bid's entry was deleted" in capsys.readouterr().err


def test_submit_refusals_are_reported(
    tmp_path: Path,
    server: tuple[ReferenceServer, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state, url = server
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")  # a German bidder's machine
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(b"%PDF-1.7 plain")
    # --encrypted with a plaintext file: refused locally, nothing is sent
    assert (
        main(
            [
                "submit",
                "--url",
                url,
                "--tender",
                "T-1",
                "--lot",
                "1",
                "--token",
                TOKEN,
                "--encrypted",
                str(plain),
            ]
        )
        == 1
    )
    assert "not an encrypted bid envelope" in capsys.readouterr().err
    assert state.log == []
    state.closed = True
    assert (
        main(
            ["submit", "--url", url, "--tender", "T-1", "--lot", "1", "--token", TOKEN, str(plain)]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "HTTP 409" in err
    assert "Angebotsfrist abgelaufen" in err
    assert state.languages == ["de"]
    assert (
        main(
            [
                *("submit", "--url", url, "--tender", "T-1", "--lot", "1", "--token", TOKEN),
                *("--language", "fr", str(plain)),
            ]
        )
        == 1
    )
    assert "Date limite dépassée" in capsys.readouterr().err
    assert (
        main(
            ["submit", "--url", url, "--tender", "T-1", "--lot", "1", "--token", "bad", str(plain)]
        )
        == 1
    )
    assert "HTTP 401" in capsys.readouterr().err


def test_plain_http_to_remote_host_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "f").write_bytes(b"x")
    assert (
        main(
            [
                "submit",
                "--url",
                "http://vergabe.example",
                "--tender",
                "T",
                "--lot",
                "1",
                "--token",
                TOKEN,
                str(tmp_path / "f"),
            ]
        )
        == 1
    )
    assert "refusing plain http" in capsys.readouterr().err


def test_module_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bids.client", "--help"], capture_output=True, text=True, check=True
    )
    assert "member-keygen" in result.stdout


def test_client_and_crypto_do_not_import_django() -> None:
    probe = "import sys, bids.client.cli, bids.crypto; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", probe], check=True)


def test_service_keygen_writes_a_usable_key(tmp_path: Path) -> None:
    from bids.crypto import LogEvent as Event
    from bids.crypto import Receipt, ServiceVerifyKey, receipt_verify

    assert (
        main(
            [
                "service-keygen",
                "-o",
                str(tmp_path / "s.key"),
                "--public-output",
                str(tmp_path / "s.pub"),
            ]
        )
        == 0
    )
    signing = ServiceSigningKey.from_json((tmp_path / "s.key").read_bytes())
    entry = log_append(
        tender="T",
        previous=None,
        event=Event.SUBMITTED,
        lot="1",
        bidder="b",
        bid="x",
        ciphertext_sha256="",
        ciphertext_size=0,
        recorded_at=datetime.now(UTC),
    )
    receipt = Receipt.from_json(receipt_sign(entry=entry, signing_key=signing).to_json())
    receipt_verify(
        receipt=receipt, service_key=ServiceVerifyKey.from_json((tmp_path / "s.pub").read_bytes())
    )
    assert (tmp_path / "s.key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("environment", "option", "expected"),
    [
        ({"LANG": "de_DE.UTF-8"}, None, "de"),
        ({"LANG": "de_DE.UTF-8", "LC_ALL": "fr_FR.UTF-8"}, None, "fr"),
        ({"LANGUAGE": "fr:de", "LANG": "de_DE.UTF-8"}, None, "fr"),
        ({"LC_MESSAGES": "fr_FR@euro"}, None, "fr"),
        ({"LANG": "C.UTF-8"}, None, "en"),
        ({}, None, "en"),
        ({"LANG": "de_DE.UTF-8"}, "fr", "fr"),
    ],
)
def test_client_asks_for_the_user_language(monkeypatch, environment, option, expected) -> None:
    from argparse import Namespace

    from bids.client.cli import _accept_language

    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert _accept_language(Namespace(language=option)) == expected


def test_submit_and_verify_report_in_the_bidder_language(
    tmp_path: Path,
    server: tuple[ReferenceServer, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a French bidder's machine
    state, url = server
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    bid = tmp_path / "offre.pdf"
    bid.write_bytes(b"offre")
    (tmp_path / "service.json").write_text(state.signing.verify_key.to_json())
    receipt_path = tmp_path / "receipt.json"
    # when the bid is submitted, then its receipt verified in German
    submit = ["submit", "--url", url, "--tender", "T-1", "--lot", "1", "--token", TOKEN]
    assert main([*submit, str(bid), "--receipt-output", str(receipt_path)]) == 0
    submitted = capsys.readouterr().out
    verify = ["verify-receipt", str(receipt_path), "--service-key", str(tmp_path / "service.json")]
    assert main([*verify, "--language", "de"]) == 0
    verified = capsys.readouterr().out
    # then the result lines speak those languages; the saved receipt is still plain JSON
    entry = json.loads(receipt_path.read_text())["receipt"]
    assert submitted.startswith("offre acceptée le ")
    assert f"accusé de réception enregistré dans {receipt_path}" in submitted
    assert "(ajoutez --service-key pour vérifier ses signatures)" in submitted
    assert verified.startswith("Eingangsbestätigung gültig: Ed25519- und ML-DSA-65-Signaturen")
    assert f"Ausschreibung T-1, Los 1, Bieter {entry['bidder']}" in verified
