"""Reads for the public side of tenders: portal, Atom feed, open-data files and the public API.

Everything here returns published data only. A tender becomes public when it is published
(``published_at`` is set) and stays public afterwards (closed, awarded, cancelled …): drafts,
tenders waiting for approval and approved-but-unpublished ones never appear. Private data (the
asker of a question, unanswered questions, officers) is never selected for the public.
"""

import functools
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    F,
    Func,
    Prefetch,
    Q,
    QuerySet,
    TextField,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.core.errors import DomainError, ErrorCode
from procurement.core.timeutil import BERLIN
from tenders.models import (
    AwardCriterion,
    DocumentVersion,
    Lot,
    Question,
    Tender,
    TenderDocument,
    TenderPublication,
    TenderState,
)

MAX_SEARCH_TERMS = 8
MAX_TERM_CHARS = 60
_TERM_RE = re.compile(r"\w+", re.UNICODE)

# The full-text document of a tender on PostgreSQL lives in the column ``portal_search``
# (GIN-indexed): title, reference, description and the authority's name, kept current by the
# triggers of migration 0011, which also hold the expression. Separators become blanks before
# parsing: PostgreSQL's parser would otherwise read "ZS-2026-000001" as the word "zs" and the
# negative numbers "-2026" …, which no query word matches; the query side splits on the same
# characters (search_terms).
TENDER_SEARCH_COLUMN = "portal_search"
# On SQLite: the FTS5 table over title, reference, description and the authority's name
# (migration 0008).
SQLITE_SEARCH_TABLE = "tenders_tender_search"
# Every CPV code of a tender, its lots' included, one row each (migration 0009, both databases).
CPV_CODE_TABLE = "tenders_tender_cpv"
# On PostgreSQL: every prefix (1 to 8 digits) of a tender's codes, an array in its row
# (migration 0013, kept from CPV_CODE_TABLE by triggers; outside the Django model).
TENDER_CPV_PREFIXES_COLUMN = "portal_cpv"


# Shown as "closed" rather than by their internal step: the public sees no evaluation detail.
STATES_SHOWN_AS_CLOSED = frozenset(
    {TenderState.CLOSED, TenderState.OPENED, TenderState.EVALUATED, TenderState.STANDSTILL}
)


class PortalNotFoundError(DomainError):
    status_code = 404
    code = ErrorCode.NOT_FOUND


@dataclass(frozen=True, kw_only=True)
class PortalQuery:
    """A validated public search: every field optional, all given ones must match."""

    text: str = ""
    cpv_prefix: str = ""
    deadline_from: date | None = None
    deadline_to: date | None = None
    contract_type: str = ""
    procedure: str = ""
    regime: str = ""
    open_only: bool = False


def search_terms(text: str) -> list[str]:
    """The words of a search text, lower-cased; punctuation never reaches a query language."""
    words = _TERM_RE.findall(text.replace("_", " "))
    return [word.lower()[:MAX_TERM_CHARS] for word in words][:MAX_SEARCH_TERMS]


def uses_postgres_search() -> bool:
    return connection.vendor == "postgresql"


def _tsquery_prefix(term: str) -> str:
    # ``term`` holds word characters only (see search_terms), so it cannot inject tsquery
    # operators; ":*" makes it a prefix match, as the portable icontains fallback is.
    return f"{term}:*"


def _postgres_match(terms: list[str]) -> str:
    return " & ".join(_tsquery_prefix(term) for term in terms)


def _text_filter_postgres(terms: list[str]) -> Q:
    # One condition for all words, over a document that holds the authority's name too
    # (migration 0011): the statement is the same for every search of that shape, and the
    # planner weighs the whole query with its statistics of the document's words, walking
    # the published_at index for common words and reading the GIN index for rare ones.
    table = connection.ops.quote_name(Tender._meta.db_table)
    tender_tsv = f"{table}.{connection.ops.quote_name(TENDER_SEARCH_COLUMN)}"
    return Q(
        RawSQL(
            f"{tender_tsv} @@ to_tsquery('simple'::regconfig, %s)",
            [_postgres_match(terms)],
            output_field=BooleanField(),
        )
    )


