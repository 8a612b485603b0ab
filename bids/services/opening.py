"""The opening ceremony: start after the deadline, k members hand over their shares, every bid
is decrypted and checked against its hash, the record is written, the tender becomes opened.

Crash safety: each bid's result is committed in its own transaction keyed by the bid (a bid
still ``submitted`` has not been opened); the tender moves closed → opened only at the very
end, with the record. ``opening_run`` can therefore be rerun at any point and completes what
is missing. The rebuilt opening key lives only in local variables of ``opening_run``.
"""

import functools
import hashlib
import itertools
import json
import logging
import os
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bids.crypto import (
    BidCryptoError,
    HybridPrivateKey,
    HybridPublicKey,
    LogChainError,
    OpeningShare,
    WrappedOpeningKey,
    envelope_decrypt,
    log_checkpoint_sign,
    log_verify,
    opening_key_recover,
    share_decrypt,
)
from bids.crypto.envelope import MAGIC
from bids.errors import (
    BidConflictError,
    BidError,
    BidForbiddenError,
    ErrorCode,
    crypto_error_text,
)
from bids.models import Bid, BidState, EncryptedShare, OpeningKey, OpeningSession, OpeningState
from bids.models.bid import opened_path
from bids.models.opening import ShareHandover
from bids.selectors import bids_for_opening
from bids.services.keys import service_signing_key
from bids.services.log import log_entries
from procurement.core.i18n import in_every_language
from procurement.core.money import CENT
from procurement.core.roles import Role, has_role
from tenders.models import Tender, TenderState
from workflows import audit

logger = logging.getLogger(__name__)
CONTENT_TYPE = "zuschlag-bid-content"
MAX_SUBSETS = 5000
CONTENT_PREFIX = b'{"type":"' + CONTENT_TYPE.encode() + b'"'


def _documents() -> Any:
    return storages["documents"]


def _too_early(tender: Tender, now: Any) -> str | None:
    if tender.submission_deadline is None or now < tender.submission_deadline:
        return _(
            "Tender %(ref)s cannot be opened before its deadline for offers (%(deadline)s): "
            "bids stay sealed until then (VgV §55 Abs. 1)."
        ) % {
            "ref": tender.reference,
            "deadline": timezone.localtime(tender.submission_deadline).strftime("%Y-%m-%d %H:%M"),
        }
    if tender.opening_at is not None and now < tender.opening_at:
        return _("The opening of tender %(ref)s is scheduled for %(at)s.") % {
            "ref": tender.reference,
            "at": timezone.localtime(tender.opening_at).strftime("%Y-%m-%d %H:%M"),
        }
    return None


def _storage_path_check(bid: Bid) -> str | None:
    digest = hashlib.sha256()
    try:
        with bid.ciphertext.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return _("The stored ciphertext of the bid of %(bidder)s (lot %(lot)d) is missing.") % {
            "bidder": bid.bidder.name,
            "lot": bid.lot_number,
        }
    if digest.hexdigest() != bid.ciphertext_sha256:
        return _(
            "The stored ciphertext of the bid of %(bidder)s (lot %(lot)d) differs from the "
            "SHA-256 in its receipt (%(sha)s): the stored file was changed after receipt. The "
            "opening is refused; restore the file from backup."
        ) % {"bidder": bid.bidder.name, "lot": bid.lot_number, "sha": bid.ciphertext_sha256}
    return None


