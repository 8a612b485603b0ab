"""``python -m bids.client``: the same envelope, keys and receipts as the browser, offline.

Commands: member-keygen, encrypt, decrypt-share, verify-receipt, submit, withdraw, and for the
operator service-keygen.
Exit status 0 = done/verified, 1 = refused or failed verification, 2 = usage error.
"""

from __future__ import annotations

import argparse
import getpass
import gettext
import hashlib
import http.client
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, NoReturn
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
DOMAIN = "zuschlag-client"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

# The client runs without Django, so its messages come from the standard library's gettext, in a
# domain of its own under bids/client/locale. The marker is ``tr`` rather than ``_``/``gettext``
# on purpose: Django's makemessages in bids/ extracts those, and would copy the client's strings
# into the service's django.po. Extract with ``xgettext --keyword=tr`` (see docs/envelope.md).
_translation: gettext.NullTranslations = gettext.NullTranslations()


def tr(message: str) -> str:
    """``message`` in the language chosen by ``use_language``."""
    return _translation.gettext(message)


def use_language(language: str | None) -> None:
    """Speak ``language`` (de, fr, ...); None follows LANGUAGE, LC_ALL, LC_MESSAGES, LANG as
    gettext reads them. A language without a catalogue falls back to the English source text."""
    global _translation
    _translation = gettext.translation(
        DOMAIN, LOCALE_DIR, languages=[language] if language else None, fallback=True
    )


def _language_option(argv: Sequence[str]) -> str | None:
    """The value of ``--language`` wherever it is given, read before the parser is built: the
    help texts are already in that language."""
    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    pre.add_argument("--language")
    try:
        known, _rest = pre.parse_known_args(list(argv))
    except argparse.ArgumentError:
        return (
            None  # "--language" without a value: the real parser says so, in the locale's language
        )
    return known.language or None


class CliError(Exception):
    """A refusal the user should read; printed without a traceback, exit status 1."""


def _read_passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    if args.passphrase_file:
        return Path(args.passphrase_file).read_text(encoding="utf-8").rstrip("\r\n")
    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env)
        if value is None:
            raise CliError(
                tr("environment variable {name} is not set").format(name=args.passphrase_env)
            )
        return value
    first = getpass.getpass(tr("Passphrase: "))
    if confirm and getpass.getpass(tr("Passphrase again: ")) != first:
        raise CliError(tr("the two passphrases differ"))
    return first


def _write_new(path: Path, data: bytes, *, force: bool) -> None:
    if path.exists() and not force:
        raise CliError(tr("{path} exists; pass --force to overwrite").format(path=path))
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
    print(
        tr("member key {key_id} written to {path}").format(
            key_id=keyfile.public_key.key_id_hex, path=out
        ),
        file=sys.stderr,
    )
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
    print(
        tr("service signing key {key_id} written to {path}").format(
            key_id=key.verify_key.key_id, path=out
        ),
        file=sys.stderr,
    )
    sys.stdout.write(public)
    return 0


def _load_public_key(path: str) -> HybridPublicKey:
    return HybridPublicKey.from_json(Path(path).read_bytes())


