"""Tender documents: every upload becomes a new immutable version with its SHA-256.

The content type is decided from the file's own bytes and its extension together, never from
what the browser claims. Files are streamed in chunks (hashing, sniffing, size counting) and
stored under an unguessable path in the "default" storage.
"""

import hashlib
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.core.models import User
from procurement.core.roles import Role
from procurement.core.timeutil import BERLIN
from tenders.errors import (
    DeadlineExtensionRequiredError,
    DocumentTooLargeError,
    DocumentTypeError,
    TenderStateError,
    TenderValidationError,
)
from tenders.models import DocumentVersion, Lot, Tender, TenderDocument, TenderState
from tenders.services._common import lock_tender, require_role, state_label

OOXML = "application/vnd.openxmlformats-officedocument"
ODF = "application/vnd.oasis.opendocument"
# extension → (content type, container check). Executables, HTML, SVG and scripts are refused:
# the portal serves these files to anyone, so nothing that a browser would run may get in.
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    ".pdf": ("application/pdf", "pdf"),
    ".docx": (f"{OOXML}.wordprocessingml.document", "ooxml"),
    ".xlsx": (f"{OOXML}.spreadsheetml.sheet", "ooxml"),
    ".pptx": (f"{OOXML}.presentationml.presentation", "ooxml"),
    ".odt": (f"{ODF}.text", "odf"),
    ".ods": (f"{ODF}.spreadsheet", "odf"),
    ".zip": ("application/zip", "zip"),
    ".xml": ("application/xml", "xml"),
    ".x83": ("application/xml", "xml"),  # GAEB DA XML bill of quantities (works)
    ".x84": ("application/xml", "xml"),
    ".txt": ("text/plain; charset=utf-8", "text"),
    ".csv": ("text/csv; charset=utf-8", "text"),
    ".png": ("image/png", "png"),
    ".jpg": ("image/jpeg", "jpeg"),
    ".jpeg": ("image/jpeg", "jpeg"),
}
SNIFF_BYTES = 8192
EDITABLE_STATES = {TenderState.DRAFT, TenderState.PUBLISHED}


@dataclass(frozen=True)
class Scanned:
    size: int
    sha256: str
    extension: str
    content_type: str


def _human_mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _matches(kind: str, head: bytes, upload: File) -> bool:
    if kind == "pdf":
        return head.startswith(b"%PDF-")
    if kind == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if kind == "xml":
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return text.startswith(b"<") and b"<!DOCTYPE" not in head.upper()
    if kind == "text":
        if b"\x00" in head:
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte character may be cut at the sniff boundary; only that is fine.
            return error.start >= len(head) - 3
        return True
    if kind in {"zip", "ooxml", "odf"}:
        if not head.startswith(b"PK\x03\x04"):
            return False
        if kind == "zip":
            return True
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return False
        if kind == "ooxml":
            return "[Content_Types].xml" in names
        return "mimetype" in names
    return False


def scan_upload(upload: File, *, name: str, max_bytes: int | None = None) -> Scanned:
    """Size, SHA-256 and checked type of ``upload``, read in chunks.

    Raises DocumentTooLargeError, DocumentTypeError.
    """
    max_bytes = max_bytes if max_bytes is not None else settings.ZUSCHLAG_MAX_DOCUMENT_BYTES
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED_TYPES:
        raise DocumentTypeError(
            _("Files of type “%(ext)s” are not accepted. Allowed: %(allowed)s.")
            % {"ext": extension or name, "allowed": ", ".join(sorted(ALLOWED_TYPES))},
            field="file",
        )
    content_type, kind = ALLOWED_TYPES[extension]
    digest = hashlib.sha256()
    size = 0
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        size += len(chunk)
        if size > max_bytes:
            raise DocumentTooLargeError(
                _("The file is larger than the limit of %(limit)s.")
                % {"limit": _human_mb(max_bytes)},
                field="file",
            )
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        digest.update(chunk)
    if size == 0:
        raise DocumentTypeError(_("The file is empty."), field="file")
    if not _matches(kind, head, upload):
        raise DocumentTypeError(
            _("The file “%(name)s” does not contain what its extension %(ext)s says.")
            % {"name": PurePath(name).name, "ext": extension},
            field="file",
        )
    upload.seek(0)
    return Scanned(
        size=size, sha256=digest.hexdigest(), extension=extension, content_type=content_type
    )


def _require_document_state(tender: Tender) -> None:
    if tender.state not in EDITABLE_STATES:
        raise TenderStateError(
            _(
                "Documents of tender %(ref)s cannot change while it is “%(state)s”: only drafts "
                "and published tenders (as a change notified to bidders) take new documents."
            )
            % {"ref": tender.reference, "state": state_label(tender.state)}
        )


def _store(
    *,
    tender: Tender,
    document: TenderDocument,
    upload: File,
    name: str,
    actor: User,
    change_note: str,
    substantial: bool,
) -> DocumentVersion:
    scanned = scan_upload(upload, name=name)
    number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DocumentVersion(
        document=document,
        number=number,
        original_name=PurePath(name).name[:255],
        extension=scanned.extension,
        content_type=scanned.content_type,
        size=scanned.size,
        sha256=scanned.sha256,
        change_note=change_note.strip(),
        substantial=substantial,
        published_change=tender.state == TenderState.PUBLISHED,
        uploaded_by=actor,
    )
    storage = storages["default"]
    # The name comes from upload_to (two random UUIDs), so no existing file is ever replaced.
    # Should the surrounding transaction roll back later, the file stays behind unreferenced
    # and unreachable (its path is known to no one); it is never served.
    stored_name = storage.save(version.file.field.generate_filename(version, name), upload)
    version.file.name = stored_name
    try:
        version.save()
    except Exception:
        storage.delete(stored_name)
        raise
    return version


