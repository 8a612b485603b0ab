"""Writing and reading the immutable document archive (STORAGES["documents"])."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicing.engine import sniff
from invoicing.errors import ErrorCode, InvoiceTooLargeError, UnsupportedFormatError
from invoicing.models import StoredDocument
from invoicing.models.documents import document_path

CHUNK = 64 * 1024


def documents_storage():
    return storages["documents"]


def _chunks(source: bytes | IO[bytes] | Iterable[bytes]) -> Iterable[bytes]:
    if isinstance(source, bytes | bytearray):
        for start in range(0, len(source), CHUNK):
            yield bytes(source[start : start + CHUNK])
        return
    if hasattr(source, "chunks"):
        yield from source.chunks(CHUNK)  # Django UploadedFile
        return
    if hasattr(source, "read"):
        while chunk := source.read(CHUNK):
            yield chunk
        return
    yield from source


class Spooled:
    """An upload read once, in chunks, into a temporary file: size checked, SHA-256 computed."""

    def __init__(self, source: Any, *, limit: int) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
        digest = hashlib.sha256()
        size = 0
        head = b""
        for chunk in _chunks(source):
            size += len(chunk)
            if size > limit:
                self.file.close()
                raise InvoiceTooLargeError(
                    _("The file is larger than the limit of %(limit)s bytes.") % {"limit": limit},
                    field="file",
                )
            if len(head) < 1024:
                head += chunk[: 1024 - len(head)]
            digest.update(chunk)
            self.file.write(chunk)
        if size == 0:
            self.file.close()
            raise UnsupportedFormatError(
                _("The file is empty."), code=ErrorCode.EMPTY, field="file"
            )
        self.size = size
        self.sha256 = digest.hexdigest()
        self.content_type = sniff(head)
        self.file.seek(0)

    def read(self) -> bytes:
        self.file.seek(0)
        return self.file.read()

    def close(self) -> None:
        self.file.close()


def document_store(
    *, spooled: Spooled, purpose: str, actor: Any = None, original_name: str = ""
) -> StoredDocument:
    """Write the spooled bytes under a new random name and record their SHA-256."""
    document = StoredDocument(
        purpose=purpose,
        sha256=spooled.sha256,
        size=spooled.size,
        content_type=spooled.content_type,
        original_name=(original_name or "")[:255],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    spooled.file.seek(0)
    name = document_path(document, original_name)
    stored_name = documents_storage().save(name, File(spooled.file, name=name))
    document.storage_name = stored_name
    try:
        document.save()
    except BaseException:
        documents_storage().delete(stored_name)  # no row will ever point at it
        raise
    return document


def document_store_bytes(
    *, data: bytes, purpose: str, content_type: str, actor: Any = None, original_name: str = ""
) -> StoredDocument:
    """Archive bytes we produced ourselves (reports, notices, payment files)."""
    digest = hashlib.sha256(data).hexdigest()
    ext = original_name.rsplit(".", 1)[-1] if "." in original_name else "bin"
    name = f"{purpose}/{timezone.now():%Y}/{uuid.uuid4().hex}.{ext}"
    stored_name = documents_storage().save(name, ContentFile(data, name=name))
    return StoredDocument.objects.create(
        purpose=purpose,
        storage_name=stored_name,
        sha256=digest,
        size=len(data),
        content_type=content_type,
        original_name=original_name[:255],
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def document_read(document: StoredDocument, *, verify: bool = True) -> bytes:
    """The archived bytes; with ``verify`` the SHA-256 is checked so tampering cannot go unseen."""
    with documents_storage().open(document.storage_name, "rb") as handle:
        data = handle.read()
    if verify and hashlib.sha256(data).hexdigest() != document.sha256:
        raise RuntimeError(
            f"archived document {document.public_id} no longer matches its SHA-256 "
            f"{document.sha256}: the archive was altered outside the application"
        )
    return data
