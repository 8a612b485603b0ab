"""One invoice model for every syntax we write or read (EN 16931 semantic model).

Amounts are ``Decimal`` built from strings; totals and the VAT breakdown are never stored here:
``xrechnung.totals.compute_totals`` derives them (BR-CO-10 … BR-CO-17). Field comments name the
EN 16931 business term (BT-/BG-) each field carries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class XRechnungModelError(ValueError):
    """An invoice model that cannot become a valid EN 16931 document; ``rule`` names the rule."""

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        self.rule = rule
        super().__init__(f"{message} ({rule})" if rule else message)


class VatCategory(StrEnum):
    """UNCL 5305 codes EN 16931 allows (BT-95, BT-102, BT-118, BT-151)."""

    STANDARD = "S"
    ZERO = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    NOT_SUBJECT = "O"
    CANARY_IGIC = "L"
    CEUTA_MELILLA_IPSI = "M"
    SPLIT_PAYMENT = "B"  # Italy only; read from documents, never needed by our writers


# Categories whose breakdown must carry an exemption reason (BR-E-10, BR-AE-10, BR-IC-10,
# BR-G-10, BR-O-10).
EXEMPTION_REQUIRED = frozenset(
    {
        VatCategory.EXEMPT,
        VatCategory.REVERSE_CHARGE,
        VatCategory.INTRA_COMMUNITY,
        VatCategory.EXPORT,
        VatCategory.NOT_SUBJECT,
    }
)
# Categories whose rate is fixed at 0 (BR-Z-05, BR-E-05, BR-AE-05, BR-IC-05, BR-G-05).
ZERO_RATED = frozenset(
    {
        VatCategory.ZERO,
        VatCategory.EXEMPT,
        VatCategory.REVERSE_CHARGE,
        VatCategory.INTRA_COMMUNITY,
        VatCategory.EXPORT,
    }
)


class DocumentType(StrEnum):
    """UNTDID 1001 codes XRechnung accepts (BR-DE-17) for BT-3."""

    PARTIAL = "326"
    COMMERCIAL = "380"
    CREDIT_NOTE = "381"
    CORRECTED = "384"
    SELF_BILLED = "389"
    PARTIAL_CONSTRUCTION = "875"
    PARTIAL_FINAL_CONSTRUCTION = "876"
    FINAL_CONSTRUCTION = "877"


# Codes carried in a UBL CreditNote document rather than an Invoice document.
CREDIT_NOTE_TYPES = frozenset({"381", "396", "81", "83", "532"})

# BT-8 is coded with UNTDID 2005 in UBL and with UNTDID 2475 in CII.
TAX_POINT_CODES_CII = {"3": "5", "35": "29", "432": "72"}

PEPPOL_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(kw_only=True)
class Identifier:
    """An identifier with its optional scheme (ISO 6523 ICD, or EAS for electronic addresses)."""

    value: str
    scheme: str | None = None


@dataclass(kw_only=True)
class Address:
    """BG-5 / BG-8 / BG-15 postal address."""

    line1: str | None = None  # BT-35 / BT-50 / BT-75
    line2: str | None = None  # BT-36 / BT-51 / BT-76
    city: str | None = None  # BT-37 / BT-52 / BT-77
    postcode: str | None = None  # BT-38 / BT-53 / BT-78
    subdivision: str | None = None  # BT-39 / BT-54 / BT-79
    country_code: str  # BT-40 / BT-55 / BT-80


@dataclass(kw_only=True)
class Contact:
    """BG-6 / BG-9 contact; XRechnung requires all three for the seller (BR-DE-5/6/7)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(kw_only=True)
class Party:
    """Seller (BG-4) or buyer (BG-7)."""

    name: str  # BT-27 / BT-44
    address: Address
    trading_name: str | None = None  # BT-28 / BT-45
    identifiers: list[Identifier] = field(default_factory=list)  # BT-29 / BT-46
    # BT-30 / BT-47: SIRET is scheme 0009, SIREN 0002, a German register number has no scheme.
    legal_registration: Identifier | None = None
    legal_form: str | None = None  # BT-33 (seller only)
    vat_id: str | None = None  # BT-31 / BT-48
    tax_registration: str | None = None  # BT-32 (seller only, "Steuernummer")
    # BT-34 / BT-49, scheme from the EAS list: EM e-mail, 0204 Leitweg-ID, 0009 SIRET, 9930 DE VAT.
    electronic_address: Identifier | None = None
    contact: Contact | None = None


