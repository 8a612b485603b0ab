"""Questions: private asker, public answer without identity, refused after the deadline."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import translation
from freezegun import freeze_time

from procurement.core.roles import Role
from tenders.errors import (
    QuestionsClosedError,
    TenderForbiddenError,
    TenderNotFoundError,
    TenderStateError,
)
from tenders.models import InterestRegistration, Notification, Question
from tenders.selectors import questions_published
from tenders.services import interest_register, question_answer, question_ask
from tests.factories import OperatorFactory, person
from tests.tenders.factories import draft_tender, published_tender

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender(authority, officer, approver):
    return published_tender(authority=authority, officer=officer, approver=approver)


def test_question_registers_interest_and_reaches_officers(tender, bidder, operator, officer):
    question = question_ask(
        tender_id=tender.pk, actor=bidder, organisation=operator, text="Gilt DIN 4551?"
    )
    assert question.asked_by == bidder
    assert InterestRegistration.objects.filter(tender=tender, organisation=operator).exists()
    assert Notification.objects.filter(recipient=officer, kind="question_received").exists()


def test_answer_goes_to_every_interested_bidder_without_the_askers_identity(
    tender, bidder, operator, officer, django_capture_on_commit_callbacks
):
    other_org = OperatorFactory(name="Konkurrenz AG")
    other = person(other_org, Role.BIDDER_USER, username="konkurrent")
    interest_register(tender_id=tender.pk, actor=other, organisation=other_org)
    question = question_ask(
        tender_id=tender.pk,
        actor=bidder,
        organisation=operator,
        text=f"Wir, {operator.name}, fragen: gilt DIN 4551?",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        question_answer(
            question_id=question.pk,
            actor=officer,
            answer="Ja, in der Fassung 2020.",
            public_text="Gilt DIN 4551?",
        )
    note = Notification.objects.get(recipient=other, kind="answer_published")
    assert "Ja, in der Fassung 2020." in note.body
    assert operator.name not in note.body
    assert bidder.username not in note.body
    assert Notification.objects.filter(recipient=bidder, kind="answer_published").exists()
    published = list(questions_published(tender=tender))
    assert [q.public_text for q in published] == ["Gilt DIN 4551?"]
    assert {m.to[0] for m in mail.outbox} == {other.email, bidder.email}
    assert all(operator.name not in m.body for m in mail.outbox)


def test_question_after_the_deadline_is_refused_clearly(tender, bidder, operator):
    with freeze_time(tender.questions_deadline + timedelta(minutes=1)):
        with translation.override("en"), pytest.raises(QuestionsClosedError) as caught:
            question_ask(tender_id=tender.pk, actor=bidder, organisation=operator, text="Noch?")
    assert "deadline for questions ended" in caught.value.message
    assert caught.value.status_code == 409
    assert not Question.objects.exists()


def test_questions_only_on_published_tenders(authority, officer, bidder, operator):
    draft = draft_tender(authority=authority, officer=officer)
    with pytest.raises(TenderNotFoundError):
        question_ask(tender_id=draft.pk, actor=bidder, organisation=operator, text="?")


def test_only_bidders_of_the_organisation_ask(tender, officer, operator, authority):
    with pytest.raises(TenderForbiddenError):
        question_ask(tender_id=tender.pk, actor=officer, organisation=operator, text="?")
    with pytest.raises(TenderForbiddenError):
        question_ask(tender_id=tender.pk, actor=officer, organisation=authority, text="?")


def test_only_officers_answer_and_only_once(tender, bidder, operator, officer, approver):
    question = question_ask(tender_id=tender.pk, actor=bidder, organisation=operator, text="?")
    with pytest.raises(TenderForbiddenError):
        question_answer(question_id=question.pk, actor=approver, answer="Nein")
    with pytest.raises(TenderForbiddenError):
        question_answer(question_id=question.pk, actor=bidder, answer="Nein")
    question_answer(question_id=question.pk, actor=officer, answer="Nein")
    with pytest.raises(TenderStateError):
        question_answer(question_id=question.pk, actor=officer, answer="Doch")
    question.refresh_from_db()
    assert question.answer == "Nein"


def test_interest_registration_is_idempotent(tender, bidder, operator):
    first = interest_register(tender_id=tender.pk, actor=bidder, organisation=operator)
    second = interest_register(tender_id=tender.pk, actor=bidder, organisation=operator)
    assert first.pk == second.pk
