"""The public tender portal: no login, published data only (VgV §41: free, full, direct access)."""

import base64
import functools
from html import escape
from typing import Any
from urllib.parse import quote

from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from procurement.core.timeutil import BERLIN
from tenders.models import TenderPublication, TenderState
from tenders.portal_forms import (
    SELECT_FIELDS,
    PortalSearchForm,
    quick_portal_query,
    select_choices,
    select_options_html,
)
from tenders.portal_selectors import (
    PortalNotFoundError,
    PortalQuery,
    PortalRow,
    PortalWindow,
    document_version_public_get,
    public_question_text,
    tender_eforms_notice,
    tender_list_rows,
    tender_ocds_package,
    tender_portal_window,
    tender_public_by_ocid,
    tender_public_by_reference,
    tender_public_detail,
    tender_public_state,
)

PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 20


# How many pages beyond the requested one the result count looks ahead. Counting every match
# of a word search made SQLite read all 10,000 descriptions on every page (~20 ms of a 25 ms
# page); a count bounded to the next few pages stops as soon as it has found enough.
LOOKAHEAD_PAGES = 4


class WindowedPaginator(Paginator):
    """A paginator that counts at most up to a few pages past the requested one.

    ``count`` is exact when the results end inside that window; otherwise it is the window's
    size and ``count_is_lower_bound`` is True (the page says "≥ 120 tenders", "page 2 of ≥ 6").
    Walking on moves the window, so every page stays reachable with "next".
    """

    def __init__(self, query: PortalQuery | None, per_page: int, *, page_hint: Any) -> None:
        super().__init__([], per_page)
        self.query = query
        try:
            page = max(1, int(page_hint))
        except (TypeError, ValueError):
            page = 1
        self.requested_page = page
        self.count_limit = (page + LOOKAHEAD_PAGES) * per_page
        self.count_is_lower_bound = False

    @cached_property
    def _window(self) -> PortalWindow:
        # The ids of the window and the requested page's rows (one statement on PostgreSQL,
        # two on SQLite); the count and the page both come from the ids, so a search that has
        # to read many rows (a rare word on SQLite) reads them once, not twice.
        return tender_portal_window(
            query=self.query,
            limit=self.count_limit + 1,
            start=(self.requested_page - 1) * self.per_page,
            size=self.per_page,
        )

    @cached_property
    def _ids(self) -> list[int]:
        ids = list(self._window.ids)
        if len(ids) > self.count_limit:
            self.count_is_lower_bound = True
            del ids[self.count_limit :]
        return ids

    @cached_property
    def count(self) -> int:
        return len(self._ids)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        if number == self.requested_page:
            return self._get_page(self._window.page, number, self)
        # A page number past the end (the last page is shown) or below 1: its rows by id.
        bottom = (number - 1) * self.per_page
        ids = self._ids[bottom : bottom + self.per_page]
        return self._get_page(tender_list_rows(ids=ids), number, self)


