"""Pages for evaluation, award and contract: staff of the tender's authority (officer,
evaluator, approver) and the bidder (its §134 letters and document requests).

Every page checks the role against the tender's authority or the bidder's organisation; the
services check again (the page is only a convenience)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from bids.models import (
    AwardDecision,
    Bid,
    BidResult,
    BidState,
    Contract,
    DocumentRequest,
    Evaluation,
    ExclusionGround,
    InformationLetter,
    PriceMethod,
    QualityScore,
    ReviewRequest,
)
from bids.services import award as award_services
from bids.services import contract as contract_services
from bids.services import evaluation as evaluation_services
from procurement.core.errors import DomainError, TooLargeError, ValidationFailedError
from procurement.core.roles import Role, has_role, organisations_with_role
from procurement.core.uploads import FORM_SLACK, declared_length
from tenders.models import CriterionKind, Tender

STAFF = [Role.PROCUREMENT_OFFICER, Role.EVALUATOR, Role.APPROVER]
BIDDER = [Role.BIDDER_ADMIN, Role.BIDDER_USER]


def _staff_tender(request: HttpRequest, reference: str) -> Tender:
    tender = get_object_or_404(Tender.objects.select_related("authority"), reference=reference)
    if not has_role(request.user, tender.authority, STAFF):
        # 404, not 403: a stranger does not learn which tenders are being evaluated.
        raise Http404
    return tender


@login_required
def evaluation_page(request: HttpRequest, reference: str) -> HttpResponse:
    tender = _staff_tender(request, reference)
    # No row on a GET: the evaluation is created by the first action that needs it.
    evaluation = Evaluation.objects.filter(tender=tender).first() or Evaluation(tender=tender)
    bids = list(
        Bid.objects.filter(
            tender=tender, state__in=[BidState.OPENED, BidState.ADMITTED, BidState.EXCLUDED]
        ).select_related("bidder")
    )
    mine = set(
        QualityScore.objects.filter(bid__tender=tender, evaluator=request.user).values_list(
            "bid_id", "criterion_id"
        )
    )
    rows = []
    for bid in bids:
        criteria = evaluation_services.criteria_for(tender, bid.lot_number)
        rows.append(
            {
                "bid": bid,
                "quality": [
                    {"criterion": c, "done": (bid.pk, c.pk) in mine}
                    for c in criteria
                    if c.kind == CriterionKind.QUALITY
                ],
                "requests": list(bid.document_requests.all()),
                "result": BidResult.objects.filter(bid=bid).first(),
            }
        )
    user = request.user
    context = {
        "tender": tender,
        "evaluation": evaluation,
        "rows": rows,
        "problems": evaluation_services.evaluation_problems(tender)
        if tender.state == "opened"
        else [],
        "grounds": ExclusionGround.choices,
        "methods": PriceMethod.choices,
        "decisions": AwardDecision.objects.filter(tender=tender).select_related(
            "winner__bidder", "proposed_by", "approved_by"
        ),
        "reviews": ReviewRequest.objects.filter(tender=tender),
        "contracts": Contract.objects.filter(tender=tender),
        "is_officer": has_role(user, tender.authority, [Role.PROCUREMENT_OFFICER]),
        "is_evaluator": has_role(user, tender.authority, [Role.EVALUATOR]),
        "is_approver": has_role(user, tender.authority, [Role.APPROVER]),
    }
    return render(request, "bids/evaluation/page.html", context)


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailedError(
            _("“%s” is not a date (YYYY-MM-DD).") % value, field=name
        ) from None


def _datetime(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailedError(_("“%s” is not a date and time.") % value, field=name) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def _bid_of(tender: Tender, post: Any) -> Bid:
    return get_object_or_404(Bid, tender=tender, public_id=_uuid(post.get("bid", "")))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailedError(_("“%s” is not a number.") % value) from None


def _run(action: str, request: HttpRequest, tender: Tender) -> str:
    post, user = request.POST, request.user
    if action == "configure":
        evaluation_services.evaluation_configure(
            tender_id=tender.pk,
            actor=user,
            price_method=post.get("price_method", ""),
            zero_price=post.get("zero_price") or None,
            max_points=post.get("max_points") or Decimal("10"),
        )
        return _("Price method saved.")
    if action == "admit":
        evaluation_services.bid_admit(bid_id=_bid_of(tender, post).pk, actor=user)
        return _("Bid admitted.")
    if action == "exclude":
        evaluation_services.bid_exclude(
            bid_id=_bid_of(tender, post).pk,
            actor=user,
            ground=post.get("ground", ""),
            details=post.get("details", ""),
        )
        return _("Bid excluded.")
    if action == "request":
        evaluation_services.document_request_create(
            bid_id=_bid_of(tender, post).pk,
            actor=user,
            text=post.get("text", ""),
            due_at=_datetime(post.get("due_at", ""), "due_at"),
        )
        return _("Documents requested; the bidder sees the request in its inbox.")
    if action == "score":
        evaluation_services.quality_score_record(
            bid_id=_bid_of(tender, post).pk,
            criterion_id=_int(post.get("criterion")),
            actor=user,
            points=post.get("points", ""),
            justification=post.get("justification", ""),
        )
        return _("Score recorded.")
    if action == "rank":
        evaluation_services.evaluation_rank(tender_id=tender.pk, actor=user)
        return _("Bids ranked; the tender is evaluated.")
    if action == "propose":
        award_services.award_propose(
            tender_id=tender.pk,
            actor=user,
            lot_number=_int(post.get("lot") or 1),
            reasons=post.get("reasons", ""),
        )
        return _("Award proposed; an approver must confirm it.")
    if action in ("approve", "reject"):
        decision = get_object_or_404(
            AwardDecision, tender=tender, public_id=_uuid(post.get("decision", ""))
        )
        if action == "approve":
            award_services.award_approve(decision_id=decision.pk, actor=user)
            return _("Award approved.")
        award_services.award_reject(
            decision_id=decision.pk, actor=user, reason=post.get("reason", "")
        )
        return _("Award proposal rejected.")
    if action == "notify":
        letters = award_services.award_notify(
            tender_id=tender.pk, actor=user, electronic=post.get("electronic", "1") == "1"
        )
        return _("%(n)s information letters sent; the standstill period runs.") % {
            "n": len(letters)
        }
    if action == "review":
        award_services.review_request_record(
            tender_id=tender.pk,
            actor=user,
            applicant=post.get("applicant", ""),
            received_on=_date(post.get("received_on", ""), "received_on"),
            details=post.get("details", ""),
        )
        return _("Review request recorded; the tender is suspended.")
    if action == "review_close":
        review = get_object_or_404(ReviewRequest, tender=tender, pk=_int(post.get("review")))
        award_services.review_request_close(
            review_id=review.pk, actor=user, outcome=post.get("outcome", "")
        )
        return _("Review request closed.")
    if action == "conclude":
        contract_services.contract_conclude(
            tender_id=tender.pk,
            actor=user,
            lot_number=_int(post.get("lot") or 1),
            signed_on=_date(post.get("signed_on", ""), "signed_on"),
            starts_on=_date(post["starts_on"], "starts_on") if post.get("starts_on") else None,
            ends_on=_date(post["ends_on"], "ends_on") if post.get("ends_on") else None,
            order_reference=post.get("order_reference", ""),
        )
        return _("Contract concluded.")
    raise ValidationFailedError(_("Unknown action."))


@login_required
@require_POST
def evaluation_action(request: HttpRequest, reference: str) -> HttpResponse:
    tender = _staff_tender(request, reference)
    try:
        messages.success(request, _run(request.POST.get("action", ""), request, tender))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("evaluation", reference=tender.reference)


@login_required
def request_response(request: HttpRequest, public_id: str) -> HttpResponse:
    """Staff download the bidder's answer to a document request."""
    item = get_object_or_404(
        DocumentRequest.objects.select_related("bid__tender__authority"), public_id=public_id
    )
    if not has_role(request.user, item.bid.tender.authority, STAFF) or not item.response:
        raise Http404
    from django.http import FileResponse

    return FileResponse(
        item.response.open("rb"), as_attachment=True, filename=item.response_name or "document"
    )


