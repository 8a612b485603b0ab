"""PostgreSQL full-text path of the portal search: the GIN index exists and the query uses it."""

import pytest
from django.db import connection

from procurement.core.models import Organisation
from tenders.models import Tender
from tenders.portal_selectors import (
    TENDER_SEARCH_COLUMN,
    PortalQuery,
    tender_portal_list,
    tender_text_filter,
)
from tests.tenders.portal_factories import make_tender

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.fail(
            "this test proves the PostgreSQL full-text path and cannot run on "
            f"{connection.vendor}: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> "
            "or deselect it with -m 'not postgres'"
        )


def test_search_uses_the_gin_index():
    # given enough rows that the index is worth it, and no seq-scan escape hatch
    for n in range(30):
        make_tender(title=f"Tiefbau {n}", description="Kanalsanierung im Bestand")
    target = make_tender(title="Glasfaserausbau Gewerbegebiet")
    queryset = tender_portal_list(query=PortalQuery(text="glasfaser"))
    # The text condition alone: with a few dozen rows the published_at index is cheaper for
    # the whole query, so the plan of the bare condition shows whether the index matches it.
    condition_only = Tender.objects.filter(tender_text_filter(text="glasfaser"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = condition_only.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # then the planner reads the GIN index of the stored search column (migration 0005)
    assert "tender_portal_search" in plan, plan
    assert [t.reference for t in queryset] == [target.reference]


def test_search_column_holds_the_tenders_texts_and_its_authoritys_name():
    # given a tender whose words are spread over its texts and its authority's name
    tender = make_tender(
        title="Glasfaser-Ausbau", description="Tiefbau im Gewerbegebiet", reference="ZS-2026-77"
    )
    Organisation.objects.filter(pk=tender.authority_id).update(name="Stadt Musterhausen")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'tender_portal_search'")
        (definition,) = cursor.fetchone()
        cursor.execute(
            f"SELECT {TENDER_SEARCH_COLUMN}::text FROM tenders_tender WHERE id = %s", [tender.pk]
        )
        (document,) = cursor.fetchone()
    # then the GIN index reads the column, which holds every word, separators read as blanks
    assert "USING gin (portal_search)" in definition
    assert {entry.split(":")[0] for entry in document.split()} == {
        f"'{word}'"
        for word in (
            "glasfaser ausbau tiefbau im gewerbegebiet zs 2026 77 stadt musterhausen".split()
        )
    }


def test_a_word_the_parser_splits_is_found_as_before():
    # given a tender whose title holds a word PostgreSQL's parser splits in two ("a²b" is the
    # phrase 'a' <-> 'b' in a query), and one with both parts apart
    tender = make_tender(title="Rohrleitung DN²50 Typ B")
    make_tender(title="DN 80 und 50 mm")
    # when it is searched by that word, then only the adjacent parts match, as they did
    # before the document held the authority's name (a stripped document matches no phrase)
    found = tender_portal_list(query=PortalQuery(text="dn²50"))
    assert [t.pk for t in found] == [tender.pk]


def test_an_organisation_that_is_no_authority_lends_no_words():
    # given a tender whose organisation is turned into an economic operator (the old search
    # matched the names of authorities only)
    tender = make_tender(title="Reinigung")
    Organisation.objects.filter(pk=tender.authority_id).update(name="Hansestadt Lübeck")
    assert [t.pk for t in tender_portal_list(query=PortalQuery(text="lübeck"))] == [tender.pk]
    # when its kind changes
    Organisation.objects.filter(pk=tender.authority_id).update(kind=Organisation.Kind.OPERATOR)
    # then its name no longer finds the tender; the tender's own words still do
    assert list(tender_portal_list(query=PortalQuery(text="lübeck"))) == []
    assert [t.pk for t in tender_portal_list(query=PortalQuery(text="reinigung"))] == [tender.pk]


def test_writing_the_search_column_directly_cannot_change_what_it_holds():
    tender = make_tender(title="Winterdienst Innenstadt")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE tenders_tender SET {TENDER_SEARCH_COLUMN} = to_tsvector('simple', 'falsch') "
            "WHERE id = %s",
            [tender.pk],
        )
    assert list(tender_portal_list(query=PortalQuery(text="falsch"))) == []
    assert [t.pk for t in tender_portal_list(query=PortalQuery(text="winterdienst"))] == [tender.pk]


def test_search_column_follows_every_write():
    # given a tender found by its title
    tender = make_tender(title="Winterdienst Innenstadt")
    assert [t.pk for t in tender_portal_list(query=PortalQuery(text="winterdienst"))] == [tender.pk]
    # when the title changes through the ORM
    Tender.objects.filter(pk=tender.pk).update(title="Grünpflege Innenstadt")
    # then the stored document changed with it (the trigger of migration 0011): no
    # reindexing job
    assert list(tender_portal_list(query=PortalQuery(text="winterdienst"))) == []
    assert [t.pk for t in tender_portal_list(query=PortalQuery(text="grünpflege"))] == [tender.pk]
