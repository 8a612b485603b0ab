"""eForms notices: schema-valid against the SDK XSDs, complete for their subtype, right values."""

import json
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest
from lxml import etree

from tenders.publication.data import (
    Address,
    AwardCriterion,
    BuyerLegalType,
    CriterionKind,
    LegalBasis,
    LotAward,
    PlaceOfPerformance,
    ProcedureType,
    PublicationDataError,
    Regime,
    Text,
)
from tenders.publication.eforms import NS, contract_award_notice_xml, contract_notice_xml
from tests.tenders import publication_samples as s

# Naive datetimes on purpose: the builders must refuse them.
NAIVE_DEADLINE = datetime(2026, 12, 18, 12)  # noqa: DTZ001
NAIVE_DISPATCH = datetime(2026, 11, 13)  # noqa: DTZ001

SAFE = etree.XMLParser(resolve_entities=False, no_network=True)
XP = {k: v for k, v in NS.items() if k not in ("cn", "can")}


@pytest.fixture(scope="session")
def sdk(shared_dir):
    sdk = shared_dir / "eforms-sdk"
    if not (sdk / "schemas" / "maindoc").is_dir():
        raise RuntimeError(f"eForms SDK schemas missing under {sdk}: the tests need them")
    return sdk


def _schema(sdk, name):
    # The maindoc XSDs import ../common/*.xsd by relative path: parse from the file path so
    # lxml resolves them locally; no_network keeps any stray http import from going out.
    return etree.XMLSchema(etree.parse(str(sdk / "schemas" / "maindoc" / name), SAFE))


@pytest.fixture(scope="session")
def cn_schema(sdk):
    return _schema(sdk, "UBL-ContractNotice-2.3.xsd")


@pytest.fixture(scope="session")
def can_schema(sdk):
    return _schema(sdk, "UBL-ContractAwardNotice-2.3.xsd")


@pytest.fixture(scope="session")
def sdk_fields(sdk):
    return json.loads((sdk / "fields.json").read_text(encoding="utf-8"))["fields"]


def _assert_valid(schema, xml: bytes) -> etree._Element:
    doc = etree.fromstring(xml, SAFE)
    if not schema.validate(doc):
        errors = "\n".join(f"line {e.line}: {e.message}" for e in schema.error_log)
        pytest.fail(f"notice does not validate against the eForms XSD:\n{errors}")
    return doc


def _texts(doc, path):
    return [node if isinstance(node, str) else node.text for node in doc.xpath(path, namespaces=XP)]


def _rule(rule, notice_type):
    """(applies, condition) of a mandatory/forbidden rule of fields.json for a notice type."""
    if not rule:
        return False, None
    applies, condition = rule.get("value", False), None
    for constraint in rule.get("constraints", []):
        if notice_type in constraint.get("noticeTypes", []):
            applies, condition = constraint.get("value", False), constraint.get("condition")
    return applies, condition


def _check_against_sdk(doc, fields, notice_type):
    missing, forbidden, checked = [], [], 0
    for field in fields:
        try:
            present = bool(doc.xpath(field["xpathAbsolute"], namespaces=XP))
        except etree.XPathError:
            continue  # a few xpaths use eForms-only syntax; none of them is mandatory here
        mandatory, condition = _rule(field.get("mandatory"), notice_type)
        if mandatory and condition is None:
            checked += 1
            if not present:
                missing.append(field["id"])
        banned, condition = _rule(field.get("forbidden"), notice_type)
        if banned and condition is None and present:
            forbidden.append(field["id"])
    return missing, forbidden, checked


# ---------------------------------------------------------------------------- contract notice


@pytest.fixture
def cn_doc(cn_schema):
    return _assert_valid(cn_schema, contract_notice_xml(s.procedure(), s.notice_info()))


def test_contract_notice_validates_against_the_sdk_schema(cn_doc):
    assert etree.QName(cn_doc).localname == "ContractNotice"


def test_contract_notice_has_every_field_subtype_16_requires_and_none_it_forbids(
    cn_doc, sdk_fields
):
    missing, forbidden, checked = _check_against_sdk(cn_doc, sdk_fields, "16")
    assert checked > 40  # the SDK really lists the mandatory fields of subtype 16
    assert missing == []
    assert forbidden == []