@dataclass(kw_only=True)
class Payee:
    """BG-10: who receives the payment when it is not the seller (factoring, central cashier)."""

    name: str  # BT-59
    identifier: Identifier | None = None  # BT-60
    legal_registration: Identifier | None = None  # BT-61


@dataclass(kw_only=True)
class TaxRepresentative:
    """BG-11: the seller's fiscal representative in the buyer's country."""

    name: str  # BT-62
    vat_id: str  # BT-63
    address: Address  # BG-12


@dataclass(kw_only=True)
class AllowanceCharge:
    """Document level (BG-20/BG-21) or line level (BG-27/BG-28) allowance or charge."""

    is_charge: bool
    amount: Decimal  # BT-92 / BT-99 / BT-136 / BT-141
    reason: str | None = None  # BT-97 / BT-104 / BT-139 / BT-144
    reason_code: str | None = None  # BT-98 / BT-105 / BT-140 / BT-145
    base_amount: Decimal | None = None  # BT-93 / BT-100 / BT-137 / BT-142
    percentage: Decimal | None = None  # BT-94 / BT-101 / BT-138 / BT-143
    # Document level only (BT-95/BT-96, BT-102/BT-103); ignored on lines.
    vat_category: VatCategory | None = None
    vat_rate: Decimal | None = None


@dataclass(kw_only=True)
class Classification:
    """BT-158 item classification code; ``list_id`` names the scheme (UNTDID 7143, BR-65)."""

    code: str
    list_id: str
    list_version: str | None = None


@dataclass(kw_only=True)
class SupportingDocument:
    """BG-24 additional supporting document: a reference, an embedded file or a link."""

    id: str  # BT-122
    description: str | None = None  # BT-123
    uri: str | None = None  # BT-124
    content: bytes | None = None  # BT-125 embedded object
    mime_code: str | None = None  # BT-125-1
    filename: str | None = None  # BT-125-2


# BR-CL-24 (EN 16931) plus XML, which XRechnung 3.0 accepts as well.
ATTACHMENT_MIME_CODES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)


@dataclass(kw_only=True)
class Line:
    """BG-25 invoice line."""

    id: str  # BT-126
    name: str  # BT-153
    quantity: Decimal  # BT-129
    unit_code: str  # BT-130, UN/ECE Rec 20 (C62 piece, HUR hour, DAY, …)
    unit_price: Decimal  # BT-146 net price
    vat_category: VatCategory  # BT-151
    vat_rate: Decimal | None = None  # BT-152, absent only for category O
    price_base_quantity: Decimal | None = None  # BT-149
    gross_price: Decimal | None = None  # BT-148
    description: str | None = None  # BT-154
    seller_item_id: str | None = None  # BT-155
    buyer_item_id: str | None = None  # BT-156
    standard_item_id: Identifier | None = None  # BT-157, scheme from ISO 6523 (0160 GTIN)
    classifications: list[Classification] = field(default_factory=list)  # BT-158
    origin_country: str | None = None  # BT-159
    invoiced_object: Identifier | None = None  # BT-128 with its scheme BT-128-1
    note: str | None = None  # BT-127
    order_line_reference: str | None = None  # BT-132
    accounting_reference: str | None = None  # BT-133
    period_start: date | None = None  # BT-134
    period_end: date | None = None  # BT-135
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)


@dataclass(kw_only=True)
class VatExemption:
    """Exemption reason for one VAT category (BT-120 text, BT-121 VATEX code)."""

    category: VatCategory
    reason: str | None = None
    code: str | None = None


@dataclass(kw_only=True)
class PaymentInstructions:
    """BG-16; means code 58 is SEPA credit transfer, 30 credit transfer, 59 SEPA direct debit."""

    means_code: str = "58"  # BT-81
    means_text: str | None = None  # BT-82
    remittance_information: str | None = None  # BT-83
    iban: str | None = None  # BT-84
    account_name: str | None = None  # BT-85
    bic: str | None = None  # BT-86
    mandate_reference: str | None = None  # BT-89
    creditor_id: str | None = None  # BT-90
    debited_iban: str | None = None  # BT-91


