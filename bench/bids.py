"""Sealed-bid speed: upload throughput and peak memory through the real HTTP upload path, and
the opening of many bids, each beside a baseline measured in the same run.

    .venv/bin/python bench/bids.py                         # 1 MB, 100 MB, 1 GB; 1,000 x 1 MB
    .venv/bin/python bench/bids.py --sizes 1,100 --bids 200   # quicker

Upload: a throw-away test database (SQLite by default, DATABASE_URL for PostgreSQL), Django's
WSGI application behind wsgiref in a thread, and a client streaming a ready envelope from disk
with Token auth, exactly as `python -m bids.client submit --encrypted` does. Each size runs in
a fresh child process so its peak RSS (ru_maxrss) is its own. Baseline: copying the same
envelope file on the same disk: a Python 256 KiB read/write loop, the same loop followed by
fsync of the file and its directory (the upload makes ciphertext and row durable before the
receipt goes out, so this is the like-for-like baseline), and shutil.copyfile. SQLite runs on a
database file in the same directory, not Django's in-memory test database, so the commit pays
its fsyncs as in a deployment. Goal: upload >= 50 % of the copy + fsync throughput (and shown
beside the plain copy too), RSS flat across sizes.

Opening: N bids of 1 MB each submitted through the submission service, two members' shares,
then ``opening_run`` (rebuild key, decrypt + hash-check every bid to the private storage,
record PDF, tender opened). Baseline: raw AES-256-GCM decryption of the same number of bytes
in 1 MiB chunks. Goal: 1,000 bids under 30 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings_test")

MB = 1024 * 1024


def _django() -> None:
    import django
    from django.conf import settings

    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite":
        # A database file on the same disk, as deployed: Django's default test database for
        # SQLite lives in memory, so its commit would cost no fsync and flatter the upload.
        var = Path(os.environ.get("ZUSCHLAG_VAR_DIR", tempfile.gettempdir()))
        settings.DATABASES["default"]["TEST"]["NAME"] = str(var / "bench.sqlite3")

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def _world(*, members: int = 2):
    """A published tender with an opening key, a bidder with a token, members' private keys."""
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from bids.crypto import HybridPrivateKey, opening_key_generate
    from bids.models import EncryptedShare, MemberKey, OpeningKey
    from procurement.core.models import Membership, Organisation, User
    from procurement.core.roles import Role
    from tenders.models import Tender

    authority = Organisation.objects.create(kind="authority", name="Bench-Stadt", country="DE")
    bidder_org = Organisation.objects.create(kind="operator", name="Bench Bau GmbH", country="DE")
    officer = User.objects.create(username="bench-officer")
    Membership.objects.create(user=officer, organisation=authority,
                              role=Role.PROCUREMENT_OFFICER)  # fmt: skip
    bidder = User.objects.create(username="bench-bidder")
    Membership.objects.create(user=bidder, organisation=bidder_org, role=Role.BIDDER_ADMIN)
    now = timezone.now()
    tender = Tender.objects.create(
        authority=authority, reference="BENCH-1", title="Bench", cpv_main="39130000-2",
        nuts="DE300", contract_type="supplies", procedure="open", state="published",
        published_at=now, submission_deadline=now + timedelta(days=1),
        opening_at=now + timedelta(days=1), approved_at=now,
    )  # fmt: skip
    keys, users = [], []
    for i in range(members):
        user = User.objects.create(username=f"bench-member-{i}")
        Membership.objects.create(user=user, organisation=authority, role=Role.OPENING_COMMITTEE)
        tender.committee.add(user)
        key = HybridPrivateKey.generate()
        MemberKey.objects.create(user=user, kid=key.public_key.key_id_hex,
                                 public_key=key.public_key.to_json())  # fmt: skip
        keys.append(key)
        users.append(user)
    bundle = opening_key_generate(
        binding="tender:BENCH-1", threshold=2, member_keys=[k.public_key for k in keys]
    )
    opening_key = OpeningKey.objects.create(
        tender=tender, kid=bundle.public_key.key_id_hex, public_key=bundle.public_key.to_json(),
        wrapped_private_key=bundle.wrapped_private_key.to_json(), binding="tender:BENCH-1",
        threshold=2,
    )  # fmt: skip
    for user, key, share in zip(users, keys, bundle.encrypted_shares, strict=True):
        EncryptedShare.objects.create(opening_key=opening_key, member=user,
                                      member_kid=key.public_key.key_id_hex, index=share.index,
                                      envelope=share.envelope)  # fmt: skip
    token = Token.objects.create(user=bidder).key
    return tender, bundle.public_key, token, bidder, officer, list(zip(users, keys, strict=True))


