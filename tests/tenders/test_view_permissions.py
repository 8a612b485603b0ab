"""Every officer page checks who asks: the view layer cannot be used to bypass the services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from procurement.core.roles import Role
from tenders.models import TenderState
from tenders.services import tender_submit
from tests.factories import AuthorityFactory, OperatorFactory, UserFactory, person
from tests.tenders.factories import PDF, draft_tender, published_tender

pytestmark = pytest.mark.django_db

# persona → (can see the officer detail page, may submit a draft for approval)
PERSONAS = {
    "officer": (True, True),
    "approver": (True, False),
    "committee": (True, False),
    "evaluator": (True, False),
    "ap_clerk": (False, False),
    "bidder": (False, False),
    "other_authority_officer": (False, False),
    "no_role": (False, False),
}


def make(persona: str, authority):
    roles = {
        "officer": Role.PROCUREMENT_OFFICER,
        "approver": Role.APPROVER,
        "committee": Role.OPENING_COMMITTEE,
        "evaluator": Role.EVALUATOR,
        "ap_clerk": Role.AP_CLERK,
    }
    if persona in roles:
        return person(authority, roles[persona])
    if persona == "bidder":
        return person(OperatorFactory(), Role.BIDDER_USER)
    if persona == "other_authority_officer":
        return person(AuthorityFactory(), Role.PROCUREMENT_OFFICER)
    return UserFactory()


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_and_submit_by_persona(client, authority, officer, persona):
    tender = draft_tender(authority=authority, officer=officer)
    user = make(persona, authority)
    client.force_login(user)
    can_see, can_submit = PERSONAS[persona]
    detail = client.get(reverse("officer-tender-detail", args=[tender.pk]))
    assert detail.status_code == (200 if can_see else 404)
    response = client.post(reverse("officer-tender-transition", args=[tender.pk, "submit"]))
    tender.refresh_from_db()
    if can_submit:
        assert response.status_code == 302
        assert tender.state == TenderState.PENDING_APPROVAL
    else:
        assert response.status_code in {403, 404}
        assert tender.state == TenderState.DRAFT


@pytest.mark.parametrize("persona", PERSONAS)
def test_uploads_only_by_officers(client, authority, officer, persona):
    tender = draft_tender(authority=authority, officer=officer, documents=False)
    client.force_login(make(persona, authority))
    upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("officer-document-add", args=[tender.pk]), {"title": "X", "file": upload}
    )
    if persona == "officer":
        assert response.status_code == 302
        assert tender.documents.count() == 1
    else:
        assert response.status_code in {403, 404}
        assert tender.documents.count() == 0


def test_anonymous_is_sent_to_login(client, authority, officer):
    tender = draft_tender(authority=authority, officer=officer, documents=False)
    for url in (
        reverse("officer-tender-detail", args=[tender.pk]),
        reverse("officer-document-add", args=[tender.pk]),
        reverse("tender-inbox"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    response = client.post(reverse("officer-tender-transition", args=[tender.pk, "submit"]))
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT


def test_csrf_is_enforced_on_transitions_and_uploads(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post(reverse("officer-tender-transition", args=[tender.pk, "submit"]))
    assert response.status_code == 403
    upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("officer-document-add", args=[tender.pk]), {"title": "X", "file": upload}
    )
    assert response.status_code == 403
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT
    assert tender.documents.count() == 1


def test_approver_of_the_authority_sees_but_cannot_answer(client, authority, officer, approver):
    from tenders.models import Question
    from tenders.services import question_ask

    tender = published_tender(authority=authority, officer=officer, approver=approver)
    org = OperatorFactory()
    asker = person(org, Role.BIDDER_USER)
    question = question_ask(tender_id=tender.pk, actor=asker, organisation=org, text="?")
    client.force_login(approver)
    response = client.post(
        reverse("officer-question-answer", args=[tender.pk, question.pk]),
        {"public_text": "?", "answer": "Ja"},
    )
    assert response.status_code == 403
    assert not Question.objects.get(pk=question.pk).is_answered


def test_substantial_change_without_extension_is_refused_in_the_browser(
    client, authority, officer, approver
):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    document = tender.documents.get()
    client.force_login(officer)
    upload = SimpleUploadedFile("lb.pdf", PDF + b"%neu\n", content_type="application/pdf")
    response = client.post(
        reverse("officer-document-version", args=[tender.pk, document.pk]),
        {"file": upload, "change_note": "Mengen geändert", "substantial": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert "requires extending the deadline" in response.text
    assert document.versions.count() == 1


def test_submitter_sees_no_approve_button_even_with_the_role(client, authority):
    both = person(authority, Role.PROCUREMENT_OFFICER, Role.APPROVER)
    tender = draft_tender(authority=authority, officer=both)
    tender_submit(tender_id=tender.pk, actor=both)
    client.force_login(both)
    page = client.get(reverse("officer-tender-detail", args=[tender.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "a second person with the approver role must approve it" in page.text
    german = client.get(
        reverse("officer-tender-detail", args=[tender.pk]), HTTP_ACCEPT_LANGUAGE="de"
    )
    assert "eine zweite Person mit Freigaberecht muss sie freigeben" in german.text
    assert 'name="approve"' not in page.text
