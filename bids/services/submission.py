"""Receiving sealed bids: streamed upload check, submission with receipt, replacement, withdrawal.

The deadline is decided inside the transaction that holds the tender row lock and stores the
bid and its log entry, with the server time read there: a bid racing the deadline is either
completely in (row, log entry, receipt) or completely out (refused and logged as late).
"""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import has_transition_perm

from bids.crypto import (
    MEDIA_TYPE,
    BidCryptoError,
    EnvelopeInfo,
    LogEvent,
    envelope_receive,
    receipt_sign,
)
from bids.errors import (
    BidConflictError,
    BidError,
    BidForbiddenError,
    BidNotFoundError,
    BidTooLargeError,
    ErrorCode,
    LengthRequiredError,
    UnsupportedMediaTypeError,
    crypto_error_text,
)
from bids.models import Bid, BidState, OpeningKey
from bids.models.bid import ciphertext_path
from bids.services.keys import service_signing_key
from bids.services.log import log_entry_append
from bids.services.spool import SpoolWriter
from procurement.core.models import Organisation
from procurement.core.roles import Role, organisations_with_role
from tenders.models import Lot, Tender, TenderState
from workflows import audit

BIDDER_ROLES = (Role.BIDDER_ADMIN, Role.BIDDER_USER)


class LateBidError(BidConflictError):
    code = ErrorCode.DEADLINE_PASSED


@dataclass(frozen=True)
class ReceivedUpload:
    """An upload that passed the structural check, waiting in the private storage's spool."""

    path: Path
    info: EnvelopeInfo

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _documents() -> Any:
    return storages["documents"]


def _spool_dir() -> Path:
    storage = _documents()
    # Spool inside the storage's own directory so that accepting a bid is a rename, not a copy.
    base = (
        Path(storage.location)
        if isinstance(storage, FileSystemStorage)
        else Path(tempfile.gettempdir())
    )
    spool = base / "incoming"
    spool.mkdir(parents=True, exist_ok=True, mode=0o700)
    return spool


def _bidder_organisation_ids(*, actor: Any, organisation_id: int | None = None) -> list[int]:
    ids = organisations_with_role(actor, BIDDER_ROLES)
    if organisation_id is not None:
        if organisation_id not in ids:
            raise BidForbiddenError(
                _("You do not act for this organisation as a bidder."), code=ErrorCode.NOT_BIDDER
            )
        ids = [organisation_id]
    if not ids:
        raise BidForbiddenError(
            _("Only users of a registered bidder organisation can submit or withdraw bids."),
            code=ErrorCode.NOT_BIDDER,
        )
    return ids


def bidder_organisation(*, actor: Any, organisation_id: int | None = None) -> Organisation:
    """The bidder organisation ``actor`` acts for. Raises BidForbiddenError."""
    ids = _bidder_organisation_ids(actor=actor, organisation_id=organisation_id)
    return Organisation.objects.filter(pk__in=ids).order_by("pk").first()


def _tender_by_reference(reference: str) -> Tender:
    tender = Tender.objects.select_related("authority").filter(reference=reference).first()
    if tender is None or tender.published_at is None:
        raise BidNotFoundError(_("No published tender %(ref)s.") % {"ref": reference})
    return tender


def _lot(tender: Tender, lot_number: int) -> Lot | None:
    lots = {lot.number: lot for lot in tender.lots.all()}
    if lots:
        if lot_number not in lots:
            raise BidError(
                _("Tender %(ref)s has no lot %(lot)d (lots: %(lots)s).")
                % {
                    "ref": tender.reference,
                    "lot": lot_number,
                    "lots": ", ".join(str(n) for n in sorted(lots)),
                },
                code=ErrorCode.LOT,
            )
        return lots[lot_number]
    if lot_number != 1:
        raise BidError(
            _("Tender %(ref)s has no lots: submit for lot 1.") % {"ref": tender.reference},
            code=ErrorCode.LOT,
        )
    return None


def _deadline_message(tender: Tender) -> str:
    deadline = timezone.localtime(tender.submission_deadline)
    return _(
        "The deadline for offers of tender %(ref)s passed at %(deadline)s: the bid was "
        "refused and the attempt was logged (VgV §57 Abs. 1 Nr. 1: late offers are excluded)."
    ) % {"ref": tender.reference, "deadline": deadline.strftime("%Y-%m-%d %H:%M:%S %Z")}


def _ensure_open(tender: Tender, now: Any) -> None:
    if tender.state == TenderState.PUBLISHED and tender.submission_deadline > now:
        return
    if tender.submission_deadline is not None and tender.submission_deadline <= now:
        raise LateBidError(_deadline_message(tender))
    raise BidConflictError(
        _("Tender %(ref)s does not accept bids (state: %(state)s).")
        % {"ref": tender.reference, "state": tender.get_state_display()},
        code=ErrorCode.NOT_OPEN,
    )


