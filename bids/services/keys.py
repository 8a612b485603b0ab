"""The service signing key, committee members' keys and each tender's opening key."""

import os
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from bids.crypto import (
    BidCryptoError,
    HybridPublicKey,
    ServiceSigningKey,
    opening_key_generate,
)
from bids.errors import (
    BidConflictError,
    BidError,
    BidForbiddenError,
    ErrorCode,
    crypto_error_text,
)
from bids.models import EncryptedShare, MemberKey, OpeningKey
from procurement.core.roles import Role, organisations_with_role
from tenders.models import Tender, TenderState

SIGNING_KEY_FILE = "service-signing-key.json"
# path -> (the file's identity when read, the parsed key). Parsing the key (Ed25519 + ML-DSA-65)
# once per process keeps it off every receipt; the identity check reloads a replaced key file.
_cache: dict[Path, tuple[tuple[int, int, int], ServiceSigningKey]] = {}
_cache_lock = threading.Lock()


def _identity(stat: os.stat_result) -> tuple[int, int, int]:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _file_identity(path: Path) -> tuple[int, int, int] | None:
    try:
        return _identity(path.stat())
    except FileNotFoundError:
        return None


def service_signing_key() -> ServiceSigningKey:
    """The receipt signing key from ``ZUSCHLAG_KEY_DIR``; made there on first use (0600).

    Parsed once per process and parsed again when the key file is replaced (key rotation).
    """
    directory = Path(settings.ZUSCHLAG_KEY_DIR)
    path = directory / SIGNING_KEY_FILE
    with _cache_lock:
        identity = _file_identity(path)
        cached = _cache.get(path)
        if cached is not None and cached[0] == identity:
            return cached[1]
        if identity is None:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = ServiceSigningKey.generate()
            try:
                # O_EXCL: two processes starting at once must not write two different keys.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(key.to_json())
        with path.open() as handle:
            # The identity of the file actually read, even if it is replaced meanwhile.
            read_identity = _identity(os.fstat(handle.fileno()))
            key = ServiceSigningKey.from_json(handle.read())
        _cache[path] = (read_identity, key)
        return key


def binding_for(tender: Tender) -> str:
    return f"tender:{tender.reference}"


def member_key_current(*, user: Any) -> MemberKey | None:
    return MemberKey.objects.filter(user=user).order_by("-created_at", "-pk").first()


@transaction.atomic
def member_key_register(*, user: Any, public_key_json: str | bytes, label: str = "") -> MemberKey:
    """Register the member's public key (the private half never reaches the service).

    Raises BidForbiddenError (no opening-committee role), BidError (malformed key).
    """
    if not organisations_with_role(user, [Role.OPENING_COMMITTEE]):
        raise BidForbiddenError(_("Only members of an opening committee register an opening key."))
    try:
        key = HybridPublicKey.from_json(public_key_json)
    except BidCryptoError as exc:
        raise BidError(
            _("This public key cannot be registered. %(e)s") % {"e": crypto_error_text(exc)}
        ) from exc
    existing = MemberKey.objects.filter(kid=key.key_id_hex).first()
    if existing is not None:
        if existing.user_id != user.pk:
            raise BidError(_("This key is already registered by another person."))
        return existing
    return MemberKey.objects.create(
        user=user, kid=key.key_id_hex, public_key=key.to_json(), label=label[:200]
    )


def missing_member_keys(*, tender: Tender) -> list[Any]:
    return [m for m in tender.committee.order_by("pk") if member_key_current(user=m) is None]


@transaction.atomic
def opening_key_create(*, tender_id: int, actor: Any) -> OpeningKey:
    """Make the tender's opening key, split k-of-n between the committee members' keys.

    Idempotent (an existing key is returned). Raises BidConflictError when a member has no
    key yet, when bids already exist, or when the tender is past publication.
    """
    tender = Tender.objects.select_for_update().get(pk=tender_id)
    existing = OpeningKey.objects.filter(tender=tender).first()
    if existing is not None:
        return existing
    if tender.state not in {TenderState.APPROVED, TenderState.PUBLISHED}:
        raise BidConflictError(
            _("Tender %(ref)s is no longer open: an opening key cannot be made now.")
            % {"ref": tender.reference},
            code=ErrorCode.NO_OPENING_KEY,
        )
    members = list(tender.committee.order_by("pk"))
    missing = [m for m in members if member_key_current(user=m) is None]
    if missing:
        raise BidConflictError(
            _(
                "The opening key cannot be made yet: %(names)s must first register a personal "
                "key (committee page)."
            )
            % {"names": ", ".join(m.get_full_name() or m.username for m in missing)},
            code=ErrorCode.MEMBER_KEY_MISSING,
        )
    if len(members) < tender.opening_quorum:
        raise BidConflictError(
            _("The committee has %(n)d members, fewer than the %(k)d needed to open.")
            % {"n": len(members), "k": tender.opening_quorum},
            code=ErrorCode.MEMBER_KEY_MISSING,
        )
    member_keys = [member_key_current(user=m) for m in members]
    bundle = opening_key_generate(
        binding=binding_for(tender),
        threshold=tender.opening_quorum,
        member_keys=[HybridPublicKey.from_json(k.public_key) for k in member_keys],
    )
    opening_key = OpeningKey.objects.create(
        tender=tender,
        kid=bundle.public_key.key_id_hex,
        public_key=bundle.public_key.to_json(),
        wrapped_private_key=bundle.wrapped_private_key.to_json(),
        binding=binding_for(tender),
        threshold=tender.opening_quorum,
        created_by=actor,
    )
    # opening_key_generate numbers the shares 1..n in the order of ``member_keys``.
    for member, member_key, share in zip(
        members, member_keys, bundle.encrypted_shares, strict=True
    ):
        EncryptedShare.objects.create(
            opening_key=opening_key,
            member=member,
            member_kid=member_key.kid,
            index=share.index,
            envelope=share.envelope,
        )
    return opening_key


def opening_key_at_publication(*, tender: Tender, actor: Any) -> OpeningKey | None:
    """Hook called by tenders' publish service: make the key when every member has one.

    A tender whose members have not all registered keys is still published; bids are refused
    until the officer makes the key (``opening_key_create``) from the opening page.
    """
    if missing_member_keys(tender=tender) or tender.committee.count() < tender.opening_quorum:
        return None
    return opening_key_create(tender_id=tender.pk, actor=actor)