def _text_filter_sqlite(terms: list[str]) -> Q:
    # The FTS5 table of migration 0008 (title, reference, description and the authority's
    # name, kept current by triggers): one query for all words, '"term"*' a word prefix, the
    # words ANDed; a term holds word characters only (see search_terms). SQLite computes the
    # list once. The unary + keeps it from driving the query from the list: it walks the
    # published_at index newest first and stops at the LIMIT, so a common word costs a few
    # hundred index entries instead of fetching and sorting its thousands of matches, and a
    # rare word reads the index only (the id is in it), never the rows with their descriptions.
    tender = connection.ops.quote_name(Tender._meta.db_table)
    sql = (
        f'+{tender}."id" IN '
        f"(SELECT rowid FROM {SQLITE_SEARCH_TABLE} WHERE {SQLITE_SEARCH_TABLE} MATCH %s)"
    )
    return Q(RawSQL(sql, [_sqlite_match(terms)], output_field=BooleanField()))


def _sqlite_match(terms: list[str]) -> str:
    return " ".join(f'"{term}"*' for term in terms)


def _text_filter_portable(terms: list[str]) -> Q:
    condition = Q()
    for term in terms:
        condition &= (
            Q(title__icontains=term)
            | Q(description__icontains=term)
            | Q(reference__icontains=term)
            | Q(authority__name__icontains=term)
        )
    return condition


def tender_text_filter(*, text: str, postgres: bool | None = None) -> Q:
    """Every word of ``text`` must occur (as a word prefix) in the tender or its authority's name.

    PostgreSQL and SQLite use their full-text indexes; other databases a case-insensitive
    substring match.
    """
    terms = search_terms(text)
    if not terms:
        return Q()
    if postgres if postgres is not None else uses_postgres_search():
        return _text_filter_postgres(terms)
    if connection.vendor == "sqlite":
        return _text_filter_sqlite(terms)
    return _text_filter_portable(terms)


CPV_CODE_LENGTH = 8


def cpv_code_range(digits: str) -> tuple[str, str | None]:
    """The codes a CPV prefix stands for, as a half-open range of 8-digit codes:
    ``4521`` -> ("45210000", "45220000"); ``99`` -> ("99000000", None), no upper end."""
    lower = digits.ljust(CPV_CODE_LENGTH, "0")
    following = str(int(digits) + 1).zfill(len(digits))
    if len(following) > len(digits):
        return lower, None
    return lower, following.ljust(CPV_CODE_LENGTH, "0")


# On SQLite, a subtree with at least this many codes counts as common (see _cpv_filter_indexed).
SQLITE_COMMON_CPV_CODES = 4000


def _cpv_filter_indexed(digits: str) -> Q:
    # The (code, tender_id) table of migration 0009, kept current by triggers: a B-tree range
    # of codes gives the tenders with the prefix in their main, additional or a lot's code.
    tender = connection.ops.quote_name(Tender._meta.db_table)
    if connection.vendor == "postgresql":
        # Every prefix of the tender's codes, in its row (migration 0013, kept from this table
        # by triggers): one containment test, which the walk checks in the index
        # tender_portal_walk_cpv and the GIN index tender_portal_search_filters answers for a
        # rare prefix or together with the words and the choice filters.
        column = f"{tender}.{connection.ops.quote_name(TENDER_CPV_PREFIXES_COLUMN)}"
        return Q(RawSQL(f"{column} @> ARRAY[%s]::text[]", [digits], output_field=BooleanField()))
    lower, upper = cpv_code_range(digits)
    in_range = "{t}.code >= %s" + ("" if upper is None else " AND {t}.code < %s")
    bounds = [lower] if upper is None else [lower, upper]
    codes = f"SELECT tender_id FROM {CPV_CODE_TABLE} WHERE {in_range.format(t=CPV_CODE_TABLE)}"
    if connection.vendor != "sqlite":
        return Q(RawSQL(f'{tender}."id" IN ({codes})', bounds, output_field=BooleanField()))
    # SQLite walks the published_at index newest first (see _text_filter_sqlite) and checks
    # each tender. A list of the subtree's tenders is built once and is cheap for a small
    # subtree, but for '45' (most tenders) building it cost 4 ms; probing the tender's own
    # codes costs ~2 us a tender, cheap when matches are frequent and the walk stops soon, but
    # 20 ms when nothing matches. Counting the subtree's codes up to a bound (one index range,
    # evaluated once) picks the cheaper way for this prefix.
    sql = (
        f"CASE WHEN (SELECT count(*) FROM (SELECT 1 FROM {CPV_CODE_TABLE} "
        f"WHERE {in_range.format(t=CPV_CODE_TABLE)} "
        f"LIMIT {SQLITE_COMMON_CPV_CODES})) >= {SQLITE_COMMON_CPV_CODES} "
        f"THEN EXISTS (SELECT 1 FROM {CPV_CODE_TABLE} AS own "
        f'WHERE own.tender_id = {tender}."id" AND {in_range.format(t="own")}) '
        f'ELSE +{tender}."id" IN ({codes}) END'
    )
    return Q(RawSQL(sql, bounds * 3, output_field=BooleanField()))