# Fields the SDK makes mandatory under a condition our data meets (open procedure, documents
# not restricted, electronic submission, German addresses, weighted criteria, two lots).
CN_CONDITIONAL = {
    "BT-106-Procedure": "/*/cac:TenderingProcess/cac:ProcessJustification/cbc:ProcessReasonCode",
    "BT-131(d)-Lot": "//cac:TenderSubmissionDeadlinePeriod/cbc:EndDate",
    "BT-131(t)-Lot": "//cac:TenderSubmissionDeadlinePeriod/cbc:EndTime",
    "BT-13(t)-Lot": "//cac:AdditionalInformationRequestPeriod/cbc:EndTime",
    "BT-132(t)-Lot": "//cac:OpenTenderEvent/cbc:OccurrenceTime",
    "BT-15-Lot": "//cac:CallForTendersDocumentReference/cac:Attachment//cbc:URI",
    "BT-18-Lot": "//cac:TenderRecipientParty/cbc:EndpointID",
    "BT-31-Procedure": "/*/cac:TenderingTerms/cac:LotDistribution/cbc:MaximumLotsSubmittedNumeric",
    "BT-503-Organization-Company": "//efac:Company/cac:Contact/cbc:Telephone",
    "BT-506-Organization-Company": "//efac:Company/cac:Contact/cbc:ElectronicMail",
    "BT-507-Organization-Company": "//efac:Company/cac:PostalAddress/cbc:CountrySubentityCode",
    "BT-512-Organization-Company": "//efac:Company/cac:PostalAddress/cbc:PostalZone",
    "BT-5071-Lot": "//cac:ProcurementProjectLot//cac:RealizedLocation//cbc:CountrySubentityCode",
    "BT-5141-Lot": "//cac:ProcurementProjectLot//cac:RealizedLocation//cbc:IdentificationCode",
    "BT-5421-Lot": "//efac:AwardCriterionParameter/efbc:ParameterCode",
    "BT-540-Lot": "//cac:SubordinateAwardingCriterion/cbc:Description",
}


@pytest.mark.parametrize(("field", "xpath"), CN_CONDITIONAL.items())
def test_contract_notice_has_the_conditional_fields_our_data_triggers(cn_doc, field, xpath):
    assert cn_doc.xpath(xpath, namespaces=XP), field


def test_contract_notice_key_values(cn_doc):
    doc = cn_doc
    assert _texts(doc, "//efac:NoticeSubType/cbc:SubTypeCode") == ["16"]
    assert _texts(doc, "/*/cbc:NoticeTypeCode") == ["cn-standard"]
    assert _texts(doc, "/*/cbc:NoticeTypeCode/@listName") == ["competition"]
    assert _texts(doc, "/*/cbc:RegulatoryDomain") == ["32014L0024"]
    assert _texts(doc, "/*/cbc:ID") == [str(s.NOTICE_ID)]
    assert _texts(doc, "/*/cbc:ContractFolderID") == [str(s.PROCEDURE_ID)]
    assert _texts(doc, "/*/cbc:IssueDate") == ["2026-11-13+01:00"]
    assert _texts(doc, "/*/cbc:IssueTime") == ["09:30:00+01:00"]
    assert _texts(doc, "/*/cbc:VersionID") == ["01"]
    assert _texts(doc, "/*/cbc:NoticeLanguageCode") == ["DEU"]
    assert _texts(doc, "/*/cac:AdditionalNoticeLanguage/cbc:ID") == ["ENG"]
    assert _texts(doc, "/*/cac:TenderingProcess/cbc:ProcedureCode") == ["open"]
    project = "/*/cac:ProcurementProject"
    assert _texts(doc, f"{project}/cbc:ID") == ["VG-2026-0042"]
    assert _texts(doc, f"{project}/cbc:Name[@languageID='DEU']") == [
        "Unterhaltsreinigung städtischer Gebäude"
    ]
    assert _texts(doc, f"{project}/cbc:Name[@languageID='ENG']") == ["Cleaning of city buildings"]
    assert _texts(doc, f"{project}/cbc:ProcurementTypeCode") == ["services"]
    assert _texts(doc, f"{project}/cac:MainCommodityClassification/cbc:ItemClassificationCode") == [
        "90910000"
    ]
    assert _texts(
        doc, f"{project}/cac:AdditionalCommodityClassification/cbc:ItemClassificationCode"
    ) == ["90911200"]
    amount = f"{project}/cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount"
    assert _texts(doc, amount) == ["850000.00"]
    assert _texts(doc, f"{amount}/@currencyID") == ["EUR"]
    assert _texts(doc, f"{project}/cac:RealizedLocation/cac:Address/cbc:CountrySubentityCode") == [
        "DE212"
    ]


