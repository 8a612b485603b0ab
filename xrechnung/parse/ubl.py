"""Read a UBL 2.1 Invoice or CreditNote into the invoice model."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from xrechnung.model import (
    Address,
    AllowanceCharge,
    Classification,
    Contact,
    Delivery,
    Identifier,
    Invoice,
    Line,
    Note,
    Party,
    Payee,
    PaymentInstructions,
    PrecedingInvoice,
    SupportingDocument,
    TaxRepresentative,
    VatCategory,
    VatExemption,
    split_payment_terms,
)
from xrechnung.parse._xml import InvoiceParseError, Reader
from xrechnung.parse._xml import raw_text as _raw_text
from xrechnung.parse.result import ParsedInvoice, category
from xrechnung.totals import Totals, VatBreakdown

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
R = Reader(NS)
ZERO = Decimal("0")


def parse_ubl(root: etree._Element) -> ParsedInvoice:
    """Map a UBL document to ``ParsedInvoice``; raises ``InvoiceParseError`` when unreadable."""
    kind = etree.QName(root).localname
    if kind not in ("Invoice", "CreditNote"):
        raise InvoiceParseError(f"UBL root element {kind!r} is neither Invoice nor CreditNote")
    credit = kind == "CreditNote"
    number = R.text(root, "cbc:ID")
    issue_date = R.iso_date(root, "cbc:IssueDate")
    if number is None or issue_date is None:
        raise InvoiceParseError("UBL document without invoice number or issue date (BR-02/BR-03)")
    type_code = R.text(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode")
    order_id = R.text(root, "cac:OrderReference/cbc:ID")
    sales_order = R.text(root, "cac:OrderReference/cbc:SalesOrderID")
    if order_id == "NA" and sales_order:
        order_id = None  # the binding's filler when only BT-14 is known
    supplier = R.one(root, "cac:AccountingSupplierParty/cac:Party")
    customer = R.one(root, "cac:AccountingCustomerParty/cac:Party")
    if supplier is None or customer is None:
        raise InvoiceParseError("UBL document without seller or buyer party (BR-06/BR-07)")
    due_date = R.iso_date(root, "cbc:DueDate") or R.iso_date(
        root, "cac:PaymentMeans/cbc:PaymentDueDate"
    )
    breakdown, exemptions = _breakdown(root)
    references = _references(root)
    free_terms, discounts = split_payment_terms(_raw_text(R.one(root, "cac:PaymentTerms/cbc:Note")))
    payment = _payment(R.one(root, "cac:PaymentMeans"))
    seller = _party(supplier, seller=True)
    sepa = [i for i in seller.identifiers if (i.scheme or "").upper() == "SEPA"]
    if sepa:
        seller.identifiers = [i for i in seller.identifiers if i not in sepa]
        if payment is not None:
            payment.creditor_id = sepa[0].value
    invoice = Invoice(
        number=number,
        issue_date=issue_date,
        type_code=type_code or ("381" if credit else "380"),
        currency=R.text(root, "cbc:DocumentCurrencyCode") or "",
        tax_currency=R.text(root, "cbc:TaxCurrencyCode"),
        due_date=due_date,
        tax_point_date=R.iso_date(root, "cbc:TaxPointDate"),
        buyer_reference=R.text(root, "cbc:BuyerReference"),
        project_reference=R.text(root, "cac:ProjectReference/cbc:ID") or references.project,
        contract_reference=R.text(root, "cac:ContractDocumentReference/cbc:ID"),
        despatch_advice_reference=R.text(root, "cac:DespatchDocumentReference/cbc:ID"),
        receiving_advice_reference=R.text(root, "cac:ReceiptDocumentReference/cbc:ID"),
        tender_reference=R.text(root, "cac:OriginatorDocumentReference/cbc:ID"),
        invoiced_object=references.invoiced_object,
        attachments=references.attachments,
        order_reference=order_id,
        sales_order_reference=sales_order,
        buyer_accounting_reference=R.text(root, "cbc:AccountingCost"),
        payment_terms=free_terms,
        early_payment_discounts=discounts,
        notes=[_note(n.text) for n in R.all(root, "cbc:Note") if n.text and n.text.strip()],
        business_process=R.text(root, "cbc:ProfileID"),
        tax_point_date_code=R.text(root, "cac:InvoicePeriod/cbc:DescriptionCode"),
        period_start=R.iso_date(root, "cac:InvoicePeriod/cbc:StartDate"),
        period_end=R.iso_date(root, "cac:InvoicePeriod/cbc:EndDate"),
        preceding_invoices=[
            PrecedingInvoice(
                number=R.text(ref, "cbc:ID") or "", issue_date=R.iso_date(ref, "cbc:IssueDate")
            )
            for ref in R.all(root, "cac:BillingReference/cac:InvoiceDocumentReference")
        ],
        seller=seller,
        buyer=_party(customer, seller=False),
        payee=_payee(R.one(root, "cac:PayeeParty")),
        tax_representative=_tax_representative(R.one(root, "cac:TaxRepresentativeParty")),
        delivery=_delivery(R.one(root, "cac:Delivery")),
        payment=payment,
        allowances_charges=[
            _allowance_charge(ac, document_level=True) for ac in R.all(root, "cac:AllowanceCharge")
        ],
        vat_exemptions=exemptions,
        lines=[
            _line(el, credit=credit)
            for el in R.all(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        ],
    )
    totals_el = R.one(root, "cac:LegalMonetaryTotal")
    invoice.prepaid_amount = R.decimal(totals_el, "cbc:PrepaidAmount") or ZERO
    invoice.rounding_amount = R.decimal(totals_el, "cbc:PayableRoundingAmount") or ZERO
    tax_total = ZERO
    accounting = None
    for total in R.all(root, "cac:TaxTotal"):
        amount_el = R.one(total, "cbc:TaxAmount")
        amount = R.decimal(total, "cbc:TaxAmount") or ZERO
        if amount_el is not None and amount_el.get("currencyID") == invoice.tax_currency:
            accounting = amount
        else:
            tax_total = amount
    if invoice.tax_currency and accounting is not None and tax_total:
        # The exchange rate is not part of EN 16931; this one reproduces BT-111 exactly.
        invoice.tax_exchange_rate = accounting / tax_total
    stated = Totals(
        line_total=R.decimal(totals_el, "cbc:LineExtensionAmount") or ZERO,
        allowance_total=R.decimal(totals_el, "cbc:AllowanceTotalAmount") or ZERO,
        charge_total=R.decimal(totals_el, "cbc:ChargeTotalAmount") or ZERO,
        tax_exclusive=R.decimal(totals_el, "cbc:TaxExclusiveAmount") or ZERO,
        tax_total=tax_total,
        tax_total_accounting=accounting,
        tax_inclusive=R.decimal(totals_el, "cbc:TaxInclusiveAmount") or ZERO,
        prepaid=invoice.prepaid_amount,
        rounding=invoice.rounding_amount,
        payable=R.decimal(totals_el, "cbc:PayableAmount") or ZERO,
        breakdown=tuple(breakdown),
        line_nets=tuple(
            R.decimal(el, "cbc:LineExtensionAmount") or ZERO
            for el in R.all(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        ),
    )
    return ParsedInvoice(
        invoice=invoice,
        stated=stated,
        syntax="ubl",
        specification_id=R.text(root, "cbc:CustomizationID"),
    )


@dataclass
class _References:
    project: str | None = None
    invoiced_object: Identifier | None = None
    attachments: list[SupportingDocument] = field(default_factory=list)


def _references(root: etree._Element) -> _References:
    # One UBL element carries three business terms, told apart by the document type code:
    # 130 invoiced object (BT-18), 50 project (BT-11 in a CreditNote), none: BG-24.
    found = _References()
    for ref in R.all(root, "cac:AdditionalDocumentReference"):
        code = R.text(ref, "cbc:DocumentTypeCode")
        if code == "130" and found.invoiced_object is None:
            found.invoiced_object = _identifier(R.one(ref, "cbc:ID"))
        elif code == "50" and found.project is None:
            found.project = R.text(ref, "cbc:ID")
        else:
            binary = R.one(ref, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
            found.attachments.append(
                SupportingDocument(
                    id=R.text(ref, "cbc:ID") or "",
                    description=R.text(ref, "cbc:DocumentDescription"),
                    uri=R.text(ref, "cac:Attachment/cac:ExternalReference/cbc:URI"),
                    content=_binary(binary),
                    mime_code=binary.get("mimeCode") if binary is not None else None,
                    filename=binary.get("filename") if binary is not None else None,
                )
            )
    return found


def _binary(el: etree._Element | None) -> bytes | None:
    if el is None:
        return None
    try:
        return base64.b64decode("".join((el.text or "").split()), validate=True)
    except binascii.Error as exc:
        raise InvoiceParseError(f"Attachment is not valid base64: {exc}") from exc


def _note(text: str) -> str | Note:
    # "#CODE#text" is the EN 16931 UBL binding of BT-21 + BT-22.
    match = re.match(r"#([A-Z]{3})#(.*)\Z", text.strip(), re.DOTALL)
    return Note(text=match.group(2), subject_code=match.group(1)) if match else text.strip()


def _address(el: etree._Element | None) -> Address | None:
    if el is None:
        return None
    line1 = R.text(el, "cbc:StreetName")
    line2 = R.text(el, "cbc:AdditionalStreetName")
    extra = R.text(el, "cac:AddressLine/cbc:Line")
    return Address(
        line1=line1,
        line2=line2 if line2 or not extra else extra,
        city=R.text(el, "cbc:CityName"),
        postcode=R.text(el, "cbc:PostalZone"),
        subdivision=R.text(el, "cbc:CountrySubentity"),
        country_code=R.text(el, "cac:Country/cbc:IdentificationCode") or "",
    )


def _identifier(el: etree._Element | None) -> Identifier | None:
    if el is None or not (el.text or "").strip():
        return None
    return Identifier(value=(el.text or "").strip(), scheme=el.get("schemeID"))


def _party(el: etree._Element, *, seller: bool) -> Party:
    vat_id = None
    tax_registration = None
    for scheme in R.all(el, "cac:PartyTaxScheme"):
        company_id = R.text(scheme, "cbc:CompanyID")
        if (R.text(scheme, "cac:TaxScheme/cbc:ID") or "").upper() == "VAT":
            vat_id = company_id
        else:
            tax_registration = company_id
    contact_el = R.one(el, "cac:Contact")
    contact = None
    if contact_el is not None:
        contact = Contact(
            name=R.text(contact_el, "cbc:Name"),
            phone=R.text(contact_el, "cbc:Telephone"),
            email=R.text(contact_el, "cbc:ElectronicMail"),
        )
    identifiers = [
        ident
        for ident in (_identifier(i) for i in R.all(el, "cac:PartyIdentification/cbc:ID"))
        if ident is not None
    ]
    name = R.text(el, "cac:PartyLegalEntity/cbc:RegistrationName")
    trading_name = R.text(el, "cac:PartyName/cbc:Name")
    return Party(
        name=name or trading_name or "",
        trading_name=trading_name,
        address=_address(R.one(el, "cac:PostalAddress")) or Address(country_code=""),
        identifiers=identifiers,
        legal_registration=_identifier(R.one(el, "cac:PartyLegalEntity/cbc:CompanyID")),
        legal_form=R.text(el, "cac:PartyLegalEntity/cbc:CompanyLegalForm") if seller else None,
        vat_id=vat_id,
        tax_registration=tax_registration if seller else None,
        electronic_address=_identifier(R.one(el, "cbc:EndpointID")),
        contact=contact,
    )


def _payee(el: etree._Element | None) -> Payee | None:
    if el is None:
        return None
    return Payee(
        name=R.text(el, "cac:PartyName/cbc:Name") or "",
        identifier=_identifier(R.one(el, "cac:PartyIdentification/cbc:ID")),
        legal_registration=_identifier(R.one(el, "cac:PartyLegalEntity/cbc:CompanyID")),
    )


def _tax_representative(el: etree._Element | None) -> TaxRepresentative | None:
    if el is None:
        return None
    return TaxRepresentative(
        name=R.text(el, "cac:PartyName/cbc:Name") or "",
        vat_id=R.text(el, "cac:PartyTaxScheme/cbc:CompanyID") or "",
        address=_address(R.one(el, "cac:PostalAddress")) or Address(country_code=""),
    )


def _delivery(el: etree._Element | None) -> Delivery | None:
    if el is None:
        return None
    return Delivery(
        party_name=R.text(el, "cac:DeliveryParty/cac:PartyName/cbc:Name"),
        date=R.iso_date(el, "cbc:ActualDeliveryDate"),
        address=_address(R.one(el, "cac:DeliveryLocation/cac:Address")),
    )


def _payment(el: etree._Element | None) -> PaymentInstructions | None:
    if el is None:
        return None
    code_el = R.one(el, "cbc:PaymentMeansCode")
    return PaymentInstructions(
        means_code=R.text(el, "cbc:PaymentMeansCode") or "",
        means_text=code_el.get("name") if code_el is not None else None,
        remittance_information=R.text(el, "cbc:PaymentID"),
        iban=R.text(el, "cac:PayeeFinancialAccount/cbc:ID"),
        account_name=R.text(el, "cac:PayeeFinancialAccount/cbc:Name"),
        bic=R.text(el, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"),
        mandate_reference=R.text(el, "cac:PaymentMandate/cbc:ID"),
        debited_iban=R.text(el, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"),
    )


def _allowance_charge(el: etree._Element, *, document_level: bool) -> AllowanceCharge:
    vat_category = None
    vat_rate = None
    if document_level:
        vat_category = category(R.text(el, "cac:TaxCategory/cbc:ID"), "Allowance/charge")
        vat_rate = R.decimal(el, "cac:TaxCategory/cbc:Percent")
        if vat_category == VatCategory.NOT_SUBJECT:
            vat_rate = None
    return AllowanceCharge(
        is_charge=(R.text(el, "cbc:ChargeIndicator") or "").lower() == "true",
        amount=R.decimal(el, "cbc:Amount") or ZERO,
        reason=R.text(el, "cbc:AllowanceChargeReason"),
        reason_code=R.text(el, "cbc:AllowanceChargeReasonCode"),
        base_amount=R.decimal(el, "cbc:BaseAmount"),
        percentage=R.decimal(el, "cbc:MultiplierFactorNumeric"),
        vat_category=vat_category,
        vat_rate=vat_rate,
    )


def _breakdown(root: etree._Element) -> tuple[list[VatBreakdown], list[VatExemption]]:
    rows: list[VatBreakdown] = []
    exemptions: dict[VatCategory, VatExemption] = {}
    for sub in R.all(root, "cac:TaxTotal/cac:TaxSubtotal"):
        cat_el = R.one(sub, "cac:TaxCategory")
        code = category(R.text(cat_el, "cbc:ID"), "VAT breakdown")
        reason = R.text(cat_el, "cbc:TaxExemptionReason")
        reason_code = R.text(cat_el, "cbc:TaxExemptionReasonCode")
        rows.append(
            VatBreakdown(
                category=code,
                rate=R.decimal(cat_el, "cbc:Percent"),
                taxable_amount=R.decimal(sub, "cbc:TaxableAmount") or ZERO,
                tax_amount=R.decimal(sub, "cbc:TaxAmount") or ZERO,
                exemption_reason=reason,
                exemption_code=reason_code,
            )
        )
        if (reason or reason_code) and code not in exemptions:
            exemptions[code] = VatExemption(category=code, reason=reason, code=reason_code)
    return rows, list(exemptions.values())


def _line(el: etree._Element, *, credit: bool) -> Line:
    item = R.one(el, "cac:Item")
    quantity_el = R.one(el, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity")
    vat_category = category(
        R.text(item, "cac:ClassifiedTaxCategory/cbc:ID"), f"Line {R.text(el, 'cbc:ID')}"
    )
    rate = R.decimal(item, "cac:ClassifiedTaxCategory/cbc:Percent")
    price = R.one(el, "cac:Price")
    return Line(
        id=R.text(el, "cbc:ID") or "",
        name=R.text(item, "cbc:Name") or "",
        quantity=R.decimal(quantity_el, "") or ZERO,
        unit_code=(quantity_el.get("unitCode") if quantity_el is not None else None) or "",
        unit_price=R.decimal(price, "cbc:PriceAmount") or ZERO,
        vat_category=vat_category,
        vat_rate=None if vat_category == VatCategory.NOT_SUBJECT else rate,
        price_base_quantity=R.decimal(price, "cbc:BaseQuantity"),
        gross_price=R.decimal(price, "cac:AllowanceCharge/cbc:BaseAmount"),
        description=R.text(item, "cbc:Description"),
        seller_item_id=R.text(item, "cac:SellersItemIdentification/cbc:ID"),
        buyer_item_id=R.text(item, "cac:BuyersItemIdentification/cbc:ID"),
        standard_item_id=_identifier(R.one(item, "cac:StandardItemIdentification/cbc:ID")),
        classifications=[
            Classification(
                code=(c.text or "").strip(),
                list_id=c.get("listID") or "",
                list_version=c.get("listVersionID"),
            )
            for c in R.all(item, "cac:CommodityClassification/cbc:ItemClassificationCode")
        ],
        origin_country=R.text(item, "cac:OriginCountry/cbc:IdentificationCode"),
        invoiced_object=next(
            (
                _identifier(R.one(ref, "cbc:ID"))
                for ref in R.all(el, "cac:DocumentReference")
                if R.text(ref, "cbc:DocumentTypeCode") == "130"
            ),
            None,
        ),
        note=R.text(el, "cbc:Note"),
        order_line_reference=R.text(el, "cac:OrderLineReference/cbc:LineID"),
        accounting_reference=R.text(el, "cbc:AccountingCost"),
        period_start=R.iso_date(el, "cac:InvoicePeriod/cbc:StartDate"),
        period_end=R.iso_date(el, "cac:InvoicePeriod/cbc:EndDate"),
        allowances_charges=[
            _allowance_charge(ac, document_level=False) for ac in R.all(el, "cac:AllowanceCharge")
        ],
    )
