"""PostgreSQL full-text path of the portal search: the GIN index exists and the query uses it."""

import pytest
from django.db import connection

from tenders.models import Tender
from tenders.portal_selectors import PortalQuery, tender_portal_list, tender_text_filter
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
    # then the planner reads the index built by migration 0002 (same expression as the query)
    assert "tender_portal_fts" in plan, plan
    assert [t.reference for t in queryset] == [target.reference]


def test_index_is_on_the_tender_table():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'tender_portal_fts'")
        (definition,) = cursor.fetchone()
    assert "USING gin" in definition
    assert "to_tsvector" in definition