def test_contract_notice_lots_carry_their_own_data(cn_doc):
    doc = cn_doc
    lots = doc.xpath("/*/cac:ProcurementProjectLot", namespaces=XP)
    assert [lot.findtext("cbc:ID", namespaces=XP) for lot in lots] == ["LOT-0001", "LOT-0002"]
    first, second = lots

    def weights(lot):
        return [
            (
                c.findtext("cbc:AwardingCriterionTypeCode", namespaces=XP),
                c.findtext(".//efbc:ParameterNumeric", namespaces=XP),
            )
            for c in lot.iterfind(".//cac:SubordinateAwardingCriterion", namespaces=XP)
        ]

    assert weights(first) == [("price", "60"), ("quality", "40")]
    assert weights(second) == [("price", "70"), ("quality", "30")]
    assert first.xpath(".//cac:ProcurementProject/cbc:ID/text()", namespaces=XP) == ["1"]
    assert first.xpath(".//cac:PlannedPeriod/cbc:DurationMeasure/text()", namespaces=XP) == ["24"]
    assert second.xpath(".//cac:PlannedPeriod/cbc:EndDate/text()", namespaces=XP) == [
        "2028-12-31+01:00"
    ]
    assert second.xpath(
        ".//cac:MainCommodityClassification/cbc:ItemClassificationCode/text()", namespaces=XP
    ) == ["90910000"]
    assert second.xpath(
        ".//cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount/text()", namespaces=XP
    ) == ["350000.00"]
    for lot in lots:
        process = "cac:TenderingProcess"
        assert lot.xpath(f"{process}/cac:TenderSubmissionDeadlinePeriod/cbc:EndDate/text()",
                         namespaces=XP) == ["2026-12-18+01:00"]  # fmt: skip
        assert lot.xpath(f"{process}/cac:TenderSubmissionDeadlinePeriod/cbc:EndTime/text()",
                         namespaces=XP) == ["12:00:00+01:00"]  # fmt: skip
        assert lot.xpath(f"{process}/cac:AdditionalInformationRequestPeriod/cbc:EndDate/text()",
                         namespaces=XP) == ["2026-12-11+01:00"]  # fmt: skip
        assert lot.xpath(f"{process}/cac:OpenTenderEvent/cbc:OccurrenceTime/text()",
                         namespaces=XP) == ["14:00:00+01:00"]  # fmt: skip
        assert lot.xpath(f"{process}/cbc:SubmissionMethodCode/text()", namespaces=XP) == [
            "required"
        ]
        terms = "cac:TenderingTerms"
        assert lot.xpath(f"{terms}/cac:TenderRecipientParty/cbc:EndpointID/text()",
                         namespaces=XP) == [s.procedure().submission_url]  # fmt: skip
        assert lot.xpath(f"{terms}/cac:CallForTendersDocumentReference//cbc:URI/text()",
                         namespaces=XP) == [s.procedure().documents_url]  # fmt: skip
        assert lot.xpath(f"{terms}/cac:TenderValidityPeriod/cbc:DurationMeasure/text()",
                         namespaces=XP) == ["90"]  # fmt: skip
        assert lot.xpath(f"{terms}/cac:Language/cbc:ID/text()", namespaces=XP) == ["DEU"]


def test_organisations_are_listed_once_and_referenced_by_id(cn_doc):
    doc = cn_doc
    companies = doc.xpath("//efac:Organizations/efac:Organization/efac:Company", namespaces=XP)
    names = [c.findtext("cac:PartyName/cbc:Name", namespaces=XP) for c in companies]
    assert names == [s.BUYER.name, s.REVIEW_BODY.name]
    buyer = companies[0]
    assert buyer.findtext("cac:PartyLegalEntity/cbc:CompanyID", namespaces=XP) == (
        s.BUYER.leitweg_id
    )
    assert buyer.findtext(".//cbc:IdentificationCode", namespaces=XP) == "DEU"
    assert buyer.findtext(".//cbc:ElectronicMail", namespaces=XP) == s.BUYER.email
    assert _texts(doc, "/*/cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID") == [
        "ORG-0001"
    ]
    assert _texts(doc, "//cac:AppealReceiverParty/cac:PartyIdentification/cbc:ID") == [
        "ORG-0002",
        "ORG-0002",
    ]