@transaction.atomic
def opening_start(*, tender_id: int, actor: Any) -> OpeningSession:
    """Start the opening after the deadline: verify the log, sign its checkpoint, check every
    stored ciphertext against its hash and make this opening's session key.

    Idempotent while the opening is not finished. Raises BidForbiddenError, BidConflictError
    (too early, wrong state, log broken, ciphertext changed, no opening key).
    """
    tender = Tender.objects.select_for_update().select_related("authority").get(pk=tender_id)
    if not has_role(actor, tender.authority, [Role.PROCUREMENT_OFFICER, Role.OPENING_COMMITTEE]):
        raise BidForbiddenError(
            _("Only procurement officers or committee members of %(org)s start an opening.")
            % {"org": tender.authority.name}
        )
    existing = OpeningSession.objects.filter(tender=tender).first()
    if existing is not None:
        return existing
    now = timezone.now()
    early = _too_early(tender, now)
    if early:
        raise BidConflictError(early, code=ErrorCode.OPENING_TOO_EARLY)
    if tender.state == TenderState.PUBLISHED:
        from tenders.services import tender_close_at_deadline

        tender_close_at_deadline(tender.pk)
        tender.refresh_from_db()
    if tender.state != TenderState.CLOSED:
        raise BidConflictError(
            _("Tender %(ref)s is %(state)s: only a closed tender is opened.")
            % {"ref": tender.reference, "state": tender.get_state_display()},
            code=ErrorCode.OPENING_STATE,
        )
    if not OpeningKey.objects.filter(tender=tender).exists():
        raise BidConflictError(
            _("Tender %(ref)s has no opening key: there is nothing sealed to open.")
            % {"ref": tender.reference},
            code=ErrorCode.NO_OPENING_KEY,
        )
    entries = log_entries(tender=tender)
    try:
        checkpoint = log_checkpoint_sign(
            tender=tender.reference, entries=entries, at=now, signing_key=service_signing_key()
        )
    except LogChainError as exc:
        raise BidConflictError(
            _("The bid log of tender %(ref)s fails its check. %(e)s The opening is refused.")
            % {"ref": tender.reference, "e": crypto_error_text(exc)},
            code=ErrorCode.LOG_BROKEN,
        ) from exc
    _check_log_matches_bids(tender=tender, entries=entries)
    for bid in bids_for_opening(tender=tender):
        problem = _storage_path_check(bid)
        if problem:
            raise BidConflictError(problem, code="ciphertext_changed")
    session_key = HybridPrivateKey.generate()
    return OpeningSession.objects.create(
        tender=tender,
        started_by=actor,
        session_public_key=session_key.public_key.to_json(),
        session_private_key=session_key.raw,
        checkpoint=checkpoint.to_json(),
        log_head=checkpoint.head,
        log_entries=checkpoint.entries,
    )


def _check_log_matches_bids(*, tender: Tender, entries: list[Any]) -> None:
    """Every stored bid must be in the log with the same hash; the log must name no bid the
    database lacks. A row edited or deleted behind the log's back is caught here."""
    logged = {e.bid: e for e in entries if e.event in {"bid.submitted", "bid.replaced"} and e.bid}
    stored = {str(b.public_id): b for b in Bid.objects.filter(tender=tender)}
    for ref, bid in stored.items():
        entry = logged.get(ref)
        if entry is None or entry.ciphertext_sha256 != bid.ciphertext_sha256:
            raise BidConflictError(
                _(
                    "Bid %(bid)s of %(bidder)s is not in the bid log as stored (hash or entry "
                    "differs): the opening is refused."
                )
                % {"bid": ref, "bidder": bid.bidder.name},
                code=ErrorCode.LOG_BROKEN,
            )
    missing = sorted(set(logged) - set(stored))
    if missing:
        raise BidConflictError(
            _("The bid log names bids that are missing from the database: %(ids)s.")
            % {"ids": ", ".join(missing)},
            code=ErrorCode.LOG_BROKEN,
        )


def _parse_share(session: OpeningSession, body: bytes) -> OpeningShare:
    if body.startswith(MAGIC):
        if not session.session_private_key:
            raise BidConflictError(_("This opening is finished."), code=ErrorCode.OPENING_STATE)
        key = HybridPrivateKey.from_raw(bytes(session.session_private_key))
        return share_decrypt(member_key=key, envelope=body)
    return OpeningShare.from_json(body)


def share_handover(*, tender_id: int, actor: Any, body: bytes) -> dict[str, Any]:
    """A committee member hands over their decrypted share for this opening (once).

    When the k-th share arrives the key is rebuilt once to prove the shares fit, and the
    decryption of the bids is queued. Raises BidForbiddenError (not a member), BidConflictError
    (no opening started, already handed over, opening finished), BidError (wrong share).
    """
    result = _share_handover(tender_id=tender_id, actor=actor, body=body)
    if result["complete"]:
        from bids.tasks import opening_run_task

        transaction.on_commit(lambda: opening_run_task.delay(result["session_id"]))
    return result


