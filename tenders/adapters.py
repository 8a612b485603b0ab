"""Tender models → the publication dataclasses, and the eForms / OCDS documents built from them.

The builders in ``tenders.publication`` are pure; this module is the one place that knows both
the models and those dataclasses. ``publication_problems`` runs the same conversion (and the
eForms build) before approval, so an officer learns at submission what a notice would lack,
not at the moment of publishing.
"""

import uuid
from datetime import datetime

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.core.models import Organisation as OrganisationModel
from tenders.models import AwardCriterion as CriterionModel
from tenders.models import Regime as RegimeModel
from tenders.models import Tender, TenderState
from tenders.publication import data as pub
from tenders.publication.data import PublicationDataError
from tenders.publication_labels import field_label

PROCEDURE_TYPES = {
    "open": pub.ProcedureType.OPEN,
    "restricted": pub.ProcedureType.RESTRICTED,
    "negotiated_with_call": pub.ProcedureType.NEGOTIATED_WITH_CALL,
    "negotiated_without_call": pub.ProcedureType.NEGOTIATED_WITHOUT_CALL,
    "competitive_dialogue": pub.ProcedureType.COMPETITIVE_DIALOGUE,
    "innovation_partnership": pub.ProcedureType.INNOVATION_PARTNERSHIP,
    "national_public": pub.ProcedureType.NATIONAL_PUBLIC,
    "national_restricted_with_call": pub.ProcedureType.NATIONAL_RESTRICTED_WITH_CALL,
    "national_restricted_without_call": pub.ProcedureType.NATIONAL_RESTRICTED_WITHOUT_CALL,
    "national_negotiated_with_call": pub.ProcedureType.NATIONAL_NEGOTIATED_WITH_CALL,
    "national_negotiated_without_call": pub.ProcedureType.NATIONAL_NEGOTIATED_WITHOUT_CALL,
}
# Our authority types carry less detail than eForms BT-11: a sub-central authority is published
# as a local authority (Länder ministries would be "ra"; see the report's known gaps).
BUYER_LEGAL_TYPES = {
    "central": pub.BuyerLegalType.CENTRAL_GOVERNMENT,
    "sub_central": pub.BuyerLegalType.LOCAL_AUTHORITY,
    "sector": pub.BuyerLegalType.PUBLIC_UNDERTAKING,
}
REVIEW_INFO = {
    "eu": "Nachprüfungsantrag bei der Vergabekammer innerhalb der Fristen des § 160 Abs. 3 GWB.",
    "national": "Beschwerde bei der genannten Nachprüfungsstelle (Rechts- oder Fachaufsicht).",
}


def _country_of_nuts(nuts: str) -> str:
    return "GR" if nuts.startswith("EL") else nuts[:2]


def public_url(path: str) -> str:
    """An absolute URL of the public site. Notices must link by https; a development SITE_URL
    on plain http is lifted to https (production sets an https SITE_URL anyway)."""
    base = settings.SITE_URL.rstrip("/")
    if base.startswith("http://"):
        base = "https://" + base[len("http://") :]
    return f"{base}{path}"


def _portal_path(tender: Tender) -> str:
    try:
        return reverse("portal-detail", kwargs={"reference": tender.reference})
    except NoReverseMatch:
        return f"/portal/{tender.reference}/"


def _buyer(tender: Tender) -> pub.Organisation:
    org: OrganisationModel = tender.authority
    return pub.Organisation(
        key=str(org.public_id),
        name=org.name,
        address=pub.Address(
            street=org.street,
            city=org.city,
            postal_code=org.postcode,
            country=org.country,
            nuts=org.nuts,
        ),
        email=tender.contact_email or org.email,
        phone=tender.contact_phone,
        vat_id=org.vat_id,
        leitweg_id=org.leitweg_id,
        siret=org.siret,
        service_code=org.service_code,
    )


def _review_body(tender: Tender) -> pub.Organisation:
    body = tender.review_body
    if body is None:
        raise PublicationDataError("review_body", _("no review body (Vergabekammer) is named"))
    return pub.Organisation(
        key=f"review-body-{body.pk}",
        name=body.name,
        address=pub.Address(
            street=body.street,
            city=body.city,
            postal_code=body.postcode,
            country=body.country,
            nuts=body.nuts,
        ),
        email=body.email,
        registration_id=body.identifier,
    )


def _criteria(criteria: list[CriterionModel]) -> tuple[pub.AwardCriterion, ...]:
    return tuple(
        pub.AwardCriterion(
            kind=pub.CriterionKind(c.kind), name=c.name, weight=c.weight, description=c.description
        )
        for c in criteria
    )


def _legal_basis(tender: Tender) -> pub.LegalBasis:
    if tender.regime != RegimeModel.EU:
        return pub.LegalBasis.NATIONAL
    if tender.is_concession:
        return pub.LegalBasis.DIRECTIVE_2014_23
    if tender.authority.authority_type == "sector":
        return pub.LegalBasis.DIRECTIVE_2014_25
    return pub.LegalBasis.DIRECTIVE_2014_24


