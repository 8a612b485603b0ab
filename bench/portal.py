"""Portal speed: list, search and detail pages over 10,000 published tenders.

    .venv/bin/python bench/portal.py                      # SQLite (a fresh file in a temp dir)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zuschlag .venv/bin/python bench/portal.py

Creates a throw-away test database (``test_<name>`` on PostgreSQL, dropped afterwards), fills it
in bulk, then times each page through Django's test client (the full middleware stack, no
network) beside a trivial view measured in the same run. Goal: list and search within 3x the
trivial view; the query count per page must not grow with the page size.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings_test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import clear_url_caches, include, path  # noqa: E402
from django.utils import timezone  # noqa: E402


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


_PAGE = None


def trivial_page(request: HttpRequest) -> HttpResponse:
    """The site layout (base.html: nav, language form, account box) around one word, no data."""
    global _PAGE
    if _PAGE is None:
        from django.template import engines

        _PAGE = engines["django"].from_string(
            '{% extends "base.html" %}{% block content %}<p>ok</p>{% endblock %}'
        )
    return HttpResponse(_PAGE.render({}, request))


# This module is the URLconf of the run: the project's URLs plus the baseline views.
urlpatterns = [
    path("bench/trivial", trivial),
    path("bench/trivial-page", trivial_page),
    path("", include("procurement.urls")),
]

WORDS = (
    "Sanierung Neubau Erweiterung Instandhaltung Wartung Lieferung Reinigung Umbau Planung "
    "Grundschule Gymnasium Kita Feuerwache Rathaus Bibliothek Schwimmbad Sporthalle Klinikum "
    "Straße Brücke Kanal Radweg Glasfaser Beleuchtung Heizung Lüftung Dach Fassade Fenster "
    "Elektro Sanitär Aufzug Photovoltaik Software Server Laptops Möbel Fahrzeuge Winterdienst "
    "Grünpflege Sicherheitsdienst Beratung Gutachten Vermessung Catering Druckerzeugnisse"
).split()
CPV = [
    "45210000-2",
    "45233120-6",
    "45214200-2",
    "45213000-3",
    "45216121-8",
    "45000000-7",
    "72000000-5",
    "30200000-1",
    "30192000-1",
    "90910000-9",
    "71000000-8",
    "71245000-7",
    "79341000-6",
    "33100000-1",
    "34100000-8",
    "45214100-1",
]
CONTRACT_TYPES = ["works", "supplies", "services"]
PROCEDURES = [
    "open",
    "restricted",
    "negotiated_with_call",
    "national_public",
    "national_restricted_with_call",
]
STATES_AFTER_PUBLICATION = ["published"] * 8 + ["closed", "awarded"]


SYLLABLES = [c + v for c in "bdklmnrst" for v in "aeiou"]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def description(rng: random.Random, filler: list[str]) -> str:
    """A few procurement words in ordinary text: a search word is in some tenders, not in most."""
    words = [rng.choice(filler) for _ in range(rng.randint(40, 120))]
    for _ in range(rng.randint(2, 6)):
        words.insert(rng.randrange(len(words)), rng.choice(WORDS))
    return " ".join(words)


def populate(*, count: int, seed: int) -> list[str]:
    """``count`` published tenders (plus lots, criteria and documents on some); their refs."""
    import hashlib

    from django.core.files.base import ContentFile

    from procurement.core.models import Organisation
    from tenders.models import AwardCriterion, DocumentVersion, Lot, Tender, TenderDocument

    rng = random.Random(seed)
    filler = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(3000)})
    now = timezone.now()
    authorities = Organisation.objects.bulk_create(
        Organisation(
            kind="authority",
            authority_type="sub_central",
            name=f"Stadt {city}",
            country="DE",
            city=city,
            nuts="DE300",
        )
        for city in [f"{w}stadt {i}" for i, w in enumerate(WORDS)]
    )
    tenders = []
    for n in range(count):
        ctype = rng.choice(CONTRACT_TYPES)
        tenders.append(
            Tender(
                authority=rng.choice(authorities),
                reference=f"BENCH-2026-{n:06d}",
                title=f"{sentence(rng, 3)} {n}",
                description=description(rng, filler),
                cpv_main=rng.choice(CPV),
                cpv_additional=rng.sample(CPV, rng.randint(0, 3)),
                nuts="DE300",
                contract_type=ctype,
                procedure=rng.choice(PROCEDURES),
                regime=rng.choice(["eu", "national"]),
                estimated_value=Decimal(rng.randint(10_000, 9_000_000)),
                questions_deadline=now + timedelta(days=rng.randint(5, 80)),
                submission_deadline=now + timedelta(days=rng.randint(10, 120)),
                opening_at=now + timedelta(days=121),
                state=rng.choice(STATES_AFTER_PUBLICATION),
                published_at=now - timedelta(minutes=rng.randint(1, 90 * 24 * 60)),
            )
        )
    Tender.objects.bulk_create(tenders, batch_size=1000)
    tenders = list(Tender.objects.order_by("pk"))
    lots, criteria = [], []
    for tender in tenders[::5]:
        for number in range(1, rng.randint(2, 4)):
            lots.append(
                Lot(
                    tender=tender,
                    number=number,
                    title=sentence(rng, 4),
                    cpv_main=rng.choice(CPV),
                    estimated_value=Decimal("50000"),
                )
            )
    Lot.objects.bulk_create(lots, batch_size=1000)
    for tender in tenders:
        criteria.append(
            AwardCriterion(
                tender=tender, kind="price", name="Preis", weight=Decimal("60"), position=1
            )
        )
        criteria.append(
            AwardCriterion(
                tender=tender, kind="quality", name="Qualität", weight=Decimal("40"), position=2
            )
        )
    AwardCriterion.objects.bulk_create(criteria, batch_size=2000)
    # Documents only on the tenders whose detail page is timed (files are real files).
    detail_sample = rng.sample(tenders, 50)
    for tender in detail_sample:
        for title in ("Leistungsverzeichnis", "Vertragsbedingungen", "Pläne"):
            document = TenderDocument.objects.create(tender=tender, title=title)
            for number in (1, 2):
                data = f"{tender.reference} {title} v{number}".encode() * 200
                version = DocumentVersion(
                    document=document,
                    number=number,
                    original_name=f"{title}.pdf",
                    extension=".pdf",
                    content_type="application/pdf",
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                )
                version.file.save("x.pdf", ContentFile(data), save=False)
                version.save()
    if connection.vendor == "postgresql":
        # The steady state autovacuum reaches: statistics and the visibility map (index-only
        # counts), not the state right after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return [t.reference for t in detail_sample]


def _timed_get(client: Client, url: str) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of this process for one request."""
    start, cpu_start = time.perf_counter(), time.process_time()
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    else:
        response.content  # noqa: B018 (the full body is part of the cost)
    elapsed = (time.perf_counter() - start) * 1000
    cpu = (time.process_time() - cpu_start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed, cpu


def measure_interleaved(
    client: Client, cases: list[tuple[str, Callable[[int], str], bool]], *, rounds: int
) -> dict[str, dict[str, float]]:
    """Round-robin over the cases, so a busy neighbour on the machine slows all of them alike
    and the ratios to the baselines stay fair."""
    for _name, urls, _goal in cases:
        for i in range(10):
            _timed_get(client, urls(i))
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name, _u, _g in cases}
    for i in range(rounds):
        for name, urls, _goal in cases:
            samples[name].append(_timed_get(client, urls(i)))
    results = {}
    for name, pairs in samples.items():
        times = sorted(wall for wall, _cpu in pairs)
        results[name] = {
            "p50": statistics.median(times),
            "p95": times[max(0, int(len(times) * 0.95) - 1)],
            "cpu50": statistics.median(cpu for _wall, cpu in pairs),
        }
    return results


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tenders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    clear_url_caches()
    # No setup_test_environment(): its template instrumentation would slow every page down.
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        # A file, as in the embedded deployment, not the test runner's in-memory database.
        connection.settings_dict["TEST"]["NAME"] = str(Path(settings.VAR_DIR) / "bench.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    detail_refs = populate(count=args.tenders, seed=args.seed)
    print(
        f"database: {connection.vendor} ({connection.settings_dict['NAME']}); "
        f"{args.tenders:,} published tenders created in {time.perf_counter() - started:.1f} s"
    )
    rng = random.Random(args.seed + 1)
    client = Client()
    words = [w.lower() for w in WORDS]
    searches = [f"q={rng.choice(words)}" for _ in range(50)]
    searches += [f"q={rng.choice(words)}+{rng.choice(words)}" for _ in range(25)]
    cpvs = ["45", "4521", "72", "302", "90910000"]
    pages = [rng.randint(1, 50) for _ in range(50)]

    cases: list[tuple[str, Callable[[int], str], bool]] = [
        ("trivial view (baseline)", lambda i: "/bench/trivial", False),
        ("trivial page in base.html (baseline)", lambda i: "/bench/trivial-page", False),
        ("portal list (20/page)", lambda i: f"/portal/?page={pages[i % len(pages)]}", True),
        ("portal search: words", lambda i: f"/portal/?{searches[i % len(searches)]}", True),
        ("portal search: CPV prefix", lambda i: f"/portal/?cpv={cpvs[i % len(cpvs)]}", True),
        (
            "portal search: words+CPV+filters",
            lambda i: (
                f"/portal/?{searches[i % len(searches)]}&cpv=45&contract_type=works"
                f"&regime=eu&deadline_from=2026-01-01"
            ),
            True,
        ),
        ("portal detail", lambda i: f"/portal/{detail_refs[i % len(detail_refs)]}/", False),
        ("atom feed (50 entries)", lambda i: "/portal/feed.atom", False),
        ("API list (50/page)", lambda i: f"/api/v1/tenders/?offset={pages[i % 50] * 50}", False),
        ("API search", lambda i: f"/api/v1/tenders/?{searches[i % len(searches)]}", False),
        ("API detail", lambda i: f"/api/v1/tenders/{detail_refs[i % len(detail_refs)]}/", False),
    ]
    results = measure_interleaved(client, cases, rounds=args.rounds)
    bare = results["trivial view (baseline)"]["p50"]
    layout = results["trivial page in base.html (baseline)"]["p50"]
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("cpu p50 = CPU time of this process (excludes a PostgreSQL server's own work)")
    print(
        f"\n{'page':38} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'x bare':>8} {'x layout':>9}"
        "  goal: p50 within 3x"
    )
    for name, _urls, goal in cases:
        r = results[name]
        verdict = ""
        if goal:
            verdict = "ok vs layout" if r["p50"] <= 3 * layout else "MISSED vs layout"
            verdict += ", ok vs bare" if r["p50"] <= 3 * bare else ", missed vs bare"
        print(
            f"{name:38} {r['p50']:8.2f} {r['p95']:8.2f} {r['cpu50']:8.2f} {r['p50'] / bare:8.1f} "
            f"{r['p50'] / layout:9.1f}  {verdict}"
        )

    print("\nqueries per request by page size (must not grow):")
    for label, url in [
        ("portal list", "/portal/?per_page={n}"),
        ("portal search", "/portal/?q=sanierung&cpv=45&per_page={n}"),
        ("API list", "/api/v1/tenders/?limit={n}"),
        ("API search", "/api/v1/tenders/?q=sanierung&cpv=45&limit={n}"),
    ]:
        counts = {n: query_count(client, url.format(n=n)) for n in (10, 20, 50, 100)}
        flat = "constant" if len(set(counts.values())) == 1 else "GROWS"
        print(
            f"  {label:16} "
            + "  ".join(f"{n}/page: {c}" for n, c in counts.items())
            + f"  -> {flat}"
        )


if __name__ == "__main__":
    main()
