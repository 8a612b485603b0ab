"""Invoice models used by the generation, parsing and rendering tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from xrechnung.model import (
    Address,
    AllowanceCharge,
    Classification,
    Contact,
    Delivery,
    EarlyPaymentDiscount,
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
)

LEITWEG_ID = "04011000-12345-03"


def german_seller() -> Party:
    return Party(
        name="Muster Bau GmbH",
        trading_name="Muster Bau",
        address=Address(line1="Hauptstraße 1", city="Berlin", postcode="10115", country_code="DE"),
        legal_registration=Identifier(value="HRB 123456 B"),
        legal_form="GmbH, Amtsgericht Charlottenburg",
        vat_id="DE136695976",
        tax_registration="27/123/45678",
        electronic_address=Identifier(value="rechnung@musterbau.de", scheme="EM"),
        contact=Contact(name="Erika Muster", phone="+49 30 1234567", email="erika@musterbau.de"),
    )


def german_authority() -> Party:
    return Party(
        name="Bezirksamt Mitte von Berlin",
        address=Address(
            line1="Karl-Marx-Allee 31", city="Berlin", postcode="10178", country_code="DE"
        ),
        electronic_address=Identifier(value=LEITWEG_ID, scheme="0204"),
    )


def french_seller() -> Party:
    # BT-30 is the SIREN (scheme 0002, BR-FR-10); the SIRET of the billing establishment goes in
    # BT-29 with scheme 0009 and must start with that SIREN (BR-FR-09).
    return Party(
        name="Ateliers Dupont SAS",
        address=Address(
            line1="12 rue de la Paix", city="Paris", postcode="75002", country_code="FR"
        ),
        identifiers=[Identifier(value="73282932000074", scheme="0009")],
        legal_registration=Identifier(value="732829320", scheme="0002"),
        legal_form="SAS au capital de 10 000 EUR",
        vat_id="FR44732829320",
        electronic_address=Identifier(value="73282932000074", scheme="0009"),
        contact=Contact(name="Jeanne Dupont", phone="+33 1 23 45 67 89", email="jeanne@dupont.fr"),
    )


def french_public_buyer() -> Party:
    return Party(
        name="Commune de Strasbourg",
        address=Address(
            line1="1 parc de l'Étoile", city="Strasbourg", postcode="67000", country_code="FR"
        ),
        legal_registration=Identifier(value="21670482500019", scheme="0009"),
        electronic_address=Identifier(value="21670482500019", scheme="0009"),
    )


def french_legal_notes() -> list[str | Note]:
    """The mentions French law requires on every B2B invoice (Code de commerce L441-9)."""
    return [
        Note(text="Indemnité forfaitaire pour frais de recouvrement : 40 EUR", subject_code="PMT"),
        Note(text="Pénalités de retard : trois fois le taux d'intérêt légal", subject_code="PMD"),
        Note(text="Pas d'escompte pour paiement anticipé", subject_code="AAB"),
    ]


def sepa(
    iban: str = "DE02120300000000202051", bic: str | None = "BYLADEM1001"
) -> PaymentInstructions:
    return PaymentInstructions(
        means_code="58",
        iban=iban,
        bic=bic,
        account_name="Muster Bau GmbH",
        remittance_information="RE-2026-0001",
    )


def domestic_german() -> Invoice:
    """German seller to German authority, two VAT rates, a document allowance and charge."""
    return Invoice(
        number="RE-2026-0001",
        issue_date=date(2026, 11, 20),
        due_date=date(2026, 12, 20),
        seller=german_seller(),
        buyer=german_authority(),
        buyer_reference=LEITWEG_ID,
        order_reference="BEST-4711",
        contract_reference="VG-2026-17",
        project_reference="PRJ-9",
        tender_reference="VG-2026-17-LOS-1",
        invoiced_object=Identifier(value="KST-4711", scheme="AAC"),
        despatch_advice_reference="LS-2026-881",
        receiving_advice_reference="WE-2026-193",
        attachments=[
            SupportingDocument(
                id="STD-10-2026",
                description="Stundennachweis Oktober",
                content=b"%PDF-1.4 timesheet",
                mime_code="application/pdf",
                filename="stundennachweis.pdf",
            ),
            SupportingDocument(id="AUFMASS-7", uri="https://example.org/aufmass/7"),
        ],
        payment_terms="Zahlbar innerhalb von 30 Tagen.",
        early_payment_discounts=[
            EarlyPaymentDiscount(days=10, percent=D("3")),
            EarlyPaymentDiscount(days=20, percent=D("1.5"), base_amount=D("1000")),
        ],
        notes=["Leistung gemäß Vertrag VG-2026-17."],
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        delivery=Delivery(date=date(2026, 10, 31)),
        payment=sepa(),
        lines=[
            Line(
                id="1",
                name="Bauleistung Los 1",
                quantity=D("12.5"),
                unit_code="HUR",
                unit_price=D("84.30"),
                vat_category=VatCategory.STANDARD,
                vat_rate=D("19"),
                description="Stundenlohnarbeiten",
                seller_item_id="STD-01",
                buyer_item_id="LV-1.2",
                classifications=[Classification(code="45000000", list_id="STI")],
                invoiced_object=Identifier(value="BAUABSCHNITT-3", scheme="AAC"),
                order_line_reference="10",
                accounting_reference="KST-300",
            ),
            Line(
                id="2",
                name="Fachbuch Vergaberecht",
                standard_item_id=Identifier(value="4012345000009", scheme="0160"),
                origin_country="DE",
                quantity=D("3"),
                unit_code="C62",
                unit_price=D("49.90"),
                gross_price=D("54.90"),
                vat_category=VatCategory.STANDARD,
                vat_rate=D("7"),
                allowances_charges=[
                    AllowanceCharge(
                        is_charge=False, amount=D("5.00"), reason="Mengenrabatt", reason_code="95"
                    )
                ],
            ),
            Line(
                id="3",
                name="Schrauben",
                quantity=D("1000"),
                unit_code="C62",
                unit_price=D("4.555"),
                price_base_quantity=D("100"),
                vat_category=VatCategory.STANDARD,
                vat_rate=D("19.00"),
                period_start=date(2026, 10, 1),
                period_end=date(2026, 10, 15),
            ),
        ],
        allowances_charges=[
            AllowanceCharge(
                is_charge=False,
                amount=D("10.00"),
                reason="Skonto Sondervereinbarung",
                reason_code="95",
                vat_category=VatCategory.STANDARD,
                vat_rate=D("19"),
                base_amount=D("1000.00"),
                percentage=D("1"),
            ),
            AllowanceCharge(
                is_charge=True,
                amount=D("25.00"),
                reason="Fracht",
                reason_code="FC",
                vat_category=VatCategory.STANDARD,
                vat_rate=D("19"),
            ),
        ],
    )


def french_to_german_reverse_charge() -> Invoice:
    """French seller (SIRET 0009, FR VAT) invoices a German authority a service: AE."""
    buyer = german_authority()
    buyer.vat_id = "DE811569869"
    return Invoice(
        number="FA-2026-118",
        business_process="S1",  # French billing framework: services, invoice to be paid
        notes=french_legal_notes(),
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 12, 2),
        seller=french_seller(),
        buyer=buyer,
        buyer_reference=LEITWEG_ID,
        order_reference="BEST-2026-31",
        contract_reference="VG-2026-04",
        delivery=Delivery(date=date(2026, 10, 30)),
        payment=sepa(iban="FR7630006000011234567890189", bic="AGRIFRPP"),
        payment_terms="Paiement à 30 jours.",
        lines=[
            Line(
                id="1",
                name="Conseil en ingénierie",
                quantity=D("4"),
                unit_code="DAY",
                unit_price=D("950"),
                vat_category=VatCategory.REVERSE_CHARGE,
                vat_rate=D("0"),
            ),
        ],
        vat_exemptions=[
            VatExemption(
                category=VatCategory.REVERSE_CHARGE,
                reason="Autoliquidation / Steuerschuldnerschaft des Leistungsempfängers",
                code="VATEX-EU-AE",
            )
        ],
    )


def french_to_german_intra_community() -> Invoice:
    """French seller delivers goods to a German authority: intra-community supply K."""
    buyer = german_authority()
    buyer.vat_id = "DE811569869"
    return Invoice(
        number="FA-2026-119",
        business_process="B1",  # goods
        notes=french_legal_notes(),
        issue_date=date(2026, 11, 3),
        due_date=date(2026, 12, 3),
        seller=french_seller(),
        buyer=buyer,
        buyer_reference=LEITWEG_ID,
        order_reference="BEST-2026-32",
        delivery=Delivery(
            date=date(2026, 10, 28),
            party_name="Bezirksamt Mitte, Lager",
            address=Address(line1="Lagerweg 5", city="Berlin", postcode="10179", country_code="DE"),
        ),
        payment=sepa(iban="FR7630006000011234567890189", bic="AGRIFRPP"),
        lines=[
            Line(
                id="1",
                name="Mobilier de bureau",
                quantity=D("20"),
                unit_code="C62",
                unit_price=D("312.45"),
                vat_category=VatCategory.INTRA_COMMUNITY,
                vat_rate=D("0"),
            ),
            Line(
                id="2",
                name="Lampes",
                quantity=D("20"),
                unit_code="C62",
                unit_price=D("41.99"),
                vat_category=VatCategory.INTRA_COMMUNITY,
                vat_rate=D("0"),
            ),
        ],
        vat_exemptions=[
            VatExemption(
                category=VatCategory.INTRA_COMMUNITY,
                reason="Livraison intracommunautaire exonérée",
                code="VATEX-EU-IC",
            )
        ],
    )


def german_to_french_public() -> Invoice:
    """German seller invoices a French public buyer: SIRET, service code, engagement number."""
    return Invoice(
        number="RE-2026-0450",
        issue_date=date(2026, 11, 10),
        due_date=date(2026, 12, 10),
        seller=german_seller(),
        buyer=french_public_buyer(),
        buyer_reference="SERV-FIN-01",  # Chorus Pro service code
        order_reference="EJ-2026-000123",  # Chorus Pro engagement number
        contract_reference="MARCHE-2026-77",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        payment=sepa(),
        lines=[
            Line(
                id="1",
                name="Logiciel, licence annuelle",
                quantity=D("1"),
                unit_code="C62",
                unit_price=D("12000"),
                vat_category=VatCategory.REVERSE_CHARGE,
                vat_rate=D("0"),
            ),
        ],
        vat_exemptions=[
            VatExemption(
                category=VatCategory.REVERSE_CHARGE, reason="Autoliquidation", code="VATEX-EU-AE"
            )
        ],
    )


def mixed_currency() -> Invoice:
    """Invoice in CHF, VAT accounted in EUR (BT-6 / BT-111)."""
    invoice = domestic_german()
    invoice.number = "RE-2026-CHF-1"
    invoice.currency = "CHF"
    invoice.tax_currency = "EUR"
    invoice.tax_exchange_rate = D("1.0652")
    return invoice


def credit_note() -> Invoice:
    """Credit note (381) correcting RE-2026-0001."""
    return Invoice(
        number="GS-2026-0007",
        issue_date=date(2026, 11, 25),
        type_code="381",
        tax_point_date_code="35",  # VAT falls due with the delivery date
        project_reference="PRJ-9",  # a CreditNote carries BT-11 as additional document 50
        tender_reference="VG-2026-17-LOS-1",
        seller=german_seller(),
        buyer=german_authority(),
        buyer_reference=LEITWEG_ID,
        preceding_invoices=[PrecedingInvoice(number="RE-2026-0001", issue_date=date(2026, 11, 20))],
        payment=sepa(),
        due_date=date(2026, 12, 1),
        delivery=Delivery(date=date(2026, 10, 31)),
        lines=[
            Line(
                id="1",
                name="Gutschrift Stundenlohnarbeiten",
                quantity=D("2"),
                unit_code="HUR",
                unit_price=D("84.30"),
                vat_category=VatCategory.STANDARD,
                vat_rate=D("19"),
            ),
        ],
    )


def exempt_and_zero() -> Invoice:
    """Standard, zero rated and exempt lines in one invoice with prepaid and rounding amounts."""
    invoice = domestic_german()
    invoice.number = "RE-2026-MIX"
    invoice.allowances_charges = []
    invoice.lines.append(
        Line(
            id="4",
            name="Schulung (steuerbefreit)",
            quantity=D("1"),
            unit_code="C62",
            unit_price=D("800"),
            vat_category=VatCategory.EXEMPT,
            vat_rate=D("0"),
        )
    )
    invoice.lines.append(
        Line(
            id="5",
            name="Export-Zubehör",
            quantity=D("2"),
            unit_code="C62",
            unit_price=D("15"),
            vat_category=VatCategory.ZERO,
            vat_rate=D("0"),
        )
    )
    invoice.vat_exemptions = [
        VatExemption(category=VatCategory.EXEMPT, reason="Steuerfrei nach § 4 Nr. 21 UStG")
    ]
    invoice.prepaid_amount = D("100.00")
    invoice.rounding_amount = D("0.01")
    return invoice


def not_subject() -> Invoice:
    """Category O: seller outside the VAT scope, no VAT identifiers at all."""
    seller = german_seller()
    seller.vat_id = None
    seller.tax_registration = None
    return Invoice(
        number="RE-2026-O-1",
        issue_date=date(2026, 11, 20),
        due_date=date(2026, 12, 20),
        seller=seller,
        buyer=german_authority(),
        buyer_reference=LEITWEG_ID,
        payment=sepa(),
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        lines=[
            Line(
                id="1",
                name="Versicherungsprämie",
                quantity=D("1"),
                unit_code="C62",
                unit_price=D("1500"),
                vat_category=VatCategory.NOT_SUBJECT,
            )
        ],
        vat_exemptions=[
            VatExemption(
                category=VatCategory.NOT_SUBJECT, reason="Nicht steuerbar", code="VATEX-EU-O"
            )
        ],
    )


def direct_debit() -> Invoice:
    """SEPA direct debit (59): mandate, creditor id (BT-90) and debited account (BT-91)."""
    invoice = domestic_german()
    invoice.number = "RE-2026-SDD-1"
    invoice.payment = PaymentInstructions(
        means_code="59",
        mandate_reference="MANDAT-0815",
        creditor_id="DE98ZZZ09999999999",
        debited_iban="DE75512108001245126199",
        remittance_information="RE-2026-SDD-1",
    )
    invoice.payment_terms = "Der Betrag wird am Fälligkeitstag per SEPA-Lastschrift eingezogen."
    return invoice


def swiss_seller_with_representative() -> Invoice:
    """Non-EU seller without an EU VAT id, taxed through its German fiscal representative (BG-11),
    paid to a factoring company (payee, BG-10)."""
    seller = Party(
        name="Alpen Messtechnik AG",
        legal_registration=Identifier(value="CHE-116.281.710"),  # Swiss UID
        address=Address(
            line1="Bahnhofstrasse 10", city="Zürich", postcode="8001", country_code="CH"
        ),
        electronic_address=Identifier(value="invoice@alpen-mess.ch", scheme="EM"),
        contact=Contact(name="Urs Meier", phone="+41 44 123 45 67", email="urs@alpen-mess.ch"),
    )
    return Invoice(
        number="AM-2026-77",
        issue_date=date(2026, 11, 12),
        due_date=date(2026, 12, 12),
        seller=seller,
        buyer=german_authority(),
        buyer_reference=LEITWEG_ID,
        tax_representative=TaxRepresentative(
            name="Steuerkanzlei Fiskalvertretung GmbH",
            vat_id="DE811569869",
            address=Address(line1="Ring 3", city="Köln", postcode="50667", country_code="DE"),
        ),
        payee=Payee(
            name="Factoring Bank AG",
            identifier=Identifier(value="4000001000005", scheme="0088"),
            legal_registration=Identifier(value="HRB 9876"),
        ),
        delivery=Delivery(date=date(2026, 11, 5)),
        payment=sepa(iban="CH9300762011623852957", bic=None),
        lines=[
            Line(id="1", name="Messgerät", quantity=D("2"), unit_code="C62",
                 unit_price=D("1899"), vat_category=VatCategory.STANDARD, vat_rate=D("19")),
        ],
    )  # fmt: skip


ALL = {
    "domestic_german": domestic_german,
    "french_to_german_reverse_charge": french_to_german_reverse_charge,
    "french_to_german_intra_community": french_to_german_intra_community,
    "german_to_french_public": german_to_french_public,
    "mixed_currency": mixed_currency,
    "credit_note": credit_note,
    "exempt_and_zero": exempt_and_zero,
    "not_subject": not_subject,
    "direct_debit": direct_debit,
    "swiss_seller_with_representative": swiss_seller_with_representative,
}
