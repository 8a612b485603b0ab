"""Errors of the tender domain: each carries a message an officer or bidder understands."""

from collections.abc import Sequence
from enum import StrEnum

from procurement.core.errors import (
    ConflictError,
    DomainError,
    TooLargeError,
    TransitionForbiddenError,
    ValidationFailedError,
)


class ErrorCode(StrEnum):
    INVALID = "tender_invalid"
    TIME_LIMIT = "time_limit"
    WEIGHTS = "criteria_weights"
    CPV = "invalid_cpv"
    NUTS = "invalid_nuts"
    COMMITTEE = "committee"
    NOT_EDITABLE = "not_editable"
    WRONG_STATE = "wrong_state"
    FORBIDDEN = "forbidden"
    QUESTIONS_CLOSED = "questions_closed"
    DOCUMENT_TOO_LARGE = "document_too_large"
    DOCUMENT_TYPE = "document_type"
    EXTENSION_REQUIRED = "deadline_extension_required"
    NOT_FOUND = "not_found"


class TenderValidationError(ValidationFailedError):
    """One or more fields are wrong; ``errors`` lists ``(field, message)`` pairs, ``message``
    joins them so a caller showing only one line still shows everything."""

    code = ErrorCode.INVALID

    def __init__(
        self,
        errors: Sequence[tuple[str, str]],
        *,
        code: str | None = None,
    ):
        self.errors = list(errors)
        first_field = self.errors[0][0] if self.errors else None
        super().__init__(
            " ".join(message for _, message in self.errors), code=code, field=first_field
        )


class TimeLimitError(TenderValidationError):
    code = ErrorCode.TIME_LIMIT


class TenderForbiddenError(TransitionForbiddenError):
    code = ErrorCode.FORBIDDEN


class TenderStateError(ConflictError):
    code = ErrorCode.WRONG_STATE


class QuestionsClosedError(ConflictError):
    code = ErrorCode.QUESTIONS_CLOSED


class DocumentTooLargeError(TooLargeError):
    code = ErrorCode.DOCUMENT_TOO_LARGE


class DocumentTypeError(ValidationFailedError):
    code = ErrorCode.DOCUMENT_TYPE


class DeadlineExtensionRequiredError(ConflictError):
    code = ErrorCode.EXTENSION_REQUIRED


class TenderNotFoundError(DomainError):
    status_code = 404
    code = ErrorCode.NOT_FOUND
