"""Every URL of the project, enumerated from the resolver, against who may reach it.

The test walks ``get_resolver()`` and needs a decision for every URL name: public (with a reason),
admin, or private with a way to build it from the demo data. A URL added later without a decision
fails ``test_every_url_has_a_decision``. Checks:

(a) an anonymous client is turned away (login redirect / 401 / 403 / 404 / 405) from every
    non-public URL, for GET and POST;
(b) a logged-in member of an unrelated organisation (an officer of another authority, a bidder of
    another operator) gets 403/404 on another organisation's private objects, GET and POST, and
    list pages do not show them;
(c) every POST is refused without a CSRF token unless the URL is a token-authenticated API.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# ---------------------------------------------------------------------------------------------
# Public URLs: anyone may GET them. The reason says why it is public.
PUBLIC: dict[str, str] = {
    "home": "landing page, links only",
    "healthz": "liveness probe for the load balancer",
    "login": "the login form itself",
    "logout": "logging out is harmless; Django only accepts POST",
    "set_language": "language switch for anonymous visitors (Django's set_language)",
    "api-schema": "OpenAPI schema of the public + token APIs",
    "api-docs": "Redoc page rendering the OpenAPI schema",
    "portal-list": "VgV §41: tenders are published without registration",
    "portal-feed": "Atom feed of published tenders",
    "portal-detail": "VgV §41: published tender detail",
    "portal-document": "VgV §41: free, full, direct access to procurement documents",
    "opendata-ocds": "OCDS open data release of a published tender",
    "opendata-eforms": "eForms contract notice of a published tender",
    "api-tender-list": "read-only public tender API",
    "api-tender-detail": "read-only public tender API",
    "api-tender-documents": "read-only public tender API",
    "api-tender-answers": "published clarification answers (asker anonymised)",
    "bids-api-service-key": "the service's public encryption key bidders encrypt to",
    "bids-api-opening-key": "public opening key of a tender that bidders encrypt bids to",
    "bids-api-checkpoint": "signed opening checkpoint any bidder verifies its receipt against",
}

# Token-authenticated APIs (DRF, no session auth) where CSRF does not apply.
TOKEN_API: dict[str, str] = {
    "bids-api-submit": "bidder CLI submits with a token; streamed body, own parsers",
    "bids-api-withdraw": "bidder CLI withdraws with a token",
}


@dataclass
class World:
    users: dict[str, Any]
    draft: Any  # a tender of 'stadt' that is not published
    published: Any  # a published tender of 'stadt'
    objs: dict[str, Any] = field(default_factory=dict)


# Private URL decisions: name -> (side, kwargs builder). Side says who the outsider is:
#   "authority": officer/AP staff of another authority (acheteur, comptable of Strasbourg)
#   "bidder":    a bidder of another operator (soumission of Ingénierie Rhénane)
#   "self":      pages about the logged-in user only (own keys, own inbox) -> anonymous check
#   "list":      list pages: outsiders get 200 but must not see the private markers
# A builder returns None when the demo has no object of that kind (reported as not exercised).
Builder = Callable[[World], dict[str, Any] | None]


def _obj(w: World, key: str, attr: str, kw: str, **more: Any) -> dict[str, Any] | None:
    o = w.objs.get(key)
    return None if o is None else {kw: getattr(o, attr), **more}


PRIVATE: dict[str, tuple[str, Builder]] = {
    "officer-tenders": ("list", lambda w: {}),
    "officer-tender-create": ("self", lambda w: {}),
    "officer-tender-detail": ("authority", lambda w: {"pk": w.draft.pk}),
    "officer-tender-edit": ("authority", lambda w: {"pk": w.draft.pk}),
    "officer-lot-add": ("authority", lambda w: {"pk": w.draft.pk}),
    "officer-lot-edit": (
        "authority",
        lambda w: (
            None
            if w.objs.get("lot") is None
            else {"pk": w.objs["lot"].tender_id, "lot_id": w.objs["lot"].pk}
        ),
    ),
    "officer-criteria": ("authority", lambda w: {"pk": w.draft.pk}),
    "officer-committee": ("authority", lambda w: {"pk": w.draft.pk}),
    "officer-document-add": ("authority", lambda w: {"pk": w.draft.pk}),
    "officer-document-version": (
        "authority",
        lambda w: (
            None
            if w.objs.get("draft_doc") is None
            else {"pk": w.objs["draft_doc"].tender_id, "document_id": w.objs["draft_doc"].pk}
        ),
    ),
    "officer-document-download": (
        "authority",
        lambda w: _obj(w, "draft_doc", "public_id", "public_id"),
    ),
    "officer-question-answer": (
        "authority",
        lambda w: (
            None
            if w.objs.get("question") is None
            else {"pk": w.objs["question"].tender_id, "question_id": w.objs["question"].pk}
        ),
    ),
    "officer-tender-transition": ("authority", lambda w: {"pk": w.draft.pk, "action": "submit"}),
    # Bidder pages of a tender: an unpublished tender must not exist for bidders.
    "bidder-tender": ("bidder", lambda w: {"pk": w.draft.pk}),
    "bidder-interest": ("bidder", lambda w: {"pk": w.draft.pk}),
    "bidder-question": ("bidder", lambda w: {"pk": w.draft.pk}),
    "tender-inbox": ("list", lambda w: {}),
    # Marking read is a redirect whatever the id; the check is that it changes nothing (below).
    "tender-inbox-read": (
        "own-notification",
        lambda w: _obj(w, "notification", "pk", "notification_id"),
    ),
    "bids-api-member-key": ("self", lambda w: {}),
    "bids-api-submit": ("bidder", lambda w: {"reference": w.draft.reference, "lot": 1}),
    "bids-api-withdraw": (
        "bidder",
        lambda w: (
            None
            if w.objs.get("bid") is None
            else {
                "reference": w.objs["bid"].tender.reference,
                "lot": 1,
                "bid": w.objs["bid"].public_id,
            }
        ),
    ),
    "bids-api-log": ("authority", lambda w: {"reference": w.published.reference}),
    "bids-api-my-share": ("authority", lambda w: {"reference": w.published.reference}),
    "bids-api-session-key": ("authority", lambda w: {"reference": w.published.reference}),
    "bids-api-shares": ("authority", lambda w: {"reference": w.published.reference}),
    "evaluation": ("authority", lambda w: {"reference": w.published.reference}),
    "evaluation-action": ("authority", lambda w: {"reference": w.published.reference}),
    "evaluation-request-response": (
        "authority",
        lambda w: _obj(w, "docrequest", "public_id", "public_id"),
    ),
    "bidder-award-inbox": ("list", lambda w: {}),
    "bidder-award-letter": ("bidder", lambda w: _obj(w, "letter", "public_id", "public_id")),
    "bidder-document-request": (
        "bidder",
        lambda w: _obj(w, "docrequest", "public_id", "public_id"),
    ),
    "bidder-home": ("list", lambda w: {}),
    "bid-tender": ("bidder", lambda w: {"reference": w.draft.reference}),
    "bid-receipt": ("bidder", lambda w: _obj(w, "bid", "public_id", "public_id")),
    "bid-withdraw": ("bidder", lambda w: _obj(w, "bid", "public_id", "public_id")),
    "bid-document": ("bidder", lambda w: _obj(w, "bid", "public_id", "public_id")),
    "committee-key": ("self", lambda w: {}),
    "opening-list": ("list", lambda w: {}),
    "opening": ("authority", lambda w: {"reference": w.published.reference}),
    "opening-action": ("authority", lambda w: {"reference": w.published.reference}),
    "opening-record": ("authority", lambda w: {"reference": w.published.reference}),
    "api-invoices": ("list", lambda w: {}),
    "api-invoices-bulk": ("list", lambda w: {}),
    "api-invoice": ("authority", lambda w: _obj(w, "invoice", "public_id", "public_id")),
    "api-invoice-report": (
        "authority",
        lambda w: _obj(w, "invoice", "public_id", "public_id", fmt="json"),
    ),
    "api-invoice-action": (
        "authority",
        lambda w: _obj(w, "invoice", "public_id", "public_id", action="approve"),
    ),
    "ap-inbox": ("list", lambda w: {}),
    "ap-upload": ("self", lambda w: {}),
    "ap-bulk": ("self", lambda w: {}),
    "ap-bulk-progress": ("authority", lambda w: _obj(w, "bulkjob", "public_id", "public_id")),
    "ap-payment-runs": ("list", lambda w: {}),
    "ap-payment-run-file": (
        "authority",
        lambda w: _obj(w, "paymentrun", "public_id", "public_id", kind="csv"),
    ),
    "ap-invoice": ("authority", lambda w: _obj(w, "invoice", "public_id", "public_id")),
    "ap-invoice-original": ("authority", lambda w: _obj(w, "invoice", "public_id", "public_id")),
    "ap-invoice-report": (
        "authority",
        lambda w: _obj(w, "invoice", "public_id", "public_id", fmt="json"),
    ),
    "ap-invoice-action": (
        "authority",
        lambda w: _obj(w, "invoice", "public_id", "public_id", action="approve"),
    ),
    "supplier-invoices": ("list", lambda w: {}),
    "supplier-invoice-new": ("bidder", lambda w: _obj(w, "contract", "pk", "contract_id")),
    "supplier-invoice": ("bidder", lambda w: _obj(w, "invoice", "public_id", "public_id")),
}

# Outsiders: members of organisations unrelated to the 'stadt' / 'musterbau' objects.
OUTSIDERS = {
    "authority": ["acheteur", "comptable"],
    "bidder": ["soumission"],
    "list": ["acheteur", "soumission"],
}


@dataclass(frozen=True)
class Route:
    name: str | None
    route: str
    params: tuple[str, ...]
    is_admin: bool


def _walk(resolver: URLResolver, prefix: str = "", ns: str = "") -> Iterator[Route]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p, prefix + str(p.pattern), inner or "")
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else p.name
            params = tuple(p.pattern.regex.groupindex)
            full = prefix + str(p.pattern)
            yield Route(name, full, params, full.startswith("admin/"))


ROUTES = list(_walk(get_resolver()))


def test_every_url_has_a_decision() -> None:
    undecided = [
        r.route
        for r in ROUTES
        if not r.is_admin and (r.name is None or (r.name not in PUBLIC and r.name not in PRIVATE))
    ]
    assert not undecided, (
        "URLs without an access decision: add each to PUBLIC (with a reason) or PRIVATE in "
        f"tests/test_url_access.py: {undecided}"
    )
    stale = sorted((set(PUBLIC) | set(PRIVATE)) - {r.name for r in ROUTES})
    assert not stale, f"decisions for URLs that no longer exist: {stale}"


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    from procurement.core.demo import seed_all
    from tenders.models import Lot, Tender, TenderDocument

    ctx = seed_all()
    stadt = ctx.organisations["stadt"]
    tenders = Tender.objects.filter(authority=stadt)
    draft = (
        tenders.filter(state__in=["draft", "pending_approval", "approved"])
        .order_by("state")
        .first()
    )
    published = tenders.filter(state="published").first()
    bid_tender = None
    w = World(users=ctx.users, draft=draft, published=published)
    assert draft is not None, "demo seed has no unpublished tender"
    assert published is not None, "demo seed has no published tender"
    # Officer-only objects: from the draft if it has them, else from another 'stadt' tender.
    w.objs["draft_doc"] = (
        draft.documents.first() or TenderDocument.objects.filter(tender__authority=stadt).first()
    )
    w.objs["lot"] = draft.lots.first() or Lot.objects.filter(tender__authority=stadt).first()
    _collect(w, stadt=stadt, musterbau=ctx.organisations["musterbau"])
    if w.objs.get("bid") is not None:
        bid_tender = w.objs["bid"].tender
        w.published = bid_tender if bid_tender.authority_id == stadt.pk else published
    return w


def _collect(w: World, *, stadt: Any, musterbau: Any) -> None:
    """Pick one private object of each kind from the seeded data (None when the demo has none)."""
    import importlib

    def first(path: str, **flt: Any) -> Any:
        module, name = path.rsplit(".", 1)
        try:
            model = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            return None
        return model.objects.filter(**flt).first()

    w.objs["question"] = first("tenders.models.Question", tender__authority=stadt)
    w.objs["notification"] = first("tenders.models.Notification")
    w.objs["bid"] = first("bids.models.Bid", tender__authority=stadt, bidder=musterbau) or first(
        "bids.models.Bid", tender__authority=stadt
    )
    w.objs["letter"] = first("bids.models.InformationLetter")
    w.objs["docrequest"] = first("bids.models.DocumentRequest")
    w.objs["contract"] = first("bids.models.Contract", authority=stadt)
    # Musterbau's invoice to Stadt: the outsiders (Strasbourg, Rhénane) have no part in it.
    w.objs["invoice"] = first(
        "invoicing.models.Invoice", buyer=stadt, seller_vat_id=musterbau.vat_id
    ) or first("invoicing.models.Invoice", buyer=stadt, seller_name__icontains="Musterbau")
    _make_missing(w, stadt=stadt, musterbau=musterbau)


def _make_missing(w: World, *, stadt: Any, musterbau: Any) -> None:
    """Private objects the demo does not create: a contract, a bulk job and a payment run."""
    from datetime import date

    from invoicing.models import BulkJob, PaymentRun, StoredDocument
    from tests.invoicing.factories import make_contract

    clerk = w.users["apclerk"]
    w.objs["contract"] = w.objs.get("contract") or make_contract(
        authority=stadt, supplier=musterbau, reference="SEC-URL-1"
    )
    w.objs["bulkjob"] = BulkJob.objects.create(
        buyer=stadt, action=BulkJob.Action.choices[0][0], created_by=clerk
    )
    stored = StoredDocument.objects.first()
    w.objs["paymentrun"] = PaymentRun.objects.create(
        buyer=stadt,
        message_id="SEC-URL-RUN-1",
        created_by=clerk,
        execution_date=date(2026, 12, 1),
        pain001=stored,
        bookkeeping_csv=stored,
        transaction_count=0,
    )


def _private_urls(w: World) -> tuple[list[tuple[Route, str, str]], list[str]]:
    urls, not_exercised = [], []
    for r in ROUTES:
        if r.is_admin or r.name in PUBLIC:
            continue
        side, build = PRIVATE[r.name]
        kwargs = build(w)
        if kwargs is None:
            not_exercised.append(r.name)
            continue
        urls.append((r, side, reverse(r.name, kwargs=kwargs)))
    return urls, not_exercised


def _turned_away(resp: Any) -> bool:
    if resp.status_code in (401, 403, 404, 405):
        return True
    return resp.status_code == 302 and "login" in resp.headers.get("Location", "")


def test_anonymous_is_turned_away_from_every_private_url(world: World) -> None:
    urls, not_exercised = _private_urls(world)
    client = Client()
    leaks = []
    for r, _side, url in urls:
        for method in ("get", "post"):
            resp = getattr(client, method)(url)
            if not _turned_away(resp):
                leaks.append(f"{method.upper()} {url} ({r.name}) -> {resp.status_code}")
    assert not leaks, "anonymous reached private URLs:\n" + "\n".join(leaks)
    print("not exercised (no demo object):", not_exercised)  # noqa: T201


def test_anonymous_is_turned_away_from_admin(world: World) -> None:
    client = Client()
    admin_routes = [r for r in ROUTES if r.is_admin]
    assert admin_routes
    # Concrete admin URLs: object ids of real rows where the route takes one.
    urls = {
        "/admin/",
        "/admin/procurement/user/",
        "/admin/invoicing/invoice/",
        f"/admin/tenders/tender/{world.draft.pk}/change/",
        f"/admin/procurement/user/{world.users['officer'].pk}/password/",
        "/admin/procurement/organisation/add/",
    }
    for url in sorted(urls):
        for method in ("get", "post"):
            resp = getattr(client, method)(url)
            assert resp.status_code == 302, (method, url)
            assert "/admin/login/" in resp["Location"], (method, url)
    # An ordinary (non-staff) user is turned away too.
    client.force_login(world.users["officer"])
    for url in sorted(urls):
        resp = client.get(url)
        assert resp.status_code in (302, 403, 404), url
        if resp.status_code == 302:
            assert "/admin/login/" in resp["Location"], url


def test_public_urls_do_not_expose_unpublished_tenders(world: World) -> None:
    """Public URLs keyed by a tender reference must 404 for a draft tender."""
    client = Client()
    ref = world.draft.reference
    for name in (
        "portal-detail",
        "opendata-eforms",
        "api-tender-detail",
        "api-tender-documents",
        "api-tender-answers",
    ):
        resp = client.get(reverse(name, kwargs={"reference": ref}))
        assert resp.status_code == 404, (name, resp.status_code)
    doc = world.objs.get("draft_doc")
    if doc is not None:
        resp = client.get(reverse("portal-document", kwargs={"public_id": doc.public_id}))
        assert resp.status_code == 404


def _markers(w: World) -> list[str]:
    marks = [w.draft.reference, str(w.draft.title)]
    for key in ("bid", "invoice", "letter", "docrequest"):
        o = w.objs.get(key)
        if o is not None:
            marks.append(str(o.public_id))
    inv = w.objs.get("invoice")
    if inv is not None and getattr(inv, "number", ""):
        marks.append(inv.number)
    return marks


def test_outsiders_cannot_see_or_act_on_private_objects(world: World) -> None:
    urls, _ = _private_urls(world)
    problems = []
    for side, usernames in OUTSIDERS.items():
        for username in usernames:
            client = Client()
            client.force_login(world.users[username])
            for r, url_side, url in urls:
                if url_side != side:
                    continue
                if side == "list":
                    resp = client.get(url)
                    body = resp.content.decode("utf-8", "replace")
                    seen = [m for m in _markers(world) if m and m in body]
                    if seen:
                        problems.append(f"{username} GET {url} shows {seen}")
                    continue
                for method in ("get", "post"):
                    resp = getattr(client, method)(url)
                    if resp.status_code not in (403, 404, 405) and not (
                        resp.status_code == 302 and "login" in resp.get("Location", "")
                    ):
                        problems.append(
                            f"{username} {method.upper()} {url} ({r.name}) -> {resp.status_code}"
                        )
    note = world.objs.get("notification")
    if note is not None:
        client = Client()
        client.force_login(
            world.users["soumission"]
            if note.recipient.username != "soumission"
            else world.users["kontor"]
        )
        client.post(reverse("tender-inbox-read", kwargs={"notification_id": note.pk}))
        note.refresh_from_db()
        if note.read_at is not None:
            problems.append("an outsider marked another user's notification as read")
    assert not problems, "outsiders reached private objects:\n" + "\n".join(problems)


def test_every_post_requires_a_csrf_token(world: World) -> None:
    """Session-authenticated POSTs without a CSRF token are refused before any view logic runs."""
    urls, _ = _private_urls(world)
    admin = world.users.get("admin")
    if admin is None:
        from procurement.core.models import User

        admin = User.objects.get(username="admin")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    extra = [
        ("login", reverse("login")),
        ("set_language", reverse("set_language")),
        ("logout", reverse("logout")),
        ("admin", f"/admin/tenders/tender/{world.draft.pk}/change/"),
    ]
    missing = []
    for name, url in [(r.name, u) for r, _s, u in urls] + extra:
        if name in TOKEN_API:
            continue
        resp = client.post(url, {"x": "1"})
        body = resp.content.decode("utf-8", "replace")
        if resp.status_code == 405:
            continue
        if not (resp.status_code == 403 and "CSRF" in body):
            missing.append(f"POST {url} ({name}) -> {resp.status_code}")
    assert not missing, "POST accepted without CSRF token:\n" + "\n".join(missing)


def test_unknown_objects_are_404_not_500(world: World) -> None:
    """Random ids give a clean 404/403 to a logged-in officer (no 500 from a missing object)."""
    client = Client()
    client.force_login(world.users["officer"])
    for name in ("ap-invoice", "bid-receipt", "officer-document-download"):
        resp = client.get(reverse(name, kwargs={"public_id": uuid.uuid4()}))
        assert resp.status_code in (403, 404), (name, resp.status_code)
