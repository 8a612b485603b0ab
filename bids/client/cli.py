"""``python -m bids.client``: the same envelope, keys and receipts as the browser, offline.

Commands: member-keygen, encrypt, decrypt-share, verify-receipt, submit, withdraw, and for the
operator service-keygen.
Exit status 0 = done/verified, 1 = refused or failed verification, 2 = usage error.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import http.client
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlsplit

from bids.crypto import (
    MEDIA_TYPE,
    BidCryptoError,
    HybridPublicKey,
    LogCheckpoint,
    MemberKeyFile,
    Receipt,
    ReceiptError,
    ServiceSigningKey,
    ServiceVerifyKey,
    envelope_check_stream,
    envelope_encrypt,
    envelope_encrypt_iter,
    envelope_size,
    log_checkpoint_verify,
    log_import,
    member_key_generate,
    receipt_verify,
    share_decrypt,
)
from bids.crypto.encoding import b64u_decode
from bids.crypto.envelope import DEFAULT_CHUNK_LOG2, MAGIC
from bids.crypto.memberkey import DEFAULT_ITERATIONS

USER_AGENT = "zuschlag-bids-client/1"


class CliError(Exception):
    """A refusal the user should read; printed without a traceback, exit status 1."""


def _read_passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    if args.passphrase_file:
        return Path(args.passphrase_file).read_text(encoding="utf-8").rstrip("\r\n")
    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env)
        if value is None:
            raise CliError(f"environment variable {args.passphrase_env} is not set")
        return value
    first = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("Passphrase again: ") != first:
        raise CliError("the two passphrases differ")
    return first


def _write_new(path: Path, data: bytes, *, force: bool) -> None:
    if path.exists() and not force:
        raise CliError(f"{path} exists; pass --force to overwrite")
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def cmd_member_keygen(args: argparse.Namespace) -> int:
    passphrase = _read_passphrase(args, confirm=True)
    try:
        keyfile, _private = member_key_generate(
            passphrase=passphrase, label=args.label, iterations=args.iterations
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    out = Path(args.output)
    _write_new(out, keyfile.to_json().encode("utf-8"), force=args.force)
    os.chmod(out, 0o600)
    public = keyfile.public_key.to_json()
    if args.public_output:
        _write_new(Path(args.public_output), (public + "\n").encode("ascii"), force=args.force)
    print(f"member key {keyfile.public_key.key_id_hex} written to {out}", file=sys.stderr)
    print(public)
    return 0


def cmd_service_keygen(args: argparse.Namespace) -> int:
    key = ServiceSigningKey.generate()
    out = Path(args.output)
    _write_new(out, key.to_json().encode("ascii"), force=args.force)
    os.chmod(out, 0o600)
    public = key.verify_key.to_json()
    if args.public_output:
        _write_new(Path(args.public_output), public.encode("ascii"), force=args.force)
    print(f"service signing key {key.verify_key.key_id} written to {out}", file=sys.stderr)
    sys.stdout.write(public)
    return 0


def _load_public_key(path: str) -> HybridPublicKey:
    return HybridPublicKey.from_json(Path(path).read_bytes())


def cmd_encrypt(args: argparse.Namespace) -> int:
    recipient = _load_public_key(args.tender_key)
    out = Path(args.output)
    if out.exists() and not args.force:
        raise CliError(f"{out} exists; pass --force to overwrite")
    tmp = out.with_name(out.name + ".part")
    with open(args.file, "rb") as source, open(tmp, "wb") as sink:
        info = envelope_encrypt(
            recipient=recipient, source=source, sink=sink, chunk_log2=args.chunk_log2
        )
    tmp.replace(out)
    print(
        json.dumps(
            {
                "envelope": str(out),
                "key_id": info.key_id,
                "plaintext_size": info.plaintext_size,
                "ciphertext_size": info.ciphertext_size,
                "ciphertext_sha256": info.ciphertext_sha256,
            },
            indent=2,
        )
    )
    return 0


def _read_share_envelope(path: str) -> bytes:
    data = Path(path).read_bytes()
    if data.startswith(MAGIC):
        return data
    text = data.decode("ascii", errors="replace").strip()
    try:
        return bytes.fromhex(text)
    except ValueError:
        pass
    try:
        return b64u_decode(text.replace("+", "-").replace("/", "_").rstrip("="), field="share")
    except BidCryptoError as exc:
        raise CliError(f"{path}: neither an envelope nor its hex/base64 text") from exc


def cmd_decrypt_share(args: argparse.Namespace) -> int:
    keyfile = MemberKeyFile.from_json(Path(args.key).read_bytes())
    passphrase = _read_passphrase(args, confirm=False)
    member = keyfile.unlock(passphrase=passphrase)
    share = share_decrypt(member_key=member, envelope=_read_share_envelope(args.share))
    text = share.to_json() + "\n"
    if args.output:
        _write_new(Path(args.output), text.encode("utf-8"), force=args.force)
        os.chmod(args.output, 0o600)
        print(
            f"share {share.index} of {share.shares} (k={share.threshold}) for {share.binding} "
            f"written to {args.output}: hand it over only at the opening",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return 0


def cmd_verify_receipt(args: argparse.Namespace) -> int:
    receipt = Receipt.from_json(Path(args.receipt).read_bytes())
    service = ServiceVerifyKey.from_json(Path(args.service_key).read_bytes())
    log = None
    head = args.head
    checkpoint = None
    if args.checkpoint:
        checkpoint = LogCheckpoint.from_json(Path(args.checkpoint).read_bytes())
        log_checkpoint_verify(checkpoint=checkpoint, service_key=service)
        if checkpoint.tender != receipt.entry.tender:
            raise ReceiptError(
                f"checkpoint is for tender {checkpoint.tender!r}, "
                f"receipt for {receipt.entry.tender!r}"
            )
        if head and head != checkpoint.head:
            raise ReceiptError("--head and the checkpoint's head differ")
        head = checkpoint.head
        if not args.log:
            raise CliError("--checkpoint needs --log: the log export that leads to its head")
    if args.log:
        tender, log, claimed_head = log_import(Path(args.log).read_bytes())
        if tender != receipt.entry.tender:
            raise ReceiptError(
                f"log export is for tender {tender!r}, receipt for {receipt.entry.tender!r}"
            )
        head = head or claimed_head
    receipt_verify(receipt=receipt, service_key=service, log=log, expected_head=head)
    entry = receipt.entry
    if args.envelope:
        with open(args.envelope, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        if digest != entry.ciphertext_sha256:
            raise ReceiptError(
                f"{args.envelope} has SHA-256 {digest}, the receipt names "
                f"{entry.ciphertext_sha256}: this is not the file the receipt is for"
            )
    print(f"receipt OK: Ed25519 and ML-DSA-65 signatures by service key {service.key_id}")
    print(
        f"  tender {entry.tender}, lot {entry.lot}, bidder {entry.bidder}, event {entry.event}\n"
        f"  received {entry.recorded_at}, ciphertext SHA-256 {entry.ciphertext_sha256}\n"
        f"  log position {entry.position}, entry hash {entry.entry_hash}"
    )
    if log is not None:
        print(f"  bid log verified: {len(log)} entries, this bid at position {entry.position}")
    if checkpoint is not None:
        print(
            f"  signed checkpoint of {checkpoint.at}: {checkpoint.entries} entries, head "
            f"{checkpoint.head} (the log that was opened contains this bid)"
        )
    if args.envelope:
        print(f"  {args.envelope} matches the receipt's ciphertext hash")
    return 0


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise CliError(f"--url must be http(s)://host[:port][/prefix], got {url!r}")
    if parts.scheme == "http" and parts.hostname not in {"localhost", "127.0.0.1", "::1"}:
        raise CliError("refusing plain http to a remote host: the token would travel in clear")
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return cls(parts.hostname, parts.port, timeout=timeout), parts.path.rstrip("/")


def _accept_language(args: argparse.Namespace) -> str:
    """The language the service answers refusals in: --language, else the user's locale
    (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as gettext reads them), else English."""
    candidates = [getattr(args, "language", None)] + [
        os.environ.get(name) for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
    ]
    for value in candidates:
        # "de_DE.UTF-8", "fr_FR@euro", "de:en" -> "de"; "C" and "POSIX" name no language.
        code = (value or "").split(":")[0].split(".")[0].split("@")[0].split("_")[0].lower()
        if code.isalpha() and code not in ("c", "posix"):
            return code
    return "en"


def _headers(args: argparse.Namespace, token: str) -> dict[str, str]:
    return {
        "Authorization": f"Token {token}",
        "User-Agent": USER_AGENT,
        "Accept-Language": _accept_language(args),
    }


def _error_detail(response: http.client.HTTPResponse) -> str:
    body = response.read(64 * 1024)
    try:
        data = json.loads(body)
        return f"{data.get('code', '')}: {data.get('detail', body.decode('utf-8', 'replace'))}"
    except ValueError:
        return body.decode("utf-8", "replace")[:500]


def _fetch_tender_key(args: argparse.Namespace) -> HybridPublicKey:
    conn, prefix = _connection(args.url, args.timeout)
    conn.request(
        "GET",
        f"{prefix}/api/v1/tenders/{quote(args.tender, safe='')}/opening-key",
        headers=_headers(args, args.token),
    )
    response = conn.getresponse()
    if response.status != 200:
        raise CliError(
            f"could not fetch the opening key: HTTP {response.status} {_error_detail(response)}"
        )
    return HybridPublicKey.from_json(response.read(64 * 1024))


class _Hashing:
    """Wrap an iterator of bytes, hashing and counting what goes out."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self.digest = hashlib.sha256()
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        for piece in self._pieces:
            self.digest.update(piece)
            self.size += len(piece)
            yield piece