def test_single_lot_accelerated_procedure(cn_schema):
    # given one lot and documented urgency (VgV § 15 Abs. 3)
    procedure = s.procedure(
        lots=s.procedure().lots[:1],
        accelerated=True,
        accelerated_justification="Hochwasserschäden an Schulgebäuden",
    )
    doc = _assert_valid(cn_schema, contract_notice_xml(procedure, s.notice_info(version=2)))
    assert not doc.xpath("//cac:LotDistribution", namespaces=XP)
    assert _texts(doc, "//cac:ProcessJustification/cbc:ProcessReasonCode") == ["true"]
    assert _texts(doc, "//cac:ProcessJustification/cbc:ProcessReason[@languageID='DEU']") == [
        "Hochwasserschäden an Schulgebäuden"
    ]
    assert _texts(doc, "/*/cbc:VersionID") == ["02"]


def test_notice_is_utf8_xml_with_declaration():
    xml = contract_notice_xml(s.procedure(), s.notice_info())
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Gebäude".encode() in xml


# ---------------------------------------------------------------------- contract award notice


@pytest.fixture
def can_doc(can_schema):
    xml = contract_award_notice_xml(s.award_result(), s.notice_info(notice_id=s.AWARD_NOTICE_ID))
    return _assert_valid(can_schema, xml)


def test_award_notice_validates_against_the_sdk_schema(can_doc):
    assert etree.QName(can_doc).localname == "ContractAwardNotice"


def test_award_notice_has_every_field_subtype_29_requires_and_none_it_forbids(can_doc, sdk_fields):
    missing, forbidden, checked = _check_against_sdk(can_doc, sdk_fields, "29")
    assert checked > 30
    assert missing == []
    assert forbidden == []


RESULT = "/*/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension/efac:NoticeResult"  # noqa: E501

CAN_CONDITIONAL = {
    "BT-759-LotResult": f"{RESULT}/efac:LotResult/efac:ReceivedSubmissionsStatistics",
    "BT-720-Tender": f"{RESULT}/efac:LotTender/cac:LegalMonetaryTotal/cbc:PayableAmount",
    "OPT-320-LotResult": f"{RESULT}/efac:LotResult/efac:LotTender/cbc:ID",
    "OPT-315-LotResult": f"{RESULT}/efac:LotResult/efac:SettledContract/cbc:ID",
    "OPT-316-Contract": f"{RESULT}/efac:SettledContract/cbc:ID",
    "OPT-321-Tender": f"{RESULT}/efac:LotTender/cbc:ID",
    "OPT-310-Tender": f"{RESULT}/efac:LotTender/efac:TenderingParty/cbc:ID",
    "OPT-210-Tenderer": f"{RESULT}/efac:TenderingParty/cbc:ID",
    "OPT-300-Tenderer": f"{RESULT}/efac:TenderingParty/efac:Tenderer/cbc:ID",
    "BT-13713-LotResult": f"{RESULT}/efac:LotResult/efac:TenderLot/cbc:ID",
    "BT-13714-Tender": f"{RESULT}/efac:LotTender/efac:TenderLot/cbc:ID",
    "BT-3202-Contract": f"{RESULT}/efac:SettledContract/efac:LotTender/cbc:ID",
}


@pytest.mark.parametrize(("field", "xpath"), CAN_CONDITIONAL.items())
def test_award_notice_has_the_conditional_fields_our_data_triggers(can_doc, field, xpath):
    assert can_doc.xpath(xpath, namespaces=XP), field