def _extend_deadline(
    *, tender: Tender, new_deadline: datetime | None, substantial: bool
) -> list[str]:
    """Apply a deadline extension coming with a change; returns the fields changed."""
    if new_deadline is None:
        if substantial:
            raise DeadlineExtensionRequiredError(
                _(
                    "A substantial change of the procurement documents requires extending the "
                    "deadline for offers (VgV §20 Abs. 3 Nr. 2): set a new deadline later than "
                    "%(current)s."
                )
                % {
                    "current": tender.submission_deadline.astimezone(BERLIN).strftime(
                        "%Y-%m-%d %H:%M"
                    )
                },
                field="new_submission_deadline",
            )
        return []
    if timezone.is_naive(new_deadline):
        raise TenderValidationError([("new_submission_deadline", _("Time zone missing."))])
    if new_deadline <= tender.submission_deadline:
        raise DeadlineExtensionRequiredError(
            _(
                "The new deadline for offers must be later than the current one (%(current)s) "
                "(VgV §20 Abs. 3)."
            )
            % {"current": tender.submission_deadline.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")},
            field="new_submission_deadline",
        )
    shift = new_deadline - tender.submission_deadline
    tender.submission_deadline = new_deadline
    fields = ["submission_deadline"]
    if tender.opening_at is not None:
        tender.opening_at = tender.opening_at + shift
        fields.append("opening_at")
    return fields


def _after_change(*, tender: Tender, version: DocumentVersion, extended: list[str]) -> None:
    if tender.state != TenderState.PUBLISHED:
        return
    from tenders.notifications import notify_interested

    body = _("“%(title)s” has a new version %(n)d.") % {
        "title": version.document.title,
        "n": version.number,
    }
    if version.change_note:
        body += " " + version.change_note
    if extended:
        body += " " + _("The deadline for offers is now %(deadline)s (Europe/Berlin).") % {
            "deadline": tender.submission_deadline.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")
        }
    notify_interested(
        tender=tender,
        kind="deadline_extended" if extended else "document_changed",
        subject=_("Tender %(ref)s: procurement documents changed") % {"ref": tender.reference},
        body=body,
    )
    if extended:
        tender.save(update_fields=[*extended, "updated_at"])
        from tenders.services.publication import publication_store_ocds

        publication_store_ocds(tender=tender)


@transaction.atomic
def document_add(
    *,
    tender_id: int,
    actor: User,
    title: str,
    upload: File,
    name: str,
    lot_id: int | None = None,
    change_note: str = "",
    substantial: bool = False,
    new_submission_deadline: datetime | None = None,
) -> DocumentVersion:
    """A new document with its first version (after publication: a notified change).

    Raises DocumentTooLargeError, DocumentTypeError, TenderStateError,
    DeadlineExtensionRequiredError, TenderForbiddenError.
    """
    tender = lock_tender(tender_id)
    require_role(
        actor=actor, tender=tender, roles=(Role.PROCUREMENT_OFFICER,), action=_("Uploading")
    )
    _require_document_state(tender)
    if not title.strip():
        raise TenderValidationError([("title", _("A document needs a title."))])
    lot = None
    if lot_id is not None:
        lot = Lot.objects.filter(tender=tender, pk=lot_id).first()
        if lot is None:
            raise TenderValidationError([("lot", _("This lot does not belong to the tender."))])
    extended = []
    if tender.state == TenderState.PUBLISHED:
        extended = _extend_deadline(
            tender=tender, new_deadline=new_submission_deadline, substantial=substantial
        )
    document = TenderDocument.objects.create(tender=tender, lot=lot, title=title.strip()[:200])
    version = _store(
        tender=tender,
        document=document,
        upload=upload,
        name=name,
        actor=actor,
        change_note=change_note,
        substantial=substantial,
    )
    _after_change(tender=tender, version=version, extended=extended)
    return version


@transaction.atomic
def document_version_add(
    *,
    document_id: int,
    actor: User,
    upload: File,
    name: str,
    change_note: str = "",
    substantial: bool = False,
    new_submission_deadline: datetime | None = None,
) -> DocumentVersion:
    """A new version of a document. On a published tender interested bidders are notified,
    and a substantial change needs ``new_submission_deadline`` later than the current one.

    Raises DeadlineExtensionRequiredError, DocumentTooLargeError, DocumentTypeError,
    TenderStateError, TenderForbiddenError.
    """
    document = TenderDocument.objects.select_related("tender").get(pk=document_id)
    tender = lock_tender(document.tender_id)
    require_role(
        actor=actor, tender=tender, roles=(Role.PROCUREMENT_OFFICER,), action=_("Uploading")
    )
    _require_document_state(tender)
    if tender.state == TenderState.PUBLISHED and not change_note.strip():
        raise TenderValidationError(
            [("change_note", _("Describe the change: interested bidders receive this note."))]
        )
    extended = []
    if tender.state == TenderState.PUBLISHED:
        extended = _extend_deadline(
            tender=tender, new_deadline=new_submission_deadline, substantial=substantial
        )
    version = _store(
        tender=tender,
        document=document,
        upload=upload,
        name=name,
        actor=actor,
        change_note=change_note,
        substantial=substantial,
    )
    _after_change(tender=tender, version=version, extended=extended)
    return version