class _Pattern:
    """A readable plaintext of ``size`` bytes without holding it (one random block repeated)."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.block = os.urandom(MB)

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return (self.block * (n // MB + 1))[:n]


def _serve() -> tuple[str, int]:
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from django.core.handlers.wsgi import WSGIHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = make_server("127.0.0.1", 0, WSGIHandler(), server_class=WSGIServer,
                         handler_class=Quiet)  # fmt: skip
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return "127.0.0.1", server.server_address[1]


def _copy(source: Path, target: Path, kind: str) -> float:
    """Seconds to copy ``source`` to ``target`` one way (``loop``, ``fsync``, ``copyfile``)."""
    started = time.perf_counter()
    if kind == "copyfile":
        shutil.copyfile(source, target)
    else:
        with source.open("rb") as src, target.open("wb") as dst:
            while block := src.read(256 * 1024):
                dst.write(block)
            dst.flush()
            if kind == "fsync":
                os.fsync(dst.fileno())
        if kind == "fsync":
            directory = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
    took = time.perf_counter() - started
    target.unlink()
    return took


def one_upload(size_mb: int, workdir: Path) -> dict:
    """Child process: set up, write the envelope, upload it over HTTP; report figures."""
    _django()
    from bids.crypto import MEDIA_TYPE, envelope_encrypt

    tender, public, token, *_ = _world()
    envelope = workdir / f"bid-{size_mb}.zbid"
    with envelope.open("wb") as sink:
        envelope_encrypt(recipient=public, source=_Pattern(size_mb * MB), sink=sink)
    length = envelope.stat().st_size
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    host, port = _serve()
    conn = http.client.HTTPConnection(host, port, timeout=600)
    # Warm up outside the timing: URL resolution, the service signing key (made on first use).
    conn.request("GET", "/api/v1/service-key")
    conn.getresponse().read()
    started = time.perf_counter()
    conn.putrequest("POST", f"/api/v1/tenders/{tender.reference}/lots/1/bids")
    for name, value in (("Authorization", f"Token {token}"), ("Content-Type", MEDIA_TYPE),
                        ("Content-Length", str(length))):  # fmt: skip
        conn.putheader(name, value)
    conn.endheaders()
    with envelope.open("rb") as source:
        while block := source.read(MB):
            conn.send(block)
    response = conn.getresponse()
    body = response.read()
    upload_s = time.perf_counter() - started
    if response.status != 201:
        raise SystemExit(f"upload refused: {response.status} {body[:300]!r}")
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Each baseline three times, interleaved, median: the first copy after a large upload
    # otherwise competes with the upload's write-back and looks slower than it is.
    times: dict[str, list[float]] = {"loop": [], "fsync": [], "copyfile": []}
    for _ in range(3):
        for kind in times:
            times[kind].append(_copy(envelope, workdir / "copy.bin", kind))
    loop_s, fsync_s, copyfile_s = (sorted(t)[1] for t in times.values())
    envelope.unlink()
    return {
        "size_mb": size_mb,
        "bytes": length,
        "upload_s": upload_s,
        "loop_copy_s": loop_s,
        "copyfile_s": copyfile_s,
        "fsync_copy_s": fsync_s,
        "rss_before_mb": rss_before / 1024,
        "rss_peak_mb": rss_after / 1024,
    }


def opening(n_bids: int) -> dict:
    _django()
    import io

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from django.db import transaction

    from bids.crypto import envelope_encrypt_bytes
    from bids.models import Bid
    from bids.services.opening import _share_handover, opening_run, opening_start
    from bids.services.submission import bid_submit, bid_upload_receive
    from procurement.core.models import Membership, Organisation, User
    from procurement.core.roles import Role
    from tenders.models import Tender

    tender, public, _token, _bidder, officer, members = _world()
    block = os.urandom(MB)
    started = time.perf_counter()
    for i in range(n_bids):
        org = Organisation.objects.create(kind="operator", name=f"Bieter {i}", country="DE")
        bidder = User.objects.create(username=f"bench-bidder-{i}")
        Membership.objects.create(user=bidder, organisation=org, role=Role.BIDDER_ADMIN)
        body = envelope_encrypt_bytes(recipient=public, plaintext=block[:-8] + i.to_bytes(8, "big"))
        _, upload = bid_upload_receive(
            tender_reference=tender.reference, lot_number=1, actor=bidder,
            stream=io.BytesIO(body), content_type="application/vnd.zuschlag.envelope.v1",
            content_length=len(body),
        )  # fmt: skip
        bid_submit(tender_id=tender.pk, lot_number=1, actor=bidder, upload=upload)
    submit_s = time.perf_counter() - started
    from datetime import timedelta

    from django.utils import timezone

    past = timezone.now() - timedelta(seconds=1)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=past, opening_at=past)
    from bids.crypto import share_decrypt
    from bids.models import EncryptedShare

    session = opening_start(tender_id=tender.pk, actor=officer)
    for user, key in members:
        share = EncryptedShare.objects.get(member=user)
        text = share_decrypt(member_key=key, envelope=bytes(share.envelope)).to_json()
        with transaction.atomic():
            _share_handover(tender_id=tender.pk, actor=user, body=text.encode())
    started = time.perf_counter()
    opening_run(session_id=session.pk)
    opening_s = time.perf_counter() - started
    opened = Bid.objects.filter(tender=tender, intact=True).count()
    # Baseline: raw AES-GCM over the same bytes, 1 MiB per call.
    aes = AESGCM(os.urandom(32))
    nonce = os.urandom(12)
    sealed = aes.encrypt(nonce, block, b"")
    started = time.perf_counter()
    for _ in range(n_bids):
        aes.decrypt(nonce, sealed, b"")
    raw_s = time.perf_counter() - started
    return {"bids": n_bids, "opened_intact": opened, "submit_s": submit_s,
            "opening_s": opening_s, "raw_aes_gcm_s": raw_s}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,100,1024", help="upload sizes in MB")
    parser.add_argument("--bids", type=int, default=1000, help="bids to open (1 MB each)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, value, workdir = args.child.split(":", 2)
        result = one_upload(int(value), Path(workdir)) if kind == "upload" else opening(int(value))
        print("RESULT " + json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="bench-bids-") as workdir:
        print(
            "Upload through the real HTTP path (wsgiref + Django + EnvelopeStreamCheck + "
            "private storage + receipt, durable before the receipt) beside copies of the same "
            "file on the same disk (median of 3 each)"
        )
        print(f"{'size':>8} {'upload MB/s':>12} {'loop copy MB/s':>15} {'copy+fsync MB/s':>16} "
              f"{'copyfile MB/s':>14} {'upload/loop':>12} {'upload/copy+fsync':>18} "
              f"{'RSS before':>11} {'RSS peak':>9}")  # fmt: skip
        for size in [int(s) for s in args.sizes.split(",")]:
            out = _child(f"upload:{size}:{workdir}", workdir)
            mb = out["bytes"] / MB
            print(f"{size:>6}MB {mb / out['upload_s']:>12.0f} {mb / out['loop_copy_s']:>15.0f} "
                  f"{mb / out['fsync_copy_s']:>16.0f} {mb / out['copyfile_s']:>14.0f} "
                  f"{out['loop_copy_s'] / out['upload_s']:>12.0%} "
                  f"{out['fsync_copy_s'] / out['upload_s']:>18.0%} "
                  f"{out['rss_before_mb']:>9.0f}MB {out['rss_peak_mb']:>7.0f}MB")  # fmt: skip
        if args.bids:
            out = _child(f"opening:{args.bids}:{workdir}", workdir)
            print(f"\nOpening {out['bids']} bids of 1 MB: {out['opening_s']:.1f} s "
                  f"({out['opened_intact']} intact; goal < 30 s); raw AES-256-GCM of the same "
                  f"bytes: {out['raw_aes_gcm_s']:.2f} s; submitting them took "
                  f"{out['submit_s']:.1f} s")  # fmt: skip


def _child(spec: str, workdir: str) -> dict:
    env = {**os.environ, "ZUSCHLAG_VAR_DIR": tempfile.mkdtemp(dir=workdir)}
    done = subprocess.run([sys.executable, __file__, "--child", spec], capture_output=True,
                          text=True, env=env, check=False)  # fmt: skip
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"bench child {spec} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


if __name__ == "__main__":
    main()
