"""Tenders in the ``opened`` state with opened bids, for the evaluation/award/contract tests.

The sealed-bid path (keys, encryption, opening) has its own tests; here the opening's outcome is
written directly (state, intact, price) so each test starts where evaluation starts."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from bids.models import Bid, BidState
from procurement.core.models import Organisation, User
from procurement.core.roles import Role
from tenders.models import Tender, TenderState
from tenders.services import LotInput, lot_save
from tests.factories import OperatorFactory, person
from tests.tenders.factories import draft_tender


def opened_tender(
    *,
    authority: Organisation,
    officer: User,
    prices: list[Decimal | str | None],
    intact: list[bool] | None = None,
    lots: list[int] | None = None,
    **overrides: Any,
) -> tuple[Tender, list[Bid]]:
    """A tender (criteria price 60 / quality 40) whose bids were opened, one per price;
    ``lots`` gives each bid's lot number (the tender then has those lots)."""
    tender = draft_tender(authority=authority, officer=officer, **overrides)
    lot_rows = {}
    for number in sorted(set(lots or [])):
        lot_rows[number] = lot_save(
            tender_id=tender.pk,
            actor=officer,
            data=LotInput(
                number=number,
                title=f"Los {number}",
                cpv_main="39130000-2",
                estimated_value=Decimal("150000.00"),
            ),
        )
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        state=TenderState.OPENED,
        published_at=now - timedelta(days=45),
        closed_at=now - timedelta(days=2),
        opened_at=now - timedelta(days=1),
    )
    tender.refresh_from_db()
    bids = []
    for i, price in enumerate(prices):
        bidder = OperatorFactory(name=f"Bieter {i + 1} GmbH")
        person(bidder, Role.BIDDER_ADMIN, username=f"bidder{i + 1}-{tender.pk}")
        bids.append(
            Bid.objects.create(
                tender=tender,
                lot_number=lots[i] if lots else 1,
                lot=lot_rows.get(lots[i]) if lots else None,
                bidder=bidder,
                ciphertext=f"bids/{tender.public_id}/{uuid.uuid4().hex}.zbid",
                ciphertext_sha256="0" * 64,
                ciphertext_size=1,
                received_at=now - timedelta(days=3),
                log_position=i + 1,
                receipt="{}",
                state=BidState.OPENED,
                opened_at=now - timedelta(days=1),
                intact=True if intact is None else intact[i],
                price=None if price is None else Decimal(str(price)),
                currency="EUR",
            )
        )
    return tender, bids


def bidder_user(bid: Bid) -> User:
    return User.objects.get(memberships__organisation=bid.bidder)
