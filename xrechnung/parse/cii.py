"""Read a UN/CEFACT CII invoice (XRechnung CII, Factur-X/ZUGFeRD) into the invoice model."""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal

from lxml import etree

from xrechnung.model import (
    TAX_POINT_CODES_CII,
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
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
R = Reader(NS)
_TAX_POINT_CODES = {cii: ubl for ubl, cii in TAX_POINT_CODES_CII.items()}
ZERO = Decimal("0")
TX = "rsm:SupplyChainTradeTransaction"


def parse_cii(root: etree._Element) -> ParsedInvoice:
    """Map a CII document to ``ParsedInvoice``; raises ``InvoiceParseError`` when unreadable."""
    doc = R.one(root, "rsm:ExchangedDocument")
    transaction = R.one(root, TX)
    if doc is None or transaction is None:
        raise InvoiceParseError("CII document without ExchangedDocument or trade transaction")
    agreement = R.one(transaction, "ram:ApplicableHeaderTradeAgreement")
    delivery = R.one(transaction, "ram:ApplicableHeaderTradeDelivery")
    settlement = R.one(transaction, "ram:ApplicableHeaderTradeSettlement")
    number = R.text(doc, "ram:ID")
    issue_date = R.date_102(doc, "ram:IssueDateTime/udt:DateTimeString")
    if number is None or issue_date is None:
        raise InvoiceParseError("CII document without invoice number or issue date (BR-02/BR-03)")
    seller_el = R.one(agreement, "ram:SellerTradeParty")
    buyer_el = R.one(agreement, "ram:BuyerTradeParty")
    if seller_el is None or buyer_el is None:
        raise InvoiceParseError("CII document without seller or buyer party (BR-06/BR-07)")
    currency = R.text(settlement, "ram:InvoiceCurrencyCode") or ""
    tax_currency = R.text(settlement, "ram:TaxCurrencyCode")
    breakdown, exemptions = _breakdown(settlement)
    terms = R.one(settlement, "ram:SpecifiedTradePaymentTerms")
    free_terms, discounts = split_payment_terms(_raw_text(R.one(terms, "ram:Description")))
    invoice = Invoice(
        number=number,
        issue_date=issue_date,
        type_code=R.text(doc, "ram:TypeCode") or "380",
        currency=currency,
        tax_currency=tax_currency,
        due_date=R.date_102(terms, "ram:DueDateDateTime/udt:DateTimeString"),
        tax_point_date_code=_TAX_POINT_CODES.get(
            R.text(settlement, "ram:ApplicableTradeTax/ram:DueDateTypeCode") or ""
        ),
        tax_point_date=R.date_102(
            settlement, "ram:ApplicableTradeTax/ram:TaxPointDate/udt:DateString"
        ),
        buyer_reference=R.text(agreement, "ram:BuyerReference"),
        project_reference=R.text(agreement, "ram:SpecifiedProcuringProject/ram:ID"),
        contract_reference=R.text(agreement, "ram:ContractReferencedDocument/ram:IssuerAssignedID"),
        despatch_advice_reference=R.text(
            delivery, "ram:DespatchAdviceReferencedDocument/ram:IssuerAssignedID"
        ),
        receiving_advice_reference=R.text(
            delivery, "ram:ReceivingAdviceReferencedDocument/ram:IssuerAssignedID"
        ),
        tender_reference=next(
            (R.text(r, "ram:IssuerAssignedID") for r in _references(agreement, "50")), None
        ),
        invoiced_object=next((_object(r) for r in _references(agreement, "130")), None),
        attachments=[_attachment(r) for r in _references(agreement, "916")],
        order_reference=R.text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        sales_order_reference=R.text(
            agreement, "ram:SellerOrderReferencedDocument/ram:IssuerAssignedID"
        ),
        buyer_accounting_reference=R.text(
            settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"
        ),
        payment_terms=free_terms,
        early_payment_discounts=discounts,
        notes=[
            note for note in (_note(n) for n in R.all(doc, "ram:IncludedNote")) if note is not None
        ],
        business_process=R.text(
            root,
            "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
        ),
        period_start=R.date_102(
            settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString"
        ),
        period_end=R.date_102(
            settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString"
        ),
        preceding_invoices=[
            PrecedingInvoice(
                number=R.text(ref, "ram:IssuerAssignedID") or "",
                issue_date=R.date_102(ref, "ram:FormattedIssueDateTime/qdt:DateTimeString"),
            )
            for ref in R.all(settlement, "ram:InvoiceReferencedDocument")
        ],
        seller=_party(seller_el, seller=True),
        buyer=_party(buyer_el, seller=False),
        payee=_payee(R.one(settlement, "ram:PayeeTradeParty")),
        tax_representative=_tax_representative(
            R.one(agreement, "ram:SellerTaxRepresentativeTradeParty")
        ),
        delivery=_delivery(delivery),
        payment=_payment(settlement, terms),
        allowances_charges=[
            _allowance_charge(ac, document_level=True)
            for ac in R.all(settlement, "ram:SpecifiedTradeAllowanceCharge")
        ],
        vat_exemptions=exemptions,
        lines=[_line(el) for el in R.all(transaction, "ram:IncludedSupplyChainTradeLineItem")],
    )
    summation = R.one(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    invoice.prepaid_amount = R.decimal(summation, "ram:TotalPrepaidAmount") or ZERO
    invoice.rounding_amount = R.decimal(summation, "ram:RoundingAmount") or ZERO
    tax_total = ZERO
    accounting = None
    for amount_el in R.all(summation, "ram:TaxTotalAmount") if summation is not None else []:
        amount = R.decimal(amount_el, "") or ZERO
        if tax_currency and amount_el.get("currencyID") == tax_currency:
            accounting = amount
        else:
            tax_total = amount
    if tax_currency and accounting is not None and tax_total:
        # The exchange rate is not part of EN 16931; this one reproduces BT-111 exactly.
        invoice.tax_exchange_rate = accounting / tax_total
    stated = Totals(
        line_total=R.decimal(summation, "ram:LineTotalAmount") or ZERO,
        allowance_total=R.decimal(summation, "ram:AllowanceTotalAmount") or ZERO,
        charge_total=R.decimal(summation, "ram:ChargeTotalAmount") or ZERO,
        tax_exclusive=R.decimal(summation, "ram:TaxBasisTotalAmount") or ZERO,
        tax_total=tax_total,
        tax_total_accounting=accounting,
        tax_inclusive=R.decimal(summation, "ram:GrandTotalAmount") or ZERO,
        prepaid=invoice.prepaid_amount,
        rounding=invoice.rounding_amount,
        payable=R.decimal(summation, "ram:DuePayableAmount") or ZERO,
        breakdown=tuple(breakdown),
        line_nets=tuple(
            R.decimal(
                el,
                "ram:SpecifiedLineTradeSettlement/"
                "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
            )
            or ZERO
            for el in R.all(transaction, "ram:IncludedSupplyChainTradeLineItem")
        ),
    )
    return ParsedInvoice(
        invoice=invoice,
        stated=stated,
        syntax="cii",
        specification_id=R.text(
            root,
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        ),
    )


def _references(parent: etree._Element | None, type_code: str) -> list[etree._Element]:
    return [
        ref
        for ref in R.all(parent, "ram:AdditionalReferencedDocument")
        if R.text(ref, "ram:TypeCode") == type_code
    ]


def _object(ref: etree._Element) -> Identifier:
    return Identifier(
        value=R.text(ref, "ram:IssuerAssignedID") or "",
        scheme=R.text(ref, "ram:ReferenceTypeCode"),
    )


def _attachment(ref: etree._Element) -> SupportingDocument:
    binary = R.one(ref, "ram:AttachmentBinaryObject")
    content = None
    if binary is not None:
        try:
            content = base64.b64decode("".join((binary.text or "").split()), validate=True)
        except binascii.Error as exc:
            raise InvoiceParseError(f"Attachment is not valid base64: {exc}") from exc
    return SupportingDocument(
        id=R.text(ref, "ram:IssuerAssignedID") or "",
        description=R.text(ref, "ram:Name"),
        uri=R.text(ref, "ram:URIID"),
        content=content,
        mime_code=binary.get("mimeCode") if binary is not None else None,
        filename=binary.get("filename") if binary is not None else None,
    )


def _note(el: etree._Element) -> str | Note | None:
    text = R.text(el, "ram:Content")
    if text is None:
        return None
    code = R.text(el, "ram:SubjectCode")
    return Note(text=text, subject_code=code) if code else text


def _address(el: etree._Element | None) -> Address | None:
    if el is None:
        return None
    line2 = R.text(el, "ram:LineTwo")
    line3 = R.text(el, "ram:LineThree")
    return Address(
        line1=R.text(el, "ram:LineOne"),
        line2=", ".join(p for p in (line2, line3) if p) or None,
        city=R.text(el, "ram:CityName"),
        postcode=R.text(el, "ram:PostcodeCode"),
        subdivision=R.text(el, "ram:CountrySubDivisionName"),
        country_code=R.text(el, "ram:CountryID") or "",
    )


def _identifier(el: etree._Element | None) -> Identifier | None:
    if el is None or not (el.text or "").strip():
        return None
    return Identifier(value=(el.text or "").strip(), scheme=el.get("schemeID"))


def _party(el: etree._Element, *, seller: bool) -> Party:
    vat_id = None
    tax_registration = None
    for reg in R.all(el, "ram:SpecifiedTaxRegistration/ram:ID"):
        if reg.get("schemeID") == "VA":
            vat_id = (reg.text or "").strip() or None
        elif reg.get("schemeID") == "FC":
            tax_registration = (reg.text or "").strip() or None
    contact_el = R.one(el, "ram:DefinedTradeContact")
    contact = None
    if contact_el is not None:
        contact = Contact(
            name=R.text(contact_el, "ram:PersonName") or R.text(contact_el, "ram:DepartmentName"),
            phone=R.text(contact_el, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
            email=R.text(contact_el, "ram:EmailURIUniversalCommunication/ram:URIID"),
        )
    identifiers = [
        ident
        for ident in (_identifier(i) for i in [*R.all(el, "ram:ID"), *R.all(el, "ram:GlobalID")])
        if ident is not None
    ]
    return Party(
        name=R.text(el, "ram:Name") or "",
        trading_name=R.text(el, "ram:SpecifiedLegalOrganization/ram:TradingBusinessName"),
        address=_address(R.one(el, "ram:PostalTradeAddress")) or Address(country_code=""),
        identifiers=identifiers,
        legal_registration=_identifier(R.one(el, "ram:SpecifiedLegalOrganization/ram:ID")),
        legal_form=R.text(el, "ram:Description") if seller else None,
        vat_id=vat_id,
        tax_registration=tax_registration if seller else None,
        electronic_address=_identifier(R.one(el, "ram:URIUniversalCommunication/ram:URIID")),
        contact=contact,
    )


def _payee(el: etree._Element | None) -> Payee | None:
    if el is None:
        return None
    return Payee(
        name=R.text(el, "ram:Name") or "",
        identifier=_identifier(R.one(el, "ram:GlobalID")) or _identifier(R.one(el, "ram:ID")),
        legal_registration=_identifier(R.one(el, "ram:SpecifiedLegalOrganization/ram:ID")),
    )


def _tax_representative(el: etree._Element | None) -> TaxRepresentative | None:
    if el is None:
        return None
    return TaxRepresentative(
        name=R.text(el, "ram:Name") or "",
        vat_id=R.text(el, "ram:SpecifiedTaxRegistration/ram:ID") or "",
        address=_address(R.one(el, "ram:PostalTradeAddress")) or Address(country_code=""),
    )


def _delivery(el: etree._Element | None) -> Delivery | None:
    if el is None:
        return None
    party = R.one(el, "ram:ShipToTradeParty")
    result = Delivery(
        party_name=R.text(party, "ram:Name"),
        date=R.date_102(
            el, "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString"
        ),
        address=_address(R.one(party, "ram:PostalTradeAddress")),
    )
    if result.party_name is None and result.date is None and result.address is None:
        return None
    return result


def _payment(
    settlement: etree._Element | None, terms: etree._Element | None
) -> PaymentInstructions | None:
    means = R.one(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    if means is None:
        return None
    return PaymentInstructions(
        means_code=R.text(means, "ram:TypeCode") or "",
        means_text=R.text(means, "ram:Information"),
        remittance_information=R.text(settlement, "ram:PaymentReference"),
        iban=R.text(means, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
        or R.text(means, "ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID"),
        account_name=R.text(means, "ram:PayeePartyCreditorFinancialAccount/ram:AccountName"),
        bic=R.text(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
        mandate_reference=R.text(terms, "ram:DirectDebitMandateID"),
        creditor_id=R.text(settlement, "ram:CreditorReferenceID"),
        debited_iban=R.text(means, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID"),
    )


def _indicator(el: etree._Element) -> bool:
    return (R.text(el, "ram:ChargeIndicator/udt:Indicator") or "").lower() == "true"


def _allowance_charge(el: etree._Element, *, document_level: bool) -> AllowanceCharge:
    vat_category = None
    vat_rate = None
    if document_level:
        vat_category = category(
            R.text(el, "ram:CategoryTradeTax/ram:CategoryCode"), "Allowance/charge"
        )
        vat_rate = R.decimal(el, "ram:CategoryTradeTax/ram:RateApplicablePercent")
        if vat_category == VatCategory.NOT_SUBJECT:
            vat_rate = None
    return AllowanceCharge(
        is_charge=_indicator(el),
        amount=R.decimal(el, "ram:ActualAmount") or ZERO,
        reason=R.text(el, "ram:Reason"),
        reason_code=R.text(el, "ram:ReasonCode"),
        base_amount=R.decimal(el, "ram:BasisAmount"),
        percentage=R.decimal(el, "ram:CalculationPercent"),
        vat_category=vat_category,
        vat_rate=vat_rate,
    )


def _breakdown(
    settlement: etree._Element | None,
) -> tuple[list[VatBreakdown], list[VatExemption]]:
    rows: list[VatBreakdown] = []
    exemptions: dict[VatCategory, VatExemption] = {}
    for tax in R.all(settlement, "ram:ApplicableTradeTax") if settlement is not None else []:
        code = category(R.text(tax, "ram:CategoryCode"), "VAT breakdown")
        reason = R.text(tax, "ram:ExemptionReason")
        reason_code = R.text(tax, "ram:ExemptionReasonCode")
        rows.append(
            VatBreakdown(
                category=code,
                rate=R.decimal(tax, "ram:RateApplicablePercent"),
                taxable_amount=R.decimal(tax, "ram:BasisAmount") or ZERO,
                tax_amount=R.decimal(tax, "ram:CalculatedAmount") or ZERO,
                exemption_reason=reason,
                exemption_code=reason_code,
            )
        )
        if (reason or reason_code) and code not in exemptions:
            exemptions[code] = VatExemption(category=code, reason=reason, code=reason_code)
    return rows, list(exemptions.values())


def _line(el: etree._Element) -> Line:
    doc = R.one(el, "ram:AssociatedDocumentLineDocument")
    product = R.one(el, "ram:SpecifiedTradeProduct")
    agreement = R.one(el, "ram:SpecifiedLineTradeAgreement")
    settlement = R.one(el, "ram:SpecifiedLineTradeSettlement")
    quantity_el = R.one(el, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
    line_id = R.text(doc, "ram:LineID") or ""
    vat_category = category(
        R.text(settlement, "ram:ApplicableTradeTax/ram:CategoryCode"), f"Line {line_id}"
    )
    rate = R.decimal(settlement, "ram:ApplicableTradeTax/ram:RateApplicablePercent")
    return Line(
        id=line_id,
        name=R.text(product, "ram:Name") or "",
        quantity=R.decimal(quantity_el, "") or ZERO,
        unit_code=(quantity_el.get("unitCode") if quantity_el is not None else None) or "",
        unit_price=R.decimal(agreement, "ram:NetPriceProductTradePrice/ram:ChargeAmount") or ZERO,
        vat_category=vat_category,
        vat_rate=None if vat_category == VatCategory.NOT_SUBJECT else rate,
        price_base_quantity=R.decimal(agreement, "ram:NetPriceProductTradePrice/ram:BasisQuantity"),
        gross_price=R.decimal(agreement, "ram:GrossPriceProductTradePrice/ram:ChargeAmount"),
        description=R.text(product, "ram:Description"),
        seller_item_id=R.text(product, "ram:SellerAssignedID"),
        buyer_item_id=R.text(product, "ram:BuyerAssignedID"),
        standard_item_id=_identifier(R.one(product, "ram:GlobalID")),
        classifications=[
            Classification(
                code=(c.text or "").strip(),
                list_id=c.get("listID") or "",
                list_version=c.get("listVersionID"),
            )
            for c in R.all(product, "ram:DesignatedProductClassification/ram:ClassCode")
        ],
        origin_country=R.text(product, "ram:OriginTradeCountry/ram:ID"),
        invoiced_object=next((_object(r) for r in _references(settlement, "130")), None),
        note=R.text(doc, "ram:IncludedNote/ram:Content"),
        order_line_reference=R.text(agreement, "ram:BuyerOrderReferencedDocument/ram:LineID"),
        accounting_reference=R.text(
            settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"
        ),
        period_start=R.date_102(
            settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString"
        ),
        period_end=R.date_102(
            settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString"
        ),
        allowances_charges=[
            _allowance_charge(ac, document_level=False)
            for ac in R.all(settlement, "ram:SpecifiedTradeAllowanceCharge")
        ],
    )