def _cpv_filter_portable(digits: str) -> Q:
    # The additional codes are a JSON list of strings; its text form has a quote right before
    # every element, so '"4521' finds an element starting with 4521 (needs the alias
    # cpv_additional_text, see _public_matching).
    in_additional = Q(cpv_additional_text__contains=f'"{digits}')
    # Not correlated: the lots matching the prefix are found once, not once per tender.
    in_lot = Q(pk__in=Lot.objects.filter(cpv_main__startswith=digits).values("tender_id"))
    return Q(cpv_main__startswith=digits) | in_additional | in_lot


def uses_cpv_code_table() -> bool:
    return connection.vendor in ("sqlite", "postgresql")


def tender_cpv_filter(*, prefix: str) -> Q:
    """A CPV prefix (``4521``) matches the subtree: main code, additional codes or a lot's code."""
    digits = prefix.split("-", 1)[0]
    if not digits.isdigit():
        raise DomainError(_("A CPV search takes the digits of a CPV code, e.g. 4521."), field="cpv")
    if uses_cpv_code_table():
        return _cpv_filter_indexed(digits)
    return _cpv_filter_portable(digits)


def _start_of_berlin_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BERLIN)


def _end_of_berlin_day_exclusive(day: date) -> datetime:
    from datetime import timedelta

    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=BERLIN)


def tender_public_queryset() -> QuerySet[Tender]:
    """Every tender the public may see, newest publication first."""
    return Tender.objects.public().select_related("authority").order_by("-published_at", "-pk")


# What a result list shows (portal, feed, API list). Long texts stay in the database: on a page
# deep into the results SQLite otherwise reads every skipped row's description.
LIST_FIELDS = (
    "id",
    "public_id",
    "reference",
    "title",
    "state",
    "cpv_main",
    "cpv_additional",
    "nuts",
    "contract_type",
    "procedure",
    "regime",
    "estimated_value",
    "currency",
    "questions_deadline",
    "submission_deadline",
    "published_at",
    "authority__id",
    "authority__name",
    "authority__country",
    "authority__city",
    "authority__nuts",
)


# The filters with an index of their own that walks their tenders newest first (tender_walk_*,
# migration 0012), most selective first by their number of choices: a search giving one of
# them walks the index of the first one given instead of tender_portal_walk, and so passes
# over only that filter's tenders (for "works" a third of them) on its way to the LIMIT.
PORTAL_LEAD_FILTERS = ("procedure", "contract_type", "regime")


def _walked(name: str) -> Any:
    """A column of the portal's filters, as the condition compares it. On SQLite a unary +
    keeps the planner from driving the query by that column's own index (without statistics
    it takes ``regime = 'eu'`` and sorts half the table): it walks the index
    ``tender_portal_walk`` newest first and checks these columns there, not in the rows."""
    field = Tender._meta.get_field(name)
    if connection.vendor != "sqlite":
        return F(name)
    output = DateTimeField() if isinstance(field, DateTimeField) else CharField()
    return Func(F(name), template="+%(expressions)s", output_field=output)


