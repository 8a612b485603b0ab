"""Write an ``Invoice`` as UBL 2.1 Invoice or CreditNote (XRechnung 3.0 CIUS or plain EN 16931)."""

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
    Address,
    AllowanceCharge,
    Identifier,
    Invoice,
    Line,
    Party,
    SupportingDocument,
    VatCategory,
    XRechnungModelError,
    check_invoice,
    note_parts,
    payment_terms_text,
)
from xrechnung.totals import Totals, compute_totals

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def _cbc(parent: etree._Element, tag: str, text: str | None = None, **attrs: str | None) -> None:
    if text is not None:
        sub(parent, f"{{{CBC}}}{tag}", text, **attrs)


def _cac(parent: etree._Element, tag: str) -> etree._Element:
    return sub(parent, f"{{{CAC}}}{tag}")


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def to_ubl(invoice: Invoice, *, customization_id: str = XRECHNUNG_3) -> bytes:
    """Return UBL XML bytes; a credit note type code (381 …) yields a UBL CreditNote document.

    Raises ``XRechnungModelError`` for an inconsistent model.
    """
    check_invoice(invoice)
    totals = compute_totals(invoice)
    credit = invoice.is_credit_note
    root_ns = NS_CREDIT_NOTE if credit else NS_INVOICE
    root = etree.Element(
        f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: root_ns, "cac": CAC, "cbc": CBC},  # type: ignore[dict-item]
    )
    cur = invoice.currency
    _cbc(root, "CustomizationID", customization_id)
    _cbc(root, "ProfileID", invoice.business_process)
    _cbc(root, "ID", invoice.number)
    _cbc(root, "IssueDate", invoice.issue_date.isoformat())
    if credit:
        _cbc(root, "TaxPointDate", _date(invoice.tax_point_date))
        _cbc(root, "CreditNoteTypeCode", invoice.type_code)
    else:
        _cbc(root, "DueDate", _date(invoice.due_date))
        _cbc(root, "InvoiceTypeCode", invoice.type_code)
    for note in map(note_parts, invoice.notes):
        # The EN 16931 UBL binding carries BT-21 as "#CODE#" in front of the note text.
        text = f"#{note.subject_code}#{note.text}" if note.subject_code else note.text
        _cbc(root, "Note", text)
    if not credit:
        _cbc(root, "TaxPointDate", _date(invoice.tax_point_date))
    _cbc(root, "DocumentCurrencyCode", cur)
    _cbc(root, "TaxCurrencyCode", invoice.tax_currency)
    _cbc(root, "AccountingCost", invoice.buyer_accounting_reference)
    _cbc(root, "BuyerReference", invoice.buyer_reference)
    if invoice.period_start or invoice.period_end or invoice.tax_point_date_code:
        period = _cac(root, "InvoicePeriod")
        _cbc(period, "StartDate", _date(invoice.period_start))
        _cbc(period, "EndDate", _date(invoice.period_end))
        _cbc(period, "DescriptionCode", invoice.tax_point_date_code)
    if invoice.order_reference or invoice.sales_order_reference:
        order = _cac(root, "OrderReference")
        # cbc:ID is mandatory in UBL; "NA" is the EN 16931 UBL binding's filler for BT-14 alone.
        _cbc(order, "ID", invoice.order_reference or "NA")
        _cbc(order, "SalesOrderID", invoice.sales_order_reference)
    for preceding in invoice.preceding_invoices:
        ref = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(ref, "ID", preceding.number)
        _cbc(ref, "IssueDate", _date(preceding.issue_date))
    if invoice.despatch_advice_reference:
        _cbc(_cac(root, "DespatchDocumentReference"), "ID", invoice.despatch_advice_reference)
    if invoice.receiving_advice_reference:
        _cbc(_cac(root, "ReceiptDocumentReference"), "ID", invoice.receiving_advice_reference)
    # UBL Invoice and CreditNote order these references differently, and a CreditNote has no
    # ProjectReference: there BT-11 is an additional document with type code 50.
    if not credit:
        _originator(root, invoice)
    if invoice.contract_reference:
        _cbc(_cac(root, "ContractDocumentReference"), "ID", invoice.contract_reference)
    if invoice.invoiced_object:
        _document_reference(root, "AdditionalDocumentReference", invoice.invoiced_object, "130")
    if credit and invoice.project_reference:
        project = Identifier(value=invoice.project_reference)
        _document_reference(root, "AdditionalDocumentReference", project, "50")
    for doc in invoice.attachments:
        _attachment(root, doc)
    if credit:
        _originator(root, invoice)
    elif invoice.project_reference:
        _cbc(_cac(root, "ProjectReference"), "ID", invoice.project_reference)
    creditor_id = invoice.payment.creditor_id if invoice.payment else None
    _party(
        _cac(_cac(root, "AccountingSupplierParty"), "Party"),
        invoice.seller,
        seller=True,
        creditor_id=creditor_id,
    )
    _party(_cac(_cac(root, "AccountingCustomerParty"), "Party"), invoice.buyer, seller=False)
    if invoice.payee:
        payee = _cac(root, "PayeeParty")
        if invoice.payee.identifier:
            ident = invoice.payee.identifier
            _cbc(_cac(payee, "PartyIdentification"), "ID", ident.value, schemeID=ident.scheme)
        _cbc(_cac(payee, "PartyName"), "Name", invoice.payee.name)
        if invoice.payee.legal_registration:
            reg = invoice.payee.legal_registration
            _cbc(_cac(payee, "PartyLegalEntity"), "CompanyID", reg.value, schemeID=reg.scheme)
    if invoice.tax_representative:
        rep = invoice.tax_representative
        party = _cac(root, "TaxRepresentativeParty")
        _cbc(_cac(party, "PartyName"), "Name", rep.name)
        _address(_cac(party, "PostalAddress"), rep.address)
        scheme = _cac(party, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", rep.vat_id)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    if invoice.delivery:
        delivery = _cac(root, "Delivery")
        _cbc(delivery, "ActualDeliveryDate", _date(invoice.delivery.date))
        if invoice.delivery.address:
            _address(_cac(_cac(delivery, "DeliveryLocation"), "Address"), invoice.delivery.address)
        if invoice.delivery.party_name:
            party = _cac(_cac(delivery, "DeliveryParty"), "PartyName")
            _cbc(party, "Name", invoice.delivery.party_name)
    if invoice.payment:
        pay = invoice.payment
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", pay.means_code, name=pay.means_text)
        if credit:
            _cbc(means, "PaymentDueDate", _date(invoice.due_date))
        _cbc(means, "PaymentID", pay.remittance_information)
        if pay.iban:
            account = _cac(means, "PayeeFinancialAccount")
            _cbc(account, "ID", pay.iban)
            _cbc(account, "Name", pay.account_name)
            if pay.bic:
                _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", pay.bic)
        if pay.mandate_reference or pay.debited_iban:
            mandate = _cac(means, "PaymentMandate")
            _cbc(mandate, "ID", pay.mandate_reference)
            if pay.debited_iban:
                _cbc(_cac(mandate, "PayerFinancialAccount"), "ID", pay.debited_iban)
    terms = payment_terms_text(invoice.payment_terms, invoice.early_payment_discounts)
    if terms:
        _cbc(_cac(root, "PaymentTerms"), "Note", terms)
    for ac in invoice.allowances_charges:
        _allowance_charge(root, ac, cur, document_level=True)
    _tax_totals(root, invoice, totals)
    _monetary_total(root, totals, cur, has_ac=bool(invoice.allowances_charges))
    for line, net in zip(invoice.lines, totals.line_nets, strict=True):
        _line(root, line, net, cur, credit=credit)
    return serialize(root)


def _originator(root: etree._Element, invoice: Invoice) -> None:
    if invoice.tender_reference:
        _cbc(_cac(root, "OriginatorDocumentReference"), "ID", invoice.tender_reference)


def _document_reference(
    parent: etree._Element, tag: str, identifier: Identifier, type_code: str
) -> None:
    element = _cac(parent, tag)
    _cbc(element, "ID", identifier.value, schemeID=identifier.scheme)
    _cbc(element, "DocumentTypeCode", type_code)


def _attachment(root: etree._Element, doc: SupportingDocument) -> None:
    element = _cac(root, "AdditionalDocumentReference")
    _cbc(element, "ID", doc.id)
    _cbc(element, "DocumentDescription", doc.description)
    if doc.content is not None or doc.uri:
        attachment = _cac(element, "Attachment")
        if doc.content is not None:
            _cbc(
                attachment,
                "EmbeddedDocumentBinaryObject",
                base64.b64encode(doc.content).decode("ascii"),
                mimeCode=doc.mime_code,
                filename=doc.filename,
            )
        if doc.uri:
            _cbc(_cac(attachment, "ExternalReference"), "URI", doc.uri)


def _address(element: etree._Element, address: Address) -> None:
    _cbc(element, "StreetName", address.line1)
    _cbc(element, "AdditionalStreetName", address.line2)
    _cbc(element, "CityName", address.city)
    _cbc(element, "PostalZone", address.postcode)
    _cbc(element, "CountrySubentity", address.subdivision)
    _cbc(_cac(element, "Country"), "IdentificationCode", address.country_code)


def _party(
    element: etree._Element, party: Party, *, seller: bool, creditor_id: str | None = None
) -> None:
    if party.electronic_address:
        ea = party.electronic_address
        _cbc(element, "EndpointID", ea.value, schemeID=ea.scheme)
    for identifier in party.identifiers:
        _cbc(
            _cac(element, "PartyIdentification"), "ID", identifier.value, schemeID=identifier.scheme
        )
    if creditor_id:
        # BT-90 lives among the seller identifiers in UBL, marked with scheme "SEPA".
        _cbc(_cac(element, "PartyIdentification"), "ID", creditor_id, schemeID="SEPA")
    if party.trading_name:
        _cbc(_cac(element, "PartyName"), "Name", party.trading_name)
    _address(_cac(element, "PostalAddress"), party.address)
    if party.vat_id:
        scheme = _cac(element, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", party.vat_id)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    if seller and party.tax_registration:
        scheme = _cac(element, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", party.tax_registration)
        # Any scheme other than VAT marks BT-32; "FC" is the code the EN 16931 examples use.
        _cbc(_cac(scheme, "TaxScheme"), "ID", "FC")
    legal = _cac(element, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    if party.legal_registration:
        reg = party.legal_registration
        _cbc(legal, "CompanyID", reg.value, schemeID=reg.scheme)
    if seller:
        _cbc(legal, "CompanyLegalForm", party.legal_form)
    if party.contact:
        contact = _cac(element, "Contact")
        _cbc(contact, "Name", party.contact.name)
        _cbc(contact, "Telephone", party.contact.phone)
        _cbc(contact, "ElectronicMail", party.contact.email)


def _tax_category(
    parent: etree._Element,
    name: str,
    category: VatCategory,
    rate: Decimal | None,
    *,
    exemption_code: str | None = None,
    exemption_reason: str | None = None,
) -> None:
    element = _cac(parent, name)
    _cbc(element, "ID", category.value)
    if rate is not None:
        _cbc(element, "Percent", number_text(rate))
    _cbc(element, "TaxExemptionReasonCode", exemption_code)
    _cbc(element, "TaxExemptionReason", exemption_reason)
    _cbc(_cac(element, "TaxScheme"), "ID", "VAT")


def _allowance_charge(
    parent: etree._Element, ac: AllowanceCharge, cur: str, *, document_level: bool
) -> None:
    element = _cac(parent, "AllowanceCharge")
    _cbc(element, "ChargeIndicator", "true" if ac.is_charge else "false")
    _cbc(element, "AllowanceChargeReasonCode", ac.reason_code)
    _cbc(element, "AllowanceChargeReason", ac.reason)
    if ac.percentage is not None:
        _cbc(element, "MultiplierFactorNumeric", number_text(ac.percentage))
    _cbc(element, "Amount", amount_text(ac.amount), currencyID=cur)
    if ac.base_amount is not None:
        _cbc(element, "BaseAmount", amount_text(ac.base_amount), currencyID=cur)
    if document_level:
        assert ac.vat_category is not None
        _tax_category(element, "TaxCategory", ac.vat_category, ac.vat_rate)


def _tax_totals(root: etree._Element, invoice: Invoice, totals: Totals) -> None:
    cur = invoice.currency
    tax_total = _cac(root, "TaxTotal")
    _cbc(tax_total, "TaxAmount", amount_text(totals.tax_total), currencyID=cur)
    for row in totals.breakdown:
        subtotal = _cac(tax_total, "TaxSubtotal")
        _cbc(subtotal, "TaxableAmount", amount_text(row.taxable_amount), currencyID=cur)
        _cbc(subtotal, "TaxAmount", amount_text(row.tax_amount), currencyID=cur)
        _tax_category(
            subtotal,
            "TaxCategory",
            row.category,
            # XRechnung wants BT-119 in every breakdown (BR-DE-14), for category O too.
            Decimal(0) if row.rate is None else row.rate,
            exemption_code=row.exemption_code,
            exemption_reason=row.exemption_reason,
        )
    if invoice.tax_currency and totals.tax_total_accounting is not None:
        # BT-111 is a second TaxTotal without subtotals, in the VAT accounting currency (BR-53).
        accounting = _cac(root, "TaxTotal")
        _cbc(
            accounting,
            "TaxAmount",
            amount_text(totals.tax_total_accounting),
            currencyID=invoice.tax_currency,
        )


def _monetary_total(root: etree._Element, totals: Totals, cur: str, *, has_ac: bool) -> None:
    element = _cac(root, "LegalMonetaryTotal")
    _cbc(element, "LineExtensionAmount", amount_text(totals.line_total), currencyID=cur)
    _cbc(element, "TaxExclusiveAmount", amount_text(totals.tax_exclusive), currencyID=cur)
    _cbc(element, "TaxInclusiveAmount", amount_text(totals.tax_inclusive), currencyID=cur)
    if has_ac:
        _cbc(element, "AllowanceTotalAmount", amount_text(totals.allowance_total), currencyID=cur)
        _cbc(element, "ChargeTotalAmount", amount_text(totals.charge_total), currencyID=cur)
    if totals.prepaid:
        _cbc(element, "PrepaidAmount", amount_text(totals.prepaid), currencyID=cur)
    if totals.rounding:
        _cbc(element, "PayableRoundingAmount", amount_text(totals.rounding), currencyID=cur)
    _cbc(element, "PayableAmount", amount_text(totals.payable), currencyID=cur)


def _line(root: etree._Element, line: Line, net: Decimal, cur: str, *, credit: bool) -> None:
    element = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(element, "ID", line.id)
    _cbc(element, "Note", line.note)
    _cbc(
        element,
        "CreditedQuantity" if credit else "InvoicedQuantity",
        number_text(line.quantity),
        unitCode=line.unit_code,
    )
    _cbc(element, "LineExtensionAmount", amount_text(net), currencyID=cur)
    _cbc(element, "AccountingCost", line.accounting_reference)
    if line.period_start or line.period_end:
        period = _cac(element, "InvoicePeriod")
        _cbc(period, "StartDate", _date(line.period_start))
        _cbc(period, "EndDate", _date(line.period_end))
    if line.order_line_reference:
        _cbc(_cac(element, "OrderLineReference"), "LineID", line.order_line_reference)
    if line.invoiced_object:
        _document_reference(element, "DocumentReference", line.invoiced_object, "130")
    for ac in line.allowances_charges:
        _allowance_charge(element, ac, cur, document_level=False)
    item = _cac(element, "Item")
    _cbc(item, "Description", line.description)
    _cbc(item, "Name", line.name)
    if line.buyer_item_id:
        _cbc(_cac(item, "BuyersItemIdentification"), "ID", line.buyer_item_id)
    if line.seller_item_id:
        _cbc(_cac(item, "SellersItemIdentification"), "ID", line.seller_item_id)
    if line.standard_item_id:
        standard = line.standard_item_id
        _cbc(
            _cac(item, "StandardItemIdentification"), "ID", standard.value, schemeID=standard.scheme
        )
    if line.origin_country:
        _cbc(_cac(item, "OriginCountry"), "IdentificationCode", line.origin_country)
    for klass in line.classifications:
        _cbc(
            _cac(item, "CommodityClassification"),
            "ItemClassificationCode",
            klass.code,
            listID=klass.list_id,
            listVersionID=klass.list_version,
        )
    _tax_category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_rate)
    price = _cac(element, "Price")
    _cbc(price, "PriceAmount", number_text(line.unit_price), currencyID=cur)
    if line.price_base_quantity is not None:
        _cbc(price, "BaseQuantity", number_text(line.price_base_quantity), unitCode=line.unit_code)
    if line.gross_price is not None:
        discount = line.gross_price - line.unit_price
        if discount < 0:
            raise XRechnungModelError(
                f"Line {line.id}: gross price is below the net price", rule="BR-28"
            )
        price_discount = _cac(price, "AllowanceCharge")
        _cbc(price_discount, "ChargeIndicator", "false")
        _cbc(price_discount, "Amount", number_text(discount), currencyID=cur)
        _cbc(price_discount, "BaseAmount", number_text(line.gross_price), currencyID=cur)