def cmd_encrypt(args: argparse.Namespace) -> int:
    recipient = _load_public_key(args.tender_key)
    out = Path(args.output)
    if out.exists() and not args.force:
        raise CliError(tr("{path} exists; pass --force to overwrite").format(path=out))
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
        raise CliError(
            tr("{path}: neither an envelope nor its hex/base64 text").format(path=path)
        ) from exc


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
            tr(
                "share {index} of {shares} (k={threshold}) for {binding} written to {path}: "
                "hand it over only at the opening"
            ).format(
                index=share.index,
                shares=share.shares,
                threshold=share.threshold,
                binding=share.binding,
                path=args.output,
            ),
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
                tr("checkpoint is for tender {checkpoint!r}, receipt for {receipt!r}").format(
                    checkpoint=checkpoint.tender, receipt=receipt.entry.tender
                )
            )
        if head and head != checkpoint.head:
            raise ReceiptError(tr("--head and the checkpoint's head differ"))
        head = checkpoint.head
        if not args.log:
            raise CliError(tr("--checkpoint needs --log: the log export that leads to its head"))
    if args.log:
        tender, log, claimed_head = log_import(Path(args.log).read_bytes())
        if tender != receipt.entry.tender:
            raise ReceiptError(
                tr("log export is for tender {log!r}, receipt for {receipt!r}").format(
                    log=tender, receipt=receipt.entry.tender
                )
            )
        head = head or claimed_head
    receipt_verify(receipt=receipt, service_key=service, log=log, expected_head=head)
    entry = receipt.entry
    if args.envelope:
        with open(args.envelope, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        if digest != entry.ciphertext_sha256:
            raise ReceiptError(
                tr(
                    "{path} has SHA-256 {digest}, the receipt names {expected}: "
                    "this is not the file the receipt is for"
                ).format(path=args.envelope, digest=digest, expected=entry.ciphertext_sha256)
            )
    print(
        tr("receipt OK: Ed25519 and ML-DSA-65 signatures by service key {key_id}").format(
            key_id=service.key_id
        )
    )
    print(
        "  "
        + tr("tender {tender}, lot {lot}, bidder {bidder}, event {event}").format(
            tender=entry.tender, lot=entry.lot, bidder=entry.bidder, event=entry.event
        )
    )
    print(
        "  "
        + tr("received {at}, ciphertext SHA-256 {digest}").format(
            at=entry.recorded_at, digest=entry.ciphertext_sha256
        )
    )
    print(
        "  "
        + tr("log position {position}, entry hash {entry_hash}").format(
            position=entry.position, entry_hash=entry.entry_hash
        )
    )
    if log is not None:
        print(
            "  "
            + tr("bid log verified: {count} entries, this bid at position {position}").format(
                count=len(log), position=entry.position
            )
        )
    if checkpoint is not None:
        print(
            "  "
            + tr(
                "signed checkpoint of {at}: {count} entries, head {head} "
                "(the log that was opened contains this bid)"
            ).format(at=checkpoint.at, count=checkpoint.entries, head=checkpoint.head)
        )
    if args.envelope:
        print("  " + tr("{path} matches the receipt's ciphertext hash").format(path=args.envelope))
    return 0


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise CliError(
            tr("--url must be http(s)://host[:port][/prefix], got {url!r}").format(url=url)
        )
    if parts.scheme == "http" and parts.hostname not in {"localhost", "127.0.0.1", "::1"}:
        raise CliError(tr("refusing plain http to a remote host: the token would travel in clear"))
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
            tr("could not fetch the opening key: HTTP {status} {detail}").format(
                status=response.status, detail=_error_detail(response)
            )
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
        raise CliError(tr("an API token is needed: --token or ZUSCHLAG_TOKEN"))
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
            raise CliError(
                tr("bid refused: HTTP {status} {detail}").format(
                    status=response.status, detail=_error_detail(response)
                )
            )
        raw = response.read(64 * 1024)
    receipt = Receipt.from_json(raw)
    sent_hash = body.digest.hexdigest()
    if body.size != length or receipt.entry.ciphertext_sha256 != sent_hash:
        raise ReceiptError(
            tr("receipt names ciphertext {named} but {sent} ({size} bytes) was sent").format(
                named=receipt.entry.ciphertext_sha256, sent=sent_hash, size=body.size
            )
        )
    if args.service_key:
        receipt_verify(
            receipt=receipt,
            service_key=ServiceVerifyKey.from_json(Path(args.service_key).read_bytes()),
        )
    out = Path(args.receipt_output or f"{path.name}.receipt.json")
    _write_new(out, raw, force=True)
    accepted = tr(
        "bid accepted at {at}, log position {position}; ciphertext SHA-256 {digest}; "
        "receipt saved to {path}"
    ).format(
        at=receipt.entry.recorded_at, position=receipt.entry.position, digest=sent_hash, path=out
    )
    if not args.service_key:
        accepted += " " + tr("(pass --service-key to verify its signatures)")
    print(accepted)
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get("ZUSCHLAG_TOKEN")
    if not token:
        raise CliError(tr("an API token is needed: --token or ZUSCHLAG_TOKEN"))
    conn, prefix = _connection(args.url, args.timeout)
    conn.request(
        "DELETE",
        f"{prefix}/api/v1/tenders/{quote(args.tender, safe='')}/lots/{quote(args.lot, safe='')}"
        f"/bids/{quote(args.bid, safe='')}",
        headers=_headers(args, token),
    )
    response = conn.getresponse()
    if response.status != 200:
        raise CliError(
            tr("withdrawal refused: HTTP {status} {detail}").format(
                status=response.status, detail=_error_detail(response)
            )
        )
    raw = response.read(64 * 1024)
    receipt = Receipt.from_json(raw)
    out = Path(args.receipt_output or f"withdrawal-{args.bid}.receipt.json")
    _write_new(out, raw, force=True)
    print(
        tr("bid withdrawn at {at}; receipt saved to {path}").format(
            at=receipt.entry.recorded_at, path=out
        )
    )
    return 0


def _passphrase_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--passphrase-file", help=tr("read the passphrase from this file"))
    group.add_argument("--passphrase-env", help=tr("read the passphrase from this variable"))


class _HelpFormatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, tr("usage: ") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with its headings, -h help and error prefix in the client's language; argparse
    translates its error details with the interpreter's own (English) gettext domain."""

    def __init__(self, *args: Any, add_help: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self.add_help = add_help
        self._positionals.title = tr("positional arguments")
        self._optionals.title = tr("options")
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help=tr("show this help message and exit"),
            )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, tr("{prog}: error: {message}").format(prog=self.prog, message=message) + "\n")


