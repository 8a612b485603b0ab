"""Portal behaviour that exists for speed: the bounded result count."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.factories import AuthorityFactory
from tests.tenders.portal_factories import make_tender

pytestmark = pytest.mark.django_db


def _summary(response) -> tuple[str, str]:
    html = response.content.decode()
    count = re.search(r'id="result-count">([^<]*)<', html).group(1).strip()
    current = re.search(r'class="current">([^<]*)<', html)
    return count, current.group(1).strip() if current else ""


def test_count_is_exact_when_results_end_inside_the_window(client):
    for n in range(12):
        make_tender(title=f"Sanierung {n}")
    response = client.get(reverse("portal-list"), {"per_page": 10})
    paginator = response.context["paginator"]
    assert paginator.count == 12
    assert not paginator.count_is_lower_bound
    count, current = _summary(response)
    assert count.startswith("12 ")
    assert "≥" not in count
    assert current.endswith(" 2")  # "page 1 of 2"


def test_count_beyond_the_window_is_shown_as_a_lower_bound_and_every_page_stays_reachable(
    client,
):
    tenders = [make_tender(title=f"Sanierung {n}") for n in range(61)]
    newest_first = sorted(tenders, key=lambda t: t.published_at, reverse=True)
    # page 1 of 10 per page: the count looks 4 pages ahead (50 results) and stops there
    first = client.get(reverse("portal-list"), {"q": "sanierung", "per_page": 10})
    assert first.context["paginator"].count_is_lower_bound
    assert first.context["paginator"].count == 50
    count, current = _summary(first)
    assert count.startswith("≥ 50 ")
    assert current.endswith("≥ 5")
    assert first.context["page"].has_next()
    # walking on moves the window: page 5 counts up to 90, finds all 61 and knows the end
    fifth = client.get(reverse("portal-list"), {"q": "sanierung", "per_page": 10, "page": 5})
    paginator = fifth.context["paginator"]
    assert paginator.count == 61
    assert not paginator.count_is_lower_bound
    assert paginator.num_pages == 7
    last = client.get(reverse("portal-list"), {"q": "sanierung", "per_page": 10, "page": 7})
    assert [t.reference for t in last.context["page"].object_list] == [newest_first[60].reference]
    assert not last.context["page"].has_next()


def test_a_page_past_the_end_shows_the_last_page(client):
    for n in range(15):
        make_tender(title=f"Sanierung {n}")
    response = client.get(reverse("portal-list"), {"per_page": 10, "page": 99})
    assert response.context["page"].number == 2
    assert response.context["paginator"].count == 15


def test_garbage_page_number_shows_the_first_page(client):
    for n in range(3):
        make_tender(title=f"Sanierung {n}")
    response = client.get(reverse("portal-list"), {"page": "x'; drop"})
    assert response.status_code == 200
    assert response.context["page"].number == 1


def test_feed_has_an_etag_and_answers_a_conditional_get_with_304(client):
    make_tender(title="Neubau Kita")
    first = client.get(reverse("portal-feed"))
    etag = first["ETag"]
    assert first.status_code == 200
    assert etag
    again = client.get(reverse("portal-feed"), headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    # a new publication changes the feed, so the old tag no longer matches
    make_tender(title="Sanierung Rathaus")
    changed = client.get(reverse("portal-feed"), headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert b"Sanierung Rathaus" in changed.content
    assert changed["ETag"] != etag


def test_ocds_package_has_an_etag_and_answers_a_conditional_get_with_304(client):
    from tests.tenders.portal_factories import add_publication

    tender = make_tender()
    add_publication(tender, kind="ocds", content='{"ocid": "x", "id": "1", "tag": ["tender"]}')
    url = reverse("opendata-ocds", args=[tender.ocid])
    first = client.get(url)
    assert first.status_code == 200
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304


def test_result_rows_escape_every_value_and_show_the_deadline_in_berlin_time(client):
    # given a tender whose texts carry HTML, with a deadline at 22:30 UTC in summer
    authority = AuthorityFactory(name='Stadt <b>"Kiel"</b> & Umland')
    make_tender(
        title="<script>alert(1)</script> Schule",
        authority=authority,
        submission_deadline=datetime(2031, 7, 1, 22, 30, tzinfo=UTC),
    )
    # when the list is shown
    html = client.get(reverse("portal-list")).content.decode()
    # then no value reaches the page unescaped, and the deadline is the Berlin calendar day
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Schule" in html
    assert "Stadt &lt;b&gt;&quot;Kiel&quot;&lt;/b&gt; &amp; Umland" in html
    assert "02.07.2031 00:30" in html


def test_search_form_is_rendered_per_language_with_the_visitors_values_escaped(client):
    # given a search with markup in its words and a filter chosen
    params = {"q": '"><script>x</script>', "contract_type": "works", "open_only": "on"}
    # when it is shown in German and in English, one after the other
    german = client.get(reverse("portal-list"), params).content.decode()
    english = client.get(reverse("portal-list"), params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then each language has its own labels, the words come back escaped, the choices kept
    assert "Suchen" in german
    assert "Search" in english
    assert "Suchen" not in english
    for html in (german, english):
        assert "<script>x" not in html
        assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
        assert '<option value="works" selected>' in html
        assert 'id="id_open_only" checked>' in html


def test_paging_alone_searches_nothing_and_bad_filters_still_answer_400(client):
    tender = make_tender(title="Sanierung")
    response = client.get(reverse("portal-list"), {"page": 1, "per_page": 10})
    assert response.status_code == 200
    assert tender.reference in response.content.decode()
    assert "errorlist" not in response.content.decode()
    bad = client.get(reverse("portal-list"), {"cpv": "45x", "page": 2})
    assert bad.status_code == 400
    assert '<ul class="errorlist" id="id_cpv_error">' in bad.content.decode()


def _orm_ids(query, limit):
    from tenders.portal_selectors import _public_matching

    return list(_public_matching(query).values_list("pk", flat=True)[:limit])


def test_ids_query_compiled_once_per_shape_finds_what_the_orm_query_finds(
    django_assert_num_queries,
):
    from datetime import date, timedelta

    from django.utils import timezone

    from tenders.portal_selectors import PortalQuery, _ids_sql, tender_portal_ids

    now = timezone.now()
    make_tender(title="Sanierung Schule", cpv_main="45210000-2", regime="eu")
    make_tender(
        title="Neubau Kita",
        cpv_main="99990000-1",
        contract_type="supplies",
        submission_deadline=now + timedelta(days=40),
    )
    make_tender(title="Sanierung Kita", cpv_main="72000000-5", procedure="restricted")
    make_tender(title="Sanierung alt", state="closed", submission_deadline=now - timedelta(days=3))
    make_tender(title="Entwurf Sanierung", published=False)
    queries = [
        PortalQuery(),
        PortalQuery(text="sanierung"),
        PortalQuery(text="sanierung kita"),
        PortalQuery(text="!!!"),
        PortalQuery(cpv_prefix="4521"),
        PortalQuery(cpv_prefix="9999"),
        PortalQuery(cpv_prefix="45", text="sanierung", regime="eu"),
        PortalQuery(contract_type="supplies", deadline_from=now.date()),
        PortalQuery(deadline_to=now.date() + timedelta(days=200), procedure="restricted"),
        PortalQuery(deadline_from=date(2000, 1, 1), deadline_to=date(2000, 1, 2)),
        PortalQuery(open_only=True),
        PortalQuery(open_only=True, text="sanierung"),
    ]
    for query in queries:
        for limit in (1, 50):
            with django_assert_num_queries(1):
                ids = tender_portal_ids(query=query, limit=limit)
            assert ids == _orm_ids(query, limit), query
    # The same shape with other values reuses the statement.
    before = _ids_sql.cache_info().hits
    assert tender_portal_ids(query=PortalQuery(cpv_prefix="72"), limit=5) == _orm_ids(
        PortalQuery(cpv_prefix="72"), 5
    )
    assert _ids_sql.cache_info().hits == before + 1


def test_window_gives_the_ids_and_the_rows_of_one_page_as_two_separate_queries_would(
    django_assert_num_queries,
):
    from django.db import connection

    from tenders.portal_selectors import (
        PortalQuery,
        tender_list_rows,
        tender_portal_ids,
        tender_portal_window,
    )

    # given 25 public tenders (one unpublished), some with the search word
    for n in range(25):
        make_tender(
            title=f"{'Sanierung' if n % 3 else 'Neubau'} {n}", regime="eu" if n % 2 else "national"
        )
    make_tender(title="Sanierung Entwurf", published=False)
    for query in (PortalQuery(), PortalQuery(text="sanierung"), PortalQuery(regime="eu")):
        for limit, start, size in ((21, 0, 10), (21, 10, 10), (26, 20, 10), (6, 40, 5)):
            ids = tender_portal_ids(query=query, limit=limit)
            # when the window is read (SQLite reads a page's rows by id, unless it is empty)
            sqlite_queries = 2 if ids[start : start + size] else 1
            with django_assert_num_queries(
                1 if connection.vendor == "postgresql" else sqlite_queries
            ):
                window = tender_portal_window(query=query, limit=limit, start=start, size=size)
            # then it holds what the ids query and the rows query give
            assert window.ids == ids, (query, limit)
            assert window.page == tender_list_rows(ids=ids[start : start + size]), (query, start)


def _sqlite_plan(query) -> list[str]:
    from django.db import connection
    from django.utils import timezone

    from tenders.portal_selectors import _ids_shape, _ids_slot_values, _ids_sql

    sql, recipe = _ids_sql(connection.vendor, _ids_shape(query))
    slots = _ids_slot_values(query, now=timezone.now())
    params = [slots.get(item, item) for item in recipe]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql} LIMIT 101", params)
        return [row[3] for row in cursor.fetchall()]


WALKS = [
    # (the select filters given, the index SQLite must walk newest first)
    ({}, "tender_portal_walk"),
    ({"regime": "eu"}, "tender_walk_regime"),
    ({"contract_type": "works", "regime": "eu"}, "tender_walk_contract_type"),
    ({"contract_type": "works", "procedure": "open", "regime": "eu"}, "tender_walk_procedure"),
    ({"procedure": "open"}, "tender_walk_procedure"),
]


@pytest.mark.parametrize(("selects", "index"), WALKS)
def test_combined_search_walks_the_index_of_its_most_selective_filter_newest_first(selects, index):
    from datetime import date

    from django.db import connection

    from tenders.portal_selectors import PortalQuery

    if connection.vendor != "sqlite":
        # PostgreSQL plans by its statistics: the indexes must exist; the plan is the planner's.
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index])
            (definition,) = cursor.fetchone()
        assert "published_at" in definition
        return
    query = PortalQuery(
        text="sanierung",
        cpv_prefix="45",
        deadline_from=date(2026, 1, 1),
        deadline_to=date(2026, 12, 31),
        open_only=True,
        **selects,
    )
    plan = _sqlite_plan(query)
    assert plan[0].startswith(f"SEARCH tenders_tender USING COVERING INDEX {index} ("), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


@pytest.mark.parametrize(("selects", "_index"), WALKS)
def test_each_walk_finds_what_a_plain_filter_finds_newest_first(selects, _index):
    from tenders.models import Tender
    from tenders.portal_selectors import PortalQuery, tender_portal_ids

    # given tenders of every combination of the select filters, published in a shuffled order
    for n, (ctype, procedure, regime) in enumerate(
        (c, p, r)
        for c in ("works", "supplies")
        for p in ("open", "restricted")
        for r in ("eu", "national")
        for _ in range(2)
    ):
        make_tender(
            title=f"Sanierung {n}",
            contract_type=ctype,
            procedure=procedure,
            regime=regime,
            published_at=datetime(2026, 1, 1 + (n * 7) % 16, tzinfo=UTC),
        )
    expected = list(
        Tender.objects.filter(published_at__isnull=False, **selects)
        .order_by("-published_at", "-pk")
        .values_list("pk", flat=True)
    )
    # when the portal searches with those filters
    found = tender_portal_ids(query=PortalQuery(text="sanierung", **selects), limit=100)
    # then it finds exactly those, newest first
    assert found == expected
    assert len(expected) == 16 // (2 ** len(selects))


QUICK_INPUTS = [
    {"q": "sanierung"},
    {"q": "  Sanierung Kita  ", "per_page": "50"},
    {"q": "x" * 200},
    {"q": "x" * 201},
    {"q": "a\x00b"},
    {"q": "<script>"},
    {"cpv": "4521"},
    {"cpv": " 45210000-2 "},
    {"cpv": "4521 0000"},
    {"cpv": "4521 0000-2"},
    {"cpv": "45x"},
    {"cpv": "4"},
    {"cpv": "123456789"},
    {"cpv": "٤٥٢١"},
    {"deadline_from": "2026-01-01"},
    {"deadline_from": " 2026-01-01 ", "deadline_to": "2026-12-31"},
    {"deadline_from": "2026-12-31", "deadline_to": "2026-01-01"},
    {"deadline_from": "2026-02-30"},
    {"deadline_from": "2026-1-1"},
    {"deadline_from": "01.02.2026"},
    {"deadline_to": "٢٠٢٦-01-01"},
    {"contract_type": "works", "regime": "eu", "procedure": "open"},
    {"contract_type": "bogus"},
    {"contract_type": " works"},
    {"regime": ""},
    {"open_only": "1"},
    {"open_only": "on"},
    {"open_only": "false"},
    {"open_only": "FALSE"},
    {"open_only": "0"},
    {"open_only": ""},
    {"q": "kita", "cpv": "45", "contract_type": "works", "deadline_from": "2026-01-01"},
]


@pytest.mark.parametrize("language", ["de", "en"])
def test_quick_search_query_accepts_only_what_the_form_accepts_and_yields_the_same(language):
    from django.http import QueryDict
    from django.utils import translation

    from tenders.portal_forms import PortalSearchForm, quick_portal_query

    quick_count = 0
    with translation.override(language):
        for inputs in QUICK_INPUTS:
            data = QueryDict(mutable=True)
            data.update(inputs)
            quick = quick_portal_query(data)
            if quick is None:
                continue
            quick_count += 1
            form = PortalSearchForm(data)
            assert form.is_valid(), (inputs, form.errors)
            assert quick == form.to_query(), inputs
    # The inputs the page itself sends take the quick way.
    assert quick_count == 19


def test_a_plain_search_page_builds_no_form_and_bad_input_still_gets_the_forms_messages(
    client, monkeypatch
):
    from tenders.views import portal

    make_tender(title="Sanierung Kita", cpv_main="45210000-2")
    built = []
    real_form = portal.PortalSearchForm
    monkeypatch.setattr(
        portal, "PortalSearchForm", lambda *a, **kw: built.append(1) or real_form(*a, **kw)
    )
    ok = client.get(reverse("portal-list"), {"q": "sanierung", "cpv": "4521", "regime": ""})
    assert ok.status_code == 200
    assert "Sanierung Kita" in ok.content.decode()
    assert "feed.atom?cpv=4521" in ok.content.decode()
    assert built == []
    bad = client.get(reverse("portal-list"), {"q": "sanierung", "deadline_from": "2026-02-30"})
    assert bad.status_code == 400
    assert "errorlist" in bad.content.decode()
    assert built == [1]