@dataclass(kw_only=True)
class EarlyPaymentDiscount:
    """Skonto: ``percent`` off when paid within ``days`` of the issue date, written into BT-20 in
    the structured form XRechnung defines (``#SKONTO#TAGE=14#PROZENT=2.00#``, BR-DE-18)."""

    days: int
    percent: Decimal
    base_amount: Decimal | None = None  # default: the amount due


_SKONTO_LINE = re.compile(
    r"#SKONTO#TAGE=(?P<days>[0-9]+)#PROZENT=(?P<percent>[0-9]+\.[0-9]{2})"
    r"(?:#BASISBETRAG=(?P<base>-?[0-9]+\.[0-9]{2}))?#"
)


def payment_terms_text(terms: str | None, discounts: list[EarlyPaymentDiscount]) -> str | None:
    """BT-20 as written: one Skonto line per discount, each ended by a line feed, then the text."""
    lines = []
    for discount in discounts:
        line = f"#SKONTO#TAGE={discount.days}#PROZENT={discount.percent.quantize(Decimal('0.01'))}#"
        if discount.base_amount is not None:
            base = discount.base_amount.quantize(Decimal("0.01"))
            line = line[:-1] + f"#BASISBETRAG={base}#"
        lines.append(line + "\n")
    text = "".join(lines) + (terms or "")
    return text or None


def split_payment_terms(text: str | None) -> tuple[str | None, list[EarlyPaymentDiscount]]:
    """Inverse of ``payment_terms_text``: free text and the Skonto lines of a BT-20."""
    if text is None:
        return None, []
    discounts = []
    rest = []
    for line in text.splitlines():
        match = _SKONTO_LINE.fullmatch(line.strip())
        if match:
            base = match.group("base")
            discounts.append(
                EarlyPaymentDiscount(
                    days=int(match.group("days")),
                    percent=Decimal(match.group("percent")),
                    base_amount=Decimal(base) if base else None,
                )
            )
        else:
            rest.append(line)
    free = "\n".join(rest).strip()
    return (free or None), discounts


@dataclass(kw_only=True)
class PrecedingInvoice:
    """BG-3: the invoice a credit note or corrected invoice refers to."""

    number: str  # BT-25
    issue_date: date | None = None  # BT-26


@dataclass(kw_only=True)
class Delivery:
    """BG-13 delivery information."""

    party_name: str | None = None  # BT-70
    date: date | None = None  # BT-72
    address: Address | None = None  # BG-15


@dataclass(kw_only=True)
class Note:
    """BG-1 invoice note: text (BT-22) with an optional UNTDID 4451 subject code (BT-21).

    French invoices need notes PMT (recovery fee), PMD (late payment penalties) and AAB
    (early payment discount) under the French CTC rules (BR-FR-05).
    """

    text: str
    subject_code: str | None = None


def note_parts(note: str | Note) -> Note:
    """A plain string is a note without subject code."""
    return note if isinstance(note, Note) else Note(text=note)


