"""The public portal: what anyone sees without logging in, and what they never see."""

import hashlib
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procurement.core.roles import Role
from procurement.core.timeutil import BERLIN
from tenders.models import TenderState
from tenders.portal_selectors import PortalQuery, search_terms, tender_portal_list
from tests.factories import AuthorityFactory, OperatorFactory, person
from tests.tenders.portal_factories import (
    add_criteria,
    add_document,
    add_lot,
    add_publication,
    add_question,
    make_tender,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def listed(client, **params) -> list[str]:
    response = client.get(reverse("portal-list"), params)
    assert response.status_code == 200, response.content[:500]
    return [t.reference for t in response.context["page"].object_list]


# --- visibility ------------------------------------------------------------------------------


def test_only_published_tenders_are_listed_closed_and_awarded_marked(client):
    # given tenders in every state before and after publication
    hidden = [
        make_tender(state=TenderState.DRAFT),
        make_tender(state=TenderState.PENDING_APPROVAL),
        make_tender(state=TenderState.APPROVED),
        make_tender(state=TenderState.CANCELLED, published=False),
    ]
    published = make_tender(state=TenderState.PUBLISHED)
    closed = make_tender(state=TenderState.CLOSED)
    awarded = make_tender(state=TenderState.AWARDED)
    # when anyone opens the portal
    response = client.get(reverse("portal-list"))
    # then only published ones show, each with its public state
    refs = {t.reference for t in response.context["page"].object_list}
    assert refs == {published.reference, closed.reference, awarded.reference}
    html = response.content.decode()
    for tender in hidden:
        assert tender.reference not in html
        assert client.get(reverse("portal-detail", args=[tender.reference])).status_code == 404
    assert f'data-reference="{closed.reference}"' in html
    states = dict(re.findall(r'data-reference="([^"]+)">.*?class="badge state-(\w+)"', html))
    assert states == {
        published.reference: "published",
        closed.reference: "closed",
        awarded.reference: "awarded",
    }


def test_published_tender_past_its_deadline_is_shown_closed(client):
    tender = make_tender(submission_deadline=timezone.now() - timedelta(minutes=1))
    response = client.get(reverse("portal-detail", args=[tender.reference]))
    assert response.context["public_state"] == "closed"


def test_cancelled_after_publication_stays_visible_as_cancelled(client):
    tender = make_tender(
        state=TenderState.CANCELLED,
        published=True,
        cancellation_ground="not_economic",
        cancellation_reason="Haushaltsmittel gestrichen",
    )
    response = client.get(reverse("portal-detail", args=[tender.reference]))
    assert response.status_code == 200
    assert response.context["public_state"] == "cancelled"
    assert "Haushaltsmittel gestrichen" in response.content.decode()


# --- search ------------------------------------------------------------------------------------


def test_search_finds_by_word_in_title_description_reference_and_authority(client):
    school = make_tender(title="Sanierung Grundschule Nord", description="Dach und Fenster")
    bridge = make_tender(title="Brückenprüfung", description="Prüfung nach DIN 1076")
    city = AuthorityFactory(name="Landeshauptstadt Kiel")
    kiel = make_tender(title="Reinigung", authority=city)
    assert listed(client, q="grundschule") == [school.reference]
    assert listed(client, q="Fenster") == [school.reference]
    assert listed(client, q="DIN 1076") == [bridge.reference]
    assert listed(client, q=bridge.reference) == [bridge.reference]
    assert listed(client, q="Kiel") == [kiel.reference]
    # every word must match, across the tender and its authority
    assert listed(client, q="Reinigung Kiel") == [kiel.reference]
    assert listed(client, q="Reinigung Grundschule") == []


def test_search_matches_word_prefixes_and_ignores_query_syntax(client):
    school = make_tender(title="Schulgebäude Erweiterung")
    assert listed(client, q="schul") == [school.reference]
    # Characters of tsquery / LIKE syntax are not operators: no error, no wildcard.
    assert listed(client, q="schul & | ! :* ' % _ ( )") == [school.reference]
    assert listed(client, q="%") == [school.reference]  # no word left: no text filter
    assert search_terms("a&b|c!d:*") == ["a", "b", "c", "d"]


def test_search_never_finds_drafts(client):
    make_tender(title="Geheimes Rathausprojekt", state=TenderState.DRAFT)
    make_tender(title="Geheimes Rathausprojekt", state=TenderState.APPROVED)
    assert listed(client, q="Rathausprojekt") == []


def test_cpv_prefix_matches_subtree_of_main_additional_and_lot_codes(client):
    main = make_tender(cpv_main="45210000-2")
    additional = make_tender(cpv_main="71000000-8", cpv_additional=["45214200-2"])
    by_lot = make_tender(cpv_main="71000000-8")
    add_lot(by_lot, number=1, cpv="45213000-3")
    other = make_tender(cpv_main="45100000-8", cpv_additional=["71245000-7"])
    assert set(listed(client, cpv="4521")) == {
        main.reference,
        additional.reference,
        by_lot.reference,
    }
    assert listed(client, cpv="45210000") == [main.reference]
    assert listed(client, cpv="45210000-2") == [main.reference]
    assert set(listed(client, cpv="45")) == {
        main.reference,
        additional.reference,
        by_lot.reference,
        other.reference,
    }
    # a code deeper in the additional list is found too, and a digit inside a code is not
    assert listed(client, cpv="712") == [other.reference]
    assert listed(client, cpv="1000") == []


@pytest.mark.parametrize("bad", ["abc", "4", "452100001", "45'--", "4521*"])
def test_bad_cpv_gets_a_clear_message_and_no_list(client, bad):
    make_tender()
    response = client.get(reverse("portal-list"), {"cpv": bad})
    assert response.status_code == 400
    assert response.context["page"] is None
    assert "CPV" in response.content.decode()


def test_filters_deadline_range_in_berlin_days_type_procedure_regime(client):
    # 23:30 UTC on 14 March is already 15 March in Berlin
    late = make_tender(
        submission_deadline=datetime(2027, 3, 14, 23, 30, tzinfo=UTC),
        contract_type="services",
        procedure="restricted",
        regime="eu",
    )
    early = make_tender(
        submission_deadline=datetime(2027, 3, 14, 10, 0, tzinfo=BERLIN),
        contract_type="supplies",
        procedure="national_public",
        regime="national",
    )
    assert listed(client, deadline_from="2027-03-15") == [late.reference]
    assert listed(client, deadline_to="2027-03-14") == [early.reference]
    assert set(listed(client, deadline_from="2027-03-14", deadline_to="2027-03-15")) == {
        late.reference,
        early.reference,
    }
    assert listed(client, contract_type="services") == [late.reference]
    assert listed(client, procedure="national_public") == [early.reference]
    assert listed(client, regime="national") == [early.reference]
    assert listed(client, regime="eu", contract_type="supplies") == []


def test_open_only_hides_closed_and_past_deadline(client):
    live = make_tender()
    make_tender(state=TenderState.CLOSED)
    make_tender(submission_deadline=timezone.now() - timedelta(hours=1))
    assert listed(client, open_only="on") == [live.reference]


def test_reversed_deadline_range_is_refused_with_message_in_the_visitors_language(client):
    params = {"deadline_from": "2027-02-01", "deadline_to": "2027-01-01"}
    german = client.get(reverse("portal-list"), params)  # the site's default language
    assert german.status_code == 400
    assert "Der Fristzeitraum endet, bevor er beginnt." in german.content.decode()
    english = client.get(reverse("portal-list"), params, HTTP_ACCEPT_LANGUAGE="en")
    assert "The deadline range ends before it starts." in english.content.decode()
    french = client.get(reverse("portal-list"), params, HTTP_ACCEPT_LANGUAGE="fr")
    assert "La période se termine avant de commencer." in french.content.decode()


def test_pagination_newest_first(client):
    tenders = [make_tender() for _ in range(25)]
    newest_first = sorted(tenders, key=lambda t: t.published_at, reverse=True)
    first = listed(client, per_page=10)
    third = listed(client, per_page=10, page=3)
    assert first == [t.reference for t in newest_first[:10]]
    assert third == [t.reference for t in newest_first[20:]]


@pytest.mark.parametrize("params", [{}, {"q": "Sanierung"}, {"cpv": "4521"}])
def test_list_query_count_does_not_grow_with_page_size(client, params):
    for n in range(60):
        tender = make_tender(title=f"Sanierung {n}", cpv_main="45210000-2")
        if n % 3 == 0:
            add_lot(tender, number=1)
    counts = {}
    for size in (10, 50):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("portal-list"), {**params, "per_page": size})
        assert len(response.context["page"].object_list) == size
        counts[size] = len(ctx.captured_queries)
    assert counts[10] == counts[50], counts