def _public_matching(query: PortalQuery, *, now: datetime | None = None) -> QuerySet[Tender]:
    """The public tenders matching ``query``, newest first: conditions only, no columns chosen.

    The plain column conditions come first: SQLite evaluates them in this order, so the
    dearer word and CPV checks run only for tenders that pass them. The lead filter (see
    PORTAL_LEAD_FILTERS) is compared plainly, so that SQLite walks its index."""
    tenders = Tender.objects.public().order_by("-published_at", "-pk")
    deadline = _walked("submission_deadline")
    if query.deadline_from:
        tenders = tenders.filter(
            GreaterThanOrEqual(deadline, _start_of_berlin_day(query.deadline_from))
        )
    if query.deadline_to:
        tenders = tenders.filter(
            LessThan(deadline, _end_of_berlin_day_exclusive(query.deadline_to))
        )
    lead = next((name for name in PORTAL_LEAD_FILTERS if getattr(query, name)), None)
    for name in ("contract_type", "procedure", "regime"):
        if getattr(query, name):
            column = F(name) if name == lead else _walked(name)
            tenders = tenders.filter(Exact(column, getattr(query, name)))
    if query.open_only:
        tenders = tenders.filter(Exact(_walked("state"), TenderState.PUBLISHED))
        tenders = tenders.filter(GreaterThan(deadline, now or timezone.now()))
    if query.text:
        tenders = tenders.filter(tender_text_filter(text=query.text))
    if query.cpv_prefix:
        if not uses_cpv_code_table():
            # alias, not annotate: the cast is only filtered on, never selected or counted over.
            tenders = tenders.alias(
                cpv_additional_text=Cast("cpv_additional", output_field=TextField())
            )
        tenders = tenders.filter(tender_cpv_filter(prefix=query.cpv_prefix))
    return tenders


def tender_portal_list(*, query: PortalQuery | None = None) -> QuerySet[Tender]:
    """Public tenders matching ``query``; a constant number of queries whatever the page size."""
    return _public_matching(query or PortalQuery()).select_related("authority").only(*LIST_FIELDS)


def tender_portal_ids(*, query: PortalQuery | None, limit: int) -> list[int]:
    """The ids of the first ``limit`` public tenders matching ``query``, newest first."""
    query = query or PortalQuery()
    now = timezone.now()
    shape = _ids_shape(query)
    if shape is None:
        matching = _public_matching(query, now=now)
        return list(matching.values_list("pk", flat=True)[:limit])
    sql, recipe = _ids_sql(connection.vendor, shape)
    slots = _ids_slot_values(query, now=now)
    params = [slots[item] if isinstance(item, _Slot) else item for item in recipe]
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT %s", [*params, limit])
        return [row[0] for row in cursor.fetchall()]


# The ids query compiled once per query shape (which filters are given, not their values), as
# the rows query is (_rows_sql): building and compiling it through the ORM cost more than
# SQLite's run of it for a list or a word search. Each value the query depends on is a slot.
@dataclass(frozen=True, slots=True)
class _Slot:
    name: str


_IdsShape = tuple[bool, ...]


def _ids_shape(query: PortalQuery) -> _IdsShape | None:
    """Which filters ``query`` uses; None where the statement depends on more than that (the
    portable fallbacks of other databases)."""
    has_text = bool(query.text and search_terms(query.text))
    if connection.vendor not in ("sqlite", "postgresql"):
        return None
    has_upper = bool(query.cpv_prefix) and cpv_code_range(query.cpv_prefix)[1] is not None
    return (
        has_text,
        bool(query.cpv_prefix),
        has_upper,
        query.deadline_from is not None,
        query.deadline_to is not None,
        bool(query.contract_type),
        bool(query.procedure),
        bool(query.regime),
        query.open_only,
    )


def _prepared_datetime(value: datetime) -> Any:
    return Tender._meta.get_field("submission_deadline").get_db_prep_value(value, connection)


def _ids_slot_values(query: PortalQuery, *, now: datetime) -> dict[_Slot, Any]:
    """The parameter of each slot for ``query``, prepared as the ORM prepares them."""
    values: dict[_Slot, Any] = {}
    if query.open_only:
        values[_Slot("now")] = _prepared_datetime(now)
    if query.text:
        terms = search_terms(query.text)
        values[_Slot("match")] = (
            _postgres_match(terms) if connection.vendor == "postgresql" else _sqlite_match(terms)
        )
    if query.cpv_prefix and connection.vendor == "postgresql":
        values[_Slot("cpv_prefix")] = query.cpv_prefix.split("-", 1)[0]
    elif query.cpv_prefix:
        lower, upper = cpv_code_range(query.cpv_prefix)
        values[_Slot("cpv_lower")] = lower
        if upper is not None:
            values[_Slot("cpv_upper")] = upper
    if query.deadline_from:
        values[_Slot("from")] = _prepared_datetime(_start_of_berlin_day(query.deadline_from))
    if query.deadline_to:
        values[_Slot("to")] = _prepared_datetime(_end_of_berlin_day_exclusive(query.deadline_to))
    for name in ("contract_type", "procedure", "regime"):
        if getattr(query, name):
            values[_Slot(name)] = getattr(query, name)
    return values


