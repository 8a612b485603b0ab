"""Write an ``Invoice`` as UN/CEFACT CII D16B (XRechnung 3.0 CII, or EN 16931 for Factur-X).

The element set stays inside the Factur-X EN 16931 profile schema, so the same writer serves
XRechnung CII and the XML embedded in a Factur-X/ZUGFeRD PDF; only the guideline id differs.
"""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from lxml import etree

from xrechnung.generate._common import (
    XRECHNUNG_3,
    amount_text,
    number_text,
    serialize,
    sub,
)
from xrechnung.model import (
    TAX_POINT_CODES_CII,
    Address,
    AllowanceCharge,
    Delivery,
    Identifier,
    Invoice,
    Line,
    Party,
    XRechnungModelError,
    check_invoice,
    note_parts,
    payment_terms_text,
)
from xrechnung.totals import Totals, compute_totals

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"


def _ram(
    parent: etree._Element, tag: str, text: str | None = None, **attrs: str | None
) -> etree._Element:
    return sub(parent, f"{{{RAM}}}{tag}", text, **attrs)


def _opt(parent: etree._Element, tag: str, text: str | None, **attrs: str | None) -> None:
    if text is not None:
        _ram(parent, tag, text, **attrs)


def _datetime(parent: etree._Element, tag: str, value: date, *, ns: str = UDT) -> None:
    element = _ram(parent, tag)
    sub(element, f"{{{ns}}}DateTimeString", value.strftime("%Y%m%d"), format="102")


