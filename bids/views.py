"""HTML pages of the sealed-bid side: bidders submit, replace and withdraw in the browser and keep
their receipts; committee members register their key and hand over their share; officers start
the opening, follow it and download the record. Every view checks who may see what."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bids.errors import BidForbiddenError
from bids.models import Bid, BidState, OpeningState
from bids.selectors import (
    BIDDER_ROLES,
    bid_of_bidder,
    bids_of_bidder,
    is_tender_staff,
    opening_key_of,
    opening_session_of,
    share_of_member,
)
from bids.services.keys import member_key_current, missing_member_keys, opening_key_create
from bids.services.opening import opening_run, opening_shares_reset, opening_start
from bids.services.record import opening_facts
from bids.services.submission import bid_withdraw
from procurement.core.roles import Role, has_role, organisations_with_role
from tenders.models import Tender, TenderState


def _tender(reference: str) -> Tender:
    return get_object_or_404(Tender.objects.select_related("authority"), reference=reference)


def _require_bidder(user: Any) -> None:
    if not organisations_with_role(user, BIDDER_ROLES):
        raise BidForbiddenError(_("This page is for users of bidder organisations."))


@login_required
def bidder_home(request: HttpRequest) -> HttpResponse:
    _require_bidder(request.user)
    now = timezone.now()
    open_tenders = (
        Tender.objects.filter(
            state=TenderState.PUBLISHED, submission_deadline__gt=now, opening_key__isnull=False
        )
        .select_related("authority")
        .order_by("submission_deadline")
    )
    bids = list(bids_of_bidder(user=request.user))
    opened = {b.tender for b in bids if b.tender.opened_at is not None}
    facts = [(t, opening_facts(tender=t)) for t in sorted(opened, key=lambda t: t.reference)]
    return render(
        request,
        "bids/bidder_home.html",
        {"open_tenders": open_tenders, "bids": bids, "facts": facts, "now": now},
    )


@login_required
def bid_tender_page(request: HttpRequest, reference: str) -> HttpResponse:
    _require_bidder(request.user)
    tender = _tender(reference)
    if tender.published_at is None:
        raise Http404
    lots = list(tender.lots.all()) or [None]
    mine = bids_of_bidder(user=request.user).filter(tender=tender)
    return render(
        request,
        "bids/bid_tender.html",
        {
            "tender": tender,
            "lots": [(lot.number if lot else 1, lot) for lot in lots],
            "bids": mine,
            "key": opening_key_of(tender=tender),
            "opening_started": opening_session_of(tender=tender) is not None,
            "is_open": tender.state == TenderState.PUBLISHED
            and tender.submission_deadline > timezone.now(),
        },
    )


@login_required
def bid_receipt(request: HttpRequest, public_id: str) -> HttpResponse:
    bid = bid_of_bidder(user=request.user, public_id=public_id)
    if bid is None:
        raise Http404
    which = request.GET.get("kind")
    text = bid.withdrawal_receipt if which == "withdrawal" else bid.receipt
    if not text:
        raise Http404
    response = HttpResponse(text, content_type="application/json")
    suffix = "-withdrawal" if which == "withdrawal" else ""
    response["Content-Disposition"] = (
        f'attachment; filename="receipt-{bid.tender.reference}-{bid.public_id}{suffix}.json"'
    )
    return response


@login_required
@require_POST
def bid_withdraw_view(request: HttpRequest, public_id: str) -> HttpResponse:
    bid = bid_of_bidder(user=request.user, public_id=public_id)
    if bid is None:
        raise Http404
    bid_withdraw(
        tender_reference=bid.tender.reference,
        lot_number=bid.lot_number,
        bid_public_id=bid.public_id,
        actor=request.user,
    )
    messages.success(request, _("The bid was withdrawn; the withdrawal receipt is available."))
    return redirect("bid-tender", reference=bid.tender.reference)


@login_required
def committee_key(request: HttpRequest) -> HttpResponse:
    if not organisations_with_role(request.user, [Role.OPENING_COMMITTEE]):
        raise BidForbiddenError(_("This page is for members of an opening committee."))
    return render(
        request, "bids/committee_key.html", {"current": member_key_current(user=request.user)}
    )


def _opening_tenders(user: Any) -> Any:
    orgs = organisations_with_role(
        user, [Role.PROCUREMENT_OFFICER, Role.OPENING_COMMITTEE, Role.EVALUATOR]
    )
    return (
        Tender.objects.filter(authority_id__in=orgs, published_at__isnull=False)
        .exclude(state=TenderState.CANCELLED)
        .select_related("authority")
        .order_by("submission_deadline")
    )


@login_required
def opening_list(request: HttpRequest) -> HttpResponse:
    tenders = _opening_tenders(request.user)
    if not organisations_with_role(
        request.user, [Role.PROCUREMENT_OFFICER, Role.OPENING_COMMITTEE, Role.EVALUATOR]
    ):
        raise BidForbiddenError(_("This page is for the contracting authority's staff."))
    return render(request, "bids/opening_list.html", {"tenders": tenders})


@login_required
def opening_page(request: HttpRequest, reference: str) -> HttpResponse:
    tender = _tender(reference)
    if not is_tender_staff(tender=tender, user=request.user):
        raise BidForbiddenError(_("Only the authority's staff see the opening."))
    session = opening_session_of(tender=tender)
    bids = Bid.objects.filter(tender=tender).select_related("bidder").order_by("pk")
    counts = {
        "sealed": bids.filter(state=BidState.SUBMITTED).count(),
        "opened": bids.filter(opened_at__isnull=False).count(),
        "withdrawn": bids.filter(state=BidState.WITHDRAWN).count(),
    }
    is_officer = has_role(request.user, tender.authority, [Role.PROCUREMENT_OFFICER])
    return render(
        request,
        "bids/opening.html",
        {
            "tender": tender,
            "session": session,
            "handovers": session.handovers.select_related("member") if session else [],
            "key": opening_key_of(tender=tender),
            "missing_keys": missing_member_keys(tender=tender),
            "my_share": share_of_member(tender=tender, user=request.user),
            "handed_over": bool(session and session.handovers.filter(member=request.user)),
            "is_officer": is_officer,
            "may_start": (is_officer or tender.committee.filter(pk=request.user.pk).exists())
            and session is None
            and tender.submission_deadline <= timezone.now(),
            "counts": counts,
            "opened_bids": bids.filter(opened_at__isnull=False) if session else [],
            "OpeningState": OpeningState,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def opening_action(request: HttpRequest, reference: str) -> HttpResponse:
    tender = _tender(reference)
    action = request.POST.get("action")
    if action == "start":
        opening_start(tender_id=tender.pk, actor=request.user)
        messages.success(
            request, _("The opening has started: committee members may now hand over their shares.")
        )
    elif action == "make_key":
        if not has_role(request.user, tender.authority, [Role.PROCUREMENT_OFFICER]):
            raise BidForbiddenError(_("Only procurement officers make the opening key."))
        opening_key_create(tender_id=tender.pk, actor=request.user)
        messages.success(request, _("The opening key was made and split between the members."))
    elif action == "reset_shares":
        opening_shares_reset(tender_id=tender.pk, actor=request.user)
        messages.success(request, _("The hand-overs were discarded; members hand over again."))
    elif action == "resume":
        if not has_role(request.user, tender.authority, [Role.PROCUREMENT_OFFICER]):
            raise BidForbiddenError(_("Only procurement officers resume an opening."))
        session = opening_session_of(tender=tender)
        if session is None or session.state != OpeningState.RUNNING:
            raise Http404
        opening_run(session_id=session.pk)
        messages.success(request, _("The opening was completed."))
    else:
        raise Http404
    return redirect("opening", reference=reference)


@login_required
def opening_record(request: HttpRequest, reference: str) -> FileResponse:
    tender = _tender(reference)
    if not is_tender_staff(tender=tender, user=request.user):
        raise BidForbiddenError(_("The opening record is for the authority's file only."))
    session = opening_session_of(tender=tender)
    if session is None or not session.record:
        raise Http404
    return FileResponse(
        session.record.open("rb"),
        as_attachment=True,
        filename=f"{tender.reference}-niederschrift.pdf",
        content_type="application/pdf",
    )


@login_required
def bid_document(request: HttpRequest, public_id: str) -> FileResponse:
    """The decrypted bid, for the authority's evaluators and officers after the opening."""
    bid = get_object_or_404(Bid.objects.select_related("tender__authority"), public_id=public_id)
    if not has_role(request.user, bid.tender.authority, [Role.PROCUREMENT_OFFICER, Role.EVALUATOR]):
        raise BidForbiddenError(_("Opened bids are shown to the authority's evaluators only."))
    if not bid.document:
        raise Http404
    return FileResponse(
        bid.document.open("rb"),
        as_attachment=True,
        filename=bid.document_name or f"bid-{bid.public_id}.bin",
    )