@functools.lru_cache(maxsize=1024)
def _ids_sql(vendor: str, shape: _IdsShape) -> tuple[str, tuple[Any, ...]]:
    """The ids statement of ``shape`` (without its LIMIT; the id, on PostgreSQL also
    published_at; newest first) and its parameters in order: a constant, or a _Slot filled
    per request. Compiled from a query of that shape whose values are sentinels no real value
    equals; every parameter equal to a sentinel is its slot."""
    has_text, has_cpv, has_upper, has_from, has_to, has_ctype, has_proc, has_regime, is_open = shape
    sentinel = PortalQuery(
        text="zzqslotword" if has_text else "",
        cpv_prefix=("1357" if has_upper else "99999") if has_cpv else "",
        deadline_from=date(1901, 2, 3) if has_from else None,
        deadline_to=date(1902, 3, 4) if has_to else None,
        contract_type="\x01contract_type" if has_ctype else "",
        procedure="\x01procedure" if has_proc else "",
        regime="\x01regime" if has_regime else "",
        open_only=is_open,
    )
    now = datetime(1903, 4, 5, 6, 7, 8, tzinfo=UTC)
    slots = {value: slot for slot, value in _ids_slot_values(sentinel, now=now).items()}
    # PostgreSQL's window statement (_window_sql) numbers the ids by published_at; SQLite would
    # only decode it into a string per id, up to a thousand on a deep list page.
    columns = ("pk", "published_at") if vendor == "postgresql" else ("pk",)
    matching = _public_matching(sentinel, now=now).values_list(*columns)
    sql, params = matching.query.sql_with_params()
    recipe = tuple(slots.get(param, param) for param in params)
    if _ids_shape(sentinel) != shape or len(slots) != len(_ids_slot_values(sentinel, now=now)):
        raise AssertionError(f"sentinel query does not stand for {shape!r}")
    if set(slots.values()) - {item for item in recipe if isinstance(item, _Slot)}:
        raise AssertionError(f"ids query leaves a value out of its parameters: {recipe!r}")
    return sql, recipe


@dataclass(frozen=True, kw_only=True, slots=True)
class PortalRow:
    """What one result of the portal list shows: plain values, no model instance (building
    forty model instances with their FSM bookkeeping cost more than the rest of the page)."""

    id: int
    reference: str
    title: str
    state: str
    cpv_main: str
    contract_type: str
    procedure: str
    regime: str
    submission_deadline: datetime | None
    authority_name: str


_ROW_FIELDS = (
    "id",
    "reference",
    "title",
    "state",
    "cpv_main",
    "contract_type",
    "procedure",
    "regime",
    "submission_deadline",
    "authority__name",
)


@functools.lru_cache(maxsize=32)
def _rows_sql(vendor: str, count: int) -> str:
    """The SQL of the rows query for ``count`` ids, built by the ORM once per page size: the
    statement is the same on every request, only its parameters (the ids) change, and compiling
    it cost about as much as running it."""
    placeholder_ids = list(range(1, count + 1))
    queryset = (
        Tender.objects.public().filter(pk__in=placeholder_ids).order_by().values_list(*_ROW_FIELDS)
    )
    sql, params = queryset.query.sql_with_params()
    if list(params) != placeholder_ids:
        raise AssertionError(f"rows query takes other parameters than the ids: {params!r}")
    return sql