@transaction.atomic
def _share_handover(*, tender_id: int, actor: Any, body: bytes) -> dict[str, Any]:
    tender = Tender.objects.select_for_update().select_related("authority").get(pk=tender_id)
    if not tender.committee.filter(pk=actor.pk).exists():
        raise BidForbiddenError(
            _("Only members of the opening committee of %(ref)s hand over shares.")
            % {"ref": tender.reference},
            code=ErrorCode.NOT_MEMBER,
        )
    session = OpeningSession.objects.select_for_update().filter(tender=tender).first()
    if session is None:
        raise BidConflictError(
            _(
                "The opening of %(ref)s has not been started: shares are accepted only during an "
                "opening, after the deadline."
            )
            % {"ref": tender.reference},
            code=ErrorCode.OPENING_STATE,
        )
    if session.state != OpeningState.COLLECTING:
        raise BidConflictError(
            _("The opening of %(ref)s already has its %(k)d shares.")
            % {"ref": tender.reference, "k": tender.opening_quorum},
            code=ErrorCode.OPENING_STATE,
        )
    if ShareHandover.objects.filter(session=session, member=actor).exists():
        raise BidConflictError(
            _("You have already handed over your share for this opening; each member counts once."),
            code=ErrorCode.SHARE_TWICE,
        )
    mine = EncryptedShare.objects.filter(opening_key__tender=tender, member=actor).first()
    opening_key = OpeningKey.objects.get(tender=tender)
    if mine is None:
        raise BidForbiddenError(
            _("No share of the opening key was sealed to you for this tender."),
            code=ErrorCode.NOT_MEMBER,
        )
    try:
        share = _parse_share(session, body)
    except BidCryptoError as exc:
        raise BidError(crypto_error_text(exc), code=str(exc.code)) from exc
    if share.key_id != opening_key.kid or share.binding != opening_key.binding:
        raise BidError(
            _("This share belongs to another opening key (%(binding)s), not to %(ref)s.")
            % {"binding": share.binding, "ref": tender.reference},
            code="share_invalid",
        )
    if share.index != mine.index:
        raise BidError(
            _("This is share %(got)d, but your share is number %(mine)d: hand over your own.")
            % {"got": share.index, "mine": mine.index},
            code="share_invalid",
        )
    ShareHandover.objects.create(
        session=session, member=actor, index=share.index, share=share.to_json()
    )
    present = ShareHandover.objects.filter(session=session).count()
    needed = opening_key.threshold
    complete = False
    problem = ""
    if present >= needed:
        shares = [OpeningShare.from_json(h.share) for h in session.handovers.all()]
        try:
            key = _recover(opening_key=opening_key, shares=shares)
        except BidCryptoError as exc:
            # The hand-over stays (nobody can tell which of exactly k shares is wrong); the
            # tender and the bids are untouched. Another member's share, or the officer
            # resetting the hand-overs, lets the opening go on.
            problem = _(
                "The %(n)d shares handed over do not rebuild the opening key. %(e)s The bids "
                "stay sealed; another committee member can hand over a share, or an officer "
                "resets the hand-overs."
            ) % {"n": present, "e": crypto_error_text(exc)}
        else:
            del key
            complete = True
            session.state = OpeningState.RUNNING
            session.completed_by = actor
            session.save(update_fields=["state", "completed_by"])
    return {
        "present": present,
        "needed": needed,
        "complete": complete,
        "problem": problem,
        "session_id": session.pk,
        "detail": _("Share %(i)d accepted (%(n)d of %(k)d).")
        % {"i": share.index, "n": present, "k": needed},
    }


def _recover(*, opening_key: OpeningKey, shares: list[OpeningShare]) -> HybridPrivateKey:
    """The opening key from the shares handed over: all of them, else the first k-subset that
    rebuilds it (a wrong share among more than k must not block the opening)."""
    wrapped = WrappedOpeningKey.from_json(opening_key.wrapped_private_key)
    public = HybridPublicKey.from_json(opening_key.public_key)
    try:
        return opening_key_recover(wrapped=wrapped, shares=shares, public_key=public)
    except BidCryptoError as first:
        if len(shares) <= opening_key.threshold:
            raise
        for subset in itertools.islice(
            itertools.combinations(shares, opening_key.threshold), MAX_SUBSETS
        ):
            try:
                return opening_key_recover(wrapped=wrapped, shares=list(subset), public_key=public)
            except BidCryptoError:
                continue
        raise first


