"""The GWB §134 information letter as PDF (reportlab): winner, reasons, earliest conclusion."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from procurement.core.timeutil import BERLIN


def information_letter_pdf(
    *,
    tender,
    bidder,
    lot_number: int,
    winner_name: str,
    reasons: str,
    sent_at: datetime,
    earliest_conclusion_on: date,
    electronic: bool,
) -> bytes:
    styles = getSampleStyleSheet()
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        title=f"GWB §134 {tender.reference}",
        author=tender.authority.name,
        # A fixed creation date keeps the PDF bytes (and its SHA-256) a function of the letter.
        invariant=1,
    )
    days = 10 if electronic else 15
    para = [
        Paragraph(escape(tender.authority.name), styles["Normal"]),
        Spacer(1, 8 * mm),
        Paragraph(escape(bidder.name), styles["Normal"]),
        Spacer(1, 8 * mm),
        Paragraph(
            escape(
                _("Information under § 134 GWB — tender %(ref)s, lot %(lot)s")
                % {"ref": tender.reference, "lot": lot_number}
            ),
            styles["Heading2"],
        ),
        Paragraph(escape(tender.title), styles["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph(
            escape(
                _("Sent on %(at)s (%(how)s).")
                % {
                    "at": sent_at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M"),
                    "how": _("electronically") if electronic else _("by post"),
                }
            ),
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
        Paragraph(
            escape(_("The contract is to be awarded to: %(w)s") % {"w": winner_name}),
            styles["Heading3"],
        ),
        Paragraph(escape(_("Why your bid is not to be accepted:")), styles["Heading3"]),
    ]
    for line in reasons.splitlines():
        para.append(Paragraph(escape(line), styles["Normal"]))
    para += [
        Spacer(1, 4 * mm),
        Paragraph(
            escape(
                _(
                    "The contract will not be concluded before %(date)s (standstill of "
                    "%(days)s calendar days from the day after dispatch, § 134 Abs. 2 GWB)."
                )
                % {"date": earliest_conclusion_on.strftime("%d.%m.%Y"), "days": days}
            ),
            styles["Normal"],
        ),
    ]
    doc.build(para)
    return out.getvalue()