def _db_datetime(value: Any) -> datetime | None:
    # SQLite hands a raw cursor naive UTC (as stored with USE_TZ), PostgreSQL an aware datetime.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _portal_row(row: Sequence[Any]) -> PortalRow:
    """A list row from a raw result row: the id, then the columns of ``_ROW_FIELDS`` in order
    (the window statement returns them in the same order)."""
    return PortalRow(
        id=row[0],
        reference=row[1],
        title=row[2],
        state=row[3],
        cpv_main=row[4],
        contract_type=row[5],
        procedure=row[6],
        regime=row[7],
        submission_deadline=_db_datetime(row[8]),
        authority_name=row[9],
    )


def tender_list_rows(*, ids: list[int]) -> list[PortalRow]:
    """The list fields of the public tenders ``ids``, in the order given: one query by primary
    key, so a search's filters are not evaluated a second time for the page."""
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_rows_sql(connection.vendor, len(ids)), ids)
        rows = cursor.fetchall()
    by_id = {row[0]: _portal_row(row) for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


@dataclass(frozen=True, kw_only=True, slots=True)
class PortalWindow:
    """The ids of a result window, newest first, and the list fields of one page of it."""

    ids: list[int]
    page: list[PortalRow]


# The list fields of a page that are columns of tenders_tender (t): those of _ROW_FIELDS between
# the id and the authority's name, in the same order, so _portal_row reads both statements.
_WINDOW_ROW_COLUMNS = _ROW_FIELDS[1:-1]


@functools.lru_cache(maxsize=1024)
def _window_sql(vendor: str, shape: _IdsShape) -> str:
    """PostgreSQL: the ids statement of ``shape`` wrapped so that the same statement also
    returns the list fields of the page's rows (a second query cost a round trip and a plan
    per page). After the ids statement's own parameters it takes the LIMIT and the page's
    first and last position (1-based, the first exclusive). The positions follow the ids
    statement's order (published_at, id, both descending), which the join keeps; rows outside
    the page carry only their id: the page test only needs the outer row, so PostgreSQL
    checks it once per row before it reads the tender (a one-time filter; OFFSET 0 keeps the
    subquery from being merged into a hash join that scans every tender). The authority's
    name is a scalar subquery by primary key: as a join, a small table of authorities was
    hashed again for each of the page's rows."""
    ids_sql, _recipe = _ids_sql(vendor, shape)
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"t.{quote(Tender._meta.get_field(name).column)}" for name in _WINDOW_ROW_COLUMNS
    )
    tenders = quote(Tender._meta.db_table)
    authorities = quote(Tender._meta.get_field("authority").related_model._meta.db_table)
    return (
        f"SELECT w.pk, r.* FROM (SELECT m.pk, m.published_at, "
        "row_number() OVER (ORDER BY m.published_at DESC, m.pk DESC) AS n "
        f"FROM ({ids_sql} LIMIT %s) AS m) AS w "
        f"LEFT JOIN LATERAL (SELECT {columns}, (SELECT o.{quote('name')} FROM {authorities} "
        f"AS o WHERE o.{quote('id')} = t.{quote('authority_id')}) FROM {tenders} AS t "
        f"WHERE t.{quote('id')} = w.pk AND w.n > %s AND w.n <= %s OFFSET 0) AS r ON true "
        "ORDER BY w.published_at DESC, w.pk DESC"
    )


def tender_portal_window(
    *, query: PortalQuery | None, limit: int, start: int, size: int
) -> PortalWindow:
    """The ids of the first ``limit`` public tenders matching ``query``, newest first, and the
    list fields of those at positions ``start`` to ``start + size`` (0-based, end excluded):
    one statement on PostgreSQL, two elsewhere (on SQLite the combined statement was slower
    than both: it sorts the window again and cannot skip the other rows' lookups)."""
    query = query or PortalQuery()
    shape = _ids_shape(query)
    if shape is None or connection.vendor != "postgresql":
        ids = tender_portal_ids(query=query, limit=limit)
        return PortalWindow(ids=ids, page=tender_list_rows(ids=ids[start : start + size]))
    _sql, recipe = _ids_sql(connection.vendor, shape)
    slots = _ids_slot_values(query, now=timezone.now())
    params = [slots[item] if isinstance(item, _Slot) else item for item in recipe]
    with connection.cursor() as cursor:
        cursor.execute(_window_sql(connection.vendor, shape), [*params, limit, start, start + size])
        rows = cursor.fetchall()
    page = [_portal_row(row) for row in rows[start : start + size]]
    return PortalWindow(ids=[row[0] for row in rows], page=page)


