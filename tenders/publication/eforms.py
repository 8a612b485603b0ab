"""eForms (UBL 2.3) notices: the contract notice (open procedure) and the contract award notice.

- ``contract_notice_xml``: UBL ``ContractNotice``, notice subtype 16 (``cn-standard`` under
  directive 2014/24/EU, the VgV's open, restricted and negotiated procedures).
- ``contract_award_notice_xml``: UBL ``ContractAwardNotice``, notice subtype 29 (``can-standard``).

Both return UTF-8 bytes that validate against the eForms SDK XML Schemas; the builders also
fill every field the SDK marks mandatory for the subtype and every optional field our data has
(see docs/publication.md for the mapping). Business terms are cited as ``BT-nnn`` beside the code.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from tenders.codes import cpv_digits, nuts_level
from tenders.codes.errors import gettext_noop
from tenders.publication.data import (
    AwardResult,
    BuyerLegalType,
    LegalBasis,
    NoticeInfo,
    Organisation,
    PlaceOfPerformance,
    Procedure,
    ProcedureType,
    PublicationDataError,
    Regime,
    Text,
)

# The SDK version the notices declare (OPT-002). The schemas in the shared eForms SDK folder
# are those of this line; TED accepts a notice only for an SDK version it still supports.
EFORMS_SDK = "eforms-sdk-1.15"

NS = {
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2",
    "can": "urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
}

# ISO 639-1 → the ISO 639-3 codes eForms uses for the EU's official languages.
LANGUAGES = {
    "bg": "BUL", "cs": "CES", "da": "DAN", "de": "DEU", "el": "ELL", "en": "ENG", "es": "SPA",
    "et": "EST", "fi": "FIN", "fr": "FRA", "ga": "GLE", "hr": "HRV", "hu": "HUN", "it": "ITA",
    "lt": "LIT", "lv": "LAV", "mt": "MLT", "nl": "NLD", "pl": "POL", "pt": "POR", "ro": "RON",
    "sk": "SLK", "sl": "SLV", "sv": "SWE",
}  # fmt: skip

# ISO 3166-1 alpha-2 → alpha-3 (eForms ``country`` list) for the countries our parties come from.
COUNTRIES = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "CY": "CYP", "CZ": "CZE", "DE": "DEU", "DK": "DNK",
    "EE": "EST", "ES": "ESP", "FI": "FIN", "FR": "FRA", "GR": "GRC", "HR": "HRV", "HU": "HUN",
    "IE": "IRL", "IT": "ITA", "LT": "LTU", "LU": "LUX", "LV": "LVA", "MT": "MLT", "NL": "NLD",
    "PL": "POL", "PT": "PRT", "RO": "ROU", "SE": "SWE", "SI": "SVN", "SK": "SVK", "CH": "CHE",
    "IS": "ISL", "LI": "LIE", "NO": "NOR", "GB": "GBR", "AL": "ALB", "ME": "MNE", "MK": "MKD",
    "RS": "SRB", "TR": "TUR", "UA": "UKR", "MD": "MDA", "BA": "BIH", "US": "USA", "CA": "CAN",
    "JP": "JPN", "CN": "CHN", "IN": "IND", "KR": "KOR", "AU": "AUS", "IL": "ISR",
}  # fmt: skip

# Countries with NUTS regions (eForms ``nuts-country``): BT-507 is mandatory there.
NUTS_COUNTRIES = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "CH", "IS", "LI",
    "NO", "AL", "ME", "MK", "RS", "TR",
}  # fmt: skip

# Subtypes this module builds (OPP-070): (contract notice, contract award notice) per legal
# basis. 16/29 public-sector directive (VgV), 17/30 utilities (SektVO), 19/32 concessions
# (KonzVgV).
SUBTYPES = {
    LegalBasis.DIRECTIVE_2014_24: ("16", "29"),
    LegalBasis.DIRECTIVE_2014_25: ("17", "30"),
    LegalBasis.DIRECTIVE_2014_23: ("19", "32"),
}

# Buyer legal types that are contracting authorities (BT-11 values for which the SDK allows
# BT-10): anyone else (a public undertaking) buys as a contracting entity.
AUTHORITY_TYPES = {
    BuyerLegalType.CENTRAL_GOVERNMENT,
    BuyerLegalType.REGIONAL_AUTHORITY,
    BuyerLegalType.LOCAL_AUTHORITY,
    BuyerLegalType.BODY_PUBLIC_LAW_CENTRAL,
    BuyerLegalType.BODY_PUBLIC_LAW_REGIONAL,
    BuyerLegalType.BODY_PUBLIC_LAW_LOCAL,
    BuyerLegalType.EU_INSTITUTION,
}

# A term the notice must state that our data keeps in the procurement documents.
SEE_DOCUMENTS = {
    "de": "Siehe Vergabeunterlagen.",
    "en": "See the procurement documents.",
    "fr": "Voir les documents de la consultation.",
}

# Procedure types the standard contract notice (16, 17) covers ("competition" form).
CN16_PROCEDURES = {
    ProcedureType.OPEN,
    ProcedureType.RESTRICTED,
    ProcedureType.NEGOTIATED_WITH_CALL,
    ProcedureType.COMPETITIVE_DIALOGUE,
    ProcedureType.INNOVATION_PARTNERSHIP,
}


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _el(parent: etree._Element, qname: str, text: str | None = None, **attrs: str):
    prefix, name = qname.split(":")
    child = etree.SubElement(parent, _q(prefix, name), attrib=attrs or None)
    if text is not None:
        child.text = text
    return child


def _lang(code: str) -> str:
    try:
        return LANGUAGES[code]
    except KeyError:
        raise PublicationDataError(
            "notice_languages",
            gettext_noop("„%(code)s“ is not an official EU language eForms accepts"),
            params={"code": code},
        ) from None


def _country(path: str, code: str) -> str:
    try:
        return COUNTRIES[code]
    except KeyError:
        raise PublicationDataError(
            path, gettext_noop("country %(code)s has no eForms code here"), params={"code": code}
        ) from None


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _offset(moment: datetime) -> str:
    raw = moment.strftime("%z")  # +0100
    return f"{raw[:3]}:{raw[3:]}"


def _date(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}{_offset(moment)}"


def _time(moment: datetime) -> str:
    return f"{moment:%H:%M:%S}{_offset(moment)}"


def _calendar_date(day: date, reference: datetime) -> str:
    # eForms dates carry a zone; calendar dates of ours are days in the notice's zone.
    return f"{day:%Y-%m-%d}{_offset(reference)}"


class _Context:
    """Technical ids of one notice: each organisation gets one ORG-nnnn, lots LOT-nnnn."""

    def __init__(self, procedure: Procedure, notice: NoticeInfo):
        self.procedure = procedure
        self.notice = notice
        self.languages = procedure.notice_languages
        self.organisations: dict[str, tuple[str, Organisation, str]] = {}
        self.lot_ids = {lot.key: f"LOT-{i:04d}" for i, lot in enumerate(procedure.lots, start=1)}

    def org(self, organisation: Organisation, path: str) -> str:
        known = self.organisations.get(organisation.key)
        if known is not None:
            return known[0]
        org_id = f"ORG-{len(self.organisations) + 1:04d}"
        self.organisations[organisation.key] = (org_id, organisation, path)
        return org_id

    def text(self, parent: etree._Element, qname: str, value: Text) -> None:
        for language in self.languages:
            _el(parent, qname, value.get(language) or value.original, languageID=_lang(language))

    @property
    def utilities(self) -> bool:
        return self.procedure.legal_basis is LegalBasis.DIRECTIVE_2014_25

    @property
    def concession(self) -> bool:
        return self.procedure.legal_basis is LegalBasis.DIRECTIVE_2014_23

    @property
    def contracting_entity(self) -> bool:
        """The buyer acts as a contracting entity (utilities sector): BT-610 instead of BT-10."""
        return self.utilities or self.procedure.buyer_legal_type not in AUTHORITY_TYPES

    def term_text(self, parent: etree._Element, qname: str, value: str) -> None:
        """A term of ours, or where we have none, a pointer to the procurement documents."""
        if value:
            self.plain_text(parent, qname, value)
            return
        for language in self.languages:
            text = SEE_DOCUMENTS.get(language, SEE_DOCUMENTS["en"])
            _el(parent, qname, text, languageID=_lang(language))

    def plain_text(self, parent: etree._Element, qname: str, value: str) -> None:
        # A text we hold in one language only (a name, a justification) goes out as written in
        # every notice language: eForms wants each multilingual field in all of them.
        for language in self.languages:
            _el(parent, qname, value, languageID=_lang(language))


def _check_regional(path: str, organisation_or_place, *, nuts: str, country: str) -> None:
    if country in NUTS_COUNTRIES:
        if not nuts:
            raise PublicationDataError(
                f"{path}.nuts",
                gettext_noop("eForms needs the NUTS 3 region of addresses in %(country)s"),
                params={"country": country},
            )
        if nuts_level(nuts) != 3:
            raise PublicationDataError(
                f"{path}.nuts",
                gettext_noop("eForms needs a NUTS 3 region (five characters), not %(nuts)s"),
                params={"nuts": nuts},
            )


def _party_ref(parent: etree._Element, qname: str, org_id: str):
    party = _el(parent, qname)
    _el(_el(party, "cac:PartyIdentification"), "cbc:ID", org_id, schemeName="organization")
    return party


def _organisations(ext: etree._Element, ctx: _Context) -> None:
    orgs = _el(ext, "efac:Organizations")
    for org_id, organisation, path in ctx.organisations.values():
        address = organisation.address
        _check_regional(f"{path}.address", organisation, nuts=address.nuts, country=address.country)
        if not address.postal_code.strip():
            raise PublicationDataError(
                f"{path}.address.postal_code", gettext_noop("eForms needs the post code")
            )
        company = _el(_el(orgs, "efac:Organization"), "efac:Company")
        if organisation.size is not None:
            _el(
                company,
                "efbc:CompanySizeCode",
                organisation.size.value,
                listName="economic-operator-size",
            )  # BT-165
        if organisation.website:
            _el(company, "cbc:WebsiteURI", organisation.website)  # BT-505
        _el(_el(company, "cac:PartyIdentification"), "cbc:ID", org_id, schemeName="organization")
        # BT-500: the schema allows one name; it is the registered name, in no particular language.
        name = _el(_el(company, "cac:PartyName"), "cbc:Name", organisation.name)
        name.set("languageID", _lang(ctx.languages[0]))
        postal = _el(company, "cac:PostalAddress")
        if address.street:
            _el(postal, "cbc:StreetName", address.street)  # BT-510
        _el(postal, "cbc:CityName", address.city)  # BT-513
        _el(postal, "cbc:PostalZone", address.postal_code)  # BT-512
        if address.nuts:
            _el(postal, "cbc:CountrySubentityCode", address.nuts, listName="nuts")  # BT-507
        country = _el(postal, "cac:Country")
        _el(
            country,
            "cbc:IdentificationCode",
            _country(f"{path}.address.country", address.country),
            listName="country",
        )
        legal = _el(company, "cac:PartyLegalEntity")
        _el(legal, "cbc:CompanyID", organisation.legal_identifier)  # BT-501
        if organisation.phone or organisation.email:
            contact = _el(company, "cac:Contact")
            if organisation.phone:
                _el(contact, "cbc:Telephone", organisation.phone)  # BT-503
            if organisation.email:
                _el(contact, "cbc:ElectronicMail", organisation.email)  # BT-506


def _root(kind: str, ctx: _Context, *, notice_type: str, form_type: str):
    procedure, notice = ctx.procedure, ctx.notice
    nsmap: dict[str | None, str] = {None: NS[kind]}
    nsmap |= {p: NS[p] for p in ("cac", "cbc", "ext", "efac", "efbc", "efext")}
    name = "ContractNotice" if kind == "cn" else "ContractAwardNotice"
    # lxml takes None as the key of the default namespace; its stubs only know str keys.
    root = etree.Element(_q(kind, name), nsmap=nsmap)  # type: ignore[arg-type]
    ext = _el(
        _el(_el(_el(root, "ext:UBLExtensions"), "ext:UBLExtension"), "ext:ExtensionContent"),
        "efext:EformsExtension",
    )
    _el(root, "cbc:UBLVersionID", "2.3")  # OPT-001
    _el(root, "cbc:CustomizationID", EFORMS_SDK)  # OPT-002
    _el(root, "cbc:ID", str(notice.notice_id), schemeName="notice-id")  # BT-701
    _el(root, "cbc:ContractFolderID", str(procedure.procedure_id))  # BT-04
    _el(root, "cbc:IssueDate", _date(notice.dispatched_at))  # BT-05(a)
    _el(root, "cbc:IssueTime", _time(notice.dispatched_at))  # BT-05(b)
    _el(root, "cbc:VersionID", f"{notice.version:02d}")  # BT-757
    _el(root, "cbc:RegulatoryDomain", procedure.legal_basis.value)  # BT-01
    _el(root, "cbc:NoticeTypeCode", notice_type, listName=form_type)  # BT-02, BT-03
    _el(root, "cbc:NoticeLanguageCode", _lang(ctx.languages[0]))  # BT-702(a)
    for language in ctx.languages[1:]:
        _el(_el(root, "cac:AdditionalNoticeLanguage"), "cbc:ID", _lang(language))  # BT-702(b)
    return root, ext


def _contracting_party(root: etree._Element, ctx: _Context) -> None:
    procedure = ctx.procedure
    party = _el(root, "cac:ContractingParty")
    if procedure.buyer.website:
        _el(party, "cbc:BuyerProfileURI", procedure.buyer.website)  # BT-508
    _el(
        _el(party, "cac:ContractingPartyType"),
        "cbc:PartyTypeCode",
        procedure.buyer_legal_type.value,
        listName="buyer-legal-type",
    )  # BT-11
    if ctx.concession:
        _el(
            _el(party, "cac:ContractingPartyType"),
            "cbc:PartyTypeCode",
            "cont-ent" if ctx.contracting_entity else "not-cont-ent",
            listName="buyer-contracting-type",
        )  # BT-740
    if ctx.contracting_entity:
        _el(
            _el(party, "cac:ContractingActivity"),
            "cbc:ActivityTypeCode",
            procedure.entity_activity,
            listName="entity-activity",
        )  # BT-610
    else:
        _el(
            _el(party, "cac:ContractingActivity"),
            "cbc:ActivityTypeCode",
            procedure.buyer_activity,
            listName="authority-activity",
        )  # BT-10
    _party_ref(party, "cac:Party", ctx.org(procedure.buyer, "buyer"))  # OPT-300


def _procedure_terms(root: etree._Element, ctx: _Context, *, notice: bool) -> None:
    procedure = ctx.procedure
    if notice:
        # Procedure-level terms belong to the call for competition (BT-806 is forbidden in 29).
        terms = _el(root, "cac:TenderingTerms")
        request = _el(
            _el(terms, "cac:TendererQualificationRequest"), "cac:SpecificTendererRequirement"
        )
        # BT-806: the exclusion grounds (GWB §§ 123, 124) are stated in the procurement documents.
        _el(
            request,
            "cbc:TendererRequirementTypeCode",
            "epo-procurement-document",
            listName="exclusion-grounds-source",
        )
    if notice and len(procedure.lots) > 1:
        distribution = _el(terms, "cac:LotDistribution")
        _el(
            distribution,
            "cbc:MaximumLotsSubmittedNumeric",
            str(procedure.max_lots_per_tenderer or len(procedure.lots)),
        )  # BT-31
    process = _el(root, "cac:TenderingProcess")
    _el(
        process,
        "cbc:ProcedureCode",
        procedure.procedure_type.value,
        listName="procurement-procedure-type",
    )  # BT-105
    # BT-106 (accelerated procedure) exists for VgV/SektVO procedures, not for concessions.
    if (
        notice
        and not ctx.concession
        and procedure.procedure_type
        in (ProcedureType.OPEN, ProcedureType.RESTRICTED, ProcedureType.NEGOTIATED_WITH_CALL)
    ):
        justification = _el(process, "cac:ProcessJustification")
        _el(
            justification,
            "cbc:ProcessReasonCode",
            "true" if procedure.accelerated else "false",
            listName="accelerated-procedure",
        )  # BT-106
        if procedure.accelerated:
            ctx.plain_text(
                justification, "cbc:ProcessReason", procedure.accelerated_justification
            )  # BT-1351


def _place(parent: etree._Element, ctx: _Context, place: PlaceOfPerformance, path: str) -> None:
    _check_regional(path, place, nuts=place.nuts, country=place.country)
    location = _el(parent, "cac:RealizedLocation")
    if place.description:
        ctx.plain_text(location, "cbc:Description", place.description)  # BT-728
    address = _el(location, "cac:Address")
    _el(address, "cbc:CountrySubentityCode", place.nuts, listName="nuts")  # BT-5071
    _el(
        _el(address, "cac:Country"),
        "cbc:IdentificationCode",
        _country(f"{path}.country", place.country),
        listName="country",
    )  # BT-5141


def _classifications(parent: etree._Element, main: str, additional: Iterable[str]) -> None:
    _el(
        _el(parent, "cac:MainCommodityClassification"),
        "cbc:ItemClassificationCode",
        cpv_digits(main),
        listName="cpv",
    )  # BT-262
    for code in additional:
        _el(
            _el(parent, "cac:AdditionalCommodityClassification"),
            "cbc:ItemClassificationCode",
            cpv_digits(code),
            listName="cpv",
        )  # BT-263


def _procurement_project(root: etree._Element, ctx: _Context) -> None:
    procedure = ctx.procedure
    project = _el(root, "cac:ProcurementProject")
    _el(project, "cbc:ID", procedure.reference, schemeName="InternalID")  # BT-22
    ctx.text(project, "cbc:Name", procedure.title)  # BT-21
    ctx.text(project, "cbc:Description", procedure.description)  # BT-24
    _el(
        project,
        "cbc:ProcurementTypeCode",
        procedure.contract_type.value,
        listName="contract-nature",
    )  # BT-23
    if procedure.estimated_value is not None:
        _el(
            _el(project, "cac:RequestedTenderTotal"),
            "cbc:EstimatedOverallContractAmount",
            _amount(procedure.estimated_value),
            currencyID=procedure.currency,
        )  # BT-27
    _classifications(project, procedure.cpv_main, procedure.cpv_additional)
    _place(project, ctx, procedure.place_of_performance, "place_of_performance")


def _lots(root: etree._Element, ctx: _Context, *, notice: bool, previous: str | None) -> None:
    procedure = ctx.procedure
    review_org = ctx.org(procedure.review_body, "review_body")
    buyer_org = ctx.org(procedure.buyer, "buyer")
    deadlines = procedure.deadlines
    for index, lot in enumerate(procedure.lots):
        path = f"lots[{index}]"
        element = _el(root, "cac:ProcurementProjectLot")
        _el(element, "cbc:ID", ctx.lot_ids[lot.key], schemeName="Lot")  # BT-137
        terms = _el(element, "cac:TenderingTerms")
        _el(
            terms,
            "cbc:FundingProgramCode",
            "eu-funds" if procedure.eu_funded else "no-eu-funds",
            listName="eu-funded",
        )  # BT-60
        if notice and (ctx.utilities or procedure.guarantee_required):
            guarantee = _el(terms, "cac:RequiredFinancialGuarantee")
            _el(
                guarantee,
                "cbc:GuaranteeTypeCode",
                "true" if procedure.guarantee_required else "false",
                listName="tender-guarantee-required",
            )  # BT-751
            if procedure.guarantee_required:
                ctx.term_text(guarantee, "cbc:Description", "")  # BT-75
        if notice:
            documents = _el(terms, "cac:CallForTendersDocumentReference")
            _el(documents, "cbc:ID", "documents")
            # BT-14/BT-15: VgV §41 wants free, full, direct access: never restricted here.
            _el(documents, "cbc:DocumentType", "non-restricted-document")
            _el(
                _el(_el(documents, "cac:Attachment"), "cac:ExternalReference"),
                "cbc:URI",
                procedure.documents_url,
            )
            if ctx.utilities or procedure.financial_terms:
                ctx.term_text(
                    _el(terms, "cac:PaymentTerms"), "cbc:Note", procedure.financial_terms
                )  # BT-77
            reserved = _el(
                _el(terms, "cac:TendererQualificationRequest"), "cac:SpecificTendererRequirement"
            )
            _el(
                reserved, "cbc:TendererRequirementTypeCode", "none", listName="reserved-procurement"
            )  # BT-71
            if ctx.utilities or procedure.legal_form_required:
                legal_form = _el(terms, "cac:TendererQualificationRequest")
                _el(
                    legal_form,
                    "cbc:CompanyLegalFormCode",
                    "true" if procedure.legal_form_required else "false",
                    listName="required",
                )  # BT-761
                if procedure.legal_form_required:
                    ctx.term_text(legal_form, "cbc:CompanyLegalForm", "")  # BT-76
            selection = _el(
                _el(terms, "cac:TendererQualificationRequest"), "cac:SpecificTendererRequirement"
            )
            _el(
                selection,
                "cbc:TendererRequirementTypeCode",
                "epo-procurement-document",
                listName="selection-criteria-source",
            )  # BT-821
            requirement = _el(terms, "cac:ContractExecutionRequirement")
            _el(
                requirement, "cbc:ExecutionRequirementCode", "no", listName="reserved-execution"
            )  # BT-736
            if ctx.utilities or procedure.performance_terms:
                requirement = _el(terms, "cac:ContractExecutionRequirement")
                _el(
                    requirement,
                    "cbc:ExecutionRequirementCode",
                    "performance",
                    listName="conditions",
                )  # OPT-060
                ctx.term_text(requirement, "cbc:Description", procedure.performance_terms)  # BT-70
            requirements = [
                ("required" if procedure.e_invoicing_required else "allowed", "einvoicing")
            ]
            if not ctx.concession:
                requirements.append(("not-allowed", "ecatalog-submission"))  # BT-764
            for code, list_name in requirements:
                requirement = _el(terms, "cac:ContractExecutionRequirement")
                _el(requirement, "cbc:ExecutionRequirementCode", code, listName=list_name)
        _award_criteria(terms, ctx, lot.award_criteria)
        _party_ref(terms, "cac:AdditionalInformationParty", buyer_org)  # OPT-301-Lot-AddInfo
        if notice:
            recipient = _el(terms, "cac:TenderRecipientParty")
            _el(recipient, "cbc:EndpointID", procedure.submission_url)  # BT-18
            _el(
                _el(recipient, "cac:PartyIdentification"),
                "cbc:ID",
                buyer_org,
                schemeName="organization",
            )
            if deadlines.tender_validity_days:
                _el(
                    _el(terms, "cac:TenderValidityPeriod"),
                    "cbc:DurationMeasure",
                    str(deadlines.tender_validity_days),
                    unitCode="DAY",
                )  # BT-98
        appeal = _el(terms, "cac:AppealTerms")
        if procedure.review_deadline_info:
            ctx.plain_text(
                _el(appeal, "cac:PresentationPeriod"),
                "cbc:Description",
                procedure.review_deadline_info,
            )  # BT-99
        _party_ref(appeal, "cac:AppealInformationParty", review_org)  # OPT-301-Lot-ReviewInfo
        _party_ref(appeal, "cac:AppealReceiverParty", review_org)  # OPT-301-Lot-ReviewOrg
        if notice:
            for language in procedure.submission_languages:
                _el(_el(terms, "cac:Language"), "cbc:ID", _lang(language))  # BT-97
            post_award = _el(terms, "cac:PostAwardProcess")
            _el(post_award, "cbc:ElectronicOrderUsageIndicator", "false")  # BT-92
            _el(post_award, "cbc:ElectronicPaymentUsageIndicator", "true")  # BT-93
        process = _el(element, "cac:TenderingProcess")
        if notice:
            _el(process, "cbc:SubmissionMethodCode", "required", listName="esubmission")  # BT-17
        _el(
            process,
            "cbc:GovernmentAgreementConstraintIndicator",
            "true" if procedure.gpa_covered else "false",
        )  # BT-115
        if notice:
            period = _el(process, "cac:TenderSubmissionDeadlinePeriod")
            _el(period, "cbc:EndDate", _date(deadlines.submission))  # BT-131(d)
            _el(period, "cbc:EndTime", _time(deadlines.submission))  # BT-131(t)
            if deadlines.questions is not None:
                questions = _el(process, "cac:AdditionalInformationRequestPeriod")
                _el(questions, "cbc:EndDate", _date(deadlines.questions))  # BT-13(d)
                _el(questions, "cbc:EndTime", _time(deadlines.questions))  # BT-13(t)
        if previous:
            reference = _el(process, "cac:NoticeDocumentReference")
            _el(reference, "cbc:ID", previous, schemeName="notice-id-ref")  # BT-125(i)
        if notice and not ctx.concession:
            opening = _el(process, "cac:OpenTenderEvent")
            _el(opening, "cbc:OccurrenceDate", _date(deadlines.opening))  # BT-132(d)
            _el(opening, "cbc:OccurrenceTime", _time(deadlines.opening))  # BT-132(t)
        _el(_el(process, "cac:AuctionTerms"), "cbc:AuctionConstraintIndicator", "false")  # BT-767
        if not ctx.concession:  # no framework agreements or DPS for concessions
            _el(
                _el(process, "cac:ContractingSystem"),
                "cbc:ContractingSystemTypeCode",
                "none",
                listName="framework-agreement",
            )  # BT-765
            _el(
                _el(process, "cac:ContractingSystem"),
                "cbc:ContractingSystemTypeCode",
                "none",
                listName="dps-usage",
            )  # BT-766
        project = _el(element, "cac:ProcurementProject")
        _el(project, "cbc:ID", lot.key, schemeName="InternalID")  # BT-22
        ctx.text(project, "cbc:Name", lot.title)  # BT-21
        ctx.text(project, "cbc:Description", lot.description)  # BT-24
        _el(
            project,
            "cbc:ProcurementTypeCode",
            procedure.contract_type.value,
            listName="contract-nature",
        )  # BT-23
        if lot.estimated_value is not None:
            _el(
                _el(project, "cac:RequestedTenderTotal"),
                "cbc:EstimatedOverallContractAmount",
                _amount(lot.estimated_value),
                currencyID=procedure.currency,
            )  # BT-27
        _classifications(project, lot.cpv_main, lot.cpv_additional)
        _place(
            project,
            ctx,
            lot.place_of_performance or procedure.place_of_performance,
            f"{path}.place_of_performance",
        )
        if lot.start_date or lot.end_date or lot.duration_months:
            planned = _el(project, "cac:PlannedPeriod")
            reference = procedure.deadlines.submission
            if lot.start_date:
                _el(planned, "cbc:StartDate", _calendar_date(lot.start_date, reference))  # BT-536
            if lot.end_date:
                _el(planned, "cbc:EndDate", _calendar_date(lot.end_date, reference))  # BT-537
            elif lot.duration_months:
                _el(
                    planned, "cbc:DurationMeasure", str(lot.duration_months), unitCode="MONTH"
                )  # BT-36
        if notice and (ctx.utilities or procedure.max_renewals is not None):
            _el(
                _el(project, "cac:ContractExtension"),
                "cbc:MaximumNumberNumeric",
                str(procedure.max_renewals or 0),
            )  # BT-58


def _award_criteria(terms: etree._Element, ctx: _Context, criteria) -> None:
    awarding = _el(_el(terms, "cac:AwardingTerms"), "cac:AwardingCriterion")
    for criterion in criteria:
        sub = _el(awarding, "cac:SubordinateAwardingCriterion")
        parameter = _el(
            _el(
                _el(_el(_el(sub, "ext:UBLExtensions"), "ext:UBLExtension"), "ext:ExtensionContent"),
                "efext:EformsExtension",
            ),
            "efac:AwardCriterionParameter",
        )
        _el(parameter, "efbc:ParameterCode", "per-exa", listName="number-weight")  # BT-5421
        _el(parameter, "efbc:ParameterNumeric", f"{criterion.weight.normalize():f}")  # BT-541
        _el(
            sub,
            "cbc:AwardingCriterionTypeCode",
            criterion.kind.value,
            listName="award-criterion-type",
        )  # BT-539
        ctx.plain_text(sub, "cbc:Name", criterion.name)  # BT-734
        ctx.plain_text(sub, "cbc:Description", criterion.description or criterion.name)  # BT-540


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def subtypes(procedure: Procedure) -> tuple[str, str]:
    """The (contract notice, award notice) subtypes for ``procedure``, or the reason why not."""
    if procedure.regime is not Regime.EU:
        raise PublicationDataError(
            "regime",
            gettext_noop("an eForms contract notice is only published for EU-regime procedures"),
        )
    try:
        found = SUBTYPES[procedure.legal_basis]
    except KeyError:
        raise PublicationDataError(
            "legal_basis",
            gettext_noop(
                "eForms notices are built for directives 2014/24/EU (VgV, subtypes 16/29), "
                "2014/25/EU (SektVO, 17/30) and 2014/23/EU (KonzVgV, 19/32), not for %(value)s"
            ),
            params={"value": procedure.legal_basis.value},
        ) from None
    if (
        procedure.legal_basis is LegalBasis.DIRECTIVE_2014_24
        and procedure.buyer_legal_type not in AUTHORITY_TYPES
    ):
        raise PublicationDataError(
            "buyer_legal_type",
            gettext_noop(
                "a %(legal_type)s buyer is a contracting entity: it procures under the "
                "utilities directive 2014/25/EU (SektVO), not 2014/24/EU"
            ),
            params={"legal_type": procedure.buyer_legal_type.value},
        )
    if procedure.legal_basis is LegalBasis.DIRECTIVE_2014_25 and not procedure.entity_activity:
        raise PublicationDataError(
            "entity_activity",
            gettext_noop(
                "a utilities procedure (2014/25/EU, SektVO) names its sector activity, e.g. "
                "water or electricity (eForms BT-610)"
            ),
        )
    if (
        procedure.legal_basis is LegalBasis.DIRECTIVE_2014_23
        and procedure.buyer_legal_type not in AUTHORITY_TYPES
        and not procedure.entity_activity
    ):
        raise PublicationDataError(
            "entity_activity",
            gettext_noop(
                "a contracting entity's concession names its sector activity (eForms BT-610)"
            ),
        )
    return found


def contract_notice_xml(procedure: Procedure, notice: NoticeInfo) -> bytes:
    """eForms ContractNotice: subtype 16 (2014/24/EU) or 17 (2014/25/EU), EU regime.

    Raises ``PublicationDataError`` naming the field when the data cannot make a valid notice.
    """
    procedure.validate()
    notice.validate()
    subtype, _award_subtype = subtypes(procedure)
    if procedure.procedure_type not in CN16_PROCEDURES:
        raise PublicationDataError(
            "procedure_type",
            gettext_noop(
                "%(procedure)s is not published with a contract notice (subtype %(subtype)s)"
            ),
            params={"procedure": procedure.procedure_type.value, "subtype": subtype},
        )
    ctx = _Context(procedure, notice)
    root, ext = _root("cn", ctx, notice_type="cn-standard", form_type="competition")
    _contracting_party(root, ctx)
    _procedure_terms(root, ctx, notice=True)
    _procurement_project(root, ctx)
    _lots(root, ctx, notice=True, previous=None)
    _el(
        _el(ext, "efac:NoticeSubType"), "cbc:SubTypeCode", subtype, listName="notice-subtype"
    )  # OPP-070
    _organisations(ext, ctx)
    return _serialise(root)


def contract_award_notice_xml(result: AwardResult, notice: NoticeInfo) -> bytes:
    """eForms ContractAwardNotice, subtype 29 (2014/24/EU) or 30 (2014/25/EU), one lot result
    per lot of the procedure.

    Raises ``PublicationDataError`` naming the field when the data cannot make a valid notice.
    """
    result.validate()
    notice.validate()
    procedure = result.procedure
    _notice_subtype, subtype = subtypes(procedure)
    missing = [
        lot.key for lot in procedure.lots if lot.key not in {a.lot_key for a in result.awards}
    ]
    if missing:
        raise PublicationDataError(
            "awards",
            gettext_noop("an award notice reports every lot; missing: %(lots)s"),
            params={"lots": ", ".join(missing)},
        )
    ctx = _Context(procedure, notice)
    root, ext = _root("can", ctx, notice_type="can-standard", form_type="result")
    _contracting_party(root, ctx)
    _procedure_terms(root, ctx, notice=False)
    _procurement_project(root, ctx)
    previous = f"{result.previous_notice_id}-01" if result.previous_notice_id else None
    _lots(root, ctx, notice=False, previous=previous)
    # OPT-999: the schema wants a TenderResult/AwardDate; eForms ignores its value.
    award_dates = [award.award_date for award in result.awards]
    _el(
        _el(root, "cac:TenderResult"),
        "cbc:AwardDate",
        _calendar_date(max(award_dates), notice.dispatched_at),
    )
    _notice_result(ext, ctx, result)
    _el(
        _el(ext, "efac:NoticeSubType"), "cbc:SubTypeCode", subtype, listName="notice-subtype"
    )  # OPP-070
    _organisations(ext, ctx)
    return _serialise(root)


def _notice_result(ext: etree._Element, ctx: _Context, result: AwardResult) -> None:
    currency = result.procedure.currency
    at = ctx.notice.dispatched_at
    won = [award for award in result.awards if award.winner is not None]
    notice_result = _el(ext, "efac:NoticeResult")
    total = sum((award.contract.value for award in won if award.contract), Decimal(0))
    _el(notice_result, "cbc:TotalAmount", _amount(total), currencyID=currency)  # BT-161
    ids = {}
    for n, award in enumerate(won, start=1):
        ids[award.lot_key] = (f"TEN-{n:04d}", f"CON-{n:04d}", f"TPA-{n:04d}")
    for n, award in enumerate(result.awards, start=1):
        lot_result = _el(notice_result, "efac:LotResult")
        _el(lot_result, "cbc:ID", f"RES-{n:04d}", schemeName="result")  # OPT-322
        # BT-710/711 (lowest/highest tender) are not published for concessions.
        if award.highest_value is not None and not ctx.concession:
            _el(
                lot_result,
                "cbc:HigherTenderAmount",
                _amount(award.highest_value),
                currencyID=currency,
            )  # BT-711
        if award.lowest_value is not None and not ctx.concession:
            _el(
                lot_result,
                "cbc:LowerTenderAmount",
                _amount(award.lowest_value),
                currencyID=currency,
            )  # BT-710
        status = "selec-w" if award.winner is not None else "clos-nw"
        _el(
            lot_result, "cbc:TenderResultCode", status, listName="winner-selection-status"
        )  # BT-142
        if award.winner is None:
            reason = _el(lot_result, "efac:DecisionReason")
            _el(
                reason,
                "efbc:DecisionReasonCode",
                award.no_award_reason,
                listName="non-award-justification",
            )  # BT-144
        else:
            tender_id = ids[award.lot_key][0]
            _el(_el(lot_result, "efac:LotTender"), "cbc:ID", tender_id, schemeName="tender")
        statistics = [("tenders", award.tenders_received)]  # BT-760 / BT-759
        if award.tenders_received_sme is not None:
            statistics.append(("t-sme", award.tenders_received_sme))
        if award.tenders_received_electronically is not None:
            statistics.append(("t-esubm", award.tenders_received_electronically))
        for code, count in statistics:
            stat = _el(lot_result, "efac:ReceivedSubmissionsStatistics")
            _el(stat, "efbc:StatisticsCode", code, listName="received-submission-type")
            _el(stat, "efbc:StatisticsNumeric", str(count))
        if award.winner is not None:
            _el(
                _el(lot_result, "efac:SettledContract"),
                "cbc:ID",
                ids[award.lot_key][1],
                schemeName="contract",
            )  # OPT-315
        _el(
            _el(lot_result, "efac:TenderLot"),
            "cbc:ID",
            ctx.lot_ids[award.lot_key],
            schemeName="Lot",
        )  # BT-13713
    for award in won:
        tender_id, _contract_id, party_id = ids[award.lot_key]
        tender = _el(notice_result, "efac:LotTender")
        _el(tender, "cbc:ID", tender_id, schemeName="tender")  # OPT-321
        if not ctx.concession:
            _el(tender, "cbc:RankCode", "1")  # BT-171
        assert award.winning_value is not None  # validate(): a winner has a value
        _el(
            _el(tender, "cac:LegalMonetaryTotal"),
            "cbc:PayableAmount",
            _amount(award.winning_value),
            currencyID=currency,
        )  # BT-720
        if award.subcontracting is not None:
            term = _el(tender, "efac:SubcontractingTerm")
            _el(
                term,
                "efbc:TermCode",
                "yes" if award.subcontracting else "no",
                listName="applicability",
            )  # BT-773
        _el(_el(tender, "efac:TenderingParty"), "cbc:ID", party_id, schemeName="tendering-party")
        _el(_el(tender, "efac:TenderLot"), "cbc:ID", ctx.lot_ids[award.lot_key], schemeName="Lot")
    for award in won:
        tender_id, contract_id, _party_id = ids[award.lot_key]
        contract = award.contract
        assert contract is not None  # validate(): a winner has a contract
        settled = _el(notice_result, "efac:SettledContract")
        _el(settled, "cbc:ID", contract_id, schemeName="contract")  # OPT-316
        _el(settled, "cbc:AwardDate", _calendar_date(award.award_date, at))  # BT-1451
        _el(settled, "cbc:IssueDate", _calendar_date(contract.signed_on, at))  # BT-145
        if contract.title is not None:
            ctx.text(settled, "cbc:Title", contract.title)  # BT-721
        _party_ref(settled, "cac:SignatoryParty", ctx.org(result.procedure.buyer, "buyer"))
        _el(_el(settled, "efac:ContractReference"), "cbc:ID", contract.reference)  # BT-150
        _el(_el(settled, "efac:LotTender"), "cbc:ID", tender_id, schemeName="tender")  # BT-3202
    for n, award in enumerate(result.awards):
        if award.winner is None:
            continue
        _tender_id, _contract_id, party_id = ids[award.lot_key]
        party = _el(notice_result, "efac:TenderingParty")
        _el(party, "cbc:ID", party_id, schemeName="tendering-party")  # OPT-210
        org_id = ctx.org(award.winner, f"awards[{n}].winner")
        _el(_el(party, "efac:Tenderer"), "cbc:ID", org_id, schemeName="organization")  # OPT-300
