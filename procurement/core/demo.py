"""Demo organisations and people for the embedded mode; every app may add its own demo data."""

import importlib
from dataclasses import dataclass, field

from django.db import transaction

from procurement.core.models import Membership, Organisation, User
from procurement.core.roles import Role

DEMO_PASSWORD = "demo-pass-2026"


@dataclass
class DemoContext:
    """What the core seed created, handed to each app's ``seed(context)``."""

    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)


ORGANISATIONS = {
    "stadt": dict(
        kind=Organisation.Kind.AUTHORITY,
        authority_type=Organisation.AuthorityType.SUB_CENTRAL,
        name="Stadt Musterstadt — Zentrale Vergabestelle",
        country="DE",
        vat_id="DE811569869",
        leitweg_id="04011000-1234512345-06",
        street="Rathausplatz 1",
        postcode="10115",
        city="Berlin",
        nuts="DE300",
        email="vergabe@musterstadt.example",
        iban="DE02120300000000202051",
        bic="BYLADEM1001",
    ),
    "strasbourg": dict(
        kind=Organisation.Kind.AUTHORITY,
        authority_type=Organisation.AuthorityType.SUB_CENTRAL,
        name="Ville de Strasbourg — Direction des achats",
        country="FR",
        vat_id="FR20216704825",
        siren="216704825",
        siret="21670482500019",
        service_code="ACHATS-VOIRIE",
        street="1 Parc de l'Étoile",
        postcode="67000",
        city="Strasbourg",
        nuts="FRF11",
        email="achats@strasbourg.example",
    ),
    "musterbau": dict(
        kind=Organisation.Kind.OPERATOR,
        name="Musterbau GmbH",
        country="DE",
        vat_id="DE136695976",
        street="Industriestraße 5",
        postcode="50667",
        city="Köln",
        nuts="DEA23",
        email="angebote@musterbau.example",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
    ),
    "rhenane": dict(
        kind=Organisation.Kind.OPERATOR,
        name="Ingénierie Rhénane SAS",
        country="FR",
        vat_id="FR44732829320",
        siren="732829320",
        siret="73282932000074",
        street="12 rue du Rhin",
        postcode="67100",
        city="Strasbourg",
        nuts="FRF11",
        email="offres@rhenane.example",
        iban="FR1420041010050500013M02606",
        bic="PSSTFRPPPAR",
    ),
    "kontor": dict(
        kind=Organisation.Kind.OPERATOR,
        name="Nordkontor Dienstleistungen GmbH",
        country="DE",
        vat_id="DE811128135",
        street="Hafenstraße 9",
        postcode="20457",
        city="Hamburg",
        nuts="DE600",
        email="vertrieb@nordkontor.example",
        iban="DE75512108001245126199",
        bic="SOGEDEFFXXX",
    ),
}

PEOPLE = [
    ("officer", "Olga", "Offermann", "stadt", [Role.PROCUREMENT_OFFICER]),
    ("approver", "Anton", "Abel", "stadt", [Role.APPROVER, Role.PROCUREMENT_OFFICER]),
    ("committee1", "Clara", "Conrad", "stadt", [Role.OPENING_COMMITTEE]),
    ("committee2", "Cem", "Candan", "stadt", [Role.OPENING_COMMITTEE]),
    ("committee3", "Carla", "Cordes", "stadt", [Role.OPENING_COMMITTEE]),
    ("evaluator", "Eva", "Engel", "stadt", [Role.EVALUATOR]),
    ("apclerk", "Paul", "Pohl", "stadt", [Role.AP_CLERK]),
    ("apapprover", "Petra", "Peters", "stadt", [Role.AP_APPROVER]),
    ("acheteur", "Amélie", "Arnaud", "strasbourg", [Role.PROCUREMENT_OFFICER, Role.AP_CLERK]),
    ("comptable", "Claude", "Chevalier", "strasbourg", [Role.AP_APPROVER, Role.APPROVER]),
    ("bidder", "Bernd", "Bauer", "musterbau", [Role.BIDDER_ADMIN, Role.BIDDER_USER]),
    ("soumission", "Sophie", "Schmitt", "rhenane", [Role.BIDDER_ADMIN, Role.BIDDER_USER]),
    ("kontor", "Karl", "Krüger", "kontor", [Role.BIDDER_ADMIN, Role.BIDDER_USER]),
]


@transaction.atomic
def seed_core() -> DemoContext:
    """Create (or find) the demo organisations and people; safe to run repeatedly."""
    context = DemoContext()
    for key, data in ORGANISATIONS.items():
        org, _ = Organisation.objects.get_or_create(name=data["name"], defaults=data)
        context.organisations[key] = org
    for username, first, last, org_key, roles in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.example",
                "language": "fr" if org_key in {"strasbourg", "rhenane"} else "de",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        for role in roles:
            Membership.objects.get_or_create(
                user=user, organisation=context.organisations[org_key], role=role
            )
        context.users[username] = user
        context.logins.append((username, ", ".join(str(Role(r).label) for r in roles)))
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@demo.example", DEMO_PASSWORD)
    context.logins.append(("admin", "Django admin"))
    return context


def seed_all() -> DemoContext:
    """Core data, then every app's ``<app>.demo.seed(context)`` where the app provides one."""
    context = seed_core()
    for app in ("tenders", "bids", "invoicing"):
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.demo":
                raise
            continue
        module.seed(context)
    return context
