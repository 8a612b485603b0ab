"""The portal's word search index stays current with every write (SQLite FTS5 table kept by
triggers, migration 0008; PostgreSQL's generated tsvector column, migration 0005).

The unmarked tests run on whichever database the run uses; the postgres-marked one proves the
PostgreSQL path explicitly (DATABASE_URL=postgres://…)."""

import pytest
from django.db import connection
from django.urls import reverse

from procurement.core.models import Organisation
from tenders.models import Lot, Tender
from tenders.portal_selectors import cpv_code_range
from tests.tenders.factories import published_tender
from tests.tenders.portal_factories import add_lot, make_tender

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


def _triggers_on(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = %s::regclass",
                [table],
            )
        return {name for (name,) in cursor.fetchall()}


def test_index_triggers_exist_after_all_migrations():
    # Django's SQLite schema editor rebuilds a table for most ALTERs and so drops its
    # triggers: a later migration of these tables must create them again (0008, 0009).
    # PostgreSQL keeps the CPV table and the search column (0011) by triggers too.
    if connection.vendor == "sqlite":
        assert {
            "tenders_tender_search_insert",
            "tenders_tender_search_update",
            "tenders_tender_search_delete",
            "tenders_tender_cpv_tender_insert",
            "tenders_tender_cpv_tender_update",
            "tenders_tender_cpv_tender_delete",
        } <= _triggers_on("tenders_tender")
        assert {
            "tenders_tender_cpv_lot_insert",
            "tenders_tender_cpv_lot_update",
            "tenders_tender_cpv_lot_delete",
        } <= _triggers_on("tenders_lot")
        assert "tenders_tender_search_authority" in _triggers_on("procurement_organisation")
    else:
        assert {
            "tenders_tender_cpv_tender",
            "tenders_tender_search",
            "tenders_tender_cpv_prefixes",
        } <= _triggers_on("tenders_tender")
        assert {
            "tenders_tender_cpv_prefixes_insert",
            "tenders_tender_cpv_prefixes_update",
            "tenders_tender_cpv_prefixes_delete",
        } <= _triggers_on("tenders_tender_cpv")
        assert "tenders_tender_cpv_lot" in _triggers_on("tenders_lot")
        assert "tenders_tender_search_authority" in _triggers_on("procurement_organisation")


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


def cpv_found(client, prefix: str) -> set[str]:
    response = client.get(reverse("portal-list"), {"cpv": prefix})
    assert response.status_code == 200
    return {row.reference for row in response.context["page"].object_list}


def test_cpv_search_follows_changed_main_additional_and_lot_codes(client):
    # given a tender with its main code only
    tender = make_tender(cpv_main="71000000-8", cpv_additional=[])
    assert cpv_found(client, "4521") == set()
    # when an additional code is added, it is found by that subtree
    Tender.objects.filter(pk=tender.pk).update(cpv_additional=["45214200-2"])
    assert cpv_found(client, "4521") == {tender.reference}
    assert cpv_found(client, "71") == {tender.reference}
    # when the main code changes, the old one no longer finds it
    Tender.objects.filter(pk=tender.pk).update(cpv_main="72000000-5", cpv_additional=[])
    assert cpv_found(client, "71") == set()
    assert cpv_found(client, "4521") == set()
    assert cpv_found(client, "72000000-5") == {tender.reference}
    # a lot's code counts while the lot exists and as long as it has that code
    lot = add_lot(tender, number=1, cpv="90910000-9")
    assert cpv_found(client, "9091") == {tender.reference}
    Lot.objects.filter(pk=lot.pk).update(cpv_main="90911000-6")
    assert cpv_found(client, "90910") == set()
    assert cpv_found(client, "90911") == {tender.reference}
    lot.delete()
    assert cpv_found(client, "9091") == set()
    assert cpv_found(client, "72") == {tender.reference}


def test_cpv_prefix_bounds_are_exact_at_the_edges_of_a_subtree(client):
    inside = make_tender(cpv_main="45219999-0")
    make_tender(cpv_main="45220000-5")
    make_tender(cpv_main="45209999-3")
    nines = make_tender(cpv_main="99999999-1")
    assert cpv_found(client, "4521") == {inside.reference}
    assert cpv_found(client, "99") == {nines.reference}
    assert cpv_code_range("4529") == ("45290000", "45300000")
    assert cpv_code_range("099") == ("09900000", "10000000")
    assert cpv_code_range("999") == ("99900000", None)


@pytest.mark.parametrize("common_from", [1, 4000])
def test_cpv_search_finds_the_same_whichever_way_sqlite_checks_the_subtree(
    client, monkeypatch, common_from
):
    # SQLite probes each tender's codes for a common subtree and checks a list for a rare
    # one (tenders.portal_selectors._cpv_filter_indexed): both must find the same tenders.
    monkeypatch.setattr("tenders.portal_selectors.SQLITE_COMMON_CPV_CODES", common_from)
    main = make_tender(cpv_main="45210000-2")
    additional = make_tender(cpv_main="71000000-8", cpv_additional=["45214200-2"])
    by_lot = make_tender(cpv_main="72000000-5")
    add_lot(by_lot, number=1, cpv="45213000-3")
    make_tender(cpv_main="45220000-5")
    assert cpv_found(client, "4521") == {main.reference, additional.reference, by_lot.reference}
    assert cpv_found(client, "11") == set()