def to_cii(invoice: Invoice, *, guideline_id: str = XRECHNUNG_3) -> bytes:
    """Return CII XML bytes for the given guideline (BT-24).

    Raises ``XRechnungModelError`` for an inconsistent model or one CII cannot carry.
    """
    check_invoice(invoice)
    totals = compute_totals(invoice)
    if len(invoice.preceding_invoices) > 1:
        raise XRechnungModelError(
            "CII (Factur-X EN 16931) carries one preceding invoice reference; use UBL for more",
            rule="BG-3",
        )
    root = etree.Element(
        f"{{{RSM}}}CrossIndustryInvoice", nsmap={"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
    )
    context = sub(root, f"{{{RSM}}}ExchangedDocumentContext")
    if invoice.business_process:
        _ram(
            _ram(context, "BusinessProcessSpecifiedDocumentContextParameter"),
            "ID",
            invoice.business_process,
        )
    _ram(_ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", guideline_id)

    document = sub(root, f"{{{RSM}}}ExchangedDocument")
    _ram(document, "ID", invoice.number)
    _ram(document, "TypeCode", invoice.type_code)
    _datetime(document, "IssueDateTime", invoice.issue_date)
    for note in map(note_parts, invoice.notes):
        included = _ram(document, "IncludedNote")
        _ram(included, "Content", note.text)
        _opt(included, "SubjectCode", note.subject_code)

    transaction = sub(root, f"{{{RSM}}}SupplyChainTradeTransaction")
    for line, net in zip(invoice.lines, totals.line_nets, strict=True):
        _line(transaction, line, net)
    _agreement(_ram(transaction, "ApplicableHeaderTradeAgreement"), invoice)
    _delivery(_ram(transaction, "ApplicableHeaderTradeDelivery"), invoice)
    _settlement(_ram(transaction, "ApplicableHeaderTradeSettlement"), invoice, totals)
    return serialize(root)


def _line(transaction: etree._Element, line: Line, net: Decimal) -> None:
    item = _ram(transaction, "IncludedSupplyChainTradeLineItem")
    doc = _ram(item, "AssociatedDocumentLineDocument")
    _ram(doc, "LineID", line.id)
    if line.note:
        _ram(_ram(doc, "IncludedNote"), "Content", line.note)
    product = _ram(item, "SpecifiedTradeProduct")
    if line.standard_item_id:
        standard = line.standard_item_id
        _ram(product, "GlobalID", standard.value, schemeID=standard.scheme)
    _opt(product, "SellerAssignedID", line.seller_item_id)
    _opt(product, "BuyerAssignedID", line.buyer_item_id)
    _ram(product, "Name", line.name)
    _opt(product, "Description", line.description)
    for klass in line.classifications:
        _ram(
            _ram(product, "DesignatedProductClassification"),
            "ClassCode",
            klass.code,
            listID=klass.list_id,
            listVersionID=klass.list_version,
        )
    if line.origin_country:
        _ram(_ram(product, "OriginTradeCountry"), "ID", line.origin_country)

    agreement = _ram(item, "SpecifiedLineTradeAgreement")
    if line.order_line_reference:
        _ram(_ram(agreement, "BuyerOrderReferencedDocument"), "LineID", line.order_line_reference)
    base = (
        None
        if line.price_base_quantity is None
        else {"text": number_text(line.price_base_quantity), "unitCode": line.unit_code}
    )
    if line.gross_price is not None:
        discount = line.gross_price - line.unit_price
        if discount < 0:
            raise XRechnungModelError(
                f"Line {line.id}: gross price is below the net price", rule="BR-28"
            )
        gross = _ram(agreement, "GrossPriceProductTradePrice")
        _ram(gross, "ChargeAmount", number_text(line.gross_price))
        if base:
            _ram(gross, "BasisQuantity", base["text"], unitCode=base["unitCode"])
        if discount:
            price_discount = _ram(gross, "AppliedTradeAllowanceCharge")
            _indicator(price_discount, charge=False)
            _ram(price_discount, "ActualAmount", number_text(discount))
    net_price = _ram(agreement, "NetPriceProductTradePrice")
    _ram(net_price, "ChargeAmount", number_text(line.unit_price))
    if base:
        _ram(net_price, "BasisQuantity", base["text"], unitCode=base["unitCode"])

    delivery = _ram(item, "SpecifiedLineTradeDelivery")
    _ram(delivery, "BilledQuantity", number_text(line.quantity), unitCode=line.unit_code)

    settlement = _ram(item, "SpecifiedLineTradeSettlement")
    tax = _ram(settlement, "ApplicableTradeTax")
    _ram(tax, "TypeCode", "VAT")
    _ram(tax, "CategoryCode", line.vat_category.value)
    if line.vat_rate is not None:
        _ram(tax, "RateApplicablePercent", number_text(line.vat_rate))
    _period(settlement, line.period_start, line.period_end)
    for ac in line.allowances_charges:
        _allowance_charge(settlement, ac, document_level=False)
    summation = _ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation")
    _ram(summation, "LineTotalAmount", amount_text(net))
    if line.invoiced_object:
        _referenced_document(settlement, line.invoiced_object, "130")
    if line.accounting_reference:
        _ram(
            _ram(settlement, "ReceivableSpecifiedTradeAccountingAccount"),
            "ID",
            line.accounting_reference,
        )


def _indicator(ac: etree._Element, *, charge: bool) -> None:
    sub(_ram(ac, "ChargeIndicator"), f"{{{UDT}}}Indicator", "true" if charge else "false")


def _period(parent: etree._Element, start: date | None, end: date | None) -> None:
    if start is None and end is None:
        return
    period = _ram(parent, "BillingSpecifiedPeriod")
    if start:
        _datetime(period, "StartDateTime", start)
    if end:
        _datetime(period, "EndDateTime", end)


def _allowance_charge(parent: etree._Element, ac: AllowanceCharge, *, document_level: bool) -> None:
    element = _ram(parent, "SpecifiedTradeAllowanceCharge")
    _indicator(element, charge=ac.is_charge)
    if ac.percentage is not None:
        _ram(element, "CalculationPercent", number_text(ac.percentage))
    if ac.base_amount is not None:
        _ram(element, "BasisAmount", amount_text(ac.base_amount))
    _ram(element, "ActualAmount", amount_text(ac.amount))
    _opt(element, "ReasonCode", ac.reason_code)
    _opt(element, "Reason", ac.reason)
    if document_level:
        assert ac.vat_category is not None
        tax = _ram(element, "CategoryTradeTax")
        _ram(tax, "TypeCode", "VAT")
        _ram(tax, "CategoryCode", ac.vat_category.value)
        if ac.vat_rate is not None:
            _ram(tax, "RateApplicablePercent", number_text(ac.vat_rate))


def _address(parent: etree._Element, address: Address) -> None:
    element = _ram(parent, "PostalTradeAddress")
    _opt(element, "PostcodeCode", address.postcode)
    _opt(element, "LineOne", address.line1)
    _opt(element, "LineTwo", address.line2)
    _opt(element, "CityName", address.city)
    _ram(element, "CountryID", address.country_code)
    _opt(element, "CountrySubDivisionName", address.subdivision)


def _party(parent: etree._Element, tag: str, party: Party, *, seller: bool) -> None:
    element = _ram(parent, tag)
    for identifier in party.identifiers:
        if identifier.scheme is None:
            _ram(element, "ID", identifier.value)
    for identifier in party.identifiers:
        if identifier.scheme is not None:
            _ram(element, "GlobalID", identifier.value, schemeID=identifier.scheme)
    _ram(element, "Name", party.name)
    if seller:
        _opt(element, "Description", party.legal_form)
    if party.legal_registration or party.trading_name:
        legal = _ram(element, "SpecifiedLegalOrganization")
        if party.legal_registration:
            reg = party.legal_registration
            _ram(legal, "ID", reg.value, schemeID=reg.scheme)
        _opt(legal, "TradingBusinessName", party.trading_name)
    if party.contact:
        contact = _ram(element, "DefinedTradeContact")
        _opt(contact, "PersonName", party.contact.name)
        if party.contact.phone:
            _ram(
                _ram(contact, "TelephoneUniversalCommunication"),
                "CompleteNumber",
                party.contact.phone,
            )
        if party.contact.email:
            _ram(_ram(contact, "EmailURIUniversalCommunication"), "URIID", party.contact.email)
    _address(element, party.address)
    if party.electronic_address:
        ea = party.electronic_address
        _ram(_ram(element, "URIUniversalCommunication"), "URIID", ea.value, schemeID=ea.scheme)
    if party.vat_id:
        _ram(_ram(element, "SpecifiedTaxRegistration"), "ID", party.vat_id, schemeID="VA")
    if seller and party.tax_registration:
        _ram(_ram(element, "SpecifiedTaxRegistration"), "ID", party.tax_registration, schemeID="FC")


def _agreement(element: etree._Element, invoice: Invoice) -> None:
    _opt(element, "BuyerReference", invoice.buyer_reference)
    _party(element, "SellerTradeParty", invoice.seller, seller=True)
    _party(element, "BuyerTradeParty", invoice.buyer, seller=False)
    if invoice.tax_representative:
        rep = invoice.tax_representative
        party = _ram(element, "SellerTaxRepresentativeTradeParty")
        _ram(party, "Name", rep.name)
        _address(party, rep.address)
        _ram(_ram(party, "SpecifiedTaxRegistration"), "ID", rep.vat_id, schemeID="VA")
    if invoice.sales_order_reference:
        _ram(
            _ram(element, "SellerOrderReferencedDocument"),
            "IssuerAssignedID",
            invoice.sales_order_reference,
        )
    if invoice.order_reference:
        _ram(
            _ram(element, "BuyerOrderReferencedDocument"),
            "IssuerAssignedID",
            invoice.order_reference,
        )
    if invoice.contract_reference:
        _ram(
            _ram(element, "ContractReferencedDocument"),
            "IssuerAssignedID",
            invoice.contract_reference,
        )
    for doc in invoice.attachments:
        ref = _ram(element, "AdditionalReferencedDocument")
        _ram(ref, "IssuerAssignedID", doc.id)
        _opt(ref, "URIID", doc.uri)
        _ram(ref, "TypeCode", "916")
        _opt(ref, "Name", doc.description)
        if doc.content is not None:
            _ram(
                ref,
                "AttachmentBinaryObject",
                base64.b64encode(doc.content).decode("ascii"),
                mimeCode=doc.mime_code,
                filename=doc.filename,
            )
    if invoice.tender_reference:
        _referenced_document(element, Identifier(value=invoice.tender_reference), "50")
    if invoice.invoiced_object:
        _referenced_document(element, invoice.invoiced_object, "130")
    if invoice.project_reference:
        project = _ram(element, "SpecifiedProcuringProject")
        _ram(project, "ID", invoice.project_reference)
        # BT-11 has no name in EN 16931 but CII requires one; the binding's filler text.
        _ram(project, "Name", "Project reference")


def _referenced_document(parent: etree._Element, identifier: Identifier, type_code: str) -> None:
    ref = _ram(parent, "AdditionalReferencedDocument")
    _ram(ref, "IssuerAssignedID", identifier.value)
    _ram(ref, "TypeCode", type_code)
    _opt(ref, "ReferenceTypeCode", identifier.scheme)


def _delivery(element: etree._Element, invoice: Invoice) -> None:
    delivery = invoice.delivery
    if delivery is not None:
        _delivery_party_and_date(element, delivery)
    if invoice.despatch_advice_reference:
        _ram(
            _ram(element, "DespatchAdviceReferencedDocument"),
            "IssuerAssignedID",
            invoice.despatch_advice_reference,
        )
    if invoice.receiving_advice_reference:
        _ram(
            _ram(element, "ReceivingAdviceReferencedDocument"),
            "IssuerAssignedID",
            invoice.receiving_advice_reference,
        )


def _delivery_party_and_date(element: etree._Element, delivery: Delivery) -> None:
    if delivery.address or delivery.party_name:
        party = _ram(element, "ShipToTradeParty")
        _opt(party, "Name", delivery.party_name)
        if delivery.address:
            _address(party, delivery.address)
    if delivery.date:
        _datetime(
            _ram(element, "ActualDeliverySupplyChainEvent"), "OccurrenceDateTime", delivery.date
        )


def _settlement(element: etree._Element, invoice: Invoice, totals: Totals) -> None:
    pay = invoice.payment
    _opt(element, "CreditorReferenceID", pay.creditor_id if pay else None)
    _opt(element, "PaymentReference", pay.remittance_information if pay else None)
    _opt(element, "TaxCurrencyCode", invoice.tax_currency)
    _ram(element, "InvoiceCurrencyCode", invoice.currency)
    if invoice.payee:
        payee = _ram(element, "PayeeTradeParty")
        ident = invoice.payee.identifier
        if ident is not None:
            if ident.scheme:
                _ram(payee, "GlobalID", ident.value, schemeID=ident.scheme)
            else:
                _ram(payee, "ID", ident.value)
        _ram(payee, "Name", invoice.payee.name)
        if invoice.payee.legal_registration:
            reg = invoice.payee.legal_registration
            _ram(_ram(payee, "SpecifiedLegalOrganization"), "ID", reg.value, schemeID=reg.scheme)
    if pay:
        means = _ram(element, "SpecifiedTradeSettlementPaymentMeans")
        _ram(means, "TypeCode", pay.means_code)
        _opt(means, "Information", pay.means_text)
        if pay.debited_iban:
            _ram(_ram(means, "PayerPartyDebtorFinancialAccount"), "IBANID", pay.debited_iban)
        if pay.iban:
            account = _ram(means, "PayeePartyCreditorFinancialAccount")
            _ram(account, "IBANID", pay.iban)
            _opt(account, "AccountName", pay.account_name)
        if pay.bic:
            _ram(_ram(means, "PayeeSpecifiedCreditorFinancialInstitution"), "BICID", pay.bic)
    for row in totals.breakdown:
        tax = _ram(element, "ApplicableTradeTax")
        _ram(tax, "CalculatedAmount", amount_text(row.tax_amount))
        _ram(tax, "TypeCode", "VAT")
        _opt(tax, "ExemptionReason", row.exemption_reason)
        _ram(tax, "BasisAmount", amount_text(row.taxable_amount))
        _ram(tax, "CategoryCode", row.category.value)
        _opt(tax, "ExemptionReasonCode", row.exemption_code)
        if invoice.tax_point_date:
            tax_point = _ram(tax, "TaxPointDate")
            sub(
                tax_point,
                f"{{{UDT}}}DateString",
                invoice.tax_point_date.strftime("%Y%m%d"),
                format="102",
            )
        if invoice.tax_point_date_code:
            _ram(tax, "DueDateTypeCode", TAX_POINT_CODES_CII[invoice.tax_point_date_code])
        # XRechnung wants BT-119 in every breakdown (BR-DE-14), for category O too.
        rate = Decimal(0) if row.rate is None else row.rate
        _ram(tax, "RateApplicablePercent", number_text(rate))
    _period(element, invoice.period_start, invoice.period_end)
    for ac in invoice.allowances_charges:
        _allowance_charge(element, ac, document_level=True)
    terms_text = payment_terms_text(invoice.payment_terms, invoice.early_payment_discounts)
    if terms_text or invoice.due_date or (pay and pay.mandate_reference):
        terms = _ram(element, "SpecifiedTradePaymentTerms")
        _opt(terms, "Description", terms_text)
        if invoice.due_date:
            _datetime(terms, "DueDateDateTime", invoice.due_date)
        _opt(terms, "DirectDebitMandateID", pay.mandate_reference if pay else None)
    summation = _ram(element, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _ram(summation, "LineTotalAmount", amount_text(totals.line_total))
    if invoice.allowances_charges:
        _ram(summation, "ChargeTotalAmount", amount_text(totals.charge_total))
        _ram(summation, "AllowanceTotalAmount", amount_text(totals.allowance_total))
    _ram(summation, "TaxBasisTotalAmount", amount_text(totals.tax_exclusive))
    _ram(summation, "TaxTotalAmount", amount_text(totals.tax_total), currencyID=invoice.currency)
    if invoice.tax_currency and totals.tax_total_accounting is not None:
        _ram(
            summation,
            "TaxTotalAmount",
            amount_text(totals.tax_total_accounting),
            currencyID=invoice.tax_currency,
        )
    if totals.rounding:
        _ram(summation, "RoundingAmount", amount_text(totals.rounding))
    _ram(summation, "GrandTotalAmount", amount_text(totals.tax_inclusive))
    if totals.prepaid:
        _ram(summation, "TotalPrepaidAmount", amount_text(totals.prepaid))
    _ram(summation, "DuePayableAmount", amount_text(totals.payable))
    for preceding in invoice.preceding_invoices:
        ref = _ram(element, "InvoiceReferencedDocument")
        _ram(ref, "IssuerAssignedID", preceding.number)
        if preceding.issue_date:
            _datetime(ref, "FormattedIssueDateTime", preceding.issue_date, ns=QDT)
    if invoice.buyer_accounting_reference:
        _ram(
            _ram(element, "ReceivableSpecifiedTradeAccountingAccount"),
            "ID",
            invoice.buyer_accounting_reference,
        )
