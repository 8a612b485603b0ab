"""Input data for the publication builders: a German authority's two-lot open procedure."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from tenders.publication.data import (
    Address,
    AwardCriterion,
    AwardResult,
    BuyerLegalType,
    CompanySize,
    Contract,
    ContractType,
    CriterionKind,
    Deadlines,
    LegalBasis,
    Lot,
    LotAward,
    NoticeInfo,
    Organisation,
    PlaceOfPerformance,
    Procedure,
    ProcedureType,
    Regime,
    Text,
)

BERLIN = ZoneInfo("Europe/Berlin")
PROCEDURE_ID = UUID("5a4b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d")
NOTICE_ID = UUID("0f1e2d3c-4b5a-4697-8877-665544332211")
AWARD_NOTICE_ID = UUID("1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9")

BUYER = Organisation(
    key="org-7f3a",
    name="Stadt Musterstadt, Zentrale Vergabestelle",
    address=Address(
        street="Rathausplatz 1", city="München", postal_code="80331", country="DE", nuts="DE212"
    ),
    email="vergabe@musterstadt.example",
    phone="+49 89 1234-0",
    website="https://www.musterstadt.example",
    leitweg_id="09162000-1234512345-06",
    vat_id="DE123456788",
)
REVIEW_BODY = Organisation(
    key="org-vk-suedbayern",
    name="Vergabekammer Südbayern",
    address=Address(
        street="Maximilianstraße 39", city="München", postal_code="80538", country="DE",
        nuts="DE212",
    ),
    email="vergabekammer@reg-ob.example",
    registration_id="VK-SUEDBAYERN",
)  # fmt: skip
WINNER_DE = Organisation(
    key="org-glanz",
    name="Glanz & Co. Gebäudereinigung GmbH",
    address=Address(
        street="Industriestraße 5", city="Augsburg", postal_code="86150", country="DE",
        nuts="DE271",
    ),
    email="angebote@glanz.example",
    registration_id="HRB 12345",
    registration_scheme="DE-CR",
    vat_id="DE987654321",
    size=CompanySize.SMALL,
)  # fmt: skip
WINNER_FR = Organisation(
    key="org-propre",
    name="Propre et Net SAS",
    address=Address(
        street="12 rue de la République", city="Strasbourg", postal_code="67000", country="FR",
        nuts="FRF11",
    ),
    email="contact@propre.example",
    siret="73282932000074",
    registration_scheme="FR-RCS",
    size=CompanySize.MEDIUM,
)  # fmt: skip


def criteria(price: str = "60", quality: str = "40") -> tuple[AwardCriterion, ...]:
    return (
        AwardCriterion(CriterionKind.PRICE, "Preis", Decimal(price), "Niedrigster Preis"),
        AwardCriterion(
            CriterionKind.QUALITY, "Reinigungskonzept", Decimal(quality), "Konzept und Personal"
        ),
    )


def procedure(**changes) -> Procedure:
    base = Procedure(
        procedure_id=PROCEDURE_ID,
        reference="VG-2026-0042",
        title=Text.of(
            de="Unterhaltsreinigung städtischer Gebäude", en="Cleaning of city buildings"
        ),
        description=Text.of(
            de="Unterhaltsreinigung von Schulen und Verwaltungsgebäuden, zwei Lose.",
            en="Routine cleaning of schools and offices, two lots.",
        ),
        buyer=BUYER,
        buyer_legal_type=BuyerLegalType.LOCAL_AUTHORITY,
        review_body=REVIEW_BODY,
        regime=Regime.EU,
        legal_basis=LegalBasis.DIRECTIVE_2014_24,
        procedure_type=ProcedureType.OPEN,
        contract_type=ContractType.SERVICES,
        cpv_main="90910000-9",
        cpv_additional=("90911200-8",),
        place_of_performance=PlaceOfPerformance(nuts="DE212", country="DE"),
        estimated_value=Decimal("850000.00"),
        lots=(
            Lot(
                key="1",
                title=Text.of(de="Los 1: Schulen", en="Lot 1: schools"),
                description=Text.of(de="Reinigung von 12 Schulen", en="Cleaning of 12 schools"),
                cpv_main="90911200-8",
                award_criteria=criteria(),
                estimated_value=Decimal("500000.00"),
                duration_months=24,
                start_date=date(2027, 1, 1),
            ),
            Lot(
                key="2",
                title=Text.of(de="Los 2: Verwaltung", en="Lot 2: offices"),
                description=Text.of(de="Reinigung von 5 Rathäusern", en="Cleaning of 5 offices"),
                cpv_main="90910000-9",
                cpv_additional=("90911200-8",),
                award_criteria=criteria("70", "30"),
                estimated_value=Decimal("350000.00"),
                start_date=date(2027, 1, 1),
                end_date=date(2028, 12, 31),
                place_of_performance=PlaceOfPerformance(
                    nuts="DE212", country="DE", description="Rathäuser der Stadt"
                ),
            ),
        ),
        deadlines=Deadlines(
            submission=datetime(2026, 12, 18, 12, 0, tzinfo=BERLIN),
            opening=datetime(2026, 12, 18, 14, 0, tzinfo=BERLIN),
            questions=datetime(2026, 12, 11, 12, 0, tzinfo=BERLIN),
            tender_validity_days=90,
        ),
        documents_url="https://zuschlag.example/tenders/VG-2026-0042/documents",
        submission_url="https://zuschlag.example/tenders/VG-2026-0042/bids",
        notice_languages=("de", "en"),
        submission_languages=("de",),
        review_deadline_info="Nachprüfungsantrag innerhalb der Fristen des § 160 Abs. 3 GWB.",
    )
    return replace(base, **changes)


def notice_info(**changes) -> NoticeInfo:
    base = NoticeInfo(
        notice_id=NOTICE_ID, dispatched_at=datetime(2026, 11, 13, 9, 30, tzinfo=BERLIN)
    )
    return replace(base, **changes)


def award_result(**changes) -> AwardResult:
    base = AwardResult(
        procedure=procedure(),
        previous_notice_id=NOTICE_ID,
        awards=(
            LotAward(
                lot_key="1",
                tenders_received=4,
                tenders_received_sme=3,
                tenders_received_electronically=4,
                award_date=date(2027, 2, 1),
                winner=WINNER_DE,
                winning_value=Decimal("468000.00"),
                lowest_value=Decimal("455000.00"),
                highest_value=Decimal("611000.50"),
                subcontracting=False,
                contract=Contract(
                    key="ctr-1",
                    reference="V-2027-0001",
                    signed_on=date(2027, 2, 16),
                    value=Decimal("468000.00"),
                    title=Text.of(de="Reinigung Schulen", en="Cleaning schools"),
                    start_date=date(2027, 3, 1),
                    end_date=date(2029, 2, 28),
                    buyer_reference="09162000-1234512345-06",
                    order_reference="BE-2027-17",
                ),
            ),
            LotAward(
                lot_key="2",
                tenders_received=2,
                award_date=date(2027, 2, 1),
                winner=WINNER_FR,
                winning_value=Decimal("331500.00"),
                contract=Contract(
                    key="ctr-2",
                    reference="V-2027-0002",
                    signed_on=date(2027, 2, 17),
                    value=Decimal("331500.00"),
                ),
            ),
        ),
    )
    return replace(base, **changes)