def _opening_key(tender: Tender) -> OpeningKey:
    key = OpeningKey.objects.filter(tender=tender).first()
    if key is None:
        raise BidConflictError(
            _(
                "Tender %(ref)s has no opening key yet, so bids cannot be sealed for it; the "
                "contracting authority has been asked to complete its opening committee."
            )
            % {"ref": tender.reference},
            code=ErrorCode.NO_OPENING_KEY,
        )
    return key


def bid_upload_receive(
    *,
    tender_reference: str,
    lot_number: int,
    actor: Any,
    stream: IO[bytes],
    content_type: str,
    content_length: int | None,
) -> tuple[Tender, ReceivedUpload]:
    """Stream an envelope upload into the spool, checking it without a key on the way.

    Nothing is read from ``stream`` before the cheap refusals (media type, length, tender open,
    lot, bidder role). Raises UnsupportedMediaTypeError, LengthRequiredError, BidTooLargeError,
    BidError (not an envelope, wrong key, truncated), LateBidError, BidConflictError.
    """
    tender = _tender_by_reference(tender_reference)
    if content_type.split(";")[0].strip().lower() != MEDIA_TYPE:
        raise UnsupportedMediaTypeError(
            _(
                "Bids must be sent encrypted as %(type)s (encrypt them in the bid page or with "
                "`python -m bids.client submit`); plain files are refused (received: "
                "%(got)s)."
            )
            % {"type": MEDIA_TYPE, "got": content_type or "no Content-Type"}
        )
    if content_length is None or content_length < 0:
        raise LengthRequiredError(
            _("Send the envelope with a Content-Length header (chunked uploads are refused).")
        )
    limit = settings.ZUSCHLAG_MAX_BID_BYTES
    if content_length > limit:
        raise BidTooLargeError(
            _("The envelope has %(size)d bytes, more than the limit of %(limit)d bytes.")
            % {"size": content_length, "limit": limit}
        )
    # The role is all the early refusal needs; the organisation is loaded under the lock.
    _bidder_organisation_ids(actor=actor)
    _lot(tender, lot_number)
    now = timezone.now()
    if not (tender.state == TenderState.PUBLISHED and tender.submission_deadline > now):
        # Refuse before reading the body; the decisive check is repeated under the lock.
        try:
            _ensure_open(tender, now)
        except LateBidError:
            bid_late_record(
                tender_id=tender.pk,
                actor=actor,
                lot_number=lot_number,
                ciphertext_sha256="",
                ciphertext_size=content_length,
            )
            raise
    key = _opening_key(tender)
    fd, name = tempfile.mkstemp(dir=_spool_dir(), suffix=".part")
    path = Path(name)
    try:
        with SpoolWriter(fd) as sink:
            info = envelope_receive(
                source=stream,
                sink=sink,
                content_length=content_length,
                max_size=limit,
                expected_key_id=key.kid,
            )
            # The receipt promises a stored bid: the bytes reach the disk before the bid's row
            # is committed. Done here, before the tender row lock, so that other bidders do not
            # wait for this file's write-back.
            sink.sync()
    except BidCryptoError as exc:
        path.unlink(missing_ok=True)
        raise BidError(crypto_error_text(exc), code=str(exc.code)) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return tender, ReceivedUpload(path=path, info=info)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _missing_directories(directory: Path) -> list[Path]:
    """``directory`` and its ancestors that do not exist yet, nearest first (stops at the first
    that exists instead of testing every ancestor up to the root on every upload)."""
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    return missing