@dataclass(kw_only=True)
class Invoice:
    """An EN 16931 invoice or credit note."""

    number: str  # BT-1
    issue_date: date  # BT-2
    seller: Party  # BG-4
    buyer: Party  # BG-7
    lines: list[Line]  # BG-25
    currency: str = "EUR"  # BT-5
    type_code: str = DocumentType.COMMERCIAL  # BT-3
    # BT-6: VAT accounting currency when it differs from BT-5; BT-111 is then computed with
    # ``tax_exchange_rate`` (units of tax currency per unit of invoice currency).
    tax_currency: str | None = None
    tax_exchange_rate: Decimal | None = None
    due_date: date | None = None  # BT-9
    tax_point_date: date | None = None  # BT-7
    # BT-8 (UNTDID 2005): 3 invoice date, 35 delivery date, 432 date paid; excludes BT-7 (BR-CO-3)
    tax_point_date_code: str | None = None
    buyer_reference: str | None = None  # BT-10: Leitweg-ID (DE) or Chorus Pro service code (FR)
    project_reference: str | None = None  # BT-11
    contract_reference: str | None = None  # BT-12
    order_reference: str | None = None  # BT-13: Chorus Pro engagement number for FR buyers
    sales_order_reference: str | None = None  # BT-14
    receiving_advice_reference: str | None = None  # BT-15
    despatch_advice_reference: str | None = None  # BT-16
    tender_reference: str | None = None  # BT-17: the procedure or lot the invoice is awarded under
    invoiced_object: Identifier | None = None  # BT-18 with its scheme BT-18-1
    attachments: list[SupportingDocument] = field(default_factory=list)  # BG-24
    buyer_accounting_reference: str | None = None  # BT-19
    payment_terms: str | None = None  # BT-20 free text
    early_payment_discounts: list[EarlyPaymentDiscount] = field(default_factory=list)  # in BT-20
    notes: list[str | Note] = field(default_factory=list)  # BG-1: a str has no subject code
    # BT-23 business process. XRechnung requires one (PEPPOL-EN16931-R001), hence the Peppol
    # billing default; French invoices carry their billing framework instead (S1 services,
    # B1 goods, M1 mixed …, BR-FR-08).
    business_process: str | None = PEPPOL_BILLING
    period_start: date | None = None  # BT-73
    period_end: date | None = None  # BT-74
    preceding_invoices: list[PrecedingInvoice] = field(default_factory=list)  # BG-3
    payee: Payee | None = None  # BG-10
    tax_representative: TaxRepresentative | None = None  # BG-11
    delivery: Delivery | None = None  # BG-13
    payment: PaymentInstructions | None = None  # BG-16
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)  # BG-20 / BG-21
    vat_exemptions: list[VatExemption] = field(default_factory=list)  # BT-120 / BT-121
    prepaid_amount: Decimal = Decimal("0")  # BT-113
    rounding_amount: Decimal = Decimal("0")  # BT-114

    @property
    def is_credit_note(self) -> bool:
        return self.type_code in CREDIT_NOTE_TYPES

    def exemption_for(self, category: VatCategory) -> VatExemption | None:
        return next((e for e in self.vat_exemptions if e.category == category), None)