def _public_versions() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=DocumentVersion.objects.order_by("-number").only(
            "id",
            "public_id",
            "document_id",
            "number",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "change_note",
            "substantial",
            "published_change",
            "uploaded_at",
        ),
    )


def tender_portal_get(*, reference: str) -> Tender:
    """One public tender with lots, criteria and documents loaded; 404 for anything unpublished.

    Raises PortalNotFoundError.
    """
    tender = (
        tender_public_queryset()
        .prefetch_related(
            Prefetch("lots", queryset=Lot.objects.order_by("number")),
            Prefetch(
                "criteria",
                queryset=AwardCriterion.objects.order_by("lot__number", "position", "pk"),
            ),
            Prefetch(
                "documents",
                queryset=TenderDocument.objects.select_related("lot")
                .prefetch_related(_public_versions())
                .order_by("title", "pk"),
            ),
        )
        .filter(reference=reference)
        .first()
    )
    if tender is None:
        raise PortalNotFoundError(
            _("No published tender with the reference %(ref)s.") % {"ref": repr(reference)}
        )
    return tender


@dataclass(frozen=True, kw_only=True)
class PublicDocument:
    document: TenderDocument
    current: DocumentVersion
    previous: list[DocumentVersion]


@dataclass(frozen=True, kw_only=True)
class PublicTenderDetail:
    """Everything the public sees of one tender, loaded in a fixed number of queries."""

    tender: Tender
    lots: list[Lot]
    criteria_by_lot: dict[int | None, list[AwardCriterion]]
    documents: list[PublicDocument]
    answers: list[Question]
    publication_kinds: frozenset[str]

    @property
    def tender_criteria(self) -> list[AwardCriterion]:
        return self.criteria_by_lot.get(None, [])

    @property
    def all_versions(self) -> list[DocumentVersion]:
        versions = []
        for item in self.documents:
            item.current.is_current = True
            versions.append(item.current)
            for old in item.previous:
                old.is_current = False
                versions.append(old)
        return versions


def tender_public_detail(*, reference: str) -> PublicTenderDetail:
    """Raises PortalNotFoundError for unknown or unpublished tenders."""
    tender = tender_portal_get(reference=reference)
    lots = list(tender.lots.all())
    criteria_by_lot: dict[int | None, list[AwardCriterion]] = {}
    for criterion in tender.criteria.all():
        criteria_by_lot.setdefault(criterion.lot_id, []).append(criterion)
    documents = []
    for document in tender.documents.all():
        versions = list(document.versions.all())
        if versions:
            documents.append(
                PublicDocument(document=document, current=versions[0], previous=versions[1:])
            )
    kinds = frozenset(
        TenderPublication.objects.filter(tender=tender).values_list("kind", flat=True)
    )
    return PublicTenderDetail(
        tender=tender,
        lots=lots,
        criteria_by_lot=criteria_by_lot,
        documents=documents,
        answers=list(tender_public_answers(tender=tender)),
        publication_kinds=kinds,
    )


def tender_public_answers(*, tender: Tender) -> QuerySet[Question]:
    """Answered clarification questions as published: question, answer and dates, no asker."""
    return (
        Question.objects.answered()
        .filter(tender=tender)
        # Not even the raw question text is loaded: only the wording published with the answer.
        .only("id", "tender_id", "public_text", "answer", "answered_at")
        .order_by("answered_at", "pk")
    )


def public_question_text(question: Question) -> str:
    """The question as published with its answer (the answering officer may neutralise it).

    The raw question text can name the asker; it never leaves through the public side.
    """
    return question.public_text


def document_version_public_get(*, public_id: Any) -> DocumentVersion:
    """A document version of a public tender, for the free download (VgV §41).

    Raises PortalNotFoundError for unknown ids and for documents of unpublished tenders.
    """
    version = (
        DocumentVersion.objects.select_related("document__tender")
        .filter(public_id=public_id, document__tender__published_at__isnull=False)
        .first()
    )
    if version is None:
        raise PortalNotFoundError(_("No such published tender document."))
    return version


def tender_publications(*, tender: Tender, kind: str) -> list[TenderPublication]:
    return list(
        TenderPublication.objects.filter(tender=tender, kind=kind).order_by("sequence", "pk")
    )