def _store(bid: Bid, upload: ReceivedUpload) -> str:
    """Move the (already fsynced) spool file into place: one write of the ciphertext, a rename."""
    storage = _documents()
    name = ciphertext_path(bid, "")
    if isinstance(storage, FileSystemStorage):
        target = Path(storage.path(name))
        created = _missing_directories(target.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(upload.path, target)
        # The rename and any new directory only survive a crash once their parent directory
        # is synced; the commit that follows (and then the receipt) relies on the file's name.
        for directory in [target.parent, *(d.parent for d in created)]:
            _fsync_directory(directory)
        return name
    with upload.path.open("rb") as handle:
        stored = storage.save(name, File(handle))
    upload.discard()
    return stored


def _bidder_label(organisation: Organisation) -> str:
    return organisation.name


def bid_submit(
    *,
    tender_id: int,
    lot_number: int,
    actor: Any,
    upload: ReceivedUpload,
    organisation_id: int | None = None,
) -> Bid:
    """Store an accepted upload as the bidder's bid for the lot, with log entry and receipt.

    A previous bid of the same bidder and lot becomes superseded (kept). Raises LateBidError
    (the attempt is logged in its own transaction), BidConflictError, BidForbiddenError.
    """
    stored: list[str] = []
    try:
        return _bid_submit(
            tender_id=tender_id,
            lot_number=lot_number,
            actor=actor,
            upload=upload,
            organisation_id=organisation_id,
            stored=stored,
        )
    except LateBidError:
        upload.discard()
        bid_late_record(
            tender_id=tender_id,
            actor=actor,
            lot_number=lot_number,
            ciphertext_sha256=upload.info.ciphertext_sha256,
            ciphertext_size=upload.info.ciphertext_size,
        )
        raise
    except BaseException:
        upload.discard()
        for name in stored:
            _documents().delete(name)
        raise


@transaction.atomic
def _bid_submit(
    *,
    tender_id: int,
    lot_number: int,
    actor: Any,
    upload: ReceivedUpload,
    organisation_id: int | None,
    stored: list[str],
) -> Bid:
    tender = Tender.objects.select_for_update().select_related("authority").get(pk=tender_id)
    # The server time that counts is read only now, with the lock held: every bid whose
    # transaction got the lock before the deadline is in, every later one is out.
    now = timezone.now()
    _ensure_open(tender, now)
    bidder = bidder_organisation(actor=actor, organisation_id=organisation_id)
    lot = _lot(tender, lot_number)
    _opening_key(tender)
    previous = list(
        Bid.objects.select_for_update().filter(
            tender=tender, bidder=bidder, lot_number=lot_number, state=BidState.SUBMITTED
        )
    )
    bid = Bid(
        tender=tender,
        lot=lot,
        lot_number=lot_number,
        bidder=bidder,
        submitted_by=actor,
        ciphertext_sha256=upload.info.ciphertext_sha256,
        ciphertext_size=upload.info.ciphertext_size,
        received_at=now,
    )
    entry = log_entry_append(
        tender=tender,
        event=LogEvent.REPLACED if previous else LogEvent.SUBMITTED,
        lot=str(lot_number),
        bidder=_bidder_label(bidder),
        bid=str(bid.public_id),
        ciphertext_sha256=upload.info.ciphertext_sha256,
        ciphertext_size=upload.info.ciphertext_size,
        recorded_at=now,
    )
    bid.log_position = entry.position
    bid.receipt = receipt_sign(entry=entry, signing_key=service_signing_key()).to_json()
    # The file is in place before the commit: a committed bid always has its ciphertext. If
    # the transaction fails after this, bid_submit deletes the file again.
    bid.ciphertext.name = _store(bid, upload)
    stored.append(bid.ciphertext.name)
    bid.save()
    for old in previous:
        old.supersede(by=actor, new_bid=bid)
        old.save(update_fields=["state", "superseded_by"])
    return bid


def bid_late_record(
    *,
    tender_id: int,
    actor: Any,
    lot_number: int,
    ciphertext_sha256: str,
    ciphertext_size: int,
) -> None:
    """Log a refused late bid on the bid log and the audit trail (its own transaction)."""
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=tender_id)
        now = timezone.now()
        try:
            bidder = _bidder_label(bidder_organisation(actor=actor))
        except BidForbiddenError:
            bidder = getattr(actor, "username", "")
        log_entry_append(
            tender=tender,
            event=LogEvent.LATE_REFUSED,
            lot=str(lot_number),
            bidder=bidder,
            bid="",
            ciphertext_sha256=ciphertext_sha256,
            ciphertext_size=ciphertext_size,
            recorded_at=now,
        )
        audit.record(
            actor=actor,
            obj=tender,
            action="bids.bid.late_refused",
            payload={
                "lot": lot_number,
                "bidder": bidder,
                "ciphertext_sha256": ciphertext_sha256,
                "ciphertext_size": ciphertext_size,
                "at": now.isoformat(),
            },
        )


@transaction.atomic
def bid_withdraw(*, tender_reference: str, lot_number: int, bid_public_id: Any, actor: Any) -> Bid:
    """Withdraw a submitted bid before the deadline; its receipt names the withdrawal.

    Raises BidNotFoundError, LateBidError, BidConflictError (not submitted), BidForbiddenError.
    """
    tender = Tender.objects.select_for_update().filter(reference=tender_reference).first()
    if tender is None:
        raise BidNotFoundError(_("No tender %(ref)s.") % {"ref": tender_reference})
    bid = (
        Bid.objects.select_for_update()
        .select_related("bidder")
        .filter(tender=tender, public_id=bid_public_id, lot_number=lot_number)
        .first()
    )
    if bid is None or bid.bidder_id not in organisations_with_role(actor, BIDDER_ROLES):
        raise BidNotFoundError(_("No such bid of your organisation."))
    now = timezone.now()
    _ensure_open(tender, now)
    if bid.state != BidState.SUBMITTED or not has_transition_perm(bid.withdraw, actor):
        raise BidConflictError(
            _("This bid is %(state)s and cannot be withdrawn.")
            % {"state": bid.get_state_display()},
            code=ErrorCode.BID_STATE,
        )
    bid.withdraw(by=actor)
    entry = log_entry_append(
        tender=tender,
        event=LogEvent.WITHDRAWN,
        lot=str(lot_number),
        bidder=_bidder_label(bid.bidder),
        bid=str(bid.public_id),
        ciphertext_sha256=bid.ciphertext_sha256,
        ciphertext_size=bid.ciphertext_size,
        recorded_at=now,
    )
    bid.withdrawn_at = now
    bid.withdrawal_receipt = receipt_sign(entry=entry, signing_key=service_signing_key()).to_json()
    bid.save(update_fields=["state", "withdrawn_at", "withdrawal_receipt"])
    return bid