def tender_procedure(tender: Tender) -> pub.Procedure:
    """The publication data of ``tender`` (not yet validated)."""
    language = tender.language or "de"
    all_criteria = list(tender.criteria.order_by("position", "pk"))
    shared = [c for c in all_criteria if c.lot_id is None]
    place = pub.PlaceOfPerformance(nuts=tender.nuts, country=_country_of_nuts(tender.nuts))
    description = tender.description or tender.title
    lots = []
    for lot in tender.lots.order_by("number"):
        own = [c for c in all_criteria if c.lot_id == lot.pk]
        lots.append(
            pub.Lot(
                key=str(lot.number),
                title=pub.Text.one(language, lot.title),
                description=pub.Text.one(language, lot.description or lot.title),
                cpv_main=lot.cpv_main,
                award_criteria=_criteria(own or shared),
                estimated_value=lot.estimated_value,
                duration_months=tender.duration_months,
            )
        )
    if not lots:
        lots.append(
            pub.Lot(
                key="1",
                title=pub.Text.one(language, tender.title),
                description=pub.Text.one(language, description),
                cpv_main=tender.cpv_main,
                cpv_additional=tuple(tender.cpv_additional or ()),
                award_criteria=_criteria(shared),
                estimated_value=tender.estimated_value,
                duration_months=tender.duration_months,
            )
        )
    url = public_url(_portal_path(tender))
    return pub.Procedure(
        procedure_id=tender.public_id,
        reference=tender.reference,
        title=pub.Text.one(language, tender.title),
        description=pub.Text.one(language, description),
        buyer=_buyer(tender),
        buyer_legal_type=BUYER_LEGAL_TYPES.get(
            tender.authority.authority_type, pub.BuyerLegalType.LOCAL_AUTHORITY
        ),
        review_body=_review_body(tender),
        regime=pub.Regime(tender.regime),
        legal_basis=_legal_basis(tender),
        procedure_type=PROCEDURE_TYPES[tender.procedure],
        contract_type=pub.ContractType(tender.contract_type),
        cpv_main=tender.cpv_main,
        cpv_additional=tuple(tender.cpv_additional or ()),
        place_of_performance=place,
        lots=tuple(lots),
        deadlines=pub.Deadlines(
            submission=tender.submission_deadline,
            opening=tender.opening_at or tender.submission_deadline,
            questions=tender.questions_deadline,
        ),
        documents_url=url,
        submission_url=url,
        estimated_value=tender.estimated_value,
        currency=tender.currency,
        notice_languages=(language,),
        submission_languages=(language,),
        accelerated=tender.is_urgent,
        accelerated_justification=tender.urgency_reason,
        review_deadline_info=REVIEW_INFO.get(tender.regime, ""),
        entity_activity=tender.entity_activity,
    )


def needs_contract_notice(tender: Tender) -> bool:
    """EU procedures with a call for competition publish a contract notice; a negotiated
    procedure without prior call (VgV §14 Abs. 4) invites chosen firms and publishes none."""
    return tender.regime == RegimeModel.EU and tender.procedure != "negotiated_without_call"


def build_eforms_notice(*, tender: Tender) -> tuple[str, str]:
    """The eForms contract notice (UBL ContractNotice, subtype 16) as ``(notice id, XML)``."""
    from tenders.publication.eforms import contract_notice_xml

    notice = pub.NoticeInfo(
        notice_id=uuid.uuid4(), dispatched_at=tender.published_at or timezone.now()
    )
    xml = contract_notice_xml(tender_procedure(tender), notice)
    return str(notice.notice_id), xml.decode("utf-8")


def build_ocds_release(*, tender: Tender, sequence: int) -> tuple[str, str]:
    """The next OCDS release: ``tender`` at publication, ``tenderUpdate`` after a change,
    ``tenderCancellation`` once cancelled. Returns ``(release id, JSON)``."""
    from tenders.publication import ocds

    if tender.state == TenderState.CANCELLED:
        tag, at = ocds.ReleaseTag.TENDER_CANCELLATION, tender.cancelled_at or timezone.now()
    elif sequence <= 1:
        tag, at = ocds.ReleaseTag.TENDER, tender.published_at or timezone.now()
    else:
        tag, at = ocds.ReleaseTag.TENDER_UPDATE, timezone.now()
    release = ocds.tender_release(
        tender_procedure(tender),
        ocid_prefix=settings.ZUSCHLAG_OCID_PREFIX,
        published_at=at,
        tag=tag,
        cancellation_reason=tender.cancellation_reason,
    )
    return release["id"], ocds.dumps(release)


def publication_error_text(error: PublicationDataError) -> str:
    """The builders' refusal in the reader's language (the builders are Django-free and write
    English; their message templates are in the tenders catalogue)."""
    return _(error.template) % error.params if error.params else _(error.template)


def publication_problems(tender: Tender, *, at: datetime | None = None) -> list[tuple[str, str]]:
    """What keeps the notices of ``tender`` from being built (empty when they can be)."""
    try:
        procedure = tender_procedure(tender)
        procedure.validate()
        if needs_contract_notice(tender):
            from tenders.publication.eforms import contract_notice_xml

            contract_notice_xml(
                procedure,
                pub.NoticeInfo(notice_id=uuid.uuid4(), dispatched_at=at or timezone.now()),
            )
    except PublicationDataError as error:
        return [
            (
                error.field,
                _("The notice cannot be built: %(field)s: %(message)s")
                % {"field": field_label(error.field), "message": publication_error_text(error)},
            )
        ]
    return []


__all__ = [
    "build_eforms_notice",
    "build_ocds_release",
    "needs_contract_notice",
    "public_url",
    "publication_problems",
    "tender_procedure",
]
