"""Issue 2 end to end in a real browser: draft → four-eyes approval → publication → a bidder finds
the tender, downloads a document without logging in, asks a question → the officer answers →
another bidder reads the answer, which does not name the asker. Every page is photographed
(test-artifacts/screenshots/test_tender_from_draft_to_public_answer/)."""

import hashlib
import io
import re
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from reportlab.pdfgen import canvas

from procurement.core.roles import Role
from procurement.core.timeutil import BERLIN
from tenders.models import Question, Tender, TenderState
from tests.factories import AuthorityFactory, OperatorFactory, UserFactory, person

PASSWORD = "secret-pass-123"


def _pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _local(delta: timedelta) -> str:
    """A datetime-local input value in Berlin time, rounded to the minute."""
    return (timezone.now() + delta).astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def _people():
    from tenders.models import ReviewBody

    authority = AuthorityFactory(name="Stadt Lindenau", email="vergabe@lindenau.example")
    ReviewBody.objects.create(
        name="Vergabekammer Lindenau",
        street="Am Markt 1",
        postcode="10115",
        city="Berlin",
        identifier="DE-VK-LINDENAU",
        nuts="DE300",
        email="vk@lindenau.example",
    )
    officer = person(authority, Role.PROCUREMENT_OFFICER, username="e2e-officer")
    approver = person(authority, Role.APPROVER, username="e2e-approver")
    members = [
        person(authority, Role.OPENING_COMMITTEE, username=f"e2e-committee-{n}") for n in (1, 2)
    ]
    first_bidder_org = OperatorFactory(name="Asker Systemhaus GmbH")
    asker = UserFactory(username="e2e-asker", first_name="Aurelia", last_name="Fragesteller")
    person(first_bidder_org, Role.BIDDER_USER, username="e2e-asker")
    other_org = OperatorFactory(name="Zweite Bieter AG")
    other = person(other_org, Role.BIDDER_USER, username="e2e-other-bidder")
    return officer, approver, members, asker, first_bidder_org, other


