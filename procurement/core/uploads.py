"""Reading the declared body length, refusing an oversized request body before any of it is
read, and refusing single oversized files of a multipart upload in place."""

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
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


class PerFileLimitHandler(FileUploadHandler):
    """Drops the rest of a file once it passes ``limit`` bytes and marks it refused; drops every
    file after the first ``max_files`` too (the view then refuses the request as a whole).

    Only that file is lost, never the other files of the same request; the body is still read to
    its end (callers cap the whole request's declared size first), but a refused file is never
    written anywhere in full. Install it before the body is parsed:
    ``request.upload_handlers.insert(0, PerFileLimitHandler(request, limit=…, max_files=…))``.
    """

    def __init__(self, request: Any = None, *, limit: int, max_files: int | None = None) -> None:
        super().__init__(request)
        self.limit = limit
        self.max_files = max_files
        self.files = 0

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.files += 1
        self.current = file_name
        self.over = self.max_files is not None and self.files > self.max_files

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.over or start + len(raw_data) > self.limit:
            self.over = True
            return None  # swallowed: later handlers (memory/temporary file) never see it
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        # A truthy answer ends the handler chain: the refused file is in request.FILES, in its
        # place among the others, as an empty marker the view answers with the limit.
        return RefusedFile(self.current) if self.over else None


class RefusedFile(SimpleUploadedFile):
    """The empty stand-in of a file ``PerFileLimitHandler`` refused."""

    def __init__(self, name: str) -> None:
        super().__init__(name, b"")

    def __bool__(self) -> bool:
        return True
