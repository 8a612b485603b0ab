"""The opening record (Niederschrift, VgV §55 Abs. 2 / VOB/A §14): a PDF for the file only.

It is never published; bidders see the facts VOB/A §14 allows through ``opening_facts``.
"""

import io
from typing import Any

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bids.crypto import LogEvent
from bids.models import Bid, BidState, OpeningSession
from bids.services.log import log_entries


def _fmt(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M:%S %Z") if moment else ""


def _table(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    return table


def opening_record_pdf(*, session: OpeningSession) -> bytes:
    """The record of one finished opening as PDF bytes."""
    tender = session.tender
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=9)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Niederschrift {tender.reference}",
    )
    story: list[Any] = [
        Paragraph("Niederschrift über die Öffnung der Angebote", styles["Title"]),
        Paragraph(
            f"Vergabeverfahren {tender.reference}: {tender.title}<br/>"
            f"Auftraggeber: {tender.authority.name}<br/>"
            f"Angebotsfrist: {_fmt(tender.submission_deadline)}<br/>"
            f"Öffnung begonnen: {_fmt(session.started_at)}, abgeschlossen: "
            f"{_fmt(session.finished_at)}",
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
        Paragraph("Anwesende Mitglieder der Öffnungskommission", styles["Heading3"]),
    ]
    members = [["Mitglied", "Anteil Nr.", "Freigegeben"]]
    for handover in session.handovers.select_related("member").order_by("index"):
        member = handover.member
        members.append(
            [
                member.get_full_name() or member.username,
                handover.index,
                _fmt(handover.handed_over_at),
            ]
        )
    story += [_table(members, [90 * mm, 25 * mm, 60 * mm]), Spacer(1, 4 * mm)]
    story += [
        Paragraph("Angebotsprotokoll (Hash-Kette)", styles["Heading3"]),
        Paragraph(
            f"Einträge bei Öffnungsbeginn: {session.log_entries}<br/>"
            f"Kopf (SHA-256): <font face='Courier'>{session.log_head}</font>",
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
        Paragraph("Geöffnete Angebote", styles["Heading3"]),
    ]
    opened = (
        Bid.objects.filter(tender=tender, opened_at__isnull=False)
        .select_related("bidder")
        .order_by("lot_number", "received_at")
    )
    rows: list[list[Any]] = [
        ["Bieter", "Los", "Eingang (Serverzeit)", "SHA-256 des Chiffrats", "unversehrt", "Preis"]
    ]
    for bid in opened:
        price = f"{bid.price} {bid.currency}" if bid.price is not None else "—"
        rows.append(
            [
                Paragraph(bid.bidder.name, small),
                bid.lot_number,
                _fmt(bid.received_at),
                Paragraph(f"<font face='Courier'>{bid.ciphertext_sha256}</font>", small),
                "ja" if bid.intact else "NEIN",
                price,
            ]
        )
    if len(rows) == 1:
        rows.append(["keine Angebote", "", "", "", "", ""])
    story += [_table(rows, [55 * mm, 12 * mm, 42 * mm, 95 * mm, 20 * mm, 30 * mm])]
    failed = [b for b in opened if not b.intact]
    for bid in failed:
        story.append(
            Paragraph(
                f"Nicht unversehrt: {bid.bidder.name}, Los {bid.lot_number}: {bid.opening_error}",
                small,
            )
        )
    story += [Spacer(1, 4 * mm), Paragraph("Zurückgezogene Angebote", styles["Heading3"])]
    withdrawn = Bid.objects.filter(tender=tender, state=BidState.WITHDRAWN).select_related("bidder")
    rows = [["Bieter", "Los", "Eingang", "Zurückgezogen"]]
    rows += [
        [b.bidder.name, b.lot_number, _fmt(b.received_at), _fmt(b.withdrawn_at)] for b in withdrawn
    ] or [["keine", "", "", ""]]
    story += [_table(rows, [90 * mm, 15 * mm, 55 * mm, 55 * mm])]
    story += [Spacer(1, 4 * mm), Paragraph("Verspätete Angebote (abgewiesen)", styles["Heading3"])]
    late = [e for e in log_entries(tender=tender) if e.event == LogEvent.LATE_REFUSED]
    rows = [["Bieter", "Los", "Eingang (Serverzeit)", "Protokoll-Nr."]]
    rows += [[e.bidder, e.lot, e.recorded_at, e.position] for e in late] or [["keine", "", "", ""]]
    story += [_table(rows, [90 * mm, 15 * mm, 55 * mm, 30 * mm])]
    superseded = Bid.objects.filter(tender=tender, state=BidState.SUPERSEDED).count()
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            f"Durch neuere Angebote ersetzte Fassungen (nicht geöffnet): {superseded}. "
            "Diese Niederschrift wird nicht veröffentlicht (VgV §55 Abs. 2, VOB/A §14).",
            styles["BodyText"],
        ),
    ]
    doc.build(story)
    return out.getvalue()


def opening_facts(*, tender: Any) -> list[dict[str, Any]]:
    """What bidders may learn after the opening (VOB/A §14 Abs. 6: names of the bidders and
    their final amounts); nothing of the record beyond that."""
    bids = (
        Bid.objects.filter(tender=tender, opened_at__isnull=False)
        .select_related("bidder")
        .order_by("lot_number", "bidder__name")
    )
    return [
        {"bidder": b.bidder.name, "lot": b.lot_number, "price": b.price, "currency": b.currency}
        for b in bids
    ]