def _logout(page) -> None:
    page.locator("header form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()


def _flash(page) -> str:
    return " ".join(page.locator("main .messages li").all_inner_texts())


def test_tender_from_draft_to_public_answer(page, screenshot, login):
    officer, approver, members, asker, asker_org, other = _people()
    document_bytes = _pdf("Leistungsbeschreibung Fachverfahren Bürgerservice")

    # --- the officer drafts the tender ----------------------------------------------------------
    login(page, officer.username, PASSWORD)
    page.goto("/officer/tenders/new/")
    page.fill("#id_title", "Betrieb Fachverfahren Bürgerservice")
    page.fill("#id_description", "Betrieb und Pflege des Fachverfahrens für das Bürgeramt.")
    page.select_option("#id_contract_type", "services")
    page.select_option("#id_procedure", "open")
    page.fill("#id_estimated_value", "300000.00")
    page.fill("#id_cpv_main", "72000000-5")
    page.fill("#id_nuts", "DE300")
    page.fill("#id_contact_phone", "+49 30 1234567")
    page.select_option("#id_review_body", label="Vergabekammer Lindenau")
    page.fill("#id_questions_deadline", _local(timedelta(days=40)))
    page.fill("#id_submission_deadline", _local(timedelta(days=50)))
    page.fill("#id_opening_at", _local(timedelta(days=50, hours=2)))
    screenshot("officer-new-tender-form")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert re.search(r"/officer/tenders/\d+/$", page.url), _flash(page) or page.content()[:2000]
    tender = Tender.objects.get(title="Betrieb Fachverfahren Bürgerservice")
    assert tender.state == TenderState.DRAFT
    detail_url = f"/officer/tenders/{tender.pk}/"

    page.goto(f"/officer/tenders/{tender.pk}/criteria/")
    page.select_option("select[name='criteria-0-kind']", "price")
    page.fill("input[name='criteria-0-name']", "Preis")
    page.fill("input[name='criteria-0-weight']", "70")
    page.select_option("select[name='criteria-1-kind']", "quality")
    page.fill("input[name='criteria-1-name']", "Konzept Betrieb")
    page.fill("input[name='criteria-1-weight']", "30")
    screenshot("officer-criteria")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{detail_url}")

    page.goto(f"/officer/tenders/{tender.pk}/committee/")
    for member in members:
        page.check(f"input[name='members'][value='{member.pk}']")
    page.fill("#id_quorum", "2")
    screenshot("officer-committee")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{detail_url}")

    page.goto(f"/officer/tenders/{tender.pk}/documents/new/")
    page.fill("#id_title", "Leistungsbeschreibung")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "leistungsbeschreibung.pdf",
                "mimeType": "application/pdf",
                "buffer": document_bytes,
            }
        ],
    )
    screenshot("officer-document-upload")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{detail_url}")

    page.locator("button[name='submit-for-approval']").click()
    page.wait_for_load_state()
    screenshot("officer-submitted")
    tender.refresh_from_db()
    assert tender.state == TenderState.PENDING_APPROVAL, page.locator("main").inner_text()[:1500]
    # the drafter cannot approve (four eyes): there is no approve button for them
    assert page.locator("button[name='approve']").count() == 0
    _logout(page)

    # --- a second person approves ----------------------------------------------------------------
    login(page, approver.username, PASSWORD)
    page.goto(detail_url)
    screenshot("approver-review")
    page.locator("button[name='approve']").click()
    page.wait_for_load_state()
    tender.refresh_from_db()
    assert tender.state == TenderState.APPROVED, page.locator("main").inner_text()[:1500]
    screenshot("approver-approved")
    _logout(page)

    # --- the officer publishes -----------------------------------------------------------------
    login(page, officer.username, PASSWORD)
    page.goto(detail_url)
    page.locator("button[name='publish']").click()
    page.wait_for_load_state()
    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLISHED, page.locator("main").inner_text()[:1500]
    screenshot("officer-published")
    _logout(page)

    # --- an anonymous visitor finds it and downloads the document, no registration -----------
    page.goto("/portal/")
    page.fill("#id_q", "Bürgerservice")
    page.fill("#id_cpv", "72")
    page.locator("form.portal-search button[type=submit]").click()
    page.wait_for_load_state()
    results = page.locator("ul.tender-list li.tender")
    assert results.count() == 1
    assert results.first.get_attribute("data-reference") == tender.reference
    screenshot("portal-search-result")
    results.first.locator("h2 a").click()
    page.wait_for_load_state()
    assert page.locator("#reference").inner_text() == tender.reference
    assert "70 %" in page.locator("table.criteria").inner_text()
    screenshot("portal-detail")
    with page.expect_download() as download_info:
        page.locator("#documents a.download").first.click()
    download = download_info.value
    assert download.suggested_filename == "leistungsbeschreibung.pdf"
    downloaded = Path(download.path()).read_bytes()
    assert downloaded == document_bytes
    listed_hash = page.locator("#documents td.hash").first.inner_text().strip()
    assert hashlib.sha256(downloaded).hexdigest() == listed_hash

    # --- the first bidder asks a question ------------------------------------------------------
    page.locator("#ask-question").click()  # login required: the login form comes first
    page.wait_for_load_state()
    page.fill("#id_username", asker.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/bidder/tenders/{tender.pk}/")
    question_text = (
        "Hier Aurelia Fragesteller von der Asker Systemhaus GmbH: "
        "Ist ein Betrieb in einem externen Rechenzentrum zulässig?"
    )
    page.fill("textarea[name='text']", question_text)
    screenshot("bidder-question-form")
    page.locator("button[name='ask']").click()
    page.wait_for_load_state()
    assert "without your name" in _flash(page) or "ohne Ihren Namen" in _flash(page), _flash(page)
    screenshot("bidder-question-sent")
    question = Question.objects.get(tender=tender)
    assert question.asker_organisation == asker_org
    _logout(page)

    # the question is private until answered: the portal does not show it
    page.goto(f"/portal/{tender.reference}/")
    assert "externen Rechenzentrum" not in page.locator("main").inner_text()

    # --- the second bidder follows the tender before the answer --------------------------------
    login(page, other.username, PASSWORD)
    page.goto(f"/bidder/tenders/{tender.pk}/")
    page.locator("button[name='register-interest']").click()
    page.wait_for_load_state()
    _logout(page)

    # --- the officer answers, neutralising the wording ----------------------------------------
    login(page, officer.username, PASSWORD)
    page.goto(detail_url)
    form = page.locator(f"#q{question.pk} form")
    form.locator("textarea[name='public_text']").fill(
        "Ist ein Betrieb in einem externen Rechenzentrum zulässig?"
    )
    form.locator("textarea[name='answer']").fill(
        "Ja, sofern es in der EU liegt und nach ISO 27001 zertifiziert ist."
    )
    screenshot("officer-answer-form")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    question.refresh_from_db()
    assert question.is_answered, page.locator("main").inner_text()[:1500]
    screenshot("officer-answered")
    _logout(page)

    # --- the other bidder sees the answer, without the asker's identity -----------------------
    login(page, other.username, PASSWORD)
    page.goto("/inbox/")
    screenshot("other-bidder-inbox")
    assert "ISO 27001" in page.locator("main").inner_text()
    page.goto(f"/portal/{tender.reference}/")
    answers = page.locator("#answers").inner_text()
    screenshot("other-bidder-portal-answer")
    assert "Ist ein Betrieb in einem externen Rechenzentrum zulässig?" in answers
    assert "ISO 27001" in answers
    whole_page = page.content()
    for identity in ("Aurelia", "Fragesteller", "Asker Systemhaus", asker.username):
        assert identity not in whole_page, identity
    page.goto(f"/bidder/tenders/{tender.pk}/")
    bidder_view = page.content()
    screenshot("other-bidder-tender-page")
    assert "ISO 27001" in bidder_view
    for identity in ("Aurelia", "Fragesteller", "Asker Systemhaus", asker.username):
        assert identity not in bidder_view, identity
