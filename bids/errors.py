"""Errors of the sealed-bid domain; each maps to one HTTP status (procurement.core.api)."""

from enum import StrEnum

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