def _price(header: dict[str, Any]) -> tuple[Decimal | None, str]:
    raw = header.get("price")
    if raw in (None, ""):
        return None, ""
    try:
        value = Decimal(str(raw).replace(",", "."))
    except InvalidOperation:
        return None, ""
    if not value.is_finite() or value < 0:
        return None, ""
    return value.quantize(CENT), str(header.get("currency") or "EUR")[:3].upper()


def bid_content_header(first_bytes: bytes) -> dict[str, Any]:
    """The optional first line the bid page writes before the document (structured price)."""
    if not first_bytes.startswith(CONTENT_PREFIX):
        return {}
    line = first_bytes.split(b"\n", 1)[0]
    try:
        header = json.loads(line)
    except ValueError:
        return {}
    return header if isinstance(header, dict) else {}


def _spool() -> Path:
    storage = _documents()
    base = (
        Path(storage.location)
        if isinstance(storage, FileSystemStorage)
        else Path(tempfile.gettempdir())
    )
    spool = base / "incoming"
    spool.mkdir(parents=True, exist_ok=True, mode=0o700)
    return spool


def _open_one(*, bid_id: int, key: HybridPrivateKey) -> None:
    tmp: Path | None = None
    try:
        with transaction.atomic():
            bid = Bid.objects.select_for_update().select_related("tender").get(pk=bid_id)
            if bid.state != BidState.SUBMITTED:
                return  # opened by an earlier (interrupted) run
            fd, name = tempfile.mkstemp(dir=_spool(), suffix=".open")
            tmp = Path(name)
            error = ""
            plaintext_size = None
            try:
                with os.fdopen(fd, "wb") as sink, bid.ciphertext.open("rb") as source:
                    info = envelope_decrypt(
                        private_key=key,
                        source=source,
                        sink=sink,
                        expected_sha256=bid.ciphertext_sha256,
                    )
                plaintext_size = info.plaintext_size
            except BidCryptoError as exc:
                # Read only in the opening record, which is written in German (record.py).
                with translation.override("de"):
                    error = crypto_error_text(exc)
            except OSError:
                with translation.override("de"):
                    error = _("The stored envelope could not be read.")
            bid.open(by=None, intact=not error, ciphertext_sha256=bid.ciphertext_sha256)
            bid.opening_error = error
            bid.plaintext_size = plaintext_size
            fields = ["state", "opened_at", "intact", "opening_error", "plaintext_size"]
            if not error:
                with tmp.open("rb") as handle:
                    header = bid_content_header(handle.read(4096))
                bid.price, bid.currency = _price(header)
                bid.document_name = str(header.get("filename") or "")[:255]
                bid.document.name = _store_plaintext(bid, tmp)
                fields += ["price", "currency", "document_name", "document"]
                bid.save(update_fields=fields)
                bid.admit(by=None)
                bid.save(update_fields=["state"])
            else:
                bid.save(update_fields=fields)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _store_plaintext(bid: Bid, tmp: Path) -> str:
    storage = _documents()
    name = opened_path(bid, "")
    if isinstance(storage, FileSystemStorage):
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        return name
    with tmp.open("rb") as handle:
        return storage.save(name, handle)


def opening_run(*, session_id: int) -> OpeningSession:
    """Decrypt every bid not yet opened, then write the record and open the tender.

    Safe to rerun after a crash. Raises BidConflictError when the log changed since the start.
    """
    session = OpeningSession.objects.select_related("tender").get(pk=session_id)
    if session.state == OpeningState.DONE:
        return session
    if session.state != OpeningState.RUNNING:
        raise BidConflictError(
            _("The opening still waits for committee members' shares."),
            code=ErrorCode.OPENING_STATE,
        )
    tender = session.tender
    entries = log_entries(tender=tender)[: session.log_entries]
    try:
        log_verify(tender=tender.reference, entries=entries, expected_head=session.log_head)
    except LogChainError as exc:
        _keep_error(session_id=session.pk, build=functools.partial(_log_changed, exc))
        raise BidConflictError(_log_changed(exc), code=ErrorCode.LOG_BROKEN) from exc
    opening_key = OpeningKey.objects.get(tender=tender)
    key = _recover(
        opening_key=opening_key,
        shares=[OpeningShare.from_json(h.share) for h in session.handovers.all()],
    )
    try:
        pending = bids_for_opening(tender=tender).filter(state=BidState.SUBMITTED)
        for bid_id in pending.values_list("pk", flat=True):
            _open_one(bid_id=bid_id, key=key)
    finally:
        del key
    try:
        return _opening_finish(session_id=session.pk)
    except BidConflictError:
        _keep_error(session_id=session.pk, build=_bids_left_unopened)
        raise


