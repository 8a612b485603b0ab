"""Reads of the tender domain for officers, bidders and the other apps (bids builds on these).

The public portal's reads live in ``tenders.portal_selectors``.
"""

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from procurement.core.models import User
from procurement.core.roles import AUTHORITY_ROLES, Role, has_role, organisations_with_role
from tenders.errors import TenderForbiddenError, TenderNotFoundError
from tenders.models import (
    AwardCriterion,
    DocumentVersion,
    InterestRegistration,
    Lot,
    Notification,
    Question,
    Tender,
    TenderDocument,
    TenderPublication,
)

STAFF_ROLES = (
    Role.PROCUREMENT_OFFICER,
    Role.APPROVER,
    Role.OPENING_COMMITTEE,
    Role.EVALUATOR,
)


def tenders_for_staff(*, user: Any, state: str = "") -> QuerySet[Tender]:
    """Tenders of every authority in which ``user`` holds a tender role (officer, approver,
    committee member, evaluator), newest first."""
    org_ids = organisations_with_role(user, STAFF_ROLES)
    tenders = (
        Tender.objects.filter(authority_id__in=org_ids)
        .select_related("authority")
        .annotate(
            open_questions=Count("questions", filter=Q(questions__answered_at__isnull=True)),
        )
        .order_by("-created_at", "-pk")
    )
    if state:
        tenders = tenders.filter(state=state)
    return tenders


def tender_for_staff(*, tender_id: int, user: Any) -> Tender:
    """One tender for someone of its authority; raises TenderNotFoundError otherwise (a
    stranger learns nothing about drafts of other authorities)."""
    tender = Tender.objects.select_related("authority").filter(pk=tender_id).first()
    if tender is None or not has_role(user, tender.authority, STAFF_ROLES):
        raise TenderNotFoundError(_("No such tender in your authority."))
    return tender


def tender_public(*, tender_id: int) -> Tender:
    tender = Tender.objects.select_related("authority").filter(pk=tender_id).first()
    if tender is None or not tender.is_public:
        raise TenderNotFoundError(_("No such published tender."))
    return tender


def tender_lots(*, tender: Tender) -> list[Lot]:
    return list(
        tender.lots.order_by("number").prefetch_related(
            Prefetch("criteria", queryset=AwardCriterion.objects.order_by("position", "pk"))
        )
    )


def tender_criteria(*, tender: Tender, lot: Lot | None = None) -> list[AwardCriterion]:
    """The criteria that apply to ``lot`` (its own when it has some, else the tender's)."""
    if lot is not None:
        own = list(AwardCriterion.objects.filter(tender=tender, lot=lot).order_by("position", "pk"))
        if own:
            return own
    return list(
        AwardCriterion.objects.filter(tender=tender, lot__isnull=True).order_by("position", "pk")
    )


def tender_committee(*, tender: Tender) -> tuple[list[User], int]:
    """The opening committee members (n, ordered by pk) and how many must open (k)."""
    return list(tender.committee.order_by("pk")), tender.opening_quorum


def tender_is_committee_member(*, tender: Tender, user: Any) -> bool:
    return (
        getattr(user, "pk", None) is not None
        and tender.committee.filter(pk=user.pk).exists()
        and has_role(user, tender.authority, [Role.OPENING_COMMITTEE])
    )


def tender_documents(*, tender: Tender) -> list[TenderDocument]:
    """Documents with every version, newest version first (officer view)."""
    return list(
        tender.documents.order_by("title", "pk").prefetch_related(
            Prefetch("versions", queryset=DocumentVersion.objects.order_by("-number"))
        )
    )


def document_versions_current(*, tender: Tender) -> QuerySet[DocumentVersion]:
    """The newest version of each document of ``tender``."""
    newest = (
        DocumentVersion.objects.filter(document=OuterRef("document"))
        .order_by("-number")
        .values("pk")[:1]
    )
    return (
        DocumentVersion.objects.filter(document__tender=tender, pk=Subquery(newest))
        .select_related("document")
        .order_by("document__title", "document__pk")
    )


