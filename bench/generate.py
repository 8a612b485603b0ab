"""Generation, parsing and rendering times for long invoices, beside naive baselines.

Run: .venv/bin/python bench/generate.py [LINES ...]   (default 100 1000 5000)
Baselines measured in the same run: the PDF lines table as one platypus Table with a Paragraph
per cell (the obvious way, quadratic in the number of lines), and compute_totals alone.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xrechnung.generate import to_cii, to_ubl
from xrechnung.model import (
    Address,
    Identifier,
    Invoice,
    Line,
    Party,
    PaymentInstructions,
    VatCategory,
)
from xrechnung.parse import parse_invoice
from xrechnung.render import render_html, render_pdf
from xrechnung.totals import compute_totals


def invoice(lines: int) -> Invoice:
    party = Party(
        name="Bench GmbH",
        address=Address(city="Berlin", postcode="10115", country_code="DE"),
        vat_id="DE136695976",
        electronic_address=Identifier(value="bench@example.org", scheme="EM"),
    )
    return Invoice(
        number=f"BENCH-{lines}",
        issue_date=date(2026, 11, 20),
        seller=party,
        buyer=party,
        buyer_reference="04011000-12345-03",
        payment=PaymentInstructions(iban="DE02120300000000202051"),
        lines=[
            Line(
                id=str(i),
                name=f"Position {i}",
                quantity=Decimal("3.5"),
                unit_code="C62",
                unit_price=Decimal("12.3456"),
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal("19") if i % 3 else Decimal("7"),
            )
            for i in range(1, lines + 1)
        ],
    )


def naive_pdf(rows: list[list[str]]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    style = getSampleStyleSheet()["BodyText"]
    buffer = io.BytesIO()
    table = Table([[Paragraph(c, style) for c in row] for row in rows], repeatRows=1)
    SimpleDocTemplate(buffer, pagesize=A4).build([table])
    return buffer.getvalue()


def timed(call: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    call(*args)
    return time.perf_counter() - start


def main(sizes: list[int]) -> None:
    render_pdf(invoice(1))  # fonts and imports out of the measurement
    header = ["lines", "totals", "UBL", "CII", "parse", "HTML", "PDF", "naive PDF"]
    print(" ".join(f"{h:>10}" for h in header))
    for size in sizes:
        model = invoice(size)
        xml = to_ubl(model)
        parsed = parse_invoice(xml)
        rows = [[ln.id, ln.name, str(ln.quantity), str(ln.unit_price)] for ln in model.lines]
        figures = [
            timed(compute_totals, model),
            timed(to_ubl, model),
            timed(to_cii, model),
            timed(parse_invoice, xml),
            timed(render_html, parsed),
            timed(render_pdf, parsed),
            # the naive table is quadratic: skip it where it would take minutes
            timed(naive_pdf, rows) if size <= 2000 else float("nan"),
        ]
        print(f"{size:>10} " + " ".join(f"{f:>9.3f}s" for f in figures))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 5000])
