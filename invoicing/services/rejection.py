"""Rejection notice to the supplier: every finding in plain words, in the supplier's language."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from invoicing.findings import language_for_country, plain
from invoicing.models import Invoice, RejectionNotice, StoredDocument
from invoicing.services.storage import document_store_bytes

SUBJECT = {
    "de": "Rechnung {number} abgelehnt — bitte korrigieren und erneut einreichen",
    "en": "Invoice {number} rejected — please correct and resubmit",
    "fr": "Facture {number} rejetée — merci de la corriger et de la soumettre à nouveau",
}
INTRO = {
    "de": "{buyer} hat Ihre Rechnung {number} vom {date} abgelehnt. Gründe:",
    "en": "{buyer} has rejected your invoice {number} dated {date}. Reasons:",
    "fr": "{buyer} a rejeté votre facture {number} du {date}. Motifs :",
}
REASON = {
    "de": "Begründung der Rechnungsprüfung",
    "en": "Note from accounts payable",
    "fr": "Remarque du service comptable",
}
RESUBMIT = {
    "de": "Sie können eine korrigierte Rechnung hier einreichen: {url}",
    "en": "You can submit a corrected invoice here: {url}",
    "fr": "Vous pouvez soumettre une facture corrigée ici : {url}",
}
NO_FINDINGS = {
    "de": "Die Rechnung konnte nicht gelesen werden: {error}",
    "en": "The invoice could not be read: {error}",
    "fr": "La facture n'a pas pu être lue : {error}",
}


def notice_lines(*, invoice: Invoice, language: str) -> list[str]:
    """Every finding of the report in plain words (all severities, errors first)."""
    report = getattr(invoice, "validation_report", None)
    findings = report.findings if report is not None else []
    order = {"fatal": 0, "error": 1, "warning": 2, "information": 3}
    findings = sorted(findings, key=lambda f: order.get(str(f.get("severity", "")).lower(), 9))
    lines = [plain(f, language) for f in findings]
    if not lines and invoice.extraction_error:
        lines.append(NO_FINDINGS[language].format(error=invoice.extraction_error))
    return lines


def rejection_notice_create(*, invoice: Invoice, actor: Any) -> RejectionNotice:
    """Write the notice (text, HTML, PDF) for a rejected invoice; idempotent per invoice."""
    existing = RejectionNotice.objects.filter(invoice=invoice).first()
    if existing is not None:
        return existing
    supplier = invoice.supplier
    country = invoice.seller_country or (supplier.country if supplier else "")
    language = language_for_country(country)
    number = invoice.number or str(invoice.public_id)
    date = invoice.issue_date.isoformat() if invoice.issue_date else "—"
    url = settings.SITE_URL.rstrip("/") + f"/supplier/invoices/{invoice.public_id}/"
    lines = notice_lines(invoice=invoice, language=language)
    intro = INTRO[language].format(buyer=invoice.buyer.name, number=number, date=date)
    text = [intro, ""] + [f"- {line}" for line in lines]
    if invoice.state_reason:
        text += ["", f"{REASON[language]}: {invoice.state_reason}"]
    text += ["", RESUBMIT[language].format(url=url)]
    body_text = "\n".join(text)
    body_html = render_to_string(
        "invoicing/notice_email.html",
        {
            "intro": intro,
            "lines": lines,
            "reason_label": REASON[language],
            "reason": invoice.state_reason,
            "resubmit": RESUBMIT[language].format(url=escape(url)),
            "language": language,
            "subject": SUBJECT[language].format(number=number),
        },
    )
    pdf = document_store_bytes(
        data=_pdf(title=SUBJECT[language].format(number=number), paragraphs=text),
        purpose=StoredDocument.Purpose.NOTICE,
        content_type="application/pdf",
        actor=actor,
        original_name=f"rejection-{number}.pdf",
    )
    return RejectionNotice.objects.create(
        invoice=invoice,
        language=language,
        recipient=(supplier.email if supplier and supplier.email else invoice.seller_email),
        subject=SUBJECT[language].format(number=number)[:300],
        body_text=body_text,
        body_html=body_html,
        pdf=pdf,
    )


def _pdf(*, title: str, paragraphs: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title)
    story = [Paragraph(escape(title), styles["Title"]), Spacer(1, 12)]
    for text in paragraphs:
        if text:
            story.append(Paragraph(escape(text), styles["BodyText"]))
        else:
            story.append(Spacer(1, 6))
    doc.build(story)
    return buffer.getvalue()


def rejection_notice_send(*, notice_id: int) -> RejectionNotice:
    """Mail the notice with its PDF; idempotent (a sent notice is not sent again)."""
    from invoicing.services.storage import document_read

    with transaction.atomic():
        notice = RejectionNotice.objects.select_for_update().select_related("pdf").get(pk=notice_id)
        if notice.sent_at is not None or not notice.recipient:
            return notice
        mail = EmailMultiAlternatives(
            subject=notice.subject,
            body=notice.body_text,
            to=[notice.recipient],
            from_email=settings.DEFAULT_FROM_EMAIL,
        )
        mail.attach_alternative(notice.body_html, "text/html")
        mail.attach(
            notice.pdf.original_name or "rejection.pdf",
            document_read(notice.pdf),
            "application/pdf",
        )
        mail.send()
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
        return notice