# --- bidder -----------------------------------------------------------------------------------


@login_required
def bidder_award_inbox(request: HttpRequest) -> HttpResponse:
    orgs = organisations_with_role(request.user, BIDDER)
    if not orgs:
        raise Http404
    return render(
        request,
        "bids/evaluation/bidder_inbox.html",
        {
            "letters": InformationLetter.objects.filter(bidder__in=orgs).select_related(
                "decision__tender"
            ),
            "requests": DocumentRequest.objects.filter(bid__bidder__in=orgs).select_related(
                "bid__tender"
            ),
        },
    )


@login_required
def bidder_award_letter(request: HttpRequest, public_id: str) -> HttpResponse:
    letter = get_object_or_404(InformationLetter, public_id=public_id)
    if not has_role(request.user, letter.bidder, BIDDER):
        raise Http404
    response = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="gwb134-{letter.public_id}.pdf"'
    return response


@csrf_exempt
@login_required
def bidder_document_request(request: HttpRequest, public_id: str) -> HttpResponse:
    # A document whose declared length cannot fit is refused before any of it is read (the
    # CSRF check would parse the whole body first): CSRF is checked right after, inside.
    if request.method == "POST":
        limit = settings.ZUSCHLAG_MAX_DOCUMENT_BYTES
        if (declared_length(request) or 0) > limit + FORM_SLACK:
            raise TooLargeError(_("The file is larger than %(n)s bytes.") % {"n": limit})
    return _bidder_document_request(request, public_id)


@csrf_protect
def _bidder_document_request(request: HttpRequest, public_id: str) -> HttpResponse:
    item = get_object_or_404(
        DocumentRequest.objects.select_related("bid__tender", "bid__bidder"), public_id=public_id
    )
    if not has_role(request.user, item.bid.bidder, BIDDER):
        raise Http404
    if request.method == "POST":
        upload = request.FILES.get("document")
        try:
            if upload is None:
                raise ValidationFailedError(_("Choose a file to upload."), field="document")
            evaluation_services.document_request_answer(
                request_id=item.pk,
                actor=request.user,
                upload=upload,
                name=upload.name,
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Document sent."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("bidder-document-request", public_id=item.public_id)
    return render(request, "bids/evaluation/document_request.html", {"item": item})
