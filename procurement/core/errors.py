"""Domain errors: a message an officer understands, citing the rule, and one HTTP status each."""

from enum import StrEnum


class ErrorCode(StrEnum):
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    TOO_LARGE = "too_large"


class DomainError(Exception):
    """Base of every error a user may see; ``str(error)`` is the message for them."""

    status_code = 400
    code: str = ErrorCode.INVALID

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str]:
        data = {"code": str(self.code), "detail": self.message}
        if self.field:
            data["field"] = self.field
        return data


class ValidationFailedError(DomainError):
    status_code = 400


class TransitionForbiddenError(DomainError):
    """The actor lacks the role, or the object is not in a state that allows the step."""

    status_code = 403
    code = ErrorCode.FORBIDDEN


class ConflictError(DomainError):
    """The step is not possible in the object's current state (wrong state, deadline, duplicate)."""

    status_code = 409
    code = ErrorCode.CONFLICT


class TooLargeError(DomainError):
    status_code = 413
    code = ErrorCode.TOO_LARGE