def test_award_notice_key_values(can_doc):
    doc = can_doc
    assert _texts(doc, "//efac:NoticeSubType/cbc:SubTypeCode") == ["29"]
    assert _texts(doc, "/*/cbc:NoticeTypeCode") == ["can-standard"]
    assert _texts(doc, "/*/cbc:NoticeTypeCode/@listName") == ["result"]
    assert _texts(doc, "/*/cbc:ContractFolderID") == [str(s.PROCEDURE_ID)]
    assert _texts(doc, f"{RESULT}/cbc:TotalAmount") == ["799500.00"]
    assert _texts(doc, f"{RESULT}/efac:LotResult/cbc:TenderResultCode") == ["selec-w", "selec-w"]
    assert _texts(doc, f"{RESULT}/efac:LotResult/cbc:HigherTenderAmount") == ["611000.50"]
    assert _texts(doc, f"{RESULT}/efac:LotResult/cbc:LowerTenderAmount") == ["455000.00"]
    stats = doc.xpath(f"{RESULT}/efac:LotResult[1]/efac:ReceivedSubmissionsStatistics",
                      namespaces=XP)  # fmt: skip
    assert [
        (st.findtext("efbc:StatisticsCode", namespaces=XP),
         st.findtext("efbc:StatisticsNumeric", namespaces=XP))
        for st in stats
    ] == [("tenders", "4"), ("t-sme", "3"), ("t-esubm", "4")]  # fmt: skip
    assert _texts(doc, f"{RESULT}/efac:LotTender/cac:LegalMonetaryTotal/cbc:PayableAmount") == [
        "468000.00",
        "331500.00",
    ]
    assert _texts(doc, f"{RESULT}/efac:SettledContract/efac:ContractReference/cbc:ID") == [
        "V-2027-0001",
        "V-2027-0002",
    ]
    assert _texts(doc, f"{RESULT}/efac:SettledContract/cbc:IssueDate") == [
        "2027-02-16+01:00",
        "2027-02-17+01:00",
    ]
    assert _texts(doc, f"{RESULT}/efac:SettledContract/cbc:AwardDate") == [
        "2027-02-01+01:00",
        "2027-02-01+01:00",
    ]
    assert _texts(doc, "//cac:NoticeDocumentReference/cbc:ID") == [f"{s.NOTICE_ID}-01"] * 2


def test_award_notice_links_each_winner_to_its_lot(can_doc):
    doc = can_doc
    orgs = {
        c.findtext("cac:PartyIdentification/cbc:ID", namespaces=XP): c
        for c in doc.xpath("//efac:Organizations/efac:Organization/efac:Company", namespaces=XP)
    }
    for lot_id, winner in (("LOT-0001", s.WINNER_DE), ("LOT-0002", s.WINNER_FR)):
        tender = doc.xpath(f"{RESULT}/efac:LotTender[efac:TenderLot/cbc:ID='{lot_id}']",
                           namespaces=XP)[0]  # fmt: skip
        party_id = tender.findtext("efac:TenderingParty/cbc:ID", namespaces=XP)
        org_id = doc.xpath(
            f"{RESULT}/efac:TenderingParty[cbc:ID='{party_id}']/efac:Tenderer/cbc:ID/text()",
            namespaces=XP,
        )[0]
        company = orgs[org_id]
        assert company.findtext("cac:PartyName/cbc:Name", namespaces=XP) == winner.name
        assert company.findtext("efbc:CompanySizeCode", namespaces=XP) == winner.size.value
    french = orgs[
        doc.xpath(f"{RESULT}/efac:TenderingParty[cbc:ID='TPA-0002']/efac:Tenderer/cbc:ID/text()",
                  namespaces=XP)[0]
    ]  # fmt: skip
    assert french.findtext("cac:PartyLegalEntity/cbc:CompanyID", namespaces=XP) == "73282932000074"
    assert french.findtext(".//cbc:IdentificationCode", namespaces=XP) == "FRA"
    assert french.findtext(".//cbc:CountrySubentityCode", namespaces=XP) == "FRF11"


def test_award_notice_with_a_lot_closed_without_winner(can_schema):
    # given lot 2 got no acceptable tender
    result = s.award_result()
    no_award = LotAward(
        lot_key="2", tenders_received=1, award_date=result.awards[0].award_date,
        no_award_reason="all-rej",
    )  # fmt: skip
    result = replace(result, awards=(result.awards[0], no_award))
    xml = contract_award_notice_xml(result, s.notice_info(notice_id=s.AWARD_NOTICE_ID))
    doc = _assert_valid(can_schema, xml)
    assert _texts(doc, f"{RESULT}/efac:LotResult/cbc:TenderResultCode") == ["selec-w", "clos-nw"]
    assert _texts(doc, f"{RESULT}/efac:LotResult/efac:DecisionReason/efbc:DecisionReasonCode") == [
        "all-rej"
    ]
    assert _texts(doc, f"{RESULT}/cbc:TotalAmount") == ["468000.00"]
    assert len(doc.xpath(f"{RESULT}/efac:SettledContract", namespaces=XP)) == 1