def tender_public_by_ocid(*, ocid: str) -> Tender:
    """Raises PortalNotFoundError when ``ocid`` is not ours or its tender is not public."""
    prefix = f"{settings.ZUSCHLAG_OCID_PREFIX}-"
    if not ocid.startswith(prefix):
        raise PortalNotFoundError(
            _("%(ocid)s is not an OCID of this service.") % {"ocid": repr(ocid)}
        )
    # The ocid ends in the tender's public UUID (Tender.ocid, tenders.publication.ocds.ocid).
    try:
        public_id = uuid.UUID(ocid[len(prefix) :])
    except ValueError:
        raise PortalNotFoundError(
            _("%(ocid)s is not an OCID of this service.") % {"ocid": repr(ocid)}
        ) from None
    tender = tender_public_queryset().filter(public_id=public_id).first()
    if tender is None:
        raise PortalNotFoundError(
            _("No published tender with the OCID %(ocid)s.") % {"ocid": repr(ocid)}
        )
    return tender


def tender_ocds_package(*, tender: Tender, uri: str) -> dict[str, Any]:
    """The OCDS release package of every release stored for ``tender``, oldest first, built by
    the publication module (which also declares the extensions the releases use).

    Raises PortalNotFoundError when no OCDS release was stored at publication.
    """
    from tenders.publication.ocds import release_package

    publications = tender_publications(tender=tender, kind=TenderPublication.Kind.OCDS)
    releases: list[dict[str, Any]] = []
    for publication in publications:
        document = json.loads(publication.content)
        # Stored either as a bare release or already wrapped in a package.
        releases.extend(document["releases"] if "releases" in document else [document])
    if not releases:
        raise PortalNotFoundError(
            _("No OCDS release has been published for %(ref)s.") % {"ref": tender.reference}
        )
    site = settings.SITE_URL.rstrip("/")
    return release_package(
        releases,
        uri=uri,
        published_at=max(p.created_at for p in publications),
        publisher_name=tender.authority.name,
        publication_policy=f"{site}/portal/",
    )


def tender_ocds_latest_release(*, tender: Tender) -> dict[str, Any] | None:
    """The newest OCDS release stored for ``tender`` (unwrapped from a package if need be)."""
    publication = (
        TenderPublication.objects.filter(tender=tender, kind=TenderPublication.Kind.OCDS)
        .order_by("-sequence", "-pk")
        .first()
    )
    if publication is None:
        return None
    document = json.loads(publication.content)
    if "releases" in document:
        return document["releases"][-1] if document["releases"] else None
    return document


def tender_public_by_reference(*, reference: str) -> Tender:
    """Raises PortalNotFoundError for unknown or unpublished tenders."""
    tender = tender_public_queryset().filter(reference=reference).first()
    if tender is None:
        raise PortalNotFoundError(
            _("No published tender with the reference %(ref)s.") % {"ref": repr(reference)}
        )
    return tender


def tender_eforms_notice(*, tender: Tender) -> TenderPublication:
    """The newest eForms notice stored for ``tender``.

    Raises PortalNotFoundError when none exists (national tenders get no eForms notice).
    """
    publication = (
        TenderPublication.objects.filter(tender=tender, kind=TenderPublication.Kind.EFORMS)
        .order_by("-sequence", "-pk")
        .first()
    )
    if publication is None:
        raise PortalNotFoundError(
            _("No eForms notice has been published for %(ref)s.") % {"ref": tender.reference}
        )
    return publication


def tender_feed_items(*, cpv_prefix: str = "", limit: int = 50) -> list[Tender]:
    """The newest published tenders for the Atom feed, optionally one CPV subtree only."""
    return list(tender_portal_list(query=PortalQuery(cpv_prefix=cpv_prefix))[:limit])


def tender_public_state(tender: Tender | PortalRow) -> str:
    """What the public is told about the state: open, closed, awarded, cancelled …"""
    if tender.state == TenderState.PUBLISHED:
        if tender.submission_deadline and tender.submission_deadline <= timezone.now():
            return TenderState.CLOSED
        return TenderState.PUBLISHED
    if tender.state in STATES_SHOWN_AS_CLOSED:
        return TenderState.CLOSED
    return tender.state
