"""Officer and bidder pages: every bad input gets a clear message and changes nothing."""

from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from freezegun import freeze_time

from procurement.core.roles import Role
from procurement.core.timeutil import BERLIN
from tenders.errors import TenderNotFoundError
from tenders.models import DocumentVersion, Question, Tender, TenderState
from tenders.services import question_ask, tender_submit
from tests.factories import AuthorityFactory, OperatorFactory, person
from tests.tenders.factories import PDF, approved_tender, draft_tender, published_tender

pytestmark = pytest.mark.django_db


def berlin_local(dt):
    from procurement.core.timeutil import BERLIN

    return dt.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def tender_post(**overrides):
    now = timezone.now()
    data = {
        "title": "Reinigung Rathaus",
        "description": "Unterhaltsreinigung",
        "contract_type": "services",
        "procedure": "open",
        "estimated_value": "250000.00",
        "cpv_main": "39130000-2",
        "cpv_additional": "",
        "nuts": "DE300",
        "duration_months": "24",
        "electronic_submission": "on",
        "urgency_reason": "",
        "participation_deadline": "",
        "questions_deadline": berlin_local(now + timedelta(days=30)),
        "submission_deadline": berlin_local(now + timedelta(days=40)),
        "opening_at": berlin_local(now + timedelta(days=40, hours=1)),
    }
    data.update(overrides)
    return data