# ------------------------------------------------------------------ utilities (2014/25/EU)

UTILITIES = {
    "legal_basis": LegalBasis.DIRECTIVE_2014_25,
    "entity_activity": "water",
    "buyer_legal_type": BuyerLegalType.PUBLIC_UNDERTAKING,
}


@pytest.fixture
def utilities_cn(cn_schema):
    xml = contract_notice_xml(s.procedure(**UTILITIES), s.notice_info())
    return _assert_valid(cn_schema, xml)


CONCESSION = {"legal_basis": LegalBasis.DIRECTIVE_2014_23}
CONCESSION_BY_ENTITY = {
    "legal_basis": LegalBasis.DIRECTIVE_2014_23,
    "buyer_legal_type": BuyerLegalType.PUBLIC_UNDERTAKING,
    "entity_activity": "port",
}


@pytest.mark.parametrize(
    ("changes", "subtypes", "celex"),
    [
        (UTILITIES, ("17", "30"), "32014L0025"),
        (CONCESSION, ("19", "32"), "32014L0023"),
        (CONCESSION_BY_ENTITY, ("19", "32"), "32014L0023"),
    ],
)
def test_utilities_and_concession_notices_are_valid_and_complete(
    cn_schema, can_schema, sdk_fields, changes, subtypes, celex
):
    procedure = s.procedure(**changes)
    cn = _assert_valid(cn_schema, contract_notice_xml(procedure, s.notice_info()))
    can = _assert_valid(
        can_schema,
        contract_award_notice_xml(
            s.award_result(procedure=procedure), s.notice_info(notice_id=s.AWARD_NOTICE_ID)
        ),
    )
    for doc, notice_type in zip((cn, can), subtypes, strict=True):
        assert _texts(doc, "//efac:NoticeSubType/cbc:SubTypeCode") == [notice_type]
        assert _texts(doc, "/*/cbc:RegulatoryDomain") == [celex]
        missing, forbidden, checked = _check_against_sdk(doc, sdk_fields, notice_type)
        assert checked > 30
        assert (missing, forbidden) == ([], [])


def test_concession_notice_says_who_awards_it(cn_schema):
    def contracting_type(changes):
        xml = contract_notice_xml(s.procedure(**changes), s.notice_info())
        doc = _assert_valid(cn_schema, xml)
        code = "//cbc:PartyTypeCode[@listName='buyer-contracting-type']"
        activity = "//cac:ContractingActivity/cbc:ActivityTypeCode"
        return _texts(doc, code), _texts(doc, activity), _texts(doc, f"{activity}/@listName")

    assert contracting_type(CONCESSION) == (["not-cont-ent"], ["gen-pub"], ["authority-activity"])
    assert contracting_type(CONCESSION_BY_ENTITY) == (["cont-ent"], ["port"], ["entity-activity"])


def test_utilities_notice_names_the_sector_activity_and_its_terms(utilities_cn):
    doc = utilities_cn
    activity = "/*/cac:ContractingParty/cac:ContractingActivity/cbc:ActivityTypeCode"
    assert _texts(doc, activity) == ["water"]
    assert _texts(doc, f"{activity}/@listName") == ["entity-activity"]
    assert (
        _texts(doc, "//cac:PaymentTerms/cbc:Note[@languageID='DEU']")
        == ["Siehe Vergabeunterlagen."] * 2
    )
    assert (
        _texts(doc, "//cac:PaymentTerms/cbc:Note[@languageID='ENG']")
        == ["See the procurement documents."] * 2
    )
    assert _texts(doc, "//cac:RequiredFinancialGuarantee/cbc:GuaranteeTypeCode") == ["false"] * 2
    assert _texts(doc, "//cac:ContractExtension/cbc:MaximumNumberNumeric") == ["0"] * 2