def check_invoice(invoice: Invoice) -> None:
    """Raise ``XRechnungModelError`` for a model no generator can turn into a valid document.

    These are the consistency rules a caller can break with the model alone; syntax-specific
    rules stay with the official Schematron.
    """
    for note in invoice.notes:
        parts = note_parts(note)
        if parts.subject_code is not None and not re.fullmatch(r"[A-Z]{3}", parts.subject_code):
            raise XRechnungModelError(
                f"Note subject code {parts.subject_code!r} is not a UNTDID 4451 code", rule="BT-21"
            )
    if invoice.payment and invoice.payment.means_code in ("59", "49"):
        pay = invoice.payment
        if not (pay.mandate_reference and pay.creditor_id and pay.debited_iban):
            raise XRechnungModelError(
                "A direct debit needs mandate reference, creditor id and debited account",
                rule="BR-DE-30/BR-DE-31",
            )
    _check_attachments(invoice)
    if invoice.tax_point_date_code is not None:
        if invoice.tax_point_date_code not in TAX_POINT_CODES_CII:
            raise XRechnungModelError(
                f"VAT point date code {invoice.tax_point_date_code!r} is not 3, 35 or 432",
                rule="BR-CL-06",
            )
        if invoice.tax_point_date is not None:
            raise XRechnungModelError(
                "Give the VAT point date or its code, not both", rule="BR-CO-03"
            )
    if invoice.payee is not None and not invoice.payee.name.strip():
        raise XRechnungModelError("A payee needs a name", rule="BR-17")
    if invoice.tax_representative is not None:
        rep = invoice.tax_representative
        if not rep.name.strip() or not rep.vat_id.strip():
            raise XRechnungModelError(
                "A tax representative needs name and VAT identifier", rule="BR-18/BR-56"
            )
        if not _COUNTRY.match(rep.address.country_code):
            raise XRechnungModelError(
                "The tax representative address needs a country code", rule="BR-20"
            )
    for discount in invoice.early_payment_discounts:
        if discount.days < 0 or not 0 <= discount.percent < 100:
            raise XRechnungModelError(
                f"Skonto of {discount.percent} % within {discount.days} days is not possible",
                rule="BR-DE-18",
            )
    if invoice.payment_terms and invoice.payment_terms.lstrip().startswith("#"):
        raise XRechnungModelError(
            "Free payment terms must not start with '#': XRechnung reads such lines as Skonto "
            "entries; use early_payment_discounts",
            rule="BR-DE-18",
        )
    if not invoice.number.strip():
        raise XRechnungModelError("Invoice number is empty", rule="BR-02")
    if not _CURRENCY.match(invoice.currency):
        raise XRechnungModelError(
            f"Currency {invoice.currency!r} is not an ISO 4217 code", rule="BR-05"
        )
    if invoice.tax_currency is not None:
        if not _CURRENCY.match(invoice.tax_currency):
            raise XRechnungModelError(
                f"VAT accounting currency {invoice.tax_currency!r} is not an ISO 4217 code",
                rule="BT-6",
            )
        if invoice.tax_currency == invoice.currency:
            raise XRechnungModelError(
                "VAT accounting currency equals the invoice currency; leave it out", rule="BT-6"
            )
        if invoice.tax_exchange_rate is None or invoice.tax_exchange_rate <= 0:
            raise XRechnungModelError(
                "A VAT accounting currency needs a positive exchange rate to compute BT-111",
                rule="BR-53",
            )
    if not invoice.lines:
        raise XRechnungModelError("An invoice needs at least one line", rule="BR-16")
    for party, role in ((invoice.seller, "Seller"), (invoice.buyer, "Buyer")):
        if not party.name.strip():
            raise XRechnungModelError(f"{role} name is empty", rule="BR-06/BR-07")
        if not _COUNTRY.match(party.address.country_code):
            raise XRechnungModelError(
                f"{role} country {party.address.country_code!r} is not an ISO 3166 code",
                rule="BR-09/BR-11",
            )
    for party, role, rule in ((invoice.seller, "Seller", "R020"), (invoice.buyer, "Buyer", "R010")):
        if party.electronic_address is None or not party.electronic_address.scheme:
            raise XRechnungModelError(
                f"{role} electronic address with its scheme is required (BT-34/BT-49)",
                rule=f"PEPPOL-EN16931-{rule}",
            )
    seller = invoice.seller
    if not (seller.identifiers or seller.legal_registration or seller.vat_id):
        raise XRechnungModelError(
            "The seller needs an identifier, a legal registration or a VAT identifier",
            rule="BR-CO-26",
        )
    ids = [line.id for line in invoice.lines]
    if len(set(ids)) != len(ids):
        raise XRechnungModelError("Line identifiers must be unique", rule="BR-21")
    categories: set[VatCategory] = set()
    for line in invoice.lines:
        _check_category(line.vat_category, line.vat_rate, f"Line {line.id}")
        categories.add(line.vat_category)
        if line.price_base_quantity is not None and line.price_base_quantity <= 0:
            raise XRechnungModelError(
                f"Line {line.id}: price base quantity must be positive", rule="BR-DEC"
            )
        if line.standard_item_id is not None and not line.standard_item_id.scheme:
            raise XRechnungModelError(
                f"Line {line.id}: the standard item identifier needs its scheme", rule="BR-64"
            )
        if any(not c.list_id for c in line.classifications):
            raise XRechnungModelError(
                f"Line {line.id}: an item classification needs its list identifier", rule="BR-65"
            )
        if line.unit_price < 0:
            raise XRechnungModelError(
                f"Line {line.id}: the item net price must not be negative", rule="BR-27"
            )
        for ac in line.allowances_charges:
            if ac.amount < 0:
                raise XRechnungModelError(
                    f"Line {line.id}: allowance/charge amounts are given as positive numbers",
                    rule="BR-41/BR-43",
                )
    for ac in [
        *invoice.allowances_charges,
        *(a for ln in invoice.lines for a in ln.allowances_charges),
    ]:
        if (ac.base_amount is None) != (ac.percentage is None):
            raise XRechnungModelError(
                "Give an allowance/charge base amount and percentage together or not at all",
                rule="PEPPOL-EN16931-R041/R042",
            )
        if ac.base_amount is not None and ac.percentage is not None:
            expected = (ac.base_amount * ac.percentage / 100).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            if expected != ac.amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
                raise XRechnungModelError(
                    f"Allowance/charge amount {ac.amount} is not {ac.percentage} % of "
                    f"{ac.base_amount} ({expected})",
                    rule="PEPPOL-EN16931-R040",
                )
    for ac in invoice.allowances_charges:
        if ac.vat_category is None:
            raise XRechnungModelError(
                "A document level allowance or charge needs a VAT category", rule="BR-32/BR-37"
            )
        if ac.reason is None and ac.reason_code is None:
            raise XRechnungModelError(
                "A document level allowance or charge needs a reason or reason code",
                rule="BR-33/BR-38",
            )
        _check_category(ac.vat_category, ac.vat_rate, "Allowance/charge")
        categories.add(ac.vat_category)
    if VatCategory.NOT_SUBJECT in categories and len(categories) > 1:
        raise XRechnungModelError(
            "Category O (not subject to VAT) cannot be mixed with other categories",
            rule="BR-O-11",
        )
    for category in categories & EXEMPTION_REQUIRED:
        exemption = invoice.exemption_for(category)
        if exemption is None or not (exemption.reason or exemption.code):
            raise XRechnungModelError(
                f"VAT category {category.value} needs an exemption reason text or VATEX code",
                rule=f"BR-{_rule_prefix(category)}-10",
            )
    _check_vat_ids(invoice, categories)
    _check_identifiers(invoice)
    if invoice.is_credit_note and not invoice.preceding_invoices:
        # Not an EN 16931 rule, but a credit note that names no invoice cannot be matched.
        raise XRechnungModelError(
            "A credit note must reference the invoice it corrects", rule="BG-3"
        )
    if invoice.type_code == DocumentType.CORRECTED and not invoice.preceding_invoices:
        raise XRechnungModelError(
            "A corrected invoice must reference the invoice it corrects", rule="BR-DE-26"
        )
    if VatCategory.INTRA_COMMUNITY in categories:
        has_date = (invoice.delivery and invoice.delivery.date) or invoice.period_start
        if not has_date:
            raise XRechnungModelError(
                "Intra-community supply needs a delivery date or invoicing period", rule="BR-IC-11"
            )
        if not (invoice.delivery and invoice.delivery.address):
            raise XRechnungModelError(
                "Intra-community supply needs the deliver-to country", rule="BR-IC-12"
            )
    if (invoice.period_start is None) != (invoice.period_end is None):
        raise XRechnungModelError(
            "Give both start and end of the invoicing period", rule="BR-CO-19"
        )
    if invoice.period_start and invoice.period_end and invoice.period_end < invoice.period_start:
        raise XRechnungModelError("Invoicing period ends before it starts", rule="BR-29")