def test_login_required(client):
    response = client.get(reverse("officer-tenders"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_list_shows_only_own_authority(client, authority, officer):
    own = draft_tender(authority=authority, officer=officer, documents=False)
    other_authority = AuthorityFactory()
    foreign = draft_tender(
        authority=other_authority,
        officer=person(other_authority, Role.PROCUREMENT_OFFICER),
        documents=False,
        title="Fremde Ausschreibung",
    )
    client.force_login(officer)
    response = client.get(reverse("officer-tenders"))
    assert response.status_code == 200
    assert own.reference in response.text
    assert foreign.reference not in response.text
    detail = client.get(reverse("officer-tender-detail", args=[foreign.pk]))
    assert detail.status_code == 404


def test_bidder_cannot_see_officer_pages(client, authority, officer, bidder):
    tender = draft_tender(authority=authority, officer=officer, documents=False)
    client.force_login(bidder)
    assert client.get(reverse("officer-tender-detail", args=[tender.pk])).status_code == 404
    assert client.get(reverse("officer-tender-create")).status_code == 403


def test_create_through_the_form(client, authority, officer):
    client.force_login(officer)
    response = client.post(reverse("officer-tender-create"), tender_post())
    assert response.status_code == 302
    tender = Tender.objects.get()
    assert tender.regime == "eu"
    assert tender.authority == authority
    assert response["Location"] == reverse("officer-tender-detail", args=[tender.pk])


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "„39130000-5“ has a wrong check digit: 39130000-2 expected"),
        ("de", "„39130000-5“ hat eine falsche Prüfziffer: erwartet wird 39130000-2"),
        ("fr", "« 39130000-5 » a un chiffre de contrôle erroné : 39130000-2 attendu"),
    ],
)
def test_invalid_cpv_in_the_form_shows_the_message_and_creates_nothing(
    client, officer, lang, expected
):
    client.force_login(officer)
    response = client.post(
        reverse("officer-tender-create"),
        tender_post(cpv_main="39130000-5"),
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    assert response.status_code == 400
    assert escape(expected) in response.text
    assert not Tender.objects.exists()


def test_weights_not_summing_to_100_in_the_form(client, authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    client.force_login(officer)
    data = {
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-kind": "price",
        "criteria-0-name": "Preis",
        "criteria-0-weight": "70",
        "criteria-1-kind": "quality",
        "criteria-1-name": "Konzept",
        "criteria-1-weight": "20",
    }
    response = client.post(
        reverse("officer-criteria", args=[tender.pk]), data, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "add up to 90, not 100" in response.text
    assert sorted(tender.criteria.values_list("weight", flat=True)) == [40, 60]


def test_deadline_under_the_legal_minimum_is_refused_on_submission(client, authority, officer):
    tender = draft_tender(
        authority=authority,
        officer=officer,
        submission_deadline=timezone.now() + timedelta(days=20),
        questions_deadline=timezone.now() + timedelta(days=10),
        opening_at=timezone.now() + timedelta(days=20, hours=1),
    )
    client.force_login(officer)
    detail = client.get(reverse("officer-tender-detail", args=[tender.pk]))
    assert "VgV §15 Abs. 2, 4" in detail.text  # the checklist warns before anyone submits
    response = client.post(
        reverse("officer-tender-transition", args=[tender.pk, "submit"]),
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 400
    assert "Angebotsfrist endet vor dem frühesten zulässigen Datum" in response.text
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "The deadline for offers ends before the earliest allowed date, "),
        ("de", "Angebotsfrist endet vor dem frühesten zulässigen Datum "),
        ("fr", "La date limite de remise des offres tombe avant la première date admise, le "),
    ],
)
def test_time_limit_refusal_speaks_the_officer_language(client, authority, officer, lang, expected):
    with freeze_time("2026-03-02 09:00:00+01:00"):
        tender = draft_tender(
            authority=authority,
            officer=officer,
            submission_deadline=datetime(2026, 3, 20, 12, tzinfo=BERLIN),
            questions_deadline=datetime(2026, 3, 10, 12, tzinfo=BERLIN),
            opening_at=datetime(2026, 3, 20, 13, tzinfo=BERLIN),
        )
        client.force_login(officer)
        response = client.post(
            reverse("officer-tender-transition", args=[tender.pk, "submit"]),
            HTTP_ACCEPT_LANGUAGE=lang,
        )
    assert response.status_code == 400
    earliest = {"en": "April 1, 2026", "de": "1. April 2026", "fr": "1 avril 2026"}[lang]
    assert escape(f"{expected}{earliest} (VgV §15 Abs. 2, 4)") in response.text
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT


def test_self_approval_in_the_browser_is_refused(client, authority):
    both = person(authority, Role.PROCUREMENT_OFFICER, Role.APPROVER)
    tender = draft_tender(authority=authority, officer=both)
    tender_submit(tender_id=tender.pk, actor=both)
    client.force_login(both)
    response = client.post(reverse("officer-tender-transition", args=[tender.pk, "approve"]))
    assert response.status_code == 403
    assert "four-eyes" in response.text
    tender.refresh_from_db()
    assert tender.state == TenderState.PENDING_APPROVAL


def test_second_person_approves_and_officer_publishes(client, authority, officer, approver):
    tender = draft_tender(authority=authority, officer=officer)
    client.force_login(officer)
    assert (
        client.post(reverse("officer-tender-transition", args=[tender.pk, "submit"])).status_code
        == 302
    )
    client.force_login(approver)
    assert (
        client.post(reverse("officer-tender-transition", args=[tender.pk, "approve"])).status_code
        == 302
    )
    client.force_login(officer)
    response = client.post(
        reverse("officer-tender-transition", args=[tender.pk, "publish"]), follow=True
    )
    assert response.status_code == 200
    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLISHED
    assert "audit-trail" in response.text
    assert "tenders.tender.published" in response.text or "publish" in response.text


def test_publish_without_approval_is_refused(client, authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    client.force_login(officer)
    response = client.post(
        reverse("officer-tender-transition", args=[tender.pk, "publish"]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert "approved" in response.text
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT


def test_approver_cannot_publish(client, authority, officer, approver):
    tender = approved_tender(authority=authority, officer=officer, approver=approver)
    client.force_login(approver)
    response = client.post(reverse("officer-tender-transition", args=[tender.pk, "publish"]))
    assert response.status_code == 403
    tender.refresh_from_db()
    assert tender.state == TenderState.APPROVED


def test_document_over_the_size_limit_is_refused_before_storing(
    client, authority, officer, settings
):
    settings.ZUSCHLAG_MAX_DOCUMENT_BYTES = 2000
    tender = draft_tender(authority=authority, officer=officer, documents=False)
    client.force_login(officer)
    big = SimpleUploadedFile("gross.pdf", PDF + b"0" * 5000, content_type="application/pdf")
    response = client.post(
        reverse("officer-document-add", args=[tender.pk]),
        {"title": "Pläne", "file": big},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert "larger than the limit" in response.text
    assert not DocumentVersion.objects.exists()


def test_document_of_a_refused_type(client, authority, officer):
    tender = draft_tender(authority=authority, officer=officer, documents=False)
    client.force_login(officer)
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/pdf")
    response = client.post(
        reverse("officer-document-add", args=[tender.pk]),
        {"title": "Tool", "file": exe},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "are not accepted" in response.text
    assert not DocumentVersion.objects.exists()


def test_document_upload_and_staff_download(client, authority, officer):
    tender = draft_tender(authority=authority, officer=officer, documents=False)
    client.force_login(officer)
    upload = SimpleUploadedFile("lv.pdf", PDF, content_type="application/octet-stream")
    response = client.post(
        reverse("officer-document-add", args=[tender.pk]), {"title": "LV", "file": upload}
    )
    assert response.status_code == 302
    version = DocumentVersion.objects.get()
    assert version.content_type == "application/pdf"
    download = client.get(reverse("officer-document-download", args=[version.public_id]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_question_after_the_deadline_is_refused_in_the_browser(
    client, authority, officer, approver, bidder
):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    with freeze_time(tender.questions_deadline + timedelta(hours=1)):
        client.force_login(bidder)  # inside: a session from 30 days earlier would have expired
        response = client.post(
            reverse("bidder-question", args=[tender.pk]),
            {"text": "Ist Variante B zulässig?"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 409
    assert "deadline for questions ended" in response.text
    assert not Question.objects.exists()


def test_question_answer_round_trip_without_asker_identity(
    client, authority, officer, approver, bidder, operator
):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    client.force_login(bidder)
    assert client.post(reverse("bidder-interest", args=[tender.pk])).status_code == 302
    response = client.post(
        reverse("bidder-question", args=[tender.pk]), {"text": "Bauer fragt: Variante B?"}
    )
    assert response.status_code == 302
    question = Question.objects.get()
    client.force_login(officer)
    detail = client.get(reverse("officer-tender-detail", args=[tender.pk]))
    assert operator.name in detail.text  # officers see who asked
    response = client.post(
        reverse("officer-question-answer", args=[tender.pk, question.pk]),
        {"public_text": "Ist Variante B zulässig?", "answer": "Nein, nur Variante A."},
    )
    assert response.status_code == 302
    other_org_member = person(OperatorFactory(), Role.BIDDER_USER)
    client.force_login(other_org_member)
    page = client.get(reverse("bidder-tender", args=[tender.pk]))
    assert "Nein, nur Variante A." in page.text
    assert "Ist Variante B zulässig?" in page.text
    assert "Bauer fragt" not in page.text
    assert operator.name not in page.text
    client.force_login(bidder)
    inbox = client.get(reverse("tender-inbox"))
    assert "Nein, nur Variante A." in inbox.text


def test_officer_of_the_authority_cannot_ask_questions(client, authority, officer, approver):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    client.force_login(officer)
    response = client.post(reverse("bidder-question", args=[tender.pk]), {"text": "?"})
    assert response.status_code == 403
    assert not Question.objects.exists()


def test_bidder_pages_hide_unpublished_tenders(client, authority, officer, bidder, operator):
    tender = draft_tender(authority=authority, officer=officer)
    client.force_login(bidder)
    assert client.get(reverse("bidder-tender", args=[tender.pk])).status_code == 404
    with pytest.raises(TenderNotFoundError):
        question_ask(tender_id=tender.pk, actor=bidder, organisation=operator, text="?")


def test_cancel_through_the_page_needs_a_reason(client, authority, officer, approver):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    client.force_login(officer)
    url = reverse("officer-tender-transition", args=[tender.pk, "cancel"])
    response = client.post(url, {"ground": "not_economic", "reason": ""})
    assert response.status_code == 400
    assert "VgV §63" in response.text
    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLISHED
    response = client.post(url, {"ground": "not_economic", "reason": "Budget gestrichen"})
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.state == TenderState.CANCELLED


def test_every_page_renders_for_each_state(client, authority, officer, approver, bidder):
    from tenders.models import Lot

    draft = draft_tender(authority=authority, officer=officer)
    lot = Lot.objects.create(
        tender=draft, number=1, title="Los", cpv_main="39130000-2", estimated_value=1
    )
    pending = draft_tender(authority=authority, officer=officer)
    tender_submit(tender_id=pending.pk, actor=officer)
    published = published_tender(authority=authority, officer=officer, approver=approver)
    document = published.documents.get()
    client.force_login(officer)
    pages = [
        reverse("officer-tenders"),
        reverse("officer-tenders") + "?state=draft",
        reverse("officer-tender-create"),
        reverse("officer-tender-edit", args=[draft.pk]),
        reverse("officer-lot-add", args=[draft.pk]),
        reverse("officer-lot-edit", args=[draft.pk, lot.pk]),
        reverse("officer-criteria", args=[draft.pk]),
        reverse("officer-criteria", args=[draft.pk]) + f"?lot={lot.pk}",
        reverse("officer-committee", args=[draft.pk]),
        reverse("officer-document-add", args=[draft.pk]),
        reverse("officer-document-version", args=[published.pk, document.pk]),
    ] + [reverse("officer-tender-detail", args=[t.pk]) for t in (draft, pending, published)]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    client.force_login(approver)
    page = client.get(reverse("officer-tender-detail", args=[pending.pk]))
    assert 'name="approve"' in page.text
    client.force_login(bidder)
    for url in (reverse("bidder-tender", args=[published.pk]), reverse("tender-inbox")):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("lang", "draft", "pending"),
    [
        ("en", "Draft", "Pending approval"),
        ("de", "Entwurf", "Zur Freigabe"),
        ("fr", "Brouillon", None),
    ],
)
def test_history_names_states_by_their_translated_labels(
    client, authority, officer, lang, draft, pending
):
    from django.utils import translation

    tender = draft_tender(authority=authority, officer=officer)
    tender_submit(tender_id=tender.pk, actor=officer)
    client.force_login(officer)
    response = client.get(
        reverse("officer-tender-detail", args=[tender.pk]), HTTP_ACCEPT_LANGUAGE=lang
    )
    history = response.text.split('class="audit-trail"')[1]
    with translation.override(lang):
        pending = pending or str(TenderState.PENDING_APPROVAL.label)
    assert f"<td>{draft}</td>" in history
    assert f"<td>{escape(pending)}</td>" in history
    assert "<td>pending_approval</td>" not in history
