"""The portal's word search index stays current with every write (SQLite FTS5 table kept by
triggers, migration 0008; PostgreSQL's generated tsvector column, migration 0005).

The unmarked tests run on whichever database the run uses; the postgres-marked one proves the
PostgreSQL path explicitly (DATABASE_URL=postgres://…)."""

import pytest
from django.db import connection
from django.urls import reverse

from procurement.core.models import Organisation
from tenders.models import Tender
from tests.tenders.factories import published_tender
from tests.tenders.portal_factories import make_tender

pytestmark = pytest.mark.django_db


def found(client, text: str) -> list[str]:
    response = client.get(reverse("portal-list"), {"q": text})
    assert response.status_code == 200
    return [row.reference for row in response.context["page"].object_list]


def test_a_tender_published_through_the_service_is_found_by_word_search(
    client, authority, officer, approver
):
    # given a search that finds nothing yet
    assert found(client, "Schwimmhalle") == []
    # when a tender is published through the services
    tender = published_tender(
        authority=authority,
        officer=officer,
        approver=approver,
        title="Neubau Schwimmhalle Süd",
        description="Beckenwasseraufbereitung und Lüftung",
    )
    # then words of its title and description and its reference find it
    assert found(client, "schwimmhalle") == [tender.reference]
    assert found(client, "beckenwasser") == [tender.reference]
    assert found(client, tender.reference) == [tender.reference]


def test_a_changed_tender_is_found_by_its_new_words_only(client):
    # given a public tender found by its title
    tender = make_tender(title="Winterdienst Innenstadt", description="Räumen und Streuen")
    assert found(client, "winterdienst") == [tender.reference]
    # when its title and description change (a published correction)
    Tender.objects.filter(pk=tender.pk).update(
        title="Grünpflege Innenstadt", description="Mähen und Schneiden"
    )
    # then the new words find it and the old ones no longer do
    assert found(client, "grünpflege") == [tender.reference]
    assert found(client, "mähen") == [tender.reference]
    assert found(client, "winterdienst") == []
    assert found(client, "streuen") == []


def test_a_deleted_tender_leaves_the_index(client):
    keep = make_tender(title="Glasfaserausbau Nord")
    gone = make_tender(title="Glasfaserausbau Süd")
    assert set(found(client, "glasfaser")) == {keep.reference, gone.reference}
    gone.delete()
    assert found(client, "glasfaser") == [keep.reference]


def test_an_authority_renamed_is_found_by_its_new_name(client):
    tender = make_tender(title="Reinigung")
    Organisation.objects.filter(pk=tender.authority_id).update(name="Hansestadt Lübeck")
    assert found(client, "lübeck") == [tender.reference]
    assert found(client, "hansestadt reinigung") == [tender.reference]


def test_sqlite_search_index_triggers_exist_after_all_migrations():
    # Django's SQLite schema editor rebuilds a table for most ALTERs and so drops its
    # triggers: a later migration of tenders_tender must create them again (migration 0008).
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 index and its triggers exist on SQLite only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tenders_tender'"
        )
        triggers = {name for (name,) in cursor.fetchall()}
    assert {
        "tenders_tender_search_insert",
        "tenders_tender_search_update",
        "tenders_tender_search_delete",
    } <= triggers


@pytest.mark.postgres
def test_postgres_finds_a_newly_published_tender_by_word(client, authority, officer, approver):
    if connection.vendor != "postgresql":
        pytest.fail("run with DATABASE_URL=postgres://… or deselect with -m 'not postgres'")
    assert found(client, "Feuerwehrgerätehaus") == []
    tender = published_tender(
        authority=authority, officer=officer, approver=approver, title="Feuerwehrgerätehaus Ost"
    )
    assert found(client, "feuerwehrgeräte") == [tender.reference]
    Tender.objects.filter(pk=tender.pk).update(title="Rettungswache Ost")
    assert found(client, "feuerwehrgeräte") == []
    assert found(client, "rettungswache") == [tender.reference]