def _rule_prefix(category: VatCategory) -> str:
    return {"K": "IC", "AE": "AE", "E": "E", "G": "G", "O": "O"}.get(category.value, category.value)


def _check_category(category: VatCategory, rate: Decimal | None, where: str) -> None:
    prefix = _rule_prefix(category)
    if category == VatCategory.NOT_SUBJECT:
        if rate is not None:
            raise XRechnungModelError(f"{where}: category O carries no VAT rate", rule="BR-O-05")
        return
    if rate is None:
        raise XRechnungModelError(
            f"{where}: category {category.value} needs a VAT rate", rule=f"BR-{prefix}-05"
        )
    if category in ZERO_RATED and rate != 0:
        raise XRechnungModelError(
            f"{where}: category {category.value} has VAT rate 0, not {rate}",
            rule=f"BR-{prefix}-05",
        )
    if category == VatCategory.STANDARD and rate <= 0:
        raise XRechnungModelError(
            f"{where}: standard rated VAT needs a rate above 0", rule="BR-S-05"
        )
    if rate < 0:
        raise XRechnungModelError(f"{where}: negative VAT rate", rule=f"BR-{prefix}-05")


def _check_vat_ids(invoice: Invoice, categories: set[VatCategory]) -> None:
    seller = invoice.seller
    buyer = invoice.buyer
    representative_vat = invoice.tax_representative.vat_id if invoice.tax_representative else None
    seller_taxed = bool(seller.vat_id or seller.tax_registration or representative_vat)
    if VatCategory.NOT_SUBJECT in categories:
        if seller.vat_id or buyer.vat_id or representative_vat:
            raise XRechnungModelError(
                "An invoice not subject to VAT carries no seller or buyer VAT identifier",
                rule="BR-O-02",
            )
        return
    for category in categories:
        if not seller_taxed:
            raise XRechnungModelError(
                f"VAT category {category.value} needs the seller VAT identifier or tax "
                "registration",
                rule=f"BR-{_rule_prefix(category)}-02",
            )
    if VatCategory.REVERSE_CHARGE in categories and not (buyer.vat_id or buyer.legal_registration):
        raise XRechnungModelError(
            "Reverse charge needs the buyer VAT identifier or legal registration",
            rule="BR-AE-02",
        )
    if VatCategory.INTRA_COMMUNITY in categories:
        if not (seller.vat_id or representative_vat):
            raise XRechnungModelError(
                "Intra-community supply needs the seller VAT identifier", rule="BR-IC-02"
            )
        if not buyer.vat_id:
            raise XRechnungModelError(
                "Intra-community supply needs the buyer VAT identifier", rule="BR-IC-02"
            )