def _page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("per_page", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


# Query parameters that choose a page, not what is searched.
PAGING_PARAMS = frozenset({"page", "per_page"})


TEXT_INPUTS = ("q", "cpv", "deadline_from", "deadline_to")
_SLOT = "\x00"  # never part of a template's text nor of a translation


def _slot(name: str) -> SafeString:
    return mark_safe(f"{_SLOT}{name}{_SLOT}")


@functools.lru_cache(maxsize=32)
def _search_form_skeleton(language: str | None, script_prefix: str) -> tuple[str, ...]:
    """search_form.html rendered once per language, split around its slots: literal text at
    even positions, slot names at odd ones. The form's labels, translations and URLs cost
    more to render than the results of a page; only the slots change between requests."""
    context = {
        "non_field_errors": _slot("non_field_errors"),
        "open_only_checked": _slot("open_only_checked"),
        **{name: _slot(name) for name in TEXT_INPUTS},
        **{f"errors_{name}": _slot(f"errors_{name}") for name in TEXT_INPUTS},
        "selects": [
            {
                "name": name,
                "label": PortalSearchForm.base_fields[name].label,
                "options": _slot(f"options_{name}"),
                "errors": _slot(f"errors_{name}"),
            }
            for name in SELECT_FIELDS
        ],
    }
    return tuple(render_to_string("tenders/portal/search_form.html", context).split(_SLOT))


def _search_form_html(request: HttpRequest, form: PortalSearchForm | None) -> SafeString:
    """The search form with the request's values (escaped) and the form's errors, if any."""
    errors = form.errors if form is not None and not form.is_valid() else {}
    get = request.GET.get
    slots: dict[str, str] = {
        "non_field_errors": "",
        "open_only_checked": " checked" if get("open_only") else "",
    }
    for name in TEXT_INPUTS:
        slots[name] = escape(get(name, ""))
        slots[f"errors_{name}"] = str(errors[name]) if name in errors else ""
    for name in SELECT_FIELDS:
        slots[f"options_{name}"] = select_options_html(name, get(name, ""))
        slots[f"errors_{name}"] = "".join(
            f'<span class="errorlist">{escape(error)}</span>' for error in errors.get(name, [])
        )
    if form is not None and errors and form.non_field_errors():
        slots["non_field_errors"] = f'<div class="wide errorlist">{form.non_field_errors()}</div>'
    parts = _search_form_skeleton(get_language(), get_script_prefix())
    html = "".join(slots[part] if i % 2 else part for i, part in enumerate(parts))
    return mark_safe(html)  # the skeleton is a rendered template, every slot value is escaped


@require_safe
def portal_list(request: HttpRequest) -> HttpResponse:
    # Paging alone filters nothing: the form stays unbound and is not validated.
    searched = any(key not in PAGING_PARAMS for key in request.GET)
    # Plain valid inputs need no form; anything else (errors included) goes through it.
    query = quick_portal_query(request.GET) if searched else None
    form = PortalSearchForm(request.GET) if searched and query is None else None
    if form is not None:
        if not form.is_valid():
            # Bad filters change nothing: the form comes back with its messages, no list.
            return render(
                request,
                "tenders/portal/list.html",
                {"search_form": _search_form_html(request, form), "page": None},
                status=400,
            )
        query = form.to_query()
    paginator = WindowedPaginator(query, _page_size(request), page_hint=request.GET.get("page"))
    page = paginator.get_page(request.GET.get("page"))
    results = _results_html(page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    # "?" plus the request's other parameters, ready for one more (escaped for an attribute).
    link_prefix = escape(f"?{params.urlencode()}&" if params else "?")
    feed_url = _feed_url(query)
    return render(
        request,
        "tenders/portal/list.html",
        {
            "search_form": _search_form_html(request, form),
            "page": page,
            "results": results,
            "paginator": paginator,
            "summary": _summary_html(paginator, feed_url=feed_url, link_prefix=link_prefix),
            "pagination": _pagination_html(page, link_prefix=link_prefix),
            "feed_url": feed_url,
        },
    )


# The count, feed and page size links above the results and the page links below them: built
# here (every value escaped) for the reason given at RESULT_HTML.
SUMMARY_HTML = (
    '<div class="portal-summary">\n'
    '  <span id="result-count">{count}</span>\n'
    '  <span>{feed}<a href="{api_url}">API</a> · {per_page_label}:\n'
    "    {sizes}</span>\n"
    "</div>"
)


def _summary_html(paginator: WindowedPaginator, *, feed_url: str, link_prefix: str) -> SafeString:
    count = paginator.count
    text = ngettext("%(counter)s tender", "%(counter)s tenders", count) % {"counter": count}
    # gettext calls stay outside the f-strings: xgettext does not look inside them.
    feed_label = escape(_("Atom feed"))
    feed = f'<a href="{escape(feed_url)}">{feed_label}</a> · ' if feed_url else ""
    sizes = "".join(
        f"<b>{size}</b> "
        if size == paginator.per_page
        else f'<a href="{link_prefix}per_page={size}">{size}</a> '
        for size in PAGE_SIZES
    )
    return mark_safe(  # every value is escaped or a number
        SUMMARY_HTML.format(
            count=escape(("≥ " if paginator.count_is_lower_bound else "") + text),
            feed=feed,
            api_url=escape(reverse("api-tender-list")),
            per_page_label=escape(_("per page")),
            sizes=sizes,
        )
    )


def _pagination_html(page: Page, *, link_prefix: str) -> SafeString:
    if not page.has_other_pages():
        return mark_safe("")
    paginator = page.paginator
    total = paginator.num_pages
    if getattr(paginator, "count_is_lower_bound", False):
        total = f"≥ {total}"
    # gettext calls stay outside the f-strings: xgettext does not look inside them.
    pages_label, previous_label, next_label = _("Pages"), _("previous"), _("next")
    parts = [f'<nav class="pagination" aria-label="{escape(pages_label)}">\n  ']
    if page.has_previous():
        parts.append(
            f'<a rel="prev" href="{link_prefix}page={page.previous_page_number()}">'
            f"\N{SINGLE LEFT-POINTING ANGLE QUOTATION MARK} {escape(previous_label)}</a>"
        )
    current = _("page %(n)s of %(total)s") % {"n": page.number, "total": total}
    parts.append(f'\n  <span class="current">{escape(current)}</span>\n  ')
    if page.has_next():
        parts.append(
            f'<a rel="next" href="{link_prefix}page={page.next_page_number()}">'
            f"{escape(next_label)} \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}</a>"
        )
    parts.append("\n</nav>")
    return mark_safe("".join(parts))  # every value is escaped or a number


# One result of the list. Every value is escaped by html.escape before it is put in; built
# with str.format rather than the template engine or format_html, whose per-value
# conditional_escape made the rows the dearest part of the list page.
RESULT_HTML = (
    '<li class="tender" data-reference="{reference}">'
    '<h2><a href="{url}">{title}</a> '
    '<span class="badge state-{state}">{state_label}</span></h2>'
    '<div class="meta"><span>{reference}</span><span>{authority}</span>'
    "<span><b>{deadline_label}:</b> {deadline}</span>"
    '<span class="cpv">CPV {cpv}</span><span>{contract_type}</span><span>{procedure}</span>'
    "<span>{regime}</span></div></li>\n"
)


def _results_html(rows: list[PortalRow]) -> SafeString:
    """The page's results as one HTML string (every value escaped)."""
    labels = {name: dict(select_choices(name)) for name in SELECT_FIELDS}
    state_labels = public_state_labels()
    deadline_label = escape(_("Deadline"))
    national = escape(_("national"))
    prefix = reverse("portal-detail", args=["-"])[:-2]  # one reverse() per page, not per result
    parts = []
    for row in rows:
        state = tender_public_state(row)
        deadline = row.submission_deadline
        parts.append(
            RESULT_HTML.format(
                reference=escape(row.reference),
                url=escape(f"{prefix}{quote(row.reference, safe='')}/"),
                title=escape(row.title),
                state=escape(state),
                state_label=escape(state_labels.get(state, "")),
                authority=escape(row.authority_name),
                deadline_label=deadline_label,
                deadline=deadline.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") if deadline else "",
                cpv=escape(row.cpv_main),
                contract_type=escape(labels["contract_type"].get(row.contract_type, "")),
                procedure=escape(labels["procedure"].get(row.procedure, "")),
                regime="EU" if row.regime == "eu" else national,
            )
        )
    return mark_safe("".join(parts))  # every value above went through escape()


def public_state_labels() -> dict[str, str]:
    """What a result's badge says, by public state (see tender_public_state)."""
    return {
        TenderState.PUBLISHED: _("open"),
        TenderState.CLOSED: _("closed"),
        TenderState.AWARDED: _("awarded"),
        TenderState.CONCLUDED: _("awarded"),
        TenderState.CANCELLED: _("cancelled"),
        TenderState.SUSPENDED: _("suspended"),
    }


def _feed_url(query: PortalQuery | None) -> str:
    url = reverse("portal-feed")
    if query is not None and query.cpv_prefix:
        url += f"?cpv={query.cpv_prefix}"  # digits only (the form and quick_portal_query)
    return url


def _not_found(error: PortalNotFoundError) -> Http404:
    return Http404(error.message)


@require_safe
def portal_detail(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        detail = tender_public_detail(reference=reference)
    except PortalNotFoundError as error:
        raise _not_found(error) from error
    answers = [
        {"question": public_question_text(q), "answer": q.answer, "answered_at": q.answered_at}
        for q in detail.answers
    ]
    return render(
        request,
        "tenders/portal/detail.html",
        {
            "tender": detail.tender,
            "public_state": tender_public_state(detail.tender),
            "lots": detail.lots,
            "tender_criteria": detail.tender_criteria,
            "lot_criteria": {lot.pk: detail.criteria_by_lot.get(lot.pk, []) for lot in detail.lots},
            "documents": detail.documents,
            "answers": answers,
            "has_ocds": TenderPublication.Kind.OCDS in detail.publication_kinds,
            "has_eforms": TenderPublication.Kind.EFORMS in detail.publication_kinds,
        },
    )


@require_safe
def portal_document_download(request: HttpRequest, public_id: Any) -> FileResponse:
    """Streams one document version: no login, attachment, the recorded SHA-256 as digest."""
    try:
        version = document_version_public_get(public_id=public_id)
    except PortalNotFoundError as error:
        raise _not_found(error) from error
    try:
        handle = version.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The document file is missing from storage.") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type or "application/octet-stream",
    )
    # The browser must not reinterpret an uploaded file as something executable here.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    digest = base64.b64encode(bytes.fromhex(version.sha256)).decode("ascii")
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    response["ETag"] = f'"{version.sha256}"'
    return response


@require_safe
def opendata_ocds(request: HttpRequest, ocid: str) -> JsonResponse:
    try:
        tender = tender_public_by_ocid(ocid=ocid)
        package = tender_ocds_package(tender=tender, uri=request.build_absolute_uri())
    except PortalNotFoundError as error:
        raise _not_found(error) from error
    response = JsonResponse(package, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def opendata_eforms(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        tender = tender_public_by_reference(reference=reference)
        notice = tender_eforms_notice(tender=tender)
    except PortalNotFoundError as error:
        raise _not_found(error) from error
    response = HttpResponse(
        notice.content.encode("utf-8"), content_type="application/xml; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{tender.reference}.xml"'
    response["Access-Control-Allow-Origin"] = "*"
    response["ETag"] = f'"{notice.sha256}"'
    return response
