"""Demo data for the sealed bids (embedded mode): committee members' keys, opening keys for the
published demo tenders, and a couple of sealed bids.

DEMO ONLY: the members' personal keys are generated here on the server, which a real
deployment never does (members make them in their browser or CLI). The key files are written
to ``<ZUSCHLAG_VAR_DIR>/demo-member-keys/<username>.key.json``, protected with the documented
passphrase ``DEMO_KEY_PASSPHRASE``; use them on the opening page to hand over a share.
Safe to run repeatedly.
"""

import io
import json
from pathlib import Path
from typing import Any

from django.conf import settings

from bids.crypto import HybridPublicKey, envelope_encrypt_bytes, member_key_generate
from bids.models import Bid, OpeningKey
from bids.services.keys import member_key_current, member_key_register, opening_key_create
from bids.services.submission import bid_submit, bid_upload_receive
from tenders.models import Tender, TenderState

DEMO_KEY_PASSPHRASE = "zuschlag-demo-oeffnung"
# PBKDF2 at the readers' minimum: the demo key files unlock quickly in the browser.
DEMO_KEY_ITERATIONS = 100_000
COMMITTEE = ("committee1", "committee2", "committee3")


def demo_key_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo-member-keys"


def _member_keys(context: Any) -> None:
    folder = demo_key_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for username in COMMITTEE:
        user = context.users[username]
        if member_key_current(user=user) is not None:
            continue
        key_file, private = member_key_generate(
            passphrase=DEMO_KEY_PASSPHRASE,
            label=user.get_full_name() or username,
            iterations=DEMO_KEY_ITERATIONS,
        )
        (folder / f"{username}.key.json").write_text(key_file.to_json())
        member_key_register(user=user, public_key_json=private.public_key.to_json())


def _opening_keys(context: Any) -> list[Tender]:
    tenders = []
    for tender in Tender.objects.filter(state=TenderState.PUBLISHED).order_by("pk"):
        if not OpeningKey.objects.filter(tender=tender).exists():
            members = list(tender.committee.all())
            if not members or any(member_key_current(user=m) is None for m in members):
                continue
            opening_key_create(tender_id=tender.pk, actor=context.users.get("officer"))
        tenders.append(tender)
    return tenders


def _bid(*, tender: Tender, user: Any, lot: int, document: bytes, price: str) -> None:
    if Bid.objects.filter(tender=tender, submitted_by=user, lot_number=lot).exists():
        return
    key = HybridPublicKey.from_json(OpeningKey.objects.get(tender=tender).public_key)
    fields = {"type": "zuschlag-bid-content", "v": 1, "price": price, "currency": "EUR",
              "filename": "angebot.pdf"}  # fmt: skip
    header = json.dumps(fields, separators=(",", ":")).encode() + b"\n"
    body = envelope_encrypt_bytes(recipient=key, plaintext=header + document, chunk_log2=16)
    _, upload = bid_upload_receive(
        tender_reference=tender.reference,
        lot_number=lot,
        actor=user,
        stream=io.BytesIO(body),
        content_type="application/vnd.zuschlag.envelope.v1",
        content_length=len(body),
    )
    bid_submit(tender_id=tender.pk, lot_number=lot, actor=user, upload=upload)


def seed(context: Any) -> None:
    _member_keys(context)
    tenders = _opening_keys(context)
    if not tenders:
        return
    first = tenders[0]
    lot = 1 if not first.lots.exists() else first.lots.order_by("number").first().number
    _bid(tender=first, user=context.users["bidder"], lot=lot,
         document=b"%PDF-1.7 Angebot Muster Bau", price="298500.00")  # fmt: skip
    _bid(tender=first, user=context.users["kontor"], lot=lot,
         document=b"%PDF-1.7 Angebot Kontor", price="305120.40")  # fmt: skip