def _check_identifiers(invoice: Invoice) -> None:
    # Check digits are cheap to verify here and expensive to discover at the buyer's inbox.
    from xrechnung import identifiers as ids

    checks: list[tuple[str, str | None, Callable[[str], str], str]] = []
    for party, role in ((invoice.seller, "Seller"), (invoice.buyer, "Buyer")):
        scoped = [party.legal_registration, party.electronic_address, *party.identifiers]
        for identifier in scoped:
            if identifier is None:
                continue
            validator = {
                "0009": ids.validate_siret,
                "0002": ids.validate_siren,
                "0204": ids.validate_leitweg_id,
            }.get(identifier.scheme or "")
            if validator is not None:
                checks.append((f"{role} identifier", identifier.value, validator, "BT-29/30/34"))
        if party.vat_id and party.vat_id[:2] in ids.EU_VAT_PREFIXES:
            checks.append((f"{role} VAT identifier", party.vat_id, ids.validate_eu_vat, "BT-31/48"))
    if invoice.tax_representative:
        vat = invoice.tax_representative.vat_id
        if vat[:2] in ids.EU_VAT_PREFIXES:
            checks.append(("Tax representative VAT identifier", vat, ids.validate_eu_vat, "BT-63"))
    if invoice.payee:
        for identifier in (invoice.payee.identifier, invoice.payee.legal_registration):
            validator = {"0009": ids.validate_siret, "0002": ids.validate_siren}.get(
                identifier.scheme or "" if identifier else ""
            )
            if identifier is not None and validator is not None:
                checks.append(("Payee identifier", identifier.value, validator, "BT-60/61"))
    if invoice.payment:
        pay = invoice.payment
        checks += [
            ("IBAN", pay.iban, ids.validate_iban, "BR-DE-19"),
            ("BIC", pay.bic, ids.validate_bic, "BT-86"),
            ("Debited IBAN", pay.debited_iban, ids.validate_iban, "BR-DE-20"),
        ]
    for what, value, check, rule in checks:
        if value is None:
            continue
        try:
            check(value)
        except ids.InvalidIdentifierError as exc:
            raise XRechnungModelError(f"{what}: {exc}", rule=rule) from exc


def _check_attachments(invoice: Invoice) -> None:
    names: set[str] = set()
    for doc in invoice.attachments:
        if not doc.id.strip():
            raise XRechnungModelError("A supporting document needs a reference", rule="BR-52")
        if doc.content is None:
            if doc.mime_code or doc.filename:
                raise XRechnungModelError(
                    f"Supporting document {doc.id}: MIME code and filename belong to content",
                    rule="BT-125",
                )
            continue
        if doc.mime_code not in ATTACHMENT_MIME_CODES:
            raise XRechnungModelError(
                f"Supporting document {doc.id}: MIME code {doc.mime_code!r} is not allowed "
                f"({', '.join(sorted(ATTACHMENT_MIME_CODES))})",
                rule="BR-CL-24",
            )
        if not doc.filename:
            raise XRechnungModelError(
                f"Supporting document {doc.id}: an embedded file needs a filename", rule="BT-125-2"
            )
        if doc.filename in names:
            raise XRechnungModelError(
                f"Attachment filename {doc.filename!r} is used twice", rule="BR-DE-22"
            )
        names.add(doc.filename)