def test_terms_we_have_are_published_in_a_classic_notice_too(cn_schema):
    procedure = s.procedure(
        performance_terms="Tariftreue nach Landesvergabegesetz",
        financial_terms="Zahlung binnen 30 Tagen nach Rechnungseingang",
        guarantee_required=True,
        max_renewals=2,
    )
    doc = _assert_valid(cn_schema, contract_notice_xml(procedure, s.notice_info()))
    conditions = "//cac:ContractExecutionRequirement[cbc:ExecutionRequirementCode='performance']"
    assert (
        _texts(doc, f"{conditions}/cbc:Description[@languageID='DEU']")
        == ["Tariftreue nach Landesvergabegesetz"] * 2
    )
    assert (
        _texts(doc, "//cac:PaymentTerms/cbc:Note[@languageID='DEU']")
        == ["Zahlung binnen 30 Tagen nach Rechnungseingang"] * 2
    )
    assert _texts(doc, "//cac:RequiredFinancialGuarantee/cbc:GuaranteeTypeCode") == ["true"] * 2
    assert _texts(doc, "//cac:ContractExtension/cbc:MaximumNumberNumeric") == ["2"] * 2


# ------------------------------------------------------------------------------- bad input


def _lot(index, **changes):
    lots = list(s.procedure().lots)
    lots[index] = replace(lots[index], **changes)
    return tuple(lots)


BAD_PROCEDURES = [
    (
        {"lots": _lot(0, award_criteria=s.criteria("60", "30"))},
        "lots[0].award_criteria",
        "sum to 90, not 100",
    ),
    (
        {
            "lots": _lot(
                1,
                award_criteria=(AwardCriterion(CriterionKind.QUALITY, "Konzept", Decimal(100)),),
            )
        },
        "lots[1].award_criteria",
        "price or cost must be among",
    ),
    ({"lots": _lot(1, cpv_main="90910000-1")}, "lots[1].cpv_main", "wrong check digit"),
    ({"cpv_additional": ("1234",)}, "cpv_additional[0]", "not a CPV code"),
    ({"estimated_value": Decimal("10.005")}, "estimated_value", "more than two decimals"),
    ({"estimated_value": 1000.0}, "estimated_value", "must be a Decimal"),
    (
        {"deadlines": replace(s.procedure().deadlines, submission=NAIVE_DEADLINE)},
        "deadlines.submission",
        "timezone-aware",
    ),
    (
        {
            "deadlines": replace(
                s.procedure().deadlines, opening=datetime(2026, 12, 1, tzinfo=s.BERLIN)
            )
        },
        "deadlines.opening",
        "before the submission deadline",
    ),
    ({"title": Text.of(de="Nur deutsch")}, "title", "misses the notice language(s) en"),
    ({"title": Text.of(de="x" * 201, en="y")}, "title[de]", "at most 200"),
    ({"regime": Regime.NATIONAL}, "legal_basis", "cannot cite an EU directive"),
    (
        {"place_of_performance": PlaceOfPerformance(nuts="FR101", country="DE")},
        "place_of_performance.nuts",
        "lies in FR",
    ),
    ({"buyer": replace(s.BUYER, phone="")}, "buyer.phone", "telephone is required"),
    ({"documents_url": "http://insecure.example/docs"}, "documents_url", "https://"),
    ({"accelerated": True}, "accelerated_justification", "VgV §15 Abs. 3"),
    ({"lots": ()}, "lots", "at least one lot"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_PROCEDURES)
def test_bad_procedure_data_is_refused_naming_the_field(changes, field, message):
    with pytest.raises(PublicationDataError) as caught:
        contract_notice_xml(s.procedure(**changes), s.notice_info())
    assert caught.value.field == field
    assert message in caught.value.message
    assert str(caught.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"regime": Regime.NATIONAL, "legal_basis": LegalBasis.NATIONAL,
             "procedure_type": ProcedureType.NATIONAL_PUBLIC},
            "regime",
            "only published for EU-regime procedures",
        ),
        ({"legal_basis": LegalBasis.DIRECTIVE_2009_81}, "legal_basis", "not for 32009L0081"),
        (
            {"buyer_legal_type": BuyerLegalType.PUBLIC_UNDERTAKING},
            "buyer_legal_type",
            "contracting entity: it procures under the utilities directive",
        ),
        (
            {"legal_basis": LegalBasis.DIRECTIVE_2014_23,
             "buyer_legal_type": BuyerLegalType.PUBLIC_UNDERTAKING},
            "entity_activity",
            "BT-610",
        ),
        ({"legal_basis": LegalBasis.DIRECTIVE_2014_25}, "entity_activity", "BT-610"),
        ({"procedure_type": ProcedureType.NEGOTIATED_WITHOUT_CALL}, "procedure_type", "subtype 16"),
        (
            {"place_of_performance": PlaceOfPerformance(nuts="DE21", country="DE")},
            "place_of_performance.nuts",
            "NUTS 3 region",
        ),
        (
            {"buyer": replace(s.BUYER, address=replace(s.BUYER.address, nuts=""))},
            "buyer.address.nuts",
            "NUTS 3 region",
        ),
        ({"notice_languages": ("de", "ja")}, "notice_languages", "official EU language"),
    ],
)  # fmt: skip
def test_data_that_cannot_make_a_contract_notice_is_refused(changes, field, message):
    if "notice_languages" in changes:
        changes["title"] = Text.of(de="T", ja="T")
        changes["description"] = Text.of(de="D", ja="D")
        changes["lots"] = tuple(
            replace(lot, title=Text.of(de="L", ja="L"), description=Text.of(de="L", ja="L"))
            for lot in s.procedure().lots
        )
    with pytest.raises(PublicationDataError) as caught:
        contract_notice_xml(s.procedure(**changes), s.notice_info())
    assert caught.value.field == field
    assert message in caught.value.message


