"""Errors of the sealed-bid domain; each maps to one HTTP status (procurement.core.api)."""

from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bids.crypto.errors import BidCryptoError, CryptoErrorCode
from procurement.core.errors import (
    ConflictError,
    DomainError,
    TooLargeError,
    TransitionForbiddenError,
)
from procurement.core.errors import ErrorCode as CoreErrorCode


class ErrorCode(StrEnum):
    DEADLINE_PASSED = "deadline_passed"
    NOT_OPEN = "not_open_for_bids"
    NO_OPENING_KEY = "no_opening_key"
    MEMBER_KEY_MISSING = "member_key_missing"
    LOT = "lot_unknown"
    NOT_BIDDER = "not_bidder"
    FORBIDDEN = "forbidden"
    MEDIA_TYPE = "media_type"
    LENGTH_REQUIRED = "length_required"
    TOO_LARGE = "envelope_too_large"
    NOT_FOUND = "not_found"
    BID_STATE = "bid_state"
    OPENING_TOO_EARLY = "opening_too_early"
    OPENING_STATE = "opening_state"
    SHARE_TWICE = "share_twice"
    NOT_MEMBER = "not_committee_member"
    LOG_BROKEN = "bid_log_broken"


class BidError(DomainError):
    """Bad input for a bid service (400)."""


class BidConflictError(ConflictError):
    """Not possible now: deadline passed, wrong state, already handed over (409)."""


class BidForbiddenError(TransitionForbiddenError):
    """The actor may not do this (403)."""

    code = ErrorCode.FORBIDDEN


class BidNotFoundError(DomainError):
    status_code = 404
    code = CoreErrorCode.NOT_FOUND


class BidTooLargeError(TooLargeError):
    code = ErrorCode.TOO_LARGE


class UnsupportedMediaTypeError(DomainError):
    status_code = 415
    code = ErrorCode.MEDIA_TYPE


class LengthRequiredError(DomainError):
    status_code = 411
    code = ErrorCode.LENGTH_REQUIRED


# What a bidder or officer reads when the envelope, a key, a share or the bid log fails a
# check: the crypto package raises English technical text (kept for logs and the offline
# client) with a ``reason`` and ``params``; these are the same facts in the reader's language.
_CRYPTO_REASONS = {
    "no_magic": gettext_lazy(
        "The file is not an encrypted bid envelope: plain, unencrypted files are refused. "
        "Encrypt the bid with the tender's published opening key first."
    ),
    "not_random": gettext_lazy(
        "The envelope's content does not look encrypted: plain content behind an envelope "
        "header is refused."
    ),
    "no_length": gettext_lazy(
        "The upload has no Content-Length: send the envelope with its exact size."
    ),
    "upload_ended": gettext_lazy(
        "The upload ended after %(received)s of %(expected)s bytes: send the whole envelope again."
    ),
    "other_tender": gettext_lazy(
        "The envelope is sealed for the key %(got)s, but this tender's opening key is "
        "%(expected)s: encrypt with the tender's published key."
    ),
    "header_altered": gettext_lazy(
        "The envelope's header or key check was altered; none of its content was decrypted."
    ),
    "cut_off": gettext_lazy("The envelope is cut short: its final part is missing."),
    "appended": gettext_lazy(
        "The envelope has data after its final part (bytes appended or spliced in)."
    ),
    "reordered": gettext_lazy(
        "The parts of the envelope are out of order (part %(index)s found at position "
        "%(position)s)."
    ),
    "chunk_changed": gettext_lazy(
        "Part %(index)s of the envelope fails its authentication check: its encrypted content "
        "was changed or corrupted."
    ),
    "replaced": gettext_lazy(
        "The stored envelope no longer matches the hash recorded at receipt: the file was "
        "replaced after submission."
    ),
    "other_key": gettext_lazy("Share %(index)s belongs to another opening key."),
    "duplicate": gettext_lazy(
        "Share %(shares)s was handed over more than once; each committee member's share counts "
        "once."
    ),
    "disagrees": gettext_lazy(
        "Share %(shares)s is wrong or was altered: it does not agree with the other shares."
    ),
}
_CRYPTO_CODES = {
    CryptoErrorCode.ENVELOPE_FORMAT: gettext_lazy(
        "The envelope's header does not follow the envelope format this service reads "
        "(version 1): encrypt the bid again with the current bid page or bidder client."
    ),
    CryptoErrorCode.ENVELOPE_NOT_ENCRYPTED: gettext_lazy(
        "The file is not an encrypted bid envelope: plain, unencrypted files are refused."
    ),
    CryptoErrorCode.WRONG_RECIPIENT: gettext_lazy(
        "The envelope is sealed for another key than this tender's opening key."
    ),
    CryptoErrorCode.ENVELOPE_TAMPERED: gettext_lazy(
        "The envelope was altered: it fails its authentication check."
    ),
    CryptoErrorCode.ENVELOPE_TRUNCATED: gettext_lazy(
        "The envelope is incomplete: the upload was cut short or padded. Send the whole file again."
    ),
    CryptoErrorCode.ENVELOPE_TOO_LARGE: gettext_lazy(
        "The envelope of %(size)s bytes exceeds the limit of %(limit)s bytes."
    ),
    CryptoErrorCode.KEY_FORMAT: gettext_lazy("The key is malformed or incomplete."),
    CryptoErrorCode.PASSPHRASE: gettext_lazy("The passphrase does not unlock the key file."),
    CryptoErrorCode.SHARE_INVALID: gettext_lazy("The share is malformed or incomplete."),
    CryptoErrorCode.SHARES_INSUFFICIENT: gettext_lazy(
        "%(needed)s shares are needed to open the bids, only %(given)s were handed over."
    ),
    CryptoErrorCode.SHARES_WRONG: gettext_lazy(
        "The shares do not rebuild the opening key: at least one share is wrong or was altered."
    ),
    CryptoErrorCode.RECEIPT_INVALID: gettext_lazy("The receipt does not verify."),
    CryptoErrorCode.LOG_BROKEN: gettext_lazy(
        "The bid log is broken at entry %(position)s: an entry was changed, deleted, added or "
        "moved."
    ),
}


def crypto_code_texts() -> dict[str, str]:
    """Each error code's general sentence in the active language, for the pages' scripts (the
    browser's EnvelopeError has the same codes); sentences that need numbers are left out."""
    return {
        str(code): str(template)
        for code, template in _CRYPTO_CODES.items()
        if "%(" not in str(template)
    }


def crypto_error_text(error: BidCryptoError) -> str:
    """The reader's-language message for a failed envelope, key, share or bid log check."""
    for template in (_CRYPTO_REASONS.get(error.reason), _CRYPTO_CODES.get(error.code)):
        if template is None:
            continue
        try:
            return str(template) % error.params
        except KeyError:  # a raise site without the numbers this sentence names
            continue
    return _("The encrypted data failed a check.")
