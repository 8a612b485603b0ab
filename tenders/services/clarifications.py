"""Clarification questions and interest registrations of bidders."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.core.models import Organisation, User
from procurement.core.roles import BIDDER_ROLES, Role, has_role
from procurement.core.timeutil import BERLIN
from tenders.errors import (
    QuestionsClosedError,
    TenderForbiddenError,
    TenderStateError,
    TenderValidationError,
)
from tenders.models import InterestRegistration, Question, Tender, TenderState
from tenders.services._common import lock_tender, require_role, state_label

MAX_QUESTION_CHARS = 5000
MAX_ANSWER_CHARS = 20000


def _require_bidder(actor: User, organisation: Organisation) -> None:
    if organisation.is_authority or not has_role(actor, organisation, BIDDER_ROLES):
        raise TenderForbiddenError(
            _("Only members of a bidder organisation can do this for %(org)s.")
            % {"org": organisation.name}
        )


def _public_tender(tender_id: int) -> Tender:
    tender = Tender.objects.select_related("authority").filter(pk=tender_id).first()
    if tender is None or not tender.is_public:
        from tenders.errors import TenderNotFoundError

        raise TenderNotFoundError(_("No such published tender."))
    return tender


def _register(tender: Tender, organisation: Organisation, actor: User) -> InterestRegistration:
    existing = InterestRegistration.objects.filter(tender=tender, organisation=organisation).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return InterestRegistration.objects.create(
                tender=tender, organisation=organisation, registered_by=actor
            )
    except IntegrityError:
        # A colleague registered the same organisation at the same moment; theirs counts.
        return InterestRegistration.objects.get(tender=tender, organisation=organisation)


@transaction.atomic
def interest_register(
    *, tender_id: int, actor: User, organisation: Organisation
) -> InterestRegistration:
    """``organisation`` follows the tender (idempotent). Raises TenderForbiddenError,
    TenderNotFoundError, TenderStateError (tender no longer open)."""
    _require_bidder(actor, organisation)
    tender = _public_tender(tender_id)
    if tender.state != TenderState.PUBLISHED:
        raise TenderStateError(
            _("Tender %(ref)s is “%(state)s”: it no longer takes registrations.")
            % {"ref": tender.reference, "state": state_label(tender.state)}
        )
    return _register(tender, organisation, actor)


@transaction.atomic
def question_ask(*, tender_id: int, actor: User, organisation: Organisation, text: str) -> Question:
    """A bidder's private question; the organisation is registered as interested so it gets
    every answer. Raises QuestionsClosedError after the questions deadline,
    TenderForbiddenError, TenderValidationError."""
    _require_bidder(actor, organisation)
    tender = _public_tender(tender_id)
    text = text.strip()
    if not text:
        raise TenderValidationError([("text", _("Please write your question."))])
    if len(text) > MAX_QUESTION_CHARS:
        raise TenderValidationError(
            [("text", _("At most %(n)d characters.") % {"n": MAX_QUESTION_CHARS})]
        )
    now = timezone.now()
    if not tender.questions_open(at=now):
        deadline = tender.questions_deadline or tender.submission_deadline
        if tender.state == TenderState.PUBLISHED and deadline is not None:
            raise QuestionsClosedError(
                _(
                    "The deadline for questions ended on %(deadline)s (Europe/Berlin); "
                    "questions are no longer accepted."
                )
                % {"deadline": deadline.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")},
                field="text",
            )
        raise QuestionsClosedError(
            _("Tender %(ref)s is “%(state)s”: questions are no longer accepted.")
            % {"ref": tender.reference, "state": state_label(tender.state)},
            field="text",
        )
    question = Question.objects.create(
        tender=tender, asked_by=actor, asker_organisation=organisation, text=text
    )
    _register(tender, organisation, actor)
    from tenders.notifications import notify_officers

    notify_officers(
        tender=tender,
        kind="question_received",
        subject=_("Tender %(ref)s: new question") % {"ref": tender.reference},
        body=text[:500],
    )
    return question


@transaction.atomic
def question_answer(
    *, question_id: int, actor: User, answer: str, public_text: str = ""
) -> Question:
    """Answer and publish: every interested bidder sees the (optionally rephrased) question and
    the answer, never who asked. Raises TenderForbiddenError, TenderStateError (already
    answered, tender not published), TenderValidationError."""
    question = Question.objects.select_related("tender").get(pk=question_id)
    tender = lock_tender(question.tender_id)
    require_role(
        actor=actor, tender=tender, roles=(Role.PROCUREMENT_OFFICER,), action=_("Answering")
    )
    question = Question.objects.select_for_update().get(pk=question_id)
    if question.is_answered:
        raise TenderStateError(_("This question has been answered and published already."))
    if tender.state != TenderState.PUBLISHED:
        raise TenderStateError(
            _("Tender %(ref)s is “%(state)s”: answers can only be published while it is open.")
            % {"ref": tender.reference, "state": state_label(tender.state)}
        )
    answer = answer.strip()
    errors = []
    if not answer:
        errors.append(("answer", _("Please write the answer.")))
    if len(answer) > MAX_ANSWER_CHARS:
        errors.append(("answer", _("At most %(n)d characters.") % {"n": MAX_ANSWER_CHARS}))
    if errors:
        raise TenderValidationError(errors)
    question.public_text = public_text.strip() or question.text
    question.answer = answer
    question.answered_by = actor
    question.answered_at = timezone.now()
    question.save(update_fields=["public_text", "answer", "answered_by", "answered_at"])
    from tenders.notifications import notify_interested

    notify_interested(
        tender=tender,
        kind="answer_published",
        subject=_("Tender %(ref)s: a question has been answered") % {"ref": tender.reference},
        body=_("Question: %(q)s\n\nAnswer: %(a)s") % {"q": question.public_text, "a": answer},
    )
    return question