def test_list_query_budget(client, django_assert_max_num_queries):
    for _ in range(50):
        make_tender(title="Sanierung")
    # the ids (count and page) and the page's list fields, on either database
    with django_assert_max_num_queries(2):
        response = client.get(
            reverse("portal-list"), {"q": "sanierung", "cpv": "45", "per_page": 50}
        )
    assert response.context["paginator"].count == 50


def test_selector_filters_without_http(db):
    tender = make_tender(title="Straßenbeleuchtung", contract_type="supplies")
    make_tender(title="Straßenreinigung", contract_type="services")
    found = tender_portal_list(query=PortalQuery(text="straßen", contract_type="supplies"))
    assert [t.reference for t in found] == [tender.reference]


# --- detail, documents --------------------------------------------------------------------------


def test_detail_shows_lots_weighted_criteria_berlin_deadlines_documents_and_open_data(client):
    tender = make_tender(
        title="Neubau Feuerwache",
        description="Neubau mit Fahrzeughalle",
        cpv_additional=["45216121-8"],
        submission_deadline=datetime(2027, 1, 15, 11, 0, tzinfo=UTC),
        questions_deadline=datetime(2027, 1, 5, 11, 0, tzinfo=UTC),
    )
    lot = add_lot(tender, number=1, title="Rohbau")
    add_criteria(tender)
    add_criteria(tender, lot=lot)
    document = add_document(tender, title="Vergabeunterlagen", versions=2)
    add_publication(tender, kind="ocds", content='{"ocid": "x"}')
    response = client.get(reverse("portal-detail", args=[tender.reference]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Neubau Feuerwache" in html
    assert "Fahrzeughalle" in html
    assert "Rohbau" in html
    assert "45216121-8" in html
    assert "Preis" in html
    assert "60 %" in html
    assert "40 %" in html
    # 11:00 UTC in January is 12:00 in Berlin
    assert "15.01.2027 12:00" in html
    assert "05.01.2027 12:00" in html
    current = document.versions.get(number=2)
    assert current.sha256 in html
    assert reverse("portal-document", args=[current.public_id]) in html
    assert reverse("portal-document", args=[document.versions.get(number=1).public_id]) in html
    assert reverse("opendata-ocds", args=[tender.ocid]) in html
    assert reverse("opendata-eforms", args=[tender.reference]) not in html  # none stored


def test_detail_query_count_is_fixed(client, django_assert_max_num_queries):
    tender = make_tender()
    for n in range(1, 6):
        lot = add_lot(tender, number=n)
        add_criteria(tender, lot=lot)
        add_document(tender, title=f"Doc {n}", versions=3, lot=lot)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal-detail", args=[tender.reference]))
    assert len(response.context["documents"]) == 5


def test_document_download_streams_exact_bytes_with_recorded_sha256(client):
    payload = bytes(range(256)) * 1000
    tender = make_tender()
    document = add_document(tender, content=payload, name="Leistungsbeschreibung ä.pdf")
    version = document.versions.get()
    # when an anonymous visitor downloads it
    response = client.get(reverse("portal-document", args=[version.public_id]))
    # then the file streams in full, as an attachment, with the recorded hash
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert body == payload
    assert hashlib.sha256(body).hexdigest() == version.sha256
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Leistungsbeschreibung%20%C3%A4.pdf" in response["Content-Disposition"]
    assert response["Content-Length"] == str(len(payload))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert version.file.name not in str(response.items())  # the storage path stays private


def test_head_request_tells_size_and_digest_without_the_body(client):
    version = add_document(make_tender(), content=b"x" * 5000).versions.get()
    response = client.head(reverse("portal-document", args=[version.public_id]))
    assert response.status_code == 200
    assert response["Content-Length"] == "5000"
    assert response["ETag"] == f'"{version.sha256}"'
    assert response["Repr-Digest"].startswith("sha-256=:")


def test_list_links_the_feed_of_the_searched_cpv_subtree(client):
    make_tender(cpv_main="45210000-2")
    html = client.get(reverse("portal-list"), {"cpv": "4521"}).content.decode()
    assert f'href="{reverse("portal-feed")}?cpv=4521"' in html


def test_documents_of_unpublished_tenders_cannot_be_downloaded(client):
    for state in (TenderState.DRAFT, TenderState.PENDING_APPROVAL, TenderState.APPROVED):
        version = add_document(make_tender(state=state)).versions.get()
        url = reverse("portal-document", args=[version.public_id])
        assert client.get(url).status_code == 404


def test_unknown_document_id_is_404(client):
    url = reverse("portal-document", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404


def test_answers_are_public_without_asker_questions_unanswered_stay_private(client):
    org = OperatorFactory(name="Verschwiegen Bau GmbH")
    bidder = person(org, Role.BIDDER_USER, username="asker-7f3k")
    tender = make_tender()
    add_question(
        tender,
        asker=bidder,
        text="Ist eine Besichtigung möglich? Bau GmbH, Herr X",
        public_text="Ist eine Besichtigung möglich?",
        answer="Ja, am 3. März.",
    )
    add_question(tender, asker=bidder, text="Unbeantwortete Frage zum Los 2")
    response = client.get(reverse("portal-detail", args=[tender.reference]))
    html = response.content.decode()
    assert "Ist eine Besichtigung möglich?" in html
    assert "Ja, am 3. März." in html
    assert "Unbeantwortete Frage" not in html
    assert "Herr X" not in html
    for private in (bidder.username, bidder.get_full_name(), org.name):
        assert private not in html


# --- feed ----------------------------------------------------------------------------------------


def _feed_entries(client, **params) -> list[str]:
    response = client.get(reverse("portal-feed"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    return [entry.find(f"{ATOM}title").text.split(":")[0] for entry in root.iter(f"{ATOM}entry")]


def test_feed_lists_newly_published_tenders_newest_first(client):
    old = make_tender(published_at=timezone.now() - timedelta(days=2))
    new = make_tender(published_at=timezone.now() - timedelta(hours=1))
    make_tender(state=TenderState.DRAFT)
    make_tender(state=TenderState.APPROVED)
    assert _feed_entries(client) == [new.reference, old.reference]


def test_feed_query_count_is_fixed(client, django_assert_max_num_queries):
    for _ in range(60):
        add_lot(make_tender(cpv_additional=["45210000-2"]), number=1)
    with django_assert_max_num_queries(3):
        assert len(_feed_entries(client)) == 50


def test_feed_per_cpv_prefix(client):
    roads = make_tender(cpv_main="45233120-6")
    make_tender(cpv_main="72000000-5")
    assert _feed_entries(client, cpv="4523") == [roads.reference]
    assert client.get(reverse("portal-feed"), {"cpv": "x1"}).status_code == 404


def test_feed_entry_links_to_portal_and_tells_deadline_in_berlin(client):
    tender = make_tender(submission_deadline=datetime(2027, 7, 1, 8, 0, tzinfo=UTC))
    response = client.get(reverse("portal-feed"))
    root = ElementTree.fromstring(response.content)
    entry = next(root.iter(f"{ATOM}entry"))
    assert (
        entry.find(f"{ATOM}link")
        .get("href")
        .endswith(reverse("portal-detail", args=[tender.reference]))
    )
    assert "2027-07-01 10:00 CEST" in entry.find(f"{ATOM}summary").text


# --- open data ---------------------------------------------------------------------------------


def test_opendata_ocds_is_a_release_package_of_the_stored_releases(client):
    tender = make_tender()
    add_publication(
        tender,
        kind="ocds",
        sequence=1,
        content=f'{{"ocid": "{tender.ocid}", "id": "r1", "date": "2026-11-01T10:00:00Z"}}',
    )
    add_publication(
        tender,
        kind="ocds",
        sequence=2,
        content=f'{{"ocid": "{tender.ocid}", "id": "r2", "date": "2026-11-02T10:00:00Z"}}',
    )
    response = client.get(reverse("opendata-ocds", args=[tender.ocid]))
    assert response.status_code == 200
    package = response.json()
    assert [r["id"] for r in package["releases"]] == ["r1", "r2"]
    assert package["version"] == "1.1"
    newest = tender.publications.order_by("-created_at").first().created_at
    assert package["publishedDate"] == newest.isoformat(timespec="seconds")
    assert package["uri"].endswith(f"/opendata/ocds/{tender.ocid}.json")
    assert package["publisher"]["name"] == tender.authority.name


def test_opendata_eforms_serves_newest_stored_notice(client):
    tender = make_tender()
    add_publication(tender, kind="eforms", sequence=1, content="<ContractNotice>1</ContractNotice>")
    add_publication(tender, kind="eforms", sequence=2, content="<ContractNotice>2</ContractNotice>")
    response = client.get(reverse("opendata-eforms", args=[tender.reference]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert response.content == b"<ContractNotice>2</ContractNotice>"


def test_opendata_of_unpublished_or_unknown_tenders_is_404(client):
    draft = make_tender(state=TenderState.APPROVED)
    add_publication(draft, kind="ocds", content='{"id": "leak"}')
    add_publication(draft, kind="eforms", content="<leak/>")
    assert client.get(reverse("opendata-ocds", args=[draft.ocid])).status_code == 404
    assert client.get(reverse("opendata-eforms", args=[draft.reference])).status_code == 404
    assert client.get(reverse("opendata-ocds", args=["ocds-other-X-1"])).status_code == 404
    national = make_tender(regime="national")
    assert client.get(reverse("opendata-eforms", args=[national.reference])).status_code == 404
