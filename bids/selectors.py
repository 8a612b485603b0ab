"""Reads of the sealed-bid domain for bidders, committee members, officers and evaluators."""

from typing import Any

from django.db.models import QuerySet

from bids.models import Bid, BidState, EncryptedShare, OpeningKey, OpeningSession
from procurement.core.roles import Role, has_role, organisations_with_role
from tenders.models import Tender

BIDDER_ROLES = (Role.BIDDER_ADMIN, Role.BIDDER_USER)
STAFF_ROLES = (Role.PROCUREMENT_OFFICER, Role.OPENING_COMMITTEE, Role.EVALUATOR)


def bids_of_bidder(*, user: Any) -> QuerySet[Bid]:
    """Every bid (any state) of the organisations ``user`` acts for as a bidder."""
    return (
        Bid.objects.filter(bidder_id__in=organisations_with_role(user, BIDDER_ROLES))
        .select_related("tender", "bidder")
        .order_by("-received_at")
    )


def bid_of_bidder(*, user: Any, public_id: Any) -> Bid | None:
    return bids_of_bidder(user=user).filter(public_id=public_id).first()


def bids_for_opening(*, tender: Tender) -> QuerySet[Bid]:
    """The bids the opening decrypts: the last submitted one per bidder and lot."""
    return (
        Bid.objects.filter(tender=tender)
        .exclude(state__in=[BidState.WITHDRAWN, BidState.SUPERSEDED])
        .select_related("bidder")
        .order_by("pk")
    )


def bids_opened(*, tender: Tender) -> QuerySet[Bid]:
    """Opened bids for the evaluation (state opened, admitted or excluded)."""
    return (
        Bid.objects.filter(
            tender=tender, state__in=[BidState.OPENED, BidState.ADMITTED, BidState.EXCLUDED]
        )
        .select_related("bidder", "lot")
        .order_by("lot_number", "pk")
    )


def is_tender_staff(*, tender: Tender, user: Any) -> bool:
    return has_role(user, tender.authority, STAFF_ROLES)


def may_see_bid_log(*, tender: Tender, user: Any) -> bool:
    """Authority staff; bidders of the tender once the opening has started. Before that the log
    would tell a bidder who else is bidding, which stays confidential until the opening."""
    if is_tender_staff(tender=tender, user=user):
        return True
    if not OpeningSession.objects.filter(tender=tender).exists():
        return False
    orgs = organisations_with_role(user, BIDDER_ROLES)
    return Bid.objects.filter(tender=tender, bidder_id__in=orgs).exists()


def opening_key_of(*, tender: Tender) -> OpeningKey | None:
    return OpeningKey.objects.filter(tender=tender).first()


def share_of_member(*, tender: Tender, user: Any) -> EncryptedShare | None:
    return EncryptedShare.objects.filter(opening_key__tender=tender, member=user).first()


def opening_session_of(*, tender: Tender) -> OpeningSession | None:
    return OpeningSession.objects.filter(tender=tender).first()