def _language_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # Accepted before and after the command; SUPPRESS keeps a command's unset option from
    # overwriting a value given before it.
    parser.add_argument(
        "--language",
        default=None if top else argparse.SUPPRESS,
        help=tr(
            "language of the messages, the client's and the service's, e.g. de or fr "
            "(default: your locale)"
        ),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m bids.client",
        description=tr(
            "zuschlag sealed-bid client: encrypt bids, manage member keys, verify receipts"
        ),
    )
    _language_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("member-keygen", help=tr("new passphrase-protected committee member key"))
    p.add_argument("-o", "--output", required=True, help=tr("key file to write (JSON)"))
    p.add_argument("--public-output", help=tr("also write the public key JSON here"))
    p.add_argument("--label", default="", help=tr("your name, shown in the key file"))
    p.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    p.add_argument("--force", action="store_true")
    _passphrase_options(p)
    _language_options(p)
    p.set_defaults(func=cmd_member_keygen)

    p = sub.add_parser(
        "service-keygen", help=tr("new receipt signing key for the service (operator)")
    )
    p.add_argument("-o", "--output", required=True, help=tr("private key file (keep it secret)"))
    p.add_argument("--public-output", help=tr("also write the public key JSON here"))
    p.add_argument("--force", action="store_true")
    _language_options(p)
    p.set_defaults(func=cmd_service_keygen)

    p = sub.add_parser("encrypt", help=tr("encrypt a file to a tender's opening key"))
    p.add_argument("--tender-key", required=True, help=tr("tender opening public key (JSON)"))
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--chunk-log2", type=int, default=DEFAULT_CHUNK_LOG2)
    p.add_argument("--force", action="store_true")
    _language_options(p)
    p.set_defaults(func=cmd_encrypt)

    p = sub.add_parser("decrypt-share", help=tr("open your opening-key share (committee member)"))
    p.add_argument("--key", required=True, help=tr("your member key file"))
    p.add_argument("share", help=tr("the sealed share (binary, hex or base64)"))
    p.add_argument("-o", "--output", help=tr("write the share JSON here instead of stdout"))
    p.add_argument("--force", action="store_true")
    _passphrase_options(p)
    _language_options(p)
    p.set_defaults(func=cmd_decrypt_share)

    p = sub.add_parser("verify-receipt", help=tr("verify a bid receipt offline"))
    p.add_argument("receipt")
    p.add_argument("--service-key", required=True, help=tr("the service's public key (JSON)"))
    p.add_argument("--log", help=tr("bid log export: also check the chain and the position"))
    p.add_argument("--head", help=tr("expected log head (e.g. from the opening record)"))
    p.add_argument("--checkpoint", help=tr("signed log checkpoint (opening record); needs --log"))
    p.add_argument("--envelope", help=tr("the encrypted file: check its SHA-256"))
    _language_options(p)
    p.set_defaults(func=cmd_verify_receipt)

    for name, helptext in (
        ("submit", tr("encrypt and upload a bid")),
        ("withdraw", tr("withdraw a bid")),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument(
            "--url", required=True, help=tr("service base URL, e.g. https://vergabe.example")
        )
        p.add_argument("--tender", required=True, help=tr("tender reference"))
        p.add_argument("--lot", required=True, help=tr("lot number"))
        p.add_argument("--token", help=tr("API token (default: $ZUSCHLAG_TOKEN)"))
        p.add_argument("--timeout", type=float, default=300.0)
        p.add_argument("--receipt-output", help=tr("where to save the receipt JSON"))
        if name == "submit":
            p.add_argument("file")
            p.add_argument(
                "--tender-key", help=tr("opening key JSON (default: fetch from service)")
            )
            p.add_argument(
                "--encrypted", action="store_true", help=tr("FILE is already an envelope")
            )
            p.add_argument("--service-key", help=tr("verify the receipt with this public key"))
            p.add_argument("--chunk-log2", type=int, default=DEFAULT_CHUNK_LOG2)
            _language_options(p)
            p.set_defaults(func=cmd_submit)
        else:
            p.add_argument("bid", help=tr("bid id from the receipt"))
            _language_options(p)
            p.set_defaults(func=cmd_withdraw)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    use_language(_language_option(argv))
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (CliError, BidCryptoError) as exc:
        print(tr("error: {message}").format(message=exc), file=sys.stderr)
        return 1
    except (OSError, http.client.HTTPException) as exc:
        print(tr("error: {message}").format(message=exc), file=sys.stderr)
        return 1
