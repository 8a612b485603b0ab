"""PostgreSQL full-text path of the portal search: the GIN index exists and the query uses it."""

import pytest
from django.db import connection

from procurement.core.models import Organisation
from tenders.models import Lot, Tender
from tenders.portal_selectors import (
    TENDER_CPV_PREFIXES_COLUMN,
    TENDER_SEARCH_COLUMN,
    PortalQuery,
    cpv_code_range,
    tender_portal_list,
    tender_text_filter,
)
from tests.tenders.portal_factories import add_lot, make_tender

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


def _cpv_prefixes(tender_id: int) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {TENDER_CPV_PREFIXES_COLUMN} FROM tenders_tender WHERE id = %s", [tender_id]
        )
        (prefixes,) = cursor.fetchone()
    return set(prefixes)


def _prefixes_of(*codes: str) -> set[str]:
    return {code[:n] for code in codes for n in range(1, 9)}


def test_cpv_prefixes_follow_the_tenders_and_its_lots_codes():
    # given a tender with a main and an additional code
    tender = make_tender(cpv_main="71000000-8", cpv_additional=["45214200-2"])
    # then its row holds every prefix of both (migration 0013)
    assert _cpv_prefixes(tender.pk) == _prefixes_of("71000000", "45214200")
    # when its codes change, a lot is added, its code changes and it is deleted
    Tender.objects.filter(pk=tender.pk).update(cpv_main="72000000-5", cpv_additional=[])
    assert _cpv_prefixes(tender.pk) == _prefixes_of("72000000")
    lot = add_lot(tender, number=1, cpv="90910000-9")
    assert _cpv_prefixes(tender.pk) == _prefixes_of("72000000", "90910000")
    Lot.objects.filter(pk=lot.pk).update(cpv_main="90911000-6")
    assert _cpv_prefixes(tender.pk) == _prefixes_of("72000000", "90911000")
    # a lot moved to another tender takes its code along
    other = make_tender(cpv_main="33100000-1")
    Lot.objects.filter(pk=lot.pk).update(tender=other)
    assert _cpv_prefixes(tender.pk) == _prefixes_of("72000000")
    assert _cpv_prefixes(other.pk) == _prefixes_of("33100000", "90911000")
    Lot.objects.filter(pk=lot.pk).delete()
    assert _cpv_prefixes(other.pk) == _prefixes_of("33100000")


def _row_version(tender_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ctid::text FROM tenders_tender WHERE id = %s", [tender_id])
        (version,) = cursor.fetchone()
    return version


def test_a_lot_with_a_code_the_tender_has_leaves_the_tenders_row_as_it_is():
    # given a tender whose main code is 45210000
    tender = make_tender(cpv_main="45210000-2", cpv_additional=[])
    version = _row_version(tender.pk)
    # when a lot with the same code is added, then the tender's row is not written again (a
    # new version of a wide row for nothing)
    add_lot(tender, number=1, cpv="45210000-2")
    assert _row_version(tender.pk) == version
    assert _cpv_prefixes(tender.pk) == _prefixes_of("45210000")
    # when a lot with a new code is added, then it is
    add_lot(tender, number=2, cpv="45233120-6")
    assert _row_version(tender.pk) != version
    assert _cpv_prefixes(tender.pk) == _prefixes_of("45210000", "45233120")


def test_writing_the_cpv_prefixes_directly_cannot_change_what_they_hold():
    tender = make_tender(cpv_main="45210000-2", cpv_additional=[])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE tenders_tender SET {TENDER_CPV_PREFIXES_COLUMN} = ARRAY['99'] WHERE id = %s",
            [tender.pk],
        )
    assert _cpv_prefixes(tender.pk) == _prefixes_of("45210000")
    assert list(tender_portal_list(query=PortalQuery(cpv_prefix="99"))) == []


def test_cpv_search_finds_what_the_code_ranges_find():
    # given tenders whose codes sit at the edges of subtrees, in main, additional and lot codes
    codes = ["45210000-2", "45219999-0", "45220000-5", "45209999-3", "99999999-1", "03000000-1"]
    tenders = []
    for n, code in enumerate(codes):
        tender = make_tender(cpv_main=code, cpv_additional=[codes[(n + 2) % len(codes)]])
        add_lot(tender, number=1, cpv=codes[(n + 3) % len(codes)])
        tenders.append(tender)
    make_tender(cpv_main="71000000-8", cpv_additional=[])
    prefixes = ["4", "45", "452", "4521", "45219", "45219999", "4522", "99", "999", "0", "03", "7"]
    prefixes += ["09", "10", "1", "452100001", "71", "710000000"]
    for prefix in prefixes:
        # when the portal searches the prefix, then it finds what 0009's range over the codes
        # table finds (the way PostgreSQL searched before 0013, and SQLite still does)
        lower, upper = cpv_code_range(prefix)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT tender_id FROM tenders_tender_cpv WHERE code >= %s"
                + ("" if upper is None else " AND code < %s"),
                [lower] if upper is None else [lower, upper],
            )
            expected = {tender_id for (tender_id,) in cursor.fetchall()}
        found = {t.pk for t in tender_portal_list(query=PortalQuery(cpv_prefix=prefix))}
        assert found == expected, prefix
    assert {t.pk for t in tender_portal_list(query=PortalQuery(cpv_prefix="4521"))} == {
        tenders[0].pk,
        tenders[1].pk,
        tenders[3].pk,
        tenders[4].pk,
        tenders[5].pk,
    }


def test_words_cpv_and_choice_filters_share_one_gin_index():
    # given tenders sharing a word, differing in their codes and contract types
    for n in range(10):
        make_tender(title=f"Glasfaser {n}", cpv_main=f"4{n}000000-1", contract_type="services")
    make_tender(title="Glasfaserausbau", cpv_main="45210000-2", contract_type="supplies")
    target = make_tender(title="Glasfaserausbau", cpv_main="45210000-2", contract_type="works")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'tender_portal_search_filters'"
        )
        (definition,) = cursor.fetchone()
    # then one GIN index holds the words, the prefixes and the choice filters (migration 0013:
    # a combined search intersects them in the index), and the search finds the one tender
    assert "USING gin (portal_search, portal_cpv, contract_type, procedure, regime)" in (definition)
    query = PortalQuery(text="glasfaser", cpv_prefix="4521", contract_type="works", regime="eu")
    assert [t.pk for t in tender_portal_list(query=query)] == [target.pk]
