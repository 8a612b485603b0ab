"""The bidder's small tender pages: follow a tender, ask a question, read answers, inbox."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procurement.core.errors import DomainError
from procurement.core.models import Organisation
from procurement.core.roles import BIDDER_ROLES, organisations_with_role
from tenders import selectors, services
from tenders.errors import TenderForbiddenError
from tenders.forms import QuestionForm
from tenders.notifications import notification_mark_read


def _bidder_organisations(user: Any) -> list[Organisation]:
    ids = organisations_with_role(user, BIDDER_ROLES)
    return list(Organisation.objects.filter(pk__in=ids, kind="operator").order_by("name"))


def _chosen_organisation(request: HttpRequest) -> Organisation:
    organisations = _bidder_organisations(request.user)
    if not organisations:
        raise TenderForbiddenError(_("Only members of a bidder organisation can do this."))
    chosen = request.POST.get("organisation")
    if chosen:
        match = next((o for o in organisations if str(o.pk) == chosen), None)
        if match is None:
            raise TenderForbiddenError(_("You do not belong to that organisation."))
        return match
    return organisations[0]


def _page(
    request: HttpRequest,
    tender: Any,
    *,
    form: QuestionForm | None = None,
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    organisations = _bidder_organisations(request.user)
    org_ids = [o.pk for o in organisations]
    followed = selectors.interest_organisation_ids(tender=tender, user=request.user)
    return render(
        request,
        "tenders/bidder/tender.html",
        {
            "tender": tender,
            "organisations": organisations,
            "following": bool(followed),
            "answers": selectors.questions_published(tender=tender),
            "own_questions": selectors.questions_of_organisation(
                tender=tender, organisation_ids=org_ids
            ),
            "documents": selectors.document_versions_current(tender=tender),
            "questions_open": tender.questions_open(),
            "form": form or QuestionForm(),
            "error": error,
        },
        status=status,
    )


def _url(tender: Any) -> str:
    return reverse("bidder-tender", kwargs={"pk": tender.pk})


@login_required
def tender_page(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_public(tender_id=pk)
    return _page(request, tender)


@login_required
@require_POST
def register_interest(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_public(tender_id=pk)
    try:
        services.interest_register(
            tender_id=tender.pk, actor=request.user, organisation=_chosen_organisation(request)
        )
    except DomainError as error:
        return _page(request, tender, error=error, status=error.status_code)
    messages.success(request, _("You will be told about changed documents and published answers."))
    return HttpResponseRedirect(_url(tender))


@login_required
@require_POST
def ask_question(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_public(tender_id=pk)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return _page(request, tender, form=form, status=400)
    try:
        services.question_ask(
            tender_id=tender.pk,
            actor=request.user,
            organisation=_chosen_organisation(request),
            text=form.cleaned_data["text"],
        )
    except DomainError as error:
        form.add_error("text" if error.field == "text" else None, error.message)
        return _page(request, tender, form=form, error=error, status=error.status_code)
    messages.success(
        request,
        _(
            "Your question was sent. The answer will be published to all interested bidders "
            "without your name."
        ),
    )
    return HttpResponseRedirect(_url(tender))


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The person's notifications (document changes, answers, cancellations, …)."""
    notes = list(selectors.notifications_for(user=request.user)[:100])
    return render(
        request,
        "tenders/bidder/inbox.html",
        {"notifications": notes, "followed": selectors.tenders_followed(user=request.user)},
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification_mark_read(notification_id=notification_id, actor=request.user)
    return HttpResponseRedirect(reverse("tender-inbox"))
