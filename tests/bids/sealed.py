"""Helpers for the sealed-bid tests: committee members with keys, a published tender with its
opening key, envelopes sealed to it, and the HTTP calls of docs/envelope.md section 8."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client

from bids.crypto import (
    MEDIA_TYPE,
    HybridPrivateKey,
    HybridPublicKey,
    envelope_encrypt_bytes,
    share_decrypt,
)
from bids.models import EncryptedShare, OpeningKey
from bids.services.keys import member_key_register
from procurement.core.models import Organisation, User
from procurement.core.roles import Role
from tenders.models import Tender
from tests.factories import OperatorFactory, person
from tests.tenders.factories import published_tender


@dataclass
class Member:
    user: User
    key: HybridPrivateKey


def members_with_keys(authority: Organisation, n: int = 2) -> list[Member]:
    members = []
    for _ in range(n):
        user = person(authority, Role.OPENING_COMMITTEE)
        key = HybridPrivateKey.generate()
        member_key_register(user=user, public_key_json=key.public_key.to_json())
        members.append(Member(user=user, key=key))
    return members


def sealed_tender(
    *, authority: Organisation, officer: User, approver: User, n: int = 2, k: int = 2, **kw: Any
) -> tuple[Tender, list[Member]]:
    """A published tender whose opening key was made at publication (members had keys)."""
    members = members_with_keys(authority, n)
    tender = published_tender(
        authority=authority,
        officer=officer,
        approver=approver,
        committee=[m.user for m in members],
        quorum=k,
        **kw,
    )
    assert OpeningKey.objects.filter(tender=tender).exists(), "publication made no opening key"
    return tender, members


def opening_public_key(tender: Tender) -> HybridPublicKey:
    return HybridPublicKey.from_json(OpeningKey.objects.get(tender=tender).public_key)


def seal(tender: Tender, plaintext: bytes, *, chunk_log2: int = 12) -> bytes:
    return envelope_encrypt_bytes(
        recipient=opening_public_key(tender), plaintext=plaintext, chunk_log2=chunk_log2
    )


def bid_content(
    document: bytes, *, price: str | None = None, filename: str = "angebot.pdf"
) -> bytes:
    """What the bid page encrypts: an optional structured-price line, then the document."""
    if price is None:
        return document
    header = {
        "type": "zuschlag-bid-content",
        "v": 1,
        "price": price,
        "currency": "EUR",
        "filename": filename,
    }
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + document


def new_bidder(name: str | None = None) -> User:
    org = OperatorFactory(name=name) if name else OperatorFactory()
    return person(org, Role.BIDDER_ADMIN)


class CsrfClient(Client):
    """A logged-in client that enforces CSRF like a browser session and sends the token header
    (so the tests go through DRF's CSRF check, which reads ``request.POST``)."""

    def generic(self, method: str, path: str, *args: Any, **extra: Any) -> Any:
        if method.upper() not in {"GET", "HEAD", "OPTIONS"}:
            if "csrftoken" not in self.cookies:
                super().generic("GET", "/bids/")  # any page that sets the cookie
                from django.middleware.csrf import _get_new_csrf_string

                self.cookies["csrftoken"] = _get_new_csrf_string()
            extra.setdefault("HTTP_X_CSRFTOKEN", self.cookies["csrftoken"].value)
        return super().generic(method, path, *args, **extra)


def client_for(user: User) -> Client:
    # The API tests assert the English text of ``detail``; the request asks for it like a client
    # configured for English would (without it LocaleMiddleware answers in German).
    client = CsrfClient(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def post_bid(client: Client, tender: Tender, body: bytes, *, lot: int = 1, **extra: Any) -> Any:
    return client.generic(
        "POST",
        f"/api/v1/tenders/{tender.reference}/lots/{lot}/bids",
        data=body,
        content_type=extra.pop("content_type", MEDIA_TYPE),
        **extra,
    )


def member_share_json(tender: Tender, member: Member) -> str:
    share = EncryptedShare.objects.get(opening_key__tender=tender, member=member.user)
    return share_decrypt(member_key=member.key, envelope=bytes(share.envelope)).to_json()


def hand_over(tender: Tender, member: Member, body: bytes | str | None = None) -> Any:
    client = client_for(member.user)
    data = body if body is not None else member_share_json(tender, member)
    return client.generic(
        "POST",
        f"/api/v1/tenders/{tender.reference}/opening/shares",
        data=data if isinstance(data, bytes) else data.encode(),
        content_type="application/json",
    )
