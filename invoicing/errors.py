"""Errors of the invoicing app; each maps to an HTTP status through procurement.core.errors."""

from enum import StrEnum

from procurement.core.errors import (
    ConflictError,
    DomainError,
    TooLargeError,
    TransitionForbiddenError,
    ValidationFailedError,
)


class ErrorCode(StrEnum):
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_LARGE = "invoice_too_large"
    TOO_MANY_FILES = "too_many_files"
    NO_FILES = "no_files"
    EMPTY = "empty_file"
    NO_INBOX = "no_inbox"
    WRONG_STATE = "wrong_state"
    FORBIDDEN = "forbidden"
    ENGINE_MISSING = "engine_missing"
    NO_CONTRACT = "no_contract"
    UNRESOLVED_MISMATCH = "unresolved_mismatch"
    PAYMENT_DATA = "payment_data"


class UnsupportedFormatError(ValidationFailedError):
    code = ErrorCode.UNSUPPORTED_FORMAT


class InvoiceTooLargeError(TooLargeError):
    code = ErrorCode.TOO_LARGE


class InvoiceStateError(ConflictError):
    code = ErrorCode.WRONG_STATE


class InvoiceForbiddenError(TransitionForbiddenError):
    code = ErrorCode.FORBIDDEN


class EngineUnavailableError(DomainError):
    """A part of the xrechnung engine we need is not installed/implemented: fail loudly."""

    status_code = 503
    code = ErrorCode.ENGINE_MISSING


class MatchingError(ConflictError):
    code = ErrorCode.UNRESOLVED_MISMATCH


class PaymentDataError(ValidationFailedError):
    code = ErrorCode.PAYMENT_DATA
