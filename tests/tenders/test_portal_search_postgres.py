"""PostgreSQL full-text path of the portal search: the GIN index exists and the query uses it."""

import pytest
from django.db import connection

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


def test_search_column_is_generated_from_the_documented_expression():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'tender_portal_search'")
        (definition,) = cursor.fetchone()
        cursor.execute(
            "SELECT is_generated, generation_expression FROM information_schema.columns "
            "WHERE table_name = 'tenders_tender' AND column_name = %s",
            [TENDER_SEARCH_COLUMN],
        )
        generated, expression = cursor.fetchone()
    assert "USING gin (portal_search)" in definition
    assert generated == "ALWAYS"
    assert "to_tsvector('simple'::regconfig" in expression
    assert "translate(" in expression


def test_search_column_follows_every_write():
    # given a tender found by its title
    tender = make_tender(title="Winterdienst Innenstadt")
    assert [t.pk for t in tender_portal_list(query=PortalQuery(text="winterdienst"))] == [tender.pk]
    # when the title changes through the ORM
    Tender.objects.filter(pk=tender.pk).update(title="Grünpflege Innenstadt")
    # then the stored document changed with it: no trigger, no reindexing job
    assert list(tender_portal_list(query=PortalQuery(text="winterdienst"))) == []
    assert [t.pk for t in tender_portal_list(query=PortalQuery(text="grünpflege"))] == [tender.pk]