def _file_pieces(handle: BinaryIO, block: int = 1 << 20) -> Iterator[bytes]:
    while piece := handle.read(block):
        yield piece


def cmd_submit(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get("ZUSCHLAG_TOKEN")
    if not token:
        raise CliError("an API token is needed: --token or ZUSCHLAG_TOKEN")
    args.token = token
    path = Path(args.file)
    with open(path, "rb") as handle:
        if args.encrypted:
            info = envelope_check_stream(source=handle)  # refuse to send plaintext by mistake
            handle.seek(0)
            length = info.ciphertext_size
            body = _Hashing(_file_pieces(handle))
        else:
            recipient = (
                _load_public_key(args.tender_key) if args.tender_key else _fetch_tender_key(args)
            )
            size = os.fstat(handle.fileno()).st_size
            length = envelope_size(plaintext_size=size, chunk_log2=args.chunk_log2)
            body = _Hashing(
                envelope_encrypt_iter(
                    recipient=recipient, source=handle, chunk_log2=args.chunk_log2
                )
            )
        conn, prefix = _connection(args.url, args.timeout)
        url = (
            f"{prefix}/api/v1/tenders/{quote(args.tender, safe='')}/lots/"
            f"{quote(args.lot, safe='')}/bids"
        )
        conn.putrequest("POST", url)
        for name, value in (
            *_headers(args, token).items(),
            ("Content-Type", MEDIA_TYPE),
            ("Content-Length", str(length)),
            ("Accept", "application/json"),
        ):
            conn.putheader(name, value)
        conn.endheaders()
        try:
            for piece in body:
                conn.send(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused mid-upload; its answer below says why
        response = conn.getresponse()
        if response.status not in (200, 201):
            raise CliError(f"bid refused: HTTP {response.status} {_error_detail(response)}")
        raw = response.read(64 * 1024)
    receipt = Receipt.from_json(raw)
    sent_hash = body.digest.hexdigest()
    if body.size != length or receipt.entry.ciphertext_sha256 != sent_hash:
        raise ReceiptError(
            f"receipt names ciphertext {receipt.entry.ciphertext_sha256} but "
            f"{sent_hash} ({body.size} bytes) was sent"
        )
    if args.service_key:
        receipt_verify(
            receipt=receipt,
            service_key=ServiceVerifyKey.from_json(Path(args.service_key).read_bytes()),
        )
    out = Path(args.receipt_output or f"{path.name}.receipt.json")
    _write_new(out, raw, force=True)
    print(
        f"bid accepted at {receipt.entry.recorded_at}, log position {receipt.entry.position}; "
        f"ciphertext SHA-256 {sent_hash}; receipt saved to {out}"
        + ("" if args.service_key else " (pass --service-key to verify its signatures)")
    )
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get("ZUSCHLAG_TOKEN")
    if not token:
        raise CliError("an API token is needed: --token or ZUSCHLAG_TOKEN")
    conn, prefix = _connection(args.url, args.timeout)
    conn.request(
        "DELETE",
        f"{prefix}/api/v1/tenders/{quote(args.tender, safe='')}/lots/{quote(args.lot, safe='')}"
        f"/bids/{quote(args.bid, safe='')}",
        headers=_headers(args, token),
    )
    response = conn.getresponse()
    if response.status != 200:
        raise CliError(f"withdrawal refused: HTTP {response.status} {_error_detail(response)}")
    raw = response.read(64 * 1024)
    receipt = Receipt.from_json(raw)
    out = Path(args.receipt_output or f"withdrawal-{args.bid}.receipt.json")
    _write_new(out, raw, force=True)
    print(f"bid withdrawn at {receipt.entry.recorded_at}; receipt saved to {out}")
    return 0


def _passphrase_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--passphrase-file", help="read the passphrase from this file")
    group.add_argument("--passphrase-env", help="read the passphrase from this variable")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bids.client",
        description="zuschlag sealed-bid client: encrypt bids, manage member keys, verify receipts",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("member-keygen", help="new passphrase-protected committee member key")
    p.add_argument("-o", "--output", required=True, help="key file to write (JSON)")
    p.add_argument("--public-output", help="also write the public key JSON here")
    p.add_argument("--label", default="", help="your name, shown in the key file")
    p.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    p.add_argument("--force", action="store_true")
    _passphrase_options(p)
    p.set_defaults(func=cmd_member_keygen)

    p = sub.add_parser("service-keygen", help="new receipt signing key for the service (operator)")
    p.add_argument("-o", "--output", required=True, help="private key file (keep it secret)")
    p.add_argument("--public-output", help="also write the public key JSON here")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_service_keygen)

    p = sub.add_parser("encrypt", help="encrypt a file to a tender's opening key")
    p.add_argument("--tender-key", required=True, help="tender opening public key (JSON)")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--chunk-log2", type=int, default=DEFAULT_CHUNK_LOG2)
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_encrypt)

    p = sub.add_parser("decrypt-share", help="open your opening-key share (committee member)")
    p.add_argument("--key", required=True, help="your member key file")
    p.add_argument("share", help="the sealed share (binary, hex or base64)")
    p.add_argument("-o", "--output", help="write the share JSON here instead of stdout")
    p.add_argument("--force", action="store_true")
    _passphrase_options(p)
    p.set_defaults(func=cmd_decrypt_share)

    p = sub.add_parser("verify-receipt", help="verify a bid receipt offline")
    p.add_argument("receipt")
    p.add_argument("--service-key", required=True, help="the service's public key (JSON)")
    p.add_argument("--log", help="bid log export: also check the chain and the position")
    p.add_argument("--head", help="expected log head (e.g. from the opening record)")
    p.add_argument("--checkpoint", help="signed log checkpoint (opening record); needs --log")
    p.add_argument("--envelope", help="the encrypted file: check its SHA-256")
    p.set_defaults(func=cmd_verify_receipt)

    for name, helptext in (("submit", "encrypt and upload a bid"), ("withdraw", "withdraw a bid")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument(
            "--url", required=True, help="service base URL, e.g. https://vergabe.example"
        )
        p.add_argument("--tender", required=True, help="tender reference")
        p.add_argument("--lot", required=True, help="lot number")
        p.add_argument("--token", help="API token (default: $ZUSCHLAG_TOKEN)")
        p.add_argument("--timeout", type=float, default=300.0)
        p.add_argument("--receipt-output", help="where to save the receipt JSON")
        p.add_argument(
            "--language",
            help="language of the service's messages, e.g. de or fr (default: your locale)",
        )
        if name == "submit":
            p.add_argument("file")
            p.add_argument("--tender-key", help="opening key JSON (default: fetch from service)")
            p.add_argument("--encrypted", action="store_true", help="FILE is already an envelope")
            p.add_argument("--service-key", help="verify the receipt with this public key")
            p.add_argument("--chunk-log2", type=int, default=DEFAULT_CHUNK_LOG2)
            p.set_defaults(func=cmd_submit)
        else:
            p.add_argument("bid", help="bid id from the receipt")
            p.set_defaults(func=cmd_withdraw)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (CliError, BidCryptoError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (OSError, http.client.HTTPException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
