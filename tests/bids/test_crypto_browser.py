"""The browser side of the envelope (bids/static/bids/envelope.js) in headless Chromium.

Same vectors as test_crypto_vectors.py, plus both directions live: the page encrypts and Python
decrypts; Python makes a member key file and the page opens a share, and the other way round.
Every case runs twice: all-WebCrypto, and all-noble (the bundled fallback for ML-KEM-768,
ML-DSA-65, X25519 and Ed25519).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bids.crypto import (
    HybridPrivateKey,
    MemberKeyFile,
    envelope_decrypt_bytes,
    member_key_protect,
    opening_key_generate,
    share_decrypt,
)

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "bids" / "static"
VECTORS = Path(__file__).with_name("vectors")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BACKENDS = ["webcrypto", "noble"]


class _Handler(SimpleHTTPRequestHandler):
    """Serves /static/* from bids/static and /vectors/* from tests/bids/vectors."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        if path.startswith("/static/"):
            return str(STATIC / path.removeprefix("/static/"))
        if path.startswith("/vectors/"):
            return str(VECTORS / path.removeprefix("/vectors/"))
        return str(Path(__file__).parent / "__none__")

    def do_GET(self) -> None:
        if self.path in ("/", "/index.html"):
            body = b"<!doctype html><title>envelope test</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(params=BACKENDS)
def page(request: pytest.FixtureRequest, browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server + "/")
    backend = pg.evaluate(
        """async (name) => {
            window.env = await import("/static/bids/envelope.js");
            env.setPostQuantumBackend(name);
            env.setClassicalBackend(name);
            return [(await env.mlKemBackend()).name, (await env.classicalBackend()).name];
        }""",
        request.param,
    )
    assert backend == [request.param, request.param]
    yield pg
    context.close()
    assert not errors


def test_webcrypto_backend_is_detected_without_forcing(browser: Any, server: str) -> None:
    pg = browser.new_page()
    pg.goto(server + "/")
    names = pg.evaluate(
        """async () => {
            const env = await import("/static/bids/envelope.js");
            return [(await env.mlKemBackend()).name, (await env.classicalBackend()).name];
        }"""
    )
    pg.close()
    assert names == ["webcrypto", "webcrypto"]  # Chromium 156 has all of them in WebCrypto


def test_js_reproduces_and_decrypts_the_vectors(page: Any) -> None:
    result = page.evaluate(
        """async () => {
            const v = await (await fetch("/vectors/envelope_v1.json")).json();
            const r = v.recipient;
            const key = await env.importPrivateKeyRaw(
                env.fromHex(r.x25519_private_hex), env.fromHex(r.mlkem768_seed_hex));
            const out = {kid: key.publicKey.kidHex, sealed: [], opened: [], rejected: []};
            for (const c of v.valid) {
                const pattern = env.fromHex(c.plaintext_pattern_hex);
                const plain = new Uint8Array(c.plaintext_length);
                for (let i = 0; i < plain.length; i++) plain[i] = pattern[i % pattern.length];
                const sealed = await env.encryptBytes(plain, key.publicKey, {
                    chunkLog2: c.chunk_log2,
                    _x25519Ephemeral: env.fromHex(c.x25519_ephemeral_private_hex),
                    _mlkem: {sharedSecret: env.fromHex(c.mlkem_shared_secret_hex),
                             ciphertext: env.fromHex(c.mlkem_ciphertext_hex)},
                    _salt: env.fromHex(c.salt_hex),
                });
                out.sealed.push(env.toHex(sealed) === c.envelope_hex);
                const opened = await env.decryptBytes(env.fromHex(c.envelope_hex), key);
                out.opened.push(env.toHex(opened) === env.toHex(plain));
            }
            for (const c of v.invalid) {
                try {
                    await env.decryptBytes(env.fromHex(c.envelope_hex), key);
                    out.rejected.push([c.name, "accepted!"]);
                } catch (e) {
                    out.rejected.push([c.name, e.code, c.error_code]);
                }
            }
            return out;
        }"""
    )
    vectors = json.loads((VECTORS / "envelope_v1.json").read_text())
    assert result["kid"] == vectors["recipient"]["public_key"]["kid"]
    assert result["sealed"] == [True] * len(vectors["valid"])
    assert result["opened"] == [True] * len(vectors["valid"])
    for name, got, *expected in result["rejected"]:
        assert expected, name
        assert got == expected[0], name


@pytest.mark.parametrize("storage", ["worker", "opfs", "memory"])
def test_js_encrypts_a_file_python_decrypts(page: Any, storage: str) -> None:
    key = HybridPrivateKey.generate()
    result = page.evaluate(
        """async ([publicKey, storage]) => {
            const size = 2_500_000;  // 3 chunks of 1 MiB, the last one partial
            const data = new Uint8Array(size);
            for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
            const marker = new TextEncoder().encode("ZUSCHLAG-MARKER-4711");
            data.set(marker, 1_234_567);
            const file = new File([data], "angebot.pdf", {type: "application/pdf"});
            const out = await env.encryptFile(file, publicKey, {storage});
            if (out.size !== env.envelopeSize(size) || out.blob.size !== out.size) {
                throw new Error("unexpected size " + out.size);
            }
            const bytes = new Uint8Array(await out.blob.arrayBuffer());
            await out.discard();
            return {envelope: env.b64uEncode(bytes), sha256: out.sha256, storage: out.storage};
        }""",
        [key.public_key.to_json(), storage],
    )
    encoded = result["envelope"]
    envelope = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    assert result["storage"] == storage
    assert result["sha256"] == hashlib.sha256(envelope).hexdigest()
    assert b"ZUSCHLAG-MARKER-4711" not in envelope
    plain = envelope_decrypt_bytes(private_key=key, envelope=envelope)
    assert len(plain) == 2_500_000
    assert plain[1_234_567 : 1_234_567 + 20] == b"ZUSCHLAG-MARKER-4711"
    assert plain[:4] == bytes([0, 7, 14, 21])


def test_js_stream_output_equals_envelope_python_decrypts(page: Any) -> None:
    key = HybridPrivateKey.generate()
    encoded = page.evaluate(
        """async (publicKey) => {
            const data = new TextEncoder().encode("Preisblatt Los 2 ".repeat(5000));
            const stream = env.encryptStream(new Blob([data]), publicKey, {chunkLog2: 12});
            const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
            return env.b64uEncode(bytes);
        }""",
        key.public_key.to_json(),
    )
    envelope = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    assert envelope_decrypt_bytes(private_key=key, envelope=envelope) == (
        b"Preisblatt Los 2 " * 5000
    )


def test_python_member_key_file_opens_share_in_js(page: Any) -> None:
    vectors = json.loads((VECTORS / "member_key_v1.json").read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (v) => {
            const key = await env.memberKeyUnlock(JSON.stringify(v.key_file), v.passphrase);
            const {json} = await env.shareDecrypt(env.fromHex(v.share_envelope_hex), key);
            let wrong;
            try { await env.memberKeyUnlock(v.key_file, "falsche Passphrase!!"); }
            catch (e) { wrong = [e.code, e.message]; }
            return {json, wrong};
        }""",
        vectors,
    )
    assert result["json"] == vectors["share_json"]
    assert result["wrong"][0] == "passphrase"
    assert "wrong passphrase" in result["wrong"][1]


def test_js_member_key_used_by_python_then_share_opened_in_js(page: Any) -> None:
    passphrase = "Sitzung am Freitag, Raum 3.14"
    made = page.evaluate(
        """async (passphrase) => {
            const m = await env.memberKeyGenerate(
                {passphrase, label: "Browser", iterations: 100000});
            return {file: JSON.stringify(m.keyFile), pub: m.publicKey};
        }""",
        passphrase,
    )
    keyfile = MemberKeyFile.from_json(made["file"])
    member = keyfile.unlock(passphrase=passphrase)  # the CLI reads the browser's file
    assert member.public_key.to_dict() == made["pub"]
    other = HybridPrivateKey.generate()
    bundle = opening_key_generate(
        binding="tender:E2E-1", threshold=2, member_keys=[member.public_key, other.public_key]
    )
    expected = share_decrypt(member_key=member, envelope=bundle.encrypted_shares[0].envelope)
    got = page.evaluate(
        """async ([file, passphrase, envelopeHex]) => {
            const key = await env.memberKeyUnlock(file, passphrase);
            return (await env.shareDecrypt(env.fromHex(envelopeHex), key)).json;
        }""",
        [made["file"], passphrase, bundle.encrypted_shares[0].envelope.hex()],
    )
    assert got == expected.to_json()
    # And a key file written by Python opens in the browser.
    python_file = member_key_protect(private_key=member, passphrase=passphrase, iterations=100_000)
    kid = page.evaluate(
        """async ([file, passphrase]) =>
            (await env.memberKeyUnlock(file, passphrase)).publicKey.kidHex""",
        [python_file.to_json(), passphrase],
    )
    assert kid == member.public_key.key_id_hex


def test_receipt_verifies_in_js_and_forgery_fails(page: Any) -> None:
    vectors = json.loads((VECTORS / "receipt_v1.json").read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (v) => {
            const fields = await env.verifyReceipt(JSON.stringify(v.receipt), v.service_public_key);
            const forged = structuredClone(v.receipt);
            forged.receipt.ciphertext_size += 1;
            let forgedError;
            try { await env.verifyReceipt(forged, v.service_public_key); }
            catch (e) { forgedError = e.message; }
            const mixed = structuredClone(v.receipt);
            const sig = env.b64uDecode(mixed.signatures["ml-dsa-65"]);
            sig[100] ^= 1;
            mixed.signatures["ml-dsa-65"] = env.b64uEncode(sig);
            let mixedError;
            try { await env.verifyReceipt(mixed, v.service_public_key); }
            catch (e) { mixedError = e.message; }
            const withLog = await env.verifyReceipt(v.receipt, v.service_public_key, {log: v.log});
            const head = await env.verifyBidLog(JSON.stringify(v.log));
            const shortened = structuredClone(v.log);
            shortened.entries.splice(0, 1);
            let deletedError;
            try { await env.verifyBidLog(shortened); } catch (e) { deletedError = e.message; }
            const changed = structuredClone(v.log);
            changed.entries[0].bidder = "Mallory";
            let changedError;
            try { await env.verifyReceipt(v.receipt, v.service_public_key, {log: changed}); }
            catch (e) { changedError = e.message; }
            return {position: fields.position, forgedError, mixedError, head,
                    logPosition: withLog.position, deletedError, changedError};
        }""",
        vectors,
    )
    assert result["position"] == vectors["receipt"]["receipt"]["position"]
    assert "Ed25519 signature is invalid" in result["forgedError"]
    assert "ML-DSA-65 signature is invalid" in result["mixedError"]
    assert result["head"] == vectors["log"]["head"]
    assert result["logPosition"] == result["position"]
    assert "position 1 holds entry 2" in result["deletedError"]
    assert "bid log entry 1 was changed" in result["changedError"]


def test_checkpoint_and_receipt_in_the_log_verify_in_js(page: Any) -> None:
    from datetime import UTC, datetime

    from bids.crypto import (
        LogEvent,
        ServiceSigningKey,
        log_append,
        log_checkpoint_sign,
        log_export,
        receipt_sign,
    )

    signing = ServiceSigningKey.generate()
    entries = []
    for i in range(3):
        entries.append(
            log_append(
                tender="CP-1",
                previous=entries[-1] if entries else None,
                event=LogEvent.SUBMITTED,
                lot="1",
                bidder=f"Bieter {i}",
                bid=f"b{i}",
                ciphertext_sha256=hashlib.sha256(bytes([i])).hexdigest(),
                ciphertext_size=100 + i,
                recorded_at=datetime(2026, 11, 27, 9, i, tzinfo=UTC),
            )
        )
    checkpoint = log_checkpoint_sign(
        tender="CP-1", entries=entries, at=datetime(2026, 11, 28, tzinfo=UTC), signing_key=signing
    )
    data = {
        "service": signing.verify_key.to_dict(),
        "checkpoint": json.loads(checkpoint.to_json()),
        "receipt": json.loads(receipt_sign(entry=entries[2], signing_key=signing).to_json()),
        "log": json.loads(log_export(tender="CP-1", entries=entries)),
        "short": json.loads(log_export(tender="CP-1", entries=entries[:2])),
    }
    result = page.evaluate(
        """async (d) => {
            const cp = await env.verifyCheckpoint(d.checkpoint, d.service);
            await env.verifyReceipt(d.receipt, d.service, {log: d.log, expectedHead: cp.head});
            const out = {entries: cp.entries};
            try {
                await env.verifyReceipt(
                    d.receipt, d.service, {log: d.short, expectedHead: cp.head});
            } catch (e) { out.short = e.message; }
            const forged = structuredClone(d.checkpoint);
            forged.checkpoint.entries = 2;
            try { await env.verifyCheckpoint(forged, d.service); }
            catch (e) { out.forged = e.message; }
            return out;
        }""",
        data,
    )
    assert result["entries"] == 3
    assert "differs from the expected head" in result["short"]
    assert "checkpoint Ed25519 signature is invalid" in result["forged"]
