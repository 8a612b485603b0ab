"""The contracting authority's pages: list, draft, approve, publish, answer, change documents.

Views parse input, call one service and render; every service checks the actor's role in the
tender's authority again, so a forged request gets the same refusal as a hidden button.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from procurement.core.errors import DomainError
from procurement.core.roles import Role, has_role, organisations_with_role
from procurement.core.uploads import FORM_SLACK, declared_length
from tenders import selectors, services
from tenders.errors import DocumentTooLargeError, TenderForbiddenError, TenderValidationError
from tenders.forms import (
    AnswerForm,
    CancelForm,
    CommitteeForm,
    CriteriaFormSet,
    DocumentForm,
    LotForm,
    ReasonForm,
    TenderForm,
)
from tenders.models import Lot, Question, TenderDocument, TenderState
from tenders.services.lifecycle import tender_readiness


def _detail_url(tender: Any) -> str:
    return reverse("officer-tender-detail", kwargs={"pk": tender.pk})


def _apply_errors(form: Any, error: DomainError) -> None:
    """Show a service error on the form: on its field when the form has one, else on top."""
    pairs = (
        error.errors if isinstance(error, TenderValidationError) else [(error.field, error.message)]
    )
    for field, message in pairs:
        form.add_error(field if field in getattr(form, "fields", {}) else None, message)


def _form_page(
    request: HttpRequest,
    *,
    form: Any,
    title: str,
    tender: Any = None,
    status: int = 200,
    multipart: bool = False,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {"form": form, "title": title, "tender": tender, "multipart": multipart}
    context.update(extra or {})
    return render(request, "tenders/officer/form.html", context, status=status)


@login_required
def tender_list(request: HttpRequest) -> HttpResponse:
    """The tenders of the user's authorities (officers, approvers, committee, evaluators)."""
    state = request.GET.get("state", "")
    if state not in TenderState.values:
        state = ""
    tenders = selectors.tenders_for_staff(user=request.user, state=state)[:200]
    can_create = bool(organisations_with_role(request.user, [Role.PROCUREMENT_OFFICER]))
    return render(
        request,
        "tenders/officer/list.html",
        {
            "tenders": tenders,
            "states": TenderState.choices,
            "state": state,
            "can_create": can_create,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def tender_create(request: HttpRequest) -> HttpResponse:
    from procurement.core.models import Organisation

    org_ids = organisations_with_role(request.user, [Role.PROCUREMENT_OFFICER])
    authorities = list(Organisation.objects.filter(pk__in=org_ids, kind="authority"))
    if not authorities:
        raise TenderForbiddenError(_("Only procurement officers can create tenders."))
    form = TenderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        authority = authorities[0]
        chosen = request.POST.get("authority")
        if chosen:
            authority = next((a for a in authorities if str(a.pk) == chosen), None)
            if authority is None:
                raise TenderForbiddenError(_("You are not a procurement officer there."))
        try:
            tender = services.tender_create(
                actor=request.user, authority=authority, data=form.to_input()
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Draft %(ref)s created.") % {"ref": tender.reference})
            return HttpResponseRedirect(_detail_url(tender))
    status = 400 if request.method == "POST" else 200
    return _form_page(
        request,
        form=form,
        title=_("New tender"),
        status=status,
        extra={"authorities": authorities},
    )


def _detail_context(request: HttpRequest, tender: Any) -> dict[str, Any]:
    user = request.user
    is_officer = has_role(user, tender.authority, [Role.PROCUREMENT_OFFICER])
    is_approver = has_role(user, tender.authority, [Role.APPROVER])
    lots = selectors.tender_lots(tender=tender)
    committee, quorum = selectors.tender_committee(tender=tender)
    can_cancel = is_officer and tender.state not in {TenderState.CONCLUDED, TenderState.CANCELLED}
    return {
        "tender": tender,
        "lots": lots,
        "criteria": selectors.tender_criteria(tender=tender),
        "committee": committee,
        "quorum": quorum,
        "documents": selectors.tender_documents(tender=tender),
        "questions": selectors.questions_for_staff(tender=tender) if is_officer else [],
        "interested": selectors.interested_organisations(tender=tender) if is_officer else [],
        "publications": selectors.publications_latest(tender=tender),
        "problems": tender_readiness(tender) if tender.state == TenderState.DRAFT else [],
        "is_officer": is_officer,
        "is_approver": is_approver,
        "is_requester": tender.submitted_by_id == user.pk,
        "can_cancel": can_cancel,
        "cancel_form": CancelForm() if can_cancel else None,
        "reason_form": ReasonForm(),
        "answer_forms": {},
        "States": TenderState,
    }


def _detail(
    request: HttpRequest,
    tender: Any,
    *,
    error: DomainError | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = _detail_context(request, tender)
    context["error"] = error
    context.update(extra)
    return render(request, "tenders/officer/detail.html", context, status=status)


@login_required
def tender_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_for_staff(tender_id=pk, user=request.user)
    return _detail(request, tender)


@login_required
@require_http_methods(["GET", "POST"])
def tender_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_for_staff(tender_id=pk, user=request.user)
    form = TenderForm(request.POST) if request.method == "POST" else TenderForm.for_tender(tender)
    if request.method == "POST" and form.is_valid():
        try:
            services.tender_update(tender_id=tender.pk, actor=request.user, data=form.to_input())
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(_detail_url(tender))
    return _form_page(
        request,
        form=form,
        title=_("Edit %(ref)s") % {"ref": tender.reference},
        tender=tender,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lot_edit(request: HttpRequest, pk: int, lot_id: int | None = None) -> HttpResponse:
    tender = selectors.tender_for_staff(tender_id=pk, user=request.user)
    lot = Lot.objects.filter(tender=tender, pk=lot_id).first() if lot_id else None
    if request.method == "POST" and request.POST.get("delete") and lot is not None:
        try:
            services.lot_remove(tender_id=tender.pk, actor=request.user, lot_id=lot.pk)
        except DomainError as error:
            return _detail(request, tender, error=error, status=error.status_code)
        return HttpResponseRedirect(_detail_url(tender))
    if request.method == "POST":
        form = LotForm(request.POST)
    else:
        form = (
            LotForm.for_lot(lot) if lot else LotForm(initial={"number": len(tender.lots.all()) + 1})
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.lot_save(
                tender_id=tender.pk,
                actor=request.user,
                data=form.to_input(),
                lot_id=lot.pk if lot else None,
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            return HttpResponseRedirect(_detail_url(tender))
    return _form_page(
        request,
        form=form,
        title=_("Lot"),
        tender=tender,
        status=400 if request.method == "POST" else 200,
        extra={"lot": lot},
    )


@login_required
@require_http_methods(["GET", "POST"])
def criteria_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_for_staff(tender_id=pk, user=request.user)
    lot = None
    lot_id = request.GET.get("lot") or request.POST.get("lot")
    if lot_id:
        lot = Lot.objects.filter(tender=tender, pk=lot_id).first()
    if request.method == "POST":
        formset = CriteriaFormSet(request.POST, prefix="criteria")
    else:
        current = [
            {"kind": c.kind, "name": c.name, "weight": c.weight}
            for c in tender.criteria.filter(lot=lot).order_by("position", "pk")
        ]
        formset = CriteriaFormSet(initial=current, prefix="criteria")
    error = None
    if request.method == "POST" and formset.is_valid():
        try:
            services.tender_set_criteria(
                tender_id=tender.pk,
                actor=request.user,
                criteria=formset.to_inputs(),
                lot_id=lot.pk if lot else None,
            )
        except DomainError as caught:
            error = caught
        else:
            messages.success(request, _("Award criteria saved."))
            return HttpResponseRedirect(_detail_url(tender))
    return render(
        request,
        "tenders/officer/criteria.html",
        {"tender": tender, "formset": formset, "lot": lot, "error": error},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def committee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_for_staff(tender_id=pk, user=request.user)
    initial = {"members": list(tender.committee.all()), "quorum": tender.opening_quorum}
    form = CommitteeForm(request.POST or None, tender=tender, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.tender_set_committee(
                tender_id=tender.pk,
                actor=request.user,
                member_ids=[m.pk for m in form.cleaned_data["members"]],
                quorum=form.cleaned_data["quorum"],
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            return HttpResponseRedirect(_detail_url(tender))
    return _form_page(
        request,
        form=form,
        title=_("Opening committee"),
        tender=tender,
        status=400 if request.method == "POST" else 200,
    )


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the document size limit, so an oversized
    file is never written to a temporary file in full."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received = start + len(raw_data)
        if self.received > settings.ZUSCHLAG_MAX_DOCUMENT_BYTES:
            self.request.zuschlag_upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large_error() -> DocumentTooLargeError:
    limit = settings.ZUSCHLAG_MAX_DOCUMENT_BYTES / (1024 * 1024)
    return DocumentTooLargeError(
        _("The file is larger than the limit of %(limit).1f MB.") % {"limit": limit},
        field="file",
    )


@csrf_exempt
@login_required
def document_upload(request: HttpRequest, pk: int, document_id: int | None = None) -> HttpResponse:
    # A body whose declared length cannot fit (file limit + room for the form fields) is refused
    # before any of it is read; otherwise the parser would drain it all just to discard it.
    if (
        request.method == "POST"
        and (declared_length(request) or 0) > settings.ZUSCHLAG_MAX_DOCUMENT_BYTES + FORM_SLACK
    ):
        raise _too_large_error()
    # The size-limiting handler must be installed before the body is parsed, which the CSRF
    # check would do; so CSRF is checked right after, inside.
    request.upload_handlers.insert(0, LimitedUploadHandler(request))
    return _document_upload(request, pk, document_id)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _document_upload(request: HttpRequest, pk: int, document_id: int | None) -> HttpResponse:
    tender = selectors.tender_for_staff(tender_id=pk, user=request.user)
    document = None
    if document_id is not None:
        document = TenderDocument.objects.filter(tender=tender, pk=document_id).first()
        if document is None:
            raise TenderForbiddenError(_("This document does not belong to the tender."))
    form = DocumentForm(
        request.POST or None,
        request.FILES or None,
        tender=tender,
        new_version=document is not None,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if getattr(request, "zuschlag_upload_too_large", False):
            error = _too_large_error()
            form.is_valid()
            form.errors.pop("file", None)
            form.add_error("file", error.message)
            status = 413
        elif form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                if document is None:
                    services.document_add(
                        tender_id=tender.pk,
                        actor=request.user,
                        title=data["title"],
                        upload=upload,
                        name=upload.name,
                        lot_id=data["lot"].pk if data.get("lot") else None,
                        change_note=data["change_note"],
                        substantial=data["substantial"],
                        new_submission_deadline=data["new_submission_deadline"],
                    )
                else:
                    services.document_version_add(
                        document_id=document.pk,
                        actor=request.user,
                        upload=upload,
                        name=upload.name,
                        change_note=data["change_note"],
                        substantial=data["substantial"],
                        new_submission_deadline=data["new_submission_deadline"],
                    )
            except DomainError as error:
                _apply_errors(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Document uploaded."))
                return HttpResponseRedirect(_detail_url(tender))
    title = _("New version of “%(t)s”") % {"t": document.title} if document else _("Add document")
    return _form_page(
        request,
        form=form,
        title=title,
        tender=tender,
        status=status,
        multipart=True,
        extra={"document": document},
    )


@login_required
def document_download(request: HttpRequest, public_id: str) -> FileResponse:
    """Staff download of any version (also of drafts); the public one is the portal's."""
    version = selectors.document_version_for_staff(public_id=public_id, user=request.user)
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


TRANSITIONS = {
    "submit": lambda request, tender: services.tender_submit(
        tender_id=tender.pk, actor=request.user
    ),
    "approve": lambda request, tender: services.tender_approve(
        tender_id=tender.pk, actor=request.user
    ),
    "publish": lambda request, tender: services.tender_publish(
        tender_id=tender.pk, actor=request.user
    ),
    "return": lambda request, tender: services.tender_return_to_draft(
        tender_id=tender.pk, actor=request.user, reason=request.POST.get("reason", "")
    ),
    "reopen": lambda request, tender: services.tender_reopen(
        tender_id=tender.pk, actor=request.user, reason=request.POST.get("reason", "")
    ),
    "cancel": lambda request, tender: services.tender_cancel(
        tender_id=tender.pk,
        actor=request.user,
        ground=request.POST.get("ground", ""),
        reason=request.POST.get("reason", ""),
    ),
    "suspend": lambda request, tender: services.tender_suspend(
        tender_id=tender.pk, actor=request.user, reason=request.POST.get("reason", "")
    ),
    "resume": lambda request, tender: services.tender_resume(
        tender_id=tender.pk, actor=request.user, reason=request.POST.get("reason", "")
    ),
}
DONE = {
    "submit": _("Submitted for approval."),
    "approve": _("Approved."),
    "publish": _("Published."),
    "return": _("Returned to draft."),
    "reopen": _("Reopened as a draft; it needs a new approval."),
    "cancel": _("Cancelled."),
    "suspend": _("Suspended."),
    "resume": _("Resumed."),
}


@login_required
@require_POST
def tender_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    tender = selectors.tender_for_staff(tender_id=pk, user=request.user)
    step = TRANSITIONS.get(action)
    if step is None:
        return _detail(request, tender, status=404)
    try:
        step(request, tender)
    except DomainError as error:
        tender.refresh_from_db()
        return _detail(request, tender, error=error, status=error.status_code)
    messages.success(request, str(DONE[action]))
    return HttpResponseRedirect(_detail_url(tender))


@login_required
@require_POST
def question_answer(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    tender = selectors.tender_for_staff(tender_id=pk, user=request.user)
    question = Question.objects.filter(tender=tender, pk=question_id).first()
    if question is None:
        return _detail(request, tender, status=404)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.question_answer(
                question_id=question.pk,
                actor=request.user,
                answer=form.cleaned_data["answer"],
                public_text=form.cleaned_data["public_text"],
            )
        except DomainError as error:
            return _detail(request, tender, error=error, status=error.status_code)
        messages.success(request, _("Answer published to all interested bidders."))
        return HttpResponseRedirect(_detail_url(tender))
    return _detail(request, tender, status=400, answer_forms={question.pk: form})
