"""Random consistent models (hypothesis) written as XRechnung UBL and CII validate cleanly."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xrechnung
from tests.xrechnung import samples
from xrechnung.generate import to_cii, to_facturx_pdf, to_ubl
from xrechnung.model import (
    Address,
    AllowanceCharge,
    Delivery,
    EarlyPaymentDiscount,
    Invoice,
    Line,
    Note,
    Payee,
    PrecedingInvoice,
    SupportingDocument,
    VatCategory,
    VatExemption,
)
from xrechnung.parse import parse_invoice
from xrechnung.totals import compute_totals

CATEGORIES = {
    VatCategory.STANDARD: [D("19"), D("7")],
    VatCategory.ZERO: [D("0")],
    VatCategory.EXEMPT: [D("0")],
    VatCategory.REVERSE_CHARGE: [D("0")],
    VatCategory.INTRA_COMMUNITY: [D("0")],
    VatCategory.EXPORT: [D("0")],
}
EXEMPTIONS = {
    VatCategory.EXEMPT: VatExemption(category=VatCategory.EXEMPT, reason="§ 4 Nr. 21 UStG"),
    VatCategory.REVERSE_CHARGE: VatExemption(
        category=VatCategory.REVERSE_CHARGE, reason="Reverse charge", code="VATEX-EU-AE"
    ),
    VatCategory.INTRA_COMMUNITY: VatExemption(
        category=VatCategory.INTRA_COMMUNITY, reason="Intra-community", code="VATEX-EU-IC"
    ),
    VatCategory.EXPORT: VatExemption(category=VatCategory.EXPORT, code="VATEX-EU-G"),
}
# UNTDID 5189 allowance and 7161 charge reason codes (BR-CL-19/BR-CL-20).
ALLOWANCE_CODES = ["95", "100", "102", "104"]
CHARGE_CODES = ["FC", "ABL", "AAA", "ZZZ"]
UNITS = ["C62", "HUR", "DAY", "KGM", "MTR", "LS"]

money = st.decimals(min_value=D("0.01"), max_value=D("50000"), places=2)
text = (
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs", "P"]),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def allowance(draw: st.DrawFn, *, document: bool, categories: list[VatCategory]) -> AllowanceCharge:
    charge = draw(st.booleans())
    category = draw(st.sampled_from(categories)) if document else None
    base = percentage = None
    if draw(st.booleans()):
        base = draw(money)
        percentage = draw(st.decimals(min_value=D("1"), max_value=D("50"), places=0))
    if base is not None and percentage is not None:
        amount = (base * percentage / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    else:
        amount = draw(money)
    return AllowanceCharge(
        is_charge=charge,
        amount=amount,
        reason=draw(text),
        reason_code=draw(st.sampled_from(CHARGE_CODES if charge else ALLOWANCE_CODES)),
        base_amount=base,
        percentage=percentage,
        vat_category=category,
        vat_rate=draw(st.sampled_from(CATEGORIES[category])) if category else None,
    )


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    categories = draw(
        st.lists(st.sampled_from(sorted(CATEGORIES)), min_size=1, max_size=3, unique=True)
    )
    lines = []
    for index in range(draw(st.integers(min_value=1, max_value=6))):
        category = draw(st.sampled_from(categories))
        lines.append(
            Line(
                id=str(index + 1),
                name=draw(text),
                description=draw(st.none() | text),
                quantity=draw(st.decimals(min_value=D("-20"), max_value=D("999"), places=3)),
                unit_code=draw(st.sampled_from(UNITS)),
                unit_price=draw(st.decimals(min_value=D("0"), max_value=D("9999"), places=4)),
                price_base_quantity=draw(st.sampled_from([None, D("1"), D("100")])),
                vat_category=category,
                vat_rate=draw(st.sampled_from(CATEGORIES[category])),
                allowances_charges=draw(
                    st.lists(allowance(document=False, categories=categories), max_size=2)
                ),
            )
        )
    invoice = samples.domestic_german()
    invoice.buyer.vat_id = "DE811569869"
    invoice.lines = lines
    invoice.allowances_charges = draw(
        st.lists(allowance(document=True, categories=categories), max_size=3)
    )
    used = {line.vat_category for line in lines} | {
        ac.vat_category for ac in invoice.allowances_charges if ac.vat_category
    }
    # in breakdown order, which is the order a parser meets them in
    invoice.vat_exemptions = [EXEMPTIONS[c] for c in VatCategory if c in used and c in EXEMPTIONS]
    start = date(2026, 1, 1) + timedelta(days=draw(st.integers(min_value=0, max_value=300)))
    invoice.delivery = Delivery(
        date=start, address=Address(city="Berlin", postcode="10115", country_code="DE")
    )
    invoice.type_code = draw(st.sampled_from(["380", "380", "381", "384", "326", "875"]))
    if invoice.type_code in ("381", "384") or draw(st.booleans()):
        invoice.preceding_invoices = [
            PrecedingInvoice(number=draw(text), issue_date=draw(st.none() | st.just(start)))
        ]
    codes = draw(st.lists(st.sampled_from(["AAI", "SUR", "REG", "PMT", "AAB"]), unique=True))
    invoice.notes = [draw(text) for _ in range(draw(st.integers(0, 2)))]
    invoice.notes += [Note(text=draw(text), subject_code=code) for code in codes]
    invoice.early_payment_discounts = draw(
        st.lists(
            st.builds(
                EarlyPaymentDiscount,
                days=st.integers(min_value=0, max_value=90),
                percent=st.decimals(min_value=D("0"), max_value=D("9.99"), places=2),
                base_amount=st.none() | money,
            ),
            max_size=3,
        )
    )
    invoice.payment_terms = draw(st.none() | text.filter(lambda t: not t.startswith("#")))
    invoice.tax_point_date_code = draw(st.none() | st.sampled_from(["3", "35", "432"]))
    invoice.tender_reference = draw(st.none() | text)
    invoice.attachments = [
        SupportingDocument(
            id=f"DOC-{i}",
            description=draw(st.none() | text),
            content=draw(st.binary(min_size=1, max_size=64)),
            mime_code=draw(st.sampled_from(["application/pdf", "image/png", "text/csv"])),
            filename=f"anlage-{i}.bin",
        )
        for i in range(draw(st.integers(0, 2)))
    ]
    if draw(st.booleans()):
        invoice.payee = Payee(name=draw(text))
    invoice.currency = draw(st.sampled_from(["EUR", "EUR", "USD"]))
    if invoice.currency != "EUR":
        invoice.tax_currency = "EUR"
        invoice.tax_exchange_rate = draw(
            st.decimals(min_value=D("0.5"), max_value=D("2"), places=5)
        )
    return invoice


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(invoices(), st.sampled_from(["ubl", "cii", "ubl+cii", "facturx"]))
def test_random_models_validate_and_round_trip(invoice: Invoice, writers: str) -> None:
    chosen = {"ubl": [to_ubl], "cii": [to_cii], "ubl+cii": [to_ubl, to_cii]}
    for write in chosen.get(writers, [to_facturx_pdf]):
        data = write(invoice)
        report = xrechnung.validate(data)
        errors = [(f.id, f.message) for f in report.findings if f.severity in ("fatal", "error")]
        assert errors == []
        assert report.verdict == "accept"
        parsed = parse_invoice(data)
        assert parsed.stated == compute_totals(invoice)
        parsed.invoice.tax_exchange_rate = invoice.tax_exchange_rate
        assert parsed.invoice == invoice
