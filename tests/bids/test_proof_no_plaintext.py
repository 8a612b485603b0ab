"""Proof: before the opening, neither the database (every row of every table) nor the media
storage holds any plaintext of a submitted bid; after the opening the decrypted documents are
in the private storage (never in the database, never under a public URL)."""

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from freezegun import freeze_time

from bids.services.opening import opening_start
from tenders.models import TenderState
from tests.bids.sealed import (
    bid_content,
    client_for,
    hand_over,
    new_bidder,
    post_bid,
    seal,
    sealed_tender,
)

pytestmark = pytest.mark.django_db


def _database_dump() -> bytes:
    """Every row of every table, raw, as bytes (text and binary columns alike)."""
    out = bytearray()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        out += bytes(value)
                    else:
                        out += str(value).encode("utf-8", "surrogatepass")
                    out += b"\x00"
    return bytes(out)


def _media_dump() -> bytes:
    out = bytearray()
    for path in sorted(Path(settings.MEDIA_ROOT).rglob("*")):
        if path.is_file():
            out += path.read_bytes()
    return bytes(out)


def test_no_plaintext_anywhere_before_the_opening(
    authority, officer, approver, django_capture_on_commit_callbacks
):
    tender, members = sealed_tender(authority=authority, officer=officer, approver=approver)
    markers = [f"GEHEIM-{uuid.uuid4().hex}".encode() for _ in range(3)]
    for i, marker in enumerate(markers):
        document = b"%PDF-1.7 Angebot " + marker + b" Ende" + b"." * (i * 70_000)
        body = seal(tender, bid_content(document, price=f"{1000 + i}.00"))
        assert post_bid(client_for(new_bidder()), tender, body).status_code == 201
    prices = [b"1000.00", b"1001.00", b"1002.00"]

    with freeze_time(tender.opening_at + timedelta(minutes=1)):
        opening_start(tender_id=tender.pk, actor=officer)
        hand_over(tender, members[0])
        database, media = _database_dump(), _media_dump()
        assert len(database) > 10_000  # the dump really covers the tables
        for marker in markers:
            assert marker not in database
            assert marker not in media
        for price in prices:
            assert b'"price":"' + price not in database + media

        with django_capture_on_commit_callbacks(execute=True):
            assert hand_over(tender, members[1]).status_code == 200

    tender.refresh_from_db()
    assert tender.state == TenderState.OPENED
    media_after = _media_dump()
    for marker in markers:
        assert marker in media_after  # decrypted documents, in the private storage only
        assert marker not in _database_dump()
    private = Path(settings.STORAGES["documents"]["OPTIONS"]["location"])
    opened = b"".join(p.read_bytes() for p in private.rglob("bids-opened/**/*") if p.is_file())
    for marker in markers:
        assert marker in opened
    assert settings.MEDIA_URL is None  # nothing in the storage is reachable by URL
