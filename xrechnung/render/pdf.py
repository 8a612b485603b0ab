"""PDF rendering with reportlab: embedded TrueType fonts and an sRGB OutputIntent, so the page
PDF is a sound base for PDF/A-3 (Factur-X) and prints the same everywhere."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from xrechnung.render.view import InvoiceView, PartyView

DASH = "\N{EN DASH}"  # typographic range and separator dash

_CHUNK_ROWS = 40
FONT = "XRSans"
FONT_BOLD = "XRSans-Bold"

# DejaVu (Debian fonts-dejavu-core) covers every Latin letter French and German need; reportlab
# ships Bitstream Vera, the font DejaVu grew from, as a fallback that is always there.
_FONT_CANDIDATES = [
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (
        Path(reportlab.__file__).parent / "fonts" / "Vera.ttf",
        Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf",
    ),
]


class RenderError(RuntimeError):
    """The PDF could not be produced (for instance: no TrueType font available)."""


@functools.cache
def register_fonts() -> tuple[str, str]:
    """Register one regular and one bold TrueType font (embedded as subsets) once per process."""
    for regular, bold in _FONT_CANDIDATES:
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
            pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)
            return FONT, FONT_BOLD
    raise RenderError(
        "No TrueType font found for PDF rendering: install fonts-dejavu-core or reportlab's fonts"
    )


@functools.cache
def srgb_icc_profile() -> bytes:
    """An sRGB ICC profile built by littlecms (Pillow, a reportlab dependency): no file needed."""
    from PIL import ImageCms

    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def add_output_intent(pdf: bytes) -> bytes:
    """Add the sRGB OutputIntent PDF/A requires for device colours (ISO 19005 6.2.3)."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    icc = DecodedStreamObject()
    icc.set_data(srgb_icc_profile())
    icc[NameObject("/N")] = NumberObject(3)
    icc_ref = writer._add_object(icc)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): icc_ref,
        }
    )
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def render_pdf_view(view: InvoiceView, *, labels: dict[str, str], title: str) -> bytes:
    """A4 PDF of a prepared view, fonts embedded, with the sRGB OutputIntent."""
    regular, bold = register_fonts()
    base = ParagraphStyle(
        "base", fontName=regular, bulletFontName=regular, fontSize=8.5, leading=10.5
    )
    small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=9)
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
    strong = ParagraphStyle("strong", parent=base, fontName=bold)
    strong_right = ParagraphStyle("strong_right", parent=right, fontName=bold)
    h1 = ParagraphStyle("h1", parent=base, fontName=bold, fontSize=15, leading=19)
    h2 = ParagraphStyle("h2", parent=base, fontName=bold, fontSize=10.5, leading=13, spaceBefore=8)
    grid = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), regular),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.Color(0.75, 0.75, 0.75)),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ]
    )
    # Tables draw with Helvetica unless told otherwise, even around flowables.
    plain = TableStyle(
        [("FONTNAME", (0, 0), (-1, -1), regular), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    )
    width = A4[0] - 30 * mm

    def pairs(items: list[tuple[str, str]], key_width: float) -> Table:
        rows = [[_p(k, strong), _p(v, base)] for k, v in items]
        table = Table(rows, colWidths=[key_width, None], hAlign="LEFT")
        table.setStyle(plain)
        return table

    def party(p: PartyView) -> list[object]:
        return [
            _p(p.heading, h2),
            _p(p.name, strong),
            _p("\n".join(p.address), base),
            Spacer(1, 2 * mm),
            pairs(p.details, 32 * mm),
        ]

    def table(
        headers: list[str], rows: list[list[str]], numeric: set[int], widths: list[float]
    ) -> list[Table]:
        # platypus re-splits a table at every page break, which is quadratic in its rows; a
        # chunk of about one page keeps rendering linear (5,000 lines: 29 s before, now ~5 s).
        head = [_p(h, strong_right if i in numeric else strong) for i, h in enumerate(headers)]
        style = TableStyle(
            [
                *grid.getCommands(),
                ("FONTSIZE", (0, 0), (-1, -1), base.fontSize),
                *[("ALIGN", (i, 0), (i, -1), "RIGHT") for i in numeric],
            ]
        )

        def cell(text: str, column: int) -> str | Paragraph:
            # Paragraph layout is the expensive part of a long invoice; single-line cells are
            # drawn as plain strings and only text that needs wrapping becomes a Paragraph.
            if "\n" in text or pdfmetrics.stringWidth(text, regular, base.fontSize) > (
                widths[column] * width - 6
            ):
                return _p(text, right if column in numeric else base)
            return text

        tables = []
        for start in range(0, max(len(rows), 1), _CHUNK_ROWS):
            data: list[list[str | Paragraph]] = [list(head)]
            data += [
                [cell(c, i) for i, c in enumerate(r)] for r in rows[start : start + _CHUNK_ROWS]
            ]
            chunk = Table(data, colWidths=[w * width for w in widths], repeatRows=1)
            chunk.setStyle(style)
            tables.append(chunk)
        return tables

    story: list[object] = [_p(f"{view.title} {view.number}", h1), pairs(view.meta, 55 * mm)]
    parties = Table([[party(view.seller), party(view.buyer)]], colWidths=[width / 2, width / 2])
    parties.setStyle(plain)
    story.append(parties)
    if view.delivery:
        story += [_p(labels["delivery"], h2), pairs(view.delivery, 55 * mm)]
    story += [
        _p(labels["lines"], h2),
        *table(
            view.line_headers, view.line_rows, {2, 4, 6}, [0.07, 0.33, 0.1, 0.09, 0.15, 0.1, 0.16]
        ),
    ]
    if view.ac_rows:
        story += [
            _p(labels["allowances_charges"], h2),
            *table(view.ac_headers, view.ac_rows, {3}, [0.15, 0.5, 0.15, 0.2]),
        ]
    story += [
        _p(labels["vat_breakdown"], h2),
        *table(view.vat_headers, view.vat_rows, {1, 2, 3}, [0.3, 0.1, 0.18, 0.17, 0.25]),
        _p(labels["totals"], h2),
    ]
    totals = Table(
        [
            [_p(k, strong if em else base), _p(v, strong_right if em else right)]
            for k, v, em in view.totals
        ],
        colWidths=[70 * mm, 40 * mm],
        hAlign="RIGHT",
    )
    totals.setStyle(plain)
    story.append(totals)
    if view.payment:
        story += [_p(labels["payment"], h2), pairs(view.payment, 45 * mm)]
    if view.attachments:
        story += [_p(labels["attachments"], h2), *[_p(a, small) for a in view.attachments]]
    if view.notes:
        story += [_p(labels["notes"], h2), *[_p(n, small) for n in view.notes]]

    def footer(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.drawRightString(
            A4[0] - 15 * mm, 10 * mm, f"{view.number} {DASH} {labels['page']} {doc.page}"
        )
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=view.seller.name,
        subject=title,
        creator="zuschlag xrechnung",
        lang=view.lang,
        # reportlab opens every page with Helvetica unless told otherwise; PDF/A forbids
        # referencing a font that is not embedded.
        initialFontName=regular,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return add_output_intent(buffer.getvalue())
