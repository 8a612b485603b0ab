"""The public read-only tender API: published data only, nothing private, a clean schema."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from procurement.core.roles import Role
from tenders.models import TenderState
from tests.factories import OperatorFactory, person
from tests.tenders.portal_factories import (
    add_criteria,
    add_document,
    add_lot,
    add_publication,
    add_question,
    make_tender,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def refs(response) -> list[str]:
    assert response.status_code == 200, response.content[:400]
    return [item["reference"] for item in response.json()["results"]]


def test_list_is_public_and_holds_published_tenders_only(api):
    published = make_tender(state=TenderState.PUBLISHED)
    awarded = make_tender(state=TenderState.AWARDED)
    for state in (TenderState.DRAFT, TenderState.PENDING_APPROVAL, TenderState.APPROVED):
        make_tender(state=state)
    response = api.get(reverse("api-tender-list"))
    assert set(refs(response)) == {published.reference, awarded.reference}
    statuses = {item["reference"]: item["status"] for item in response.json()["results"]}
    assert statuses == {published.reference: "published", awarded.reference: "awarded"}


def test_list_filters_like_the_portal(api):
    school = make_tender(title="Schulsanierung", cpv_main="45214200-2", contract_type="works")
    make_tender(title="Büromaterial", cpv_main="30192000-1", contract_type="supplies")
    url = reverse("api-tender-list")
    assert refs(api.get(url, {"q": "schulsanierung"})) == [school.reference]
    assert refs(api.get(url, {"cpv": "4521"})) == [school.reference]
    assert refs(api.get(url, {"contract_type": "works"})) == [school.reference]
    assert refs(api.get(url, {"contract_type": "supplies", "cpv": "4521"})) == []


def test_bad_filter_is_400_with_a_message(api):
    response = api.get(reverse("api-tender-list"), {"cpv": "45x"})
    assert response.status_code == 400
    assert response.json()["field"] == "cpv"
    assert "CPV" in response.json()["detail"]
    response = api.get(reverse("api-tender-list"), {"deadline_from": "not-a-date"})
    assert response.status_code == 400
    assert response.json()["field"] == "deadline_from"


def test_page_size_is_capped(api):
    for _ in range(205):
        make_tender()
    response = api.get(reverse("api-tender-list"), {"limit": 100000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 200
    assert response.json()["count"] == 205


def test_a_stale_token_does_not_turn_a_public_read_into_401(api):
    make_tender()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(reverse("api-tender-list")).status_code == 200


def test_api_is_read_only(api):
    tender = make_tender()
    for url in (reverse("api-tender-list"), reverse("api-tender-detail", args=[tender.reference])):
        assert api.post(url, {"title": "x"}, format="json").status_code == 405
        assert api.put(url, {"title": "x"}, format="json").status_code == 405
        assert api.delete(url).status_code == 405


def test_detail_carries_public_data_lots_criteria_documents_answers_open_data(api, bidder):
    tender = make_tender(title="Kita-Neubau", description="Holzbauweise")
    lot = add_lot(tender, number=1, cpv="45214100-1", title="Rohbau")
    add_criteria(tender)
    add_criteria(tender, lot=lot)
    document = add_document(tender, title="Leistungsverzeichnis", versions=2)
    add_question(tender, asker=bidder, text="Gibt es Pläne als DWG?", answer="Ja, Anlage 4.")
    add_publication(tender, kind="ocds", content=json.dumps({"ocid": tender.ocid, "id": "r-1"}))
    add_publication(tender, kind="eforms", content="<ContractNotice/>")
    response = api.get(reverse("api-tender-detail", args=[tender.reference]))
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "Kita-Neubau"
    assert data["description"] == "Holzbauweise"
    assert data["ocid"] == tender.ocid
    assert [c["weight"] for c in data["criteria"]] == ["60.00", "40.00"]
    assert data["lots"][0]["title"] == "Rohbau"
    assert [c["name"] for c in data["lots"][0]["criteria"]] == ["Preis", "Qualität"]
    current = document.versions.get(number=2)
    docs = {(d["title"], d["version"]): d for d in data["documents"]}
    assert docs[("Leistungsverzeichnis", 2)]["sha256"] == current.sha256
    assert docs[("Leistungsverzeichnis", 2)]["current"] is True
    assert docs[("Leistungsverzeichnis", 1)]["current"] is False
    assert docs[("Leistungsverzeichnis", 2)]["download_url"].endswith(
        reverse("portal-document", args=[current.public_id])
    )
    assert data["answers"] == [
        {
            "question": "Gibt es Pläne als DWG?",
            "answer": "Ja, Anlage 4.",
            "answered_at": data["answers"][0]["answered_at"],
        }
    ]
    assert data["open_data"]["ocds_url"].endswith(f"/opendata/ocds/{tender.ocid}.json")
    assert data["open_data"]["eforms_url"].endswith(f"/opendata/eforms/{tender.reference}.xml")
    assert data["ocds_release"] == {"ocid": tender.ocid, "id": "r-1"}


def test_download_url_from_the_api_gives_the_file(api):
    tender = make_tender()
    add_document(tender, content=b"exact bytes \x00\xff")
    item = api.get(reverse("api-tender-documents", args=[tender.reference])).json()[0]
    response = api.get(item["download_url"])
    assert b"".join(response.streaming_content) == b"exact bytes \x00\xff"


@pytest.mark.parametrize(
    "state", [TenderState.DRAFT, TenderState.PENDING_APPROVAL, TenderState.APPROVED]
)
def test_unpublished_tender_is_404_on_every_endpoint(api, state):
    tender = make_tender(state=state, title="Unveröffentlicht")
    add_document(tender)
    for name in ("api-tender-detail", "api-tender-documents", "api-tender-answers"):
        assert api.get(reverse(name, args=[tender.reference])).status_code == 404
    assert refs(api.get(reverse("api-tender-list"), {"q": "Unveröffentlicht"})) == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "No published tender with the reference 'NIX-1'."),
        ("de", "Keine veröffentlichte Ausschreibung mit der Vergabenummer 'NIX-1'."),
        (
            "fr",
            "Aucun appel d\N{RIGHT SINGLE QUOTATION MARK}offres publié avec la référence 'NIX-1'.",
        ),
    ],
)
def test_unknown_tender_is_404_in_the_reader_language(api, language, expected):
    response = api.get(reverse("api-tender-detail", args=["NIX-1"]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert response.json()["detail"] == expected


def test_nothing_private_leaks_through_any_endpoint(api, authority):
    # given a published tender with an answered and an unanswered question by a bidder,
    # and officers who drafted and approved it (names chosen to occur nowhere else)
    officer = person(authority, Role.PROCUREMENT_OFFICER, username="officer-q8w2")
    approver = person(authority, Role.APPROVER, username="approver-secret")
    bidder = person(OperatorFactory(name="Diskret Bau GmbH"), Role.BIDDER_USER, username="b-9x1")
    tender = make_tender(
        authority=authority,
        created_by=officer,
        submitted_by=officer,
        approved_by=approver,
        description="Öffentlich",
    )
    add_document(tender)
    add_question(
        tender,
        asker=bidder,
        text="Wir, die Bieterfirma, fragen: Frist?",
        public_text="Kann die Frist verlängert werden?",
        answer="Nein.",
    )
    add_question(tender, asker=bidder, text="Noch offene Frage ohne Antwort")
    bidder_org = bidder.memberships.first().organisation
    secrets = [
        bidder.username,
        bidder.email,
        bidder.get_full_name(),
        bidder_org.name,
        officer.username,
        approver.username,
        "Wir, die Bieterfirma",
        "Noch offene Frage",
        "asked_by",
        "asker",
        "answered_by",
        "approved_by",
        "created_by",
        "tenders/documents/",
    ]
    # when every public endpoint is read
    bodies = [
        api.get(reverse("api-tender-list")).content.decode(),
        api.get(reverse("api-tender-detail", args=[tender.reference])).content.decode(),
        api.get(reverse("api-tender-documents", args=[tender.reference])).content.decode(),
        api.get(reverse("api-tender-answers", args=[tender.reference])).content.decode(),
    ]
    # then none carries anything private
    for body in bodies:
        for secret in secrets:
            assert secret not in body, secret
    answers = json.loads(bodies[3])
    assert answers == [
        {
            "question": "Kann die Frist verlängert werden?",
            "answer": "Nein.",
            "answered_at": answers[0]["answered_at"],
        }
    ]


def test_list_query_count_does_not_grow_with_page_size(api):
    for n in range(60):
        tender = make_tender(title=f"Sanierung {n}", cpv_additional=["45210000-2"])
        add_lot(tender, number=1)
    counts = {}
    for limit in (10, 50):
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(reverse("api-tender-list"), {"limit": limit, "q": "sanierung"})
        assert len(response.json()["results"]) == limit
        counts[limit] = len(ctx.captured_queries)
    assert counts[10] == counts[50], counts


def test_detail_query_count_is_fixed(api, django_assert_max_num_queries):
    tender = make_tender()
    for n in range(1, 6):
        lot = add_lot(tender, number=n)
        add_criteria(tender, lot=lot)
        add_document(tender, title=f"Doc {n}", versions=2, lot=lot)
    with django_assert_max_num_queries(9):
        response = api.get(reverse("api-tender-detail", args=[tender.reference]))
    assert len(response.json()["documents"]) == 10


# --- OpenAPI ---------------------------------------------------------------------------------


def test_schema_of_the_public_endpoints_generates_without_warnings():
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include("tenders.api.urls"))])
    with GENERATOR_STATS.silence():
        schema = generator.get_schema(request=None, public=True)
    problems = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    assert problems == []
    paths = schema["paths"]
    assert set(paths) == {
        "/api/v1/tenders/",
        "/api/v1/tenders/{reference}/",
        "/api/v1/tenders/{reference}/documents/",
        "/api/v1/tenders/{reference}/answers/",
    }
    list_params = {p["name"] for p in paths["/api/v1/tenders/"]["get"]["parameters"]}
    assert {
        "q",
        "cpv",
        "deadline_from",
        "deadline_to",
        "contract_type",
        "procedure",
        "regime",
        "limit",
        "offset",
    } <= list_params
    detail = schema["components"]["schemas"]["TenderDetailOut"]["properties"]
    assert {"lots", "criteria", "documents", "answers", "open_data", "ocds_release"} <= set(detail)
    answer = schema["components"]["schemas"]["AnswerOut"]["properties"]
    assert set(answer) == {"question", "answer", "answered_at"}


def test_project_schema_endpoint_lists_the_public_tender_api(client):
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert "/api/v1/tenders/{reference}/" in schema["paths"]
    operation = schema["paths"]["/api/v1/tenders/"]["get"]
    assert (
        operation["security"] == [{}] or "security" not in operation or {} in operation["security"]
    )
