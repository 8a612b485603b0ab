"""Mail-in: invoices arriving as e-mail attachments in a maildir or an IMAP mailbox."""

from __future__ import annotations

import email
import email.policy
import imaplib
import logging
import mailbox
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.db.models import Q

from invoicing.conf import mailboxes
from invoicing.models import Invoice
from invoicing.services.intake import invoice_receive
from procurement.core.errors import DomainError
from procurement.core.models import Organisation

logger = logging.getLogger(__name__)
ATTACHMENT_TYPES = ("application/xml", "text/xml", "application/pdf", "application/octet-stream")


def attachments(message: email.message.EmailMessage) -> Iterator[tuple[str, bytes]]:
    """Every XML/PDF attachment (the declared type only preselects; intake sniffs the bytes)."""
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename() or ""
        if part.get_content_type() not in ATTACHMENT_TYPES and not filename.lower().endswith(
            (".xml", ".pdf")
        ):
            continue
        payload = part.get_payload(decode=True)
        if payload:
            yield filename, payload


def _receive(buyer: Organisation, raw: bytes) -> int:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    count = 0
    for filename, data in attachments(message):
        if len(data) > settings.ZUSCHLAG_MAX_INVOICE_BYTES:
            logger.warning("mail-in: %s from %s too large", filename, message.get("From"))
            continue
        try:
            received = invoice_receive(
                buyer=buyer, source=data, channel=Invoice.Channel.MAIL, filename=filename
            )
        except DomainError as exc:
            logger.warning("mail-in: %s from %s refused: %s", filename, message.get("From"), exc)
            continue
        count += int(received.created)
    return count


def maildir_fetch(*, buyer: Organisation, path: Path) -> int:
    """Take every new message from the maildir: receive its attachments, then move it to
    ``cur`` with the seen flag, so a message is handled once (and again only if moved back —
    then intake's content hash makes it a no-op)."""
    box = mailbox.Maildir(str(path), create=False)
    count = 0
    for key in list(box.keys()):
        message = box.get_message(key)
        if "S" in message.get_flags():
            continue
        count += _receive(buyer, message.as_bytes())
        message.add_flag("S")
        message.set_subdir("cur")
        box[key] = message
    return count


def imap_fetch(*, buyer: Organisation, url: str) -> int:
    """Fetch UNSEEN messages from an IMAP folder and mark them seen after intake."""
    parts = urlparse(url)
    cls = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    client = cls(parts.hostname, parts.port or (993 if parts.scheme == "imaps" else 143))
    count = 0
    try:
        client.login(unquote(parts.username or ""), unquote(parts.password or ""))
        client.select(parts.path.lstrip("/") or "INBOX")
        _status, data = client.search(None, "UNSEEN")
        for number in data[0].split():
            _status, fetched = client.fetch(number, "(BODY.PEEK[])")
            raw = next(item[1] for item in fetched if isinstance(item, tuple))
            count += _receive(buyer, raw)
            client.store(number, "+FLAGS", "\\Seen")
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    return count


def mailbox_fetch(*, buyer: Organisation, url: str) -> int:
    scheme = urlparse(url).scheme
    if scheme == "maildir":
        return maildir_fetch(buyer=buyer, path=Path(unquote(urlparse(url).path)))
    if scheme in ("imap", "imaps"):
        return imap_fetch(buyer=buyer, url=url)
    raise ValueError(f"mailbox URL {url!r}: use maildir:///path or imap(s)://user:pw@host/INBOX")


def _buyer(key: str) -> Organisation:
    query = Q(leitweg_id=key) | Q(siret=key)
    if len(key) == 36:
        query |= Q(public_id=key)
    return Organisation.objects.get(query, kind=Organisation.Kind.AUTHORITY)


def mailboxes_fetch() -> int:
    """Every configured mailbox (``ZUSCHLAG_AP_MAILBOXES``); returns the new invoices."""
    total = 0
    for entry in mailboxes():
        total += mailbox_fetch(buyer=_buyer(entry["buyer"]), url=entry["url"])
    return total
