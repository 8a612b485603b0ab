"""Refusing an oversized request body before any of it is read."""

from django.http import HttpRequest

# Room for the multipart boundaries and the small form fields beside the file(s).
FORM_SLACK = 64 * 1024


def declared_length(request: HttpRequest) -> int:
    """The body length the client declared (0 when absent or not a number)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