def document_version_public(*, public_id: Any) -> DocumentVersion:
    """A document version anybody may download (VgV §41 Abs. 1: free, full, direct access
    without registration) once its tender is published; drafts' files stay hidden.

    Raises TenderNotFoundError.
    """
    version = (
        DocumentVersion.objects.select_related("document__tender__authority")
        .filter(public_id=public_id)
        .first()
    )
    if version is None or not version.document.tender.is_public:
        raise TenderNotFoundError(_("No such document."))
    return version


def document_version_for_staff(*, public_id: Any, user: Any) -> DocumentVersion:
    version = (
        DocumentVersion.objects.select_related("document__tender__authority")
        .filter(public_id=public_id)
        .first()
    )
    if version is None or not has_role(user, version.document.tender.authority, STAFF_ROLES):
        raise TenderNotFoundError(_("No such document."))
    return version


def questions_for_staff(*, tender: Tender) -> QuerySet[Question]:
    """Every question with its asker (only the authority's staff may call this)."""
    return tender.questions.select_related("asked_by", "asker_organisation", "answered_by")


def questions_published(*, tender: Tender) -> QuerySet[Question]:
    """Answered questions as the public sees them; callers must show only ``public_text``,
    ``answer`` and ``answered_at`` (the asker fields are deferred for that reason)."""
    return (
        tender.questions.answered()
        .only("pk", "tender_id", "public_text", "answer", "answered_at")
        .order_by("answered_at", "pk")
    )


def questions_of_organisation(
    *, tender: Tender, organisation_ids: Sequence[int]
) -> QuerySet[Question]:
    """The questions a bidder organisation asked itself (answered or not)."""
    return tender.questions.filter(asker_organisation_id__in=list(organisation_ids)).order_by(
        "asked_at", "pk"
    )


def interest_organisation_ids(*, tender: Tender, user: Any) -> list[int]:
    """The user's bidder organisations that registered interest in ``tender``."""
    org_ids = organisations_with_role(user, [Role.BIDDER_ADMIN, Role.BIDDER_USER])
    return list(
        InterestRegistration.objects.filter(tender=tender, organisation_id__in=org_ids).values_list(
            "organisation_id", flat=True
        )
    )


def interested_organisations(*, tender: Tender) -> QuerySet[InterestRegistration]:
    return tender.interest_registrations.select_related("organisation").order_by("created_at")


def tenders_followed(*, user: Any) -> QuerySet[Tender]:
    """Published tenders followed by any of the user's bidder organisations."""
    org_ids = organisations_with_role(user, [Role.BIDDER_ADMIN, Role.BIDDER_USER])
    return (
        Tender.objects.public()
        .filter(interest_registrations__organisation_id__in=org_ids)
        .select_related("authority")
        .distinct()
        .order_by("submission_deadline")
    )


def notifications_for(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    notes = Notification.objects.filter(recipient=user).select_related("tender")
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    return notes


def publications_latest(*, tender: Tender) -> dict[str, TenderPublication]:
    """The newest stored publication of each kind (eforms / ocds)."""
    latest = (
        TenderPublication.objects.filter(tender=tender).values("kind").annotate(top=Max("sequence"))
    )
    result: dict[str, TenderPublication] = {}
    for row in latest:
        result[row["kind"]] = TenderPublication.objects.get(
            tender=tender, kind=row["kind"], sequence=row["top"]
        )
    return result


def user_is_authority_staff(*, user: Any) -> bool:
    return bool(organisations_with_role(user, AUTHORITY_ROLES))


def require_staff(*, tender: Tender, user: Any, roles: Sequence[str]) -> None:
    if not has_role(user, tender.authority, roles):
        raise TenderForbiddenError(_("You do not hold the role needed for this in this authority."))
