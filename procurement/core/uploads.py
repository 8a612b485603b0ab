"""Reading the declared body length, and refusing an oversized request body before any of it is
read."""

import re

from django.http import HttpRequest
from django.utils.translation import gettext as _

from procurement.core.errors import ValidationFailedError

# Room for the multipart boundaries and the small form fields beside the file(s).
FORM_SLACK = 64 * 1024

# RFC 9110 §8.6: Content-Length = 1*DIGIT. Python's int() would also take "+5", " 5", "1_000"
# and non-ASCII digits; the header takes none of them.
_DIGITS = re.compile(r"[0-9]+")


class ContentLengthError(ValidationFailedError):
    code = "invalid_content_length"


def declared_length(request: HttpRequest) -> int | None:
    """The body length the client declared, ``None`` when it declared none.

    Raises ContentLengthError (400) when the header is not a whole number of bytes: Django
    would otherwise read such a body as empty, or fail with a server error where it reads
    ``request.body``.
    """
    raw = request.META.get("CONTENT_LENGTH")
    if raw is None or raw == "":
        return None
    if not _DIGITS.fullmatch(raw):
        raise ContentLengthError(
            _(
                "The Content-Length header must be the body's size as a whole number of bytes "
                "(received: %(value)s)."
            )
            % {"value": raw[:40]}
        )
    try:
        return int(raw)
    except ValueError:  # more digits than int() converts: far beyond any limit
        return 10**18