def test_naive_dispatch_time_is_refused():
    with pytest.raises(PublicationDataError, match=r"notice\.dispatched_at: must be timezone"):
        contract_notice_xml(s.procedure(), s.notice_info(dispatched_at=NAIVE_DISPATCH))


def _award(index, **changes):
    awards = list(s.award_result().awards)
    awards[index] = replace(awards[index], **changes)
    return tuple(awards)


@pytest.mark.parametrize(
    ("awards", "field", "message"),
    [
        (s.award_result().awards[:1], "awards", "missing: 2"),
        (_award(1, lot_key="9"), "awards[1].lot_key", "not a lot of this procedure"),
        (_award(1, lot_key="1"), "awards[1].lot_key", "two results"),
        (_award(0, winning_value=None), "awards[0].winning_value", "required for a winner"),
        (_award(0, contract=None), "awards[0].contract", "required for a winner"),
        (_award(0, tenders_received_sme=5), "awards[0].tenders_received_sme", "between 0 and 4"),
        (
            _award(0, lowest_value=Decimal("700000.00")),
            "awards[0].lowest_value",
            "above the highest",
        ),
        (
            _award(1, winner=replace(s.WINNER_FR, address=Address("", "Lyon", "69001", "FR"))),
            "awards[1].winner.address.nuts",
            "NUTS 3 region",
        ),
        (_award(1, winner=None), "awards[1].no_award_reason", "needs the reason"),
        (
            _award(0, contract=replace(s.award_result().awards[0].contract,
                                       signed_on=s.award_result().awards[0].award_date.replace(day=1, month=1))),  # noqa: E501
            "awards[0].contract.signed_on",
            "before the award decision",
        ),
    ],
)  # fmt: skip
def test_bad_award_data_is_refused_naming_the_field(awards, field, message):
    with pytest.raises(PublicationDataError) as caught:
        contract_award_notice_xml(
            s.award_result(awards=awards), s.notice_info(notice_id=s.AWARD_NOTICE_ID)
        )
    assert caught.value.field == field
    assert message in caught.value.message


# --------------------------------------------------------------- the schema check is real


def test_the_schema_check_catches_a_broken_notice(cn_schema):
    # given a valid notice with its mandatory procedure code removed
    doc = etree.fromstring(contract_notice_xml(s.procedure(), s.notice_info()), SAFE)
    code = doc.xpath("/*/cac:TenderingProcess/cbc:ProcedureCode", namespaces=XP)[0]
    code.getparent().remove(code)
    wrong_order = doc.xpath("/*/cbc:ContractFolderID", namespaces=XP)[0]
    doc.append(wrong_order)
    # then the XSD refuses it
    assert not cn_schema.validate(doc)


@pytest.mark.parametrize(
    ("schema_fixture", "example"),
    [("cn_schema", "cn_24_open.xml"), ("can_schema", "can_24_minimal.xml")],
)
def test_the_official_examples_validate_with_the_same_loader(request, sdk, schema_fixture, example):
    schema = request.getfixturevalue(schema_fixture)
    doc = etree.parse(str(sdk / "examples" / "notices" / example), SAFE)
    assert schema.validate(doc), schema.error_log
