"""A language-specific, syntax-neutral view of an invoice that the HTML and PDF renderers draw."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from xrechnung.model import Address, Invoice, Party, note_parts
from xrechnung.render.labels import (
    check_language,
    document_title,
    format_amount,
    format_date,
    format_number,
    format_price,
    label,
    payment_means_name,
    scheme_name,
    unit_name,
    vat_category_name,
)
from xrechnung.totals import Totals

DASH = "\N{EN DASH}"  # typographic range and separator dash
NBSP = "\N{NO-BREAK SPACE}"  # keeps "S 19 %" on one line in narrow columns

Pair = tuple[str, str]


@dataclass(kw_only=True)
class PartyView:
    heading: str
    name: str
    address: list[str]
    details: list[Pair]


@dataclass(kw_only=True)
class InvoiceView:
    lang: str
    title: str
    number: str
    meta: list[Pair]
    seller: PartyView
    buyer: PartyView
    delivery: list[Pair]
    line_headers: list[str]
    line_rows: list[list[str]]
    ac_headers: list[str]
    ac_rows: list[list[str]]
    vat_headers: list[str]
    vat_rows: list[list[str]]
    totals: list[tuple[str, str, bool]]  # label, amount, emphasised
    payment: list[Pair]
    notes: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)


def _range(start: date | None, end: date | None, lang: str) -> str:
    return f"{format_date(start, lang)} {DASH} {format_date(end, lang)}"


def _address_lines(address: Address) -> list[str]:
    city = " ".join(p for p in (address.postcode, address.city) if p)
    lines = [address.line1, address.line2, city, address.subdivision, address.country_code]
    return [line for line in lines if line]


def _party(party: Party, heading: str, lang: str) -> PartyView:
    details: list[Pair] = []
    if party.trading_name and party.trading_name != party.name:
        details.append((label("trading_name", lang), party.trading_name))
    if party.vat_id:
        details.append((label("vat_id", lang), party.vat_id))
    if party.tax_registration:
        details.append((label("tax_registration", lang), party.tax_registration))
    if party.legal_registration:
        reg = party.legal_registration
        scheme = scheme_name(reg.scheme)
        details.append((scheme or label("legal_registration", lang), reg.value))
    for identifier in party.identifiers:
        scheme = scheme_name(identifier.scheme)
        details.append((scheme or label("identifier", lang), identifier.value))
    if party.electronic_address:
        ea = party.electronic_address
        scheme = scheme_name(ea.scheme)
        value = f"{ea.value} ({scheme})" if scheme else ea.value
        details.append((label("electronic_address", lang), value))
    if party.legal_form:
        details.append((label("legal_form", lang), party.legal_form))
    if party.contact:
        contact = party.contact
        for key, item in (
            ("contact", contact.name),
            ("phone", contact.phone),
            ("email", contact.email),
        ):
            if item:
                details.append((label(key, lang), item))
    return PartyView(
        heading=heading, name=party.name, address=_address_lines(party.address), details=details
    )


def build_view(invoice: Invoice, totals: Totals, *, lang: str) -> InvoiceView:
    """Lay out an invoice for people; ``totals`` are the document's own (stated) amounts."""
    check_language(lang)
    cur = invoice.currency

    def money(value: object) -> str:
        return format_amount(value, cur, lang)  # type: ignore[arg-type]

    meta: list[Pair] = [
        (label("number", lang), invoice.number),
        (label("issue_date", lang), format_date(invoice.issue_date, lang)),
    ]
    optional: list[tuple[str, str | None]] = [
        ("due_date", format_date(invoice.due_date, lang) or None),
        ("tax_point_date", format_date(invoice.tax_point_date, lang) or None),
        (
            "tax_point_basis",
            label(f"tax_point_{invoice.tax_point_date_code}", lang)
            if invoice.tax_point_date_code
            else None,
        ),
        ("currency", cur),
        ("tax_currency", invoice.tax_currency),
        ("buyer_reference", invoice.buyer_reference),
        ("order_reference", invoice.order_reference),
        ("contract_reference", invoice.contract_reference),
        ("project_reference", invoice.project_reference),
        ("sales_order_reference", invoice.sales_order_reference),
        ("accounting_reference", invoice.buyer_accounting_reference),
        ("tender_reference", invoice.tender_reference),
        ("invoiced_object", invoice.invoiced_object.value if invoice.invoiced_object else None),
        ("despatch_advice", invoice.despatch_advice_reference),
        ("receiving_advice", invoice.receiving_advice_reference),
    ]
    meta += [(label(key, lang), value) for key, value in optional if value]
    for preceding in invoice.preceding_invoices:
        when = format_date(preceding.issue_date, lang)
        meta.append((label("preceding_invoice", lang), f"{preceding.number} {when}".strip()))

    if invoice.tax_representative:
        rep = invoice.tax_representative
        where = ", ".join(_address_lines(rep.address))
        meta.append(
            (label("tax_representative", lang), f"{rep.name}, {where}, {label('vat_id', lang)} "
             f"{rep.vat_id}")
        )  # fmt: skip
    delivery: list[Pair] = []
    if invoice.period_start or invoice.period_end:
        period = _range(invoice.period_start, invoice.period_end, lang)
        delivery.append((label("period", lang), period))
    if invoice.delivery:
        if invoice.delivery.date:
            delivery.append(
                (label("delivery_date", lang), format_date(invoice.delivery.date, lang))
            )
        place = []
        if invoice.delivery.party_name:
            place.append(invoice.delivery.party_name)
        if invoice.delivery.address:
            place += _address_lines(invoice.delivery.address)
        if place:
            delivery.append((label("deliver_to", lang), ", ".join(place)))

    line_rows = []
    for index, line in enumerate(invoice.lines):
        text = line.name
        if line.description:
            text += f"\n{line.description}"
        ids = [line.seller_item_id, line.buyer_item_id]
        if line.standard_item_id:
            ids.append(f"{scheme_name(line.standard_item_id.scheme)} {line.standard_item_id.value}")
        ids += [f"{c.list_id} {c.code}" for c in line.classifications]
        if any(ids):
            text += f"\n{label('item_ids', lang)}: " + ", ".join(i for i in ids if i)
        if line.period_start or line.period_end:
            text += "\n" + _range(line.period_start, line.period_end, lang)
        for ac in line.allowances_charges:
            kind = label("charge" if ac.is_charge else "allowance", lang)
            reason = ac.reason or ac.reason_code or ""
            text += f"\n{kind} {reason}: {money(ac.amount)}".rstrip()
        price = format_price(line.unit_price, lang)
        if line.price_base_quantity is not None and line.price_base_quantity != 1:
            base = format_number(line.price_base_quantity, lang, places=None)
            price += f" {label('per', lang)} {base}"
        rate = (
            ""
            if line.vat_rate is None
            else f"{NBSP}{format_number(line.vat_rate, lang, places=None)}{NBSP}%"
        )
        net = totals.line_nets[index] if index < len(totals.line_nets) else None
        line_rows.append(
            [
                line.id,
                text,
                format_number(line.quantity, lang, places=None),
                unit_name(line.unit_code, lang),
                price,
                f"{line.vat_category.value}{rate}",
                money(net) if net is not None else "",
            ]
        )

    ac_rows = []
    for ac in invoice.allowances_charges:
        rate = (
            ""
            if ac.vat_rate is None
            else f"{NBSP}{format_number(ac.vat_rate, lang, places=None)}{NBSP}%"
        )
        category = ac.vat_category.value if ac.vat_category else ""
        ac_rows.append(
            [
                label("charge" if ac.is_charge else "allowance", lang),
                ac.reason or ac.reason_code or "",
                f"{category}{rate}",
                ("" if ac.is_charge else "-") + money(ac.amount),
            ]
        )

    vat_rows = []
    for row in totals.breakdown:
        reason = " ".join(p for p in (row.exemption_reason, row.exemption_code) if p)
        vat_rows.append(
            [
                f"{row.category.value} {DASH} {vat_category_name(row.category.value, lang)}",
                "" if row.rate is None else f"{format_number(row.rate, lang, places=None)}{NBSP}%",
                money(row.taxable_amount),
                money(row.tax_amount),
                reason,
            ]
        )

    total_rows: list[tuple[str, str, bool]] = [
        (label("line_total", lang), money(totals.line_total), False)
    ]
    if totals.allowance_total:
        total_rows.append((label("allowance_total", lang), money(totals.allowance_total), False))
    if totals.charge_total:
        total_rows.append((label("charge_total", lang), money(totals.charge_total), False))
    total_rows += [
        (label("tax_exclusive", lang), money(totals.tax_exclusive), False),
        (label("tax_total", lang), money(totals.tax_total), False),
    ]
    if totals.tax_total_accounting is not None and invoice.tax_currency:
        total_rows.append(
            (
                label("tax_total_accounting", lang),
                format_amount(totals.tax_total_accounting, invoice.tax_currency, lang),
                False,
            )
        )
    total_rows.append((label("tax_inclusive", lang), money(totals.tax_inclusive), True))
    if totals.prepaid:
        total_rows.append((label("prepaid", lang), money(totals.prepaid), False))
    if totals.rounding:
        total_rows.append((label("rounding", lang), money(totals.rounding), False))
    total_rows.append((label("payable", lang), money(totals.payable), True))

    payment: list[Pair] = []
    if invoice.payee:
        payee = invoice.payee
        payee_ids = [i for i in (payee.identifier, payee.legal_registration) if i is not None]
        shown = ", ".join(f"{scheme_name(i.scheme) or ''} {i.value}".strip() for i in payee_ids)
        payment.append((label("payee", lang), f"{payee.name} ({shown})" if shown else payee.name))
    if invoice.payment:
        pay = invoice.payment
        means = payment_means_name(pay.means_code, lang)
        if pay.means_text:
            means += f" {DASH} {pay.means_text}"
        payment.append((label("means", lang), means))
        for key, value in (
            ("iban", pay.iban),
            ("bic", pay.bic),
            ("account_name", pay.account_name),
            ("remittance", pay.remittance_information),
            ("mandate", pay.mandate_reference),
            ("debited_account", pay.debited_iban),
        ):
            if value:
                payment.append((label(key, lang), value))
    if invoice.due_date:
        payment.append((label("due_date", lang), format_date(invoice.due_date, lang)))
    if invoice.payment_terms:
        payment.append((label("terms", lang), invoice.payment_terms))
    for discount in invoice.early_payment_discounts:
        text = label("skonto_terms", lang).format(
            percent=format_number(discount.percent, lang, places=None), days=discount.days
        )
        if discount.base_amount is not None:
            text += " " + label("skonto_base", lang).format(amount=money(discount.base_amount))
        payment.append((label("skonto", lang), text))

    return InvoiceView(
        lang=lang,
        title=document_title(invoice.type_code, lang),
        number=invoice.number,
        meta=meta,
        seller=_party(invoice.seller, label("seller", lang), lang),
        buyer=_party(invoice.buyer, label("buyer", lang), lang),
        delivery=delivery,
        line_headers=[
            label(k, lang)
            for k in ("pos", "item", "quantity", "unit", "unit_price", "vat", "net_amount")
        ],
        line_rows=line_rows,
        ac_headers=["", label("item", lang), label("vat", lang), label("net_amount", lang)],
        ac_rows=ac_rows,
        vat_headers=[
            label(k, lang)
            for k in ("category", "rate", "taxable_amount", "tax_amount", "exemption_reason")
        ],
        vat_rows=vat_rows,
        totals=total_rows,
        payment=payment,
        attachments=[
            f" {DASH} ".join(p for p in (doc.id, doc.description, doc.filename or doc.uri) if p)
            for doc in invoice.attachments
        ],
        notes=[
            f"{n.text} ({n.subject_code})" if n.subject_code else n.text
            for n in map(note_parts, invoice.notes)
        ],
    )
