"""Self-contained HTML rendering of an invoice (no scripts, no external resources)."""

from __future__ import annotations

from html import escape

from xrechnung.render.view import InvoiceView, PartyView

_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:14px;color:#1a1a1a;margin:2em;}
h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.4em 0 .4em;
border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%}th,td{padding:.25em .5em;vertical-align:top;
text-align:left}th{background:#eee}td.n,th.n{text-align:right;white-space:nowrap}
.parties{display:flex;gap:2em}.parties section{flex:1}.meta th{background:none;width:40%}
.totals{width:auto;margin-left:auto}.totals .em td{font-weight:bold;border-top:1px solid #333}
.lines td{border-bottom:1px solid #ddd}.pre{white-space:pre-line}
"""


def _e(text: str) -> str:
    return escape(text, quote=True)


def _pairs(pairs: list[tuple[str, str]], css: str = "meta") -> str:
    rows = "".join(
        f'<tr><th scope="row">{_e(k)}</th><td class="pre">{_e(v)}</td></tr>' for k, v in pairs
    )
    return f'<table class="{css}">{rows}</table>'


def _party(party: PartyView) -> str:
    address = "<br>".join(_e(line) for line in party.address)
    return (
        f"<section><h2>{_e(party.heading)}</h2><p><strong>{_e(party.name)}</strong><br>"
        f"{address}</p>{_pairs(party.details)}</section>"
    )


def _table(headers: list[str], rows: list[list[str]], numeric: set[int], css: str) -> str:
    head = "".join(
        f'<th scope="col"{" class=n" if i in numeric else ""}>{_e(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"n" if i in numeric else "pre"}">{_e(cell)}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render_html_view(view: InvoiceView, *, labels: dict[str, str]) -> str:
    """HTML page for a prepared view; ``labels`` holds the section headings in its language."""
    totals = "".join(
        f'<tr class="{"em" if em else ""}"><td>{_e(k)}</td><td class="n">{_e(v)}</td></tr>'
        for k, v, em in view.totals
    )
    parts = [
        f'<!DOCTYPE html><html lang="{view.lang}"><head><meta charset="utf-8">',
        f"<title>{_e(view.title)} {_e(view.number)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(view.title)} {_e(view.number)}</h1>",
        _pairs(view.meta),
        f'<div class="parties">{_party(view.seller)}{_party(view.buyer)}</div>',
    ]
    if view.delivery:
        parts.append(f"<h2>{_e(labels['delivery'])}</h2>{_pairs(view.delivery)}")
    parts.append(f"<h2>{_e(labels['lines'])}</h2>")
    parts.append(_table(view.line_headers, view.line_rows, {2, 4, 6}, "lines"))
    if view.ac_rows:
        parts.append(f"<h2>{_e(labels['allowances_charges'])}</h2>")
        parts.append(_table(view.ac_headers, view.ac_rows, {3}, "lines"))
    parts.append(f"<h2>{_e(labels['vat_breakdown'])}</h2>")
    parts.append(_table(view.vat_headers, view.vat_rows, {1, 2, 3}, "lines"))
    parts.append(f'<h2>{_e(labels["totals"])}</h2><table class="totals">{totals}</table>')
    if view.payment:
        parts.append(f"<h2>{_e(labels['payment'])}</h2>{_pairs(view.payment)}")
    if view.attachments:
        items = "".join(f"<li>{_e(a)}</li>" for a in view.attachments)
        parts.append(f"<h2>{_e(labels['attachments'])}</h2><ul>{items}</ul>")
    if view.notes:
        notes = "".join(f'<p class="pre">{_e(n)}</p>' for n in view.notes)
        parts.append(f"<h2>{_e(labels['notes'])}</h2>{notes}")
    parts.append("</body></html>")
    return "\n".join(parts)