def _log_changed(error: LogChainError) -> str:
    return _("The bid log changed since the opening started. %(e)s") % {
        "e": crypto_error_text(error)
    }


def _bids_left_unopened() -> str:
    return _("Some bids are not opened yet.")


@transaction.atomic
def _opening_finish(*, session_id: int) -> OpeningSession:
    from bids.services.record import opening_record_pdf
    from tenders.services import tender_open

    session = OpeningSession.objects.select_for_update().select_related("tender").get(pk=session_id)
    if session.state == OpeningState.DONE:
        return session
    tender = Tender.objects.select_for_update().get(pk=session.tender_id)
    if bids_for_opening(tender=tender).filter(state=BidState.SUBMITTED).exists():
        raise BidConflictError(_bids_left_unopened(), code=ErrorCode.OPENING_STATE)
    session.finished_at = timezone.now()
    pdf = opening_record_pdf(session=session)
    session.record_sha256 = hashlib.sha256(pdf).hexdigest()
    session.record.save(f"{tender.reference}-niederschrift.pdf", ContentFile(pdf), save=False)
    tender_open(
        tender_id=tender.pk, actor=session.completed_by, record_sha256=session.record_sha256
    )
    # The shares and the session key could rebuild the opening key: they go now.
    session.handovers.update(share="")
    session.session_private_key = b""
    session.state = OpeningState.DONE
    session.last_error = ""
    session.last_error_texts = {}
    session.save(
        update_fields=[
            "finished_at",
            "record",
            "record_sha256",
            "state",
            "session_private_key",
            "last_error",
            "last_error_texts",
        ]
    )
    return session


RESUME_AFTER = timedelta(minutes=5)


def opening_resume_due(now: datetime) -> list[int]:
    """Deadline timer: openings with all shares whose run stopped (no progress for a while)."""
    return list(
        OpeningSession.objects.filter(state=OpeningState.RUNNING)
        .annotate(last=Max("handovers__handed_over_at"))
        .filter(last__lte=now - RESUME_AFTER)
        .values_list("pk", flat=True)
    )


def opening_resume_fire(session_id: int) -> None:
    try:
        opening_run(session_id=session_id)
    except BidConflictError:
        # A broken log stops the opening for good; ``opening_run`` has recorded the reason
        # for the officer's page, in every language.
        logger.warning("opening %s stopped", session_id, exc_info=True)


def _keep_error(*, session_id: int, build: Callable[[], str]) -> None:
    """Record why the opening stopped, in every language: whoever triggered the run (a member
    in French, the timer) is not who reads the page next."""
    texts = in_every_language(build)
    OpeningSession.objects.filter(pk=session_id).update(
        last_error=texts[settings.LANGUAGE_CODE], last_error_texts=texts
    )


@transaction.atomic
def opening_shares_reset(*, tender_id: int, actor: Any) -> int:
    """An officer discards the hand-overs of an opening still collecting shares (e.g. after a
    wrong share); members hand over again. Returns how many were discarded. Audited."""
    tender = Tender.objects.select_for_update().select_related("authority").get(pk=tender_id)
    if not has_role(actor, tender.authority, [Role.PROCUREMENT_OFFICER]):
        raise BidForbiddenError(_("Only procurement officers reset the hand-overs."))
    session = OpeningSession.objects.select_for_update().filter(tender=tender).first()
    if session is None or session.state != OpeningState.COLLECTING:
        raise BidConflictError(
            _("Only an opening that still collects shares can be reset."),
            code=ErrorCode.OPENING_STATE,
        )
    members = [h.member.username for h in session.handovers.select_related("member")]
    count, _detail = session.handovers.all().delete()
    audit.record(
        actor=actor,
        obj=tender,
        action="bids.opening.shares_reset",
        payload={"discarded": len(members), "members": members},
    )
    return count
