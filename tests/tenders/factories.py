"""Tenders built through the real services, so each state is one the rules let it reach."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from procurement.core.models import Organisation, User
from procurement.core.roles import Role
from tenders.models import ReviewBody, Tender
from tenders.services import (
    CriterionInput,
    TenderInput,
    document_add,
    tender_approve,
    tender_create,
    tender_publish,
    tender_set_committee,
    tender_set_criteria,
    tender_submit,
)
from tests.factories import person

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def pdf_upload(content: bytes = PDF, name: str = "leistungsbeschreibung.pdf") -> ContentFile:
    return ContentFile(content, name=name)


def review_body() -> ReviewBody:
    body, _ = ReviewBody.objects.get_or_create(
        name="Vergabekammer des Landes Berlin",
        defaults={
            "street": "Martin-Luther-Straße 105",
            "postcode": "10825",
            "city": "Berlin",
            "country": "DE",
            "nuts": "DE300",
            "email": "vergabekammer@example.org",
            "identifier": "VK-BERLIN",
        },
    )
    return body


def tender_input(*, now: datetime | None = None, **overrides: Any) -> TenderInput:
    """An EU open procedure for supplies (300,000 EUR ≥ 216,000) with 40 days for offers."""
    now = now or timezone.now()
    values: dict[str, Any] = {
        "title": "Lieferung von Büromöbeln",
        "description": "Schreibtische und Stühle für das Rathaus.",
        "cpv_main": "39130000-2",
        "nuts": "DE300",
        "contract_type": "supplies",
        "procedure": "open",
        "estimated_value": Decimal("300000.00"),
        "electronic_submission": True,
        "questions_deadline": now + timedelta(days=30),
        "submission_deadline": now + timedelta(days=40),
        "opening_at": now + timedelta(days=40, hours=1),
        "duration_months": 24,
        "contact_phone": "+49 30 9012-0",
        "contact_email": "vergabe@example.org",
        "review_body_id": review_body().pk,
    }
    values.update(overrides)
    return TenderInput(**values)


PRICE_QUALITY = [
    CriterionInput(kind="price", name="Preis", weight=Decimal("60")),
    CriterionInput(kind="quality", name="Qualität", weight=Decimal("40")),
]


def committee_members(authority: Organisation, n: int = 2) -> list[User]:
    return [person(authority, Role.OPENING_COMMITTEE) for _ in range(n)]


def draft_tender(
    *,
    authority: Organisation,
    officer: User,
    committee: list[User] | None = None,
    quorum: int = 2,
    documents: bool = True,
    **overrides: Any,
) -> Tender:
    """A complete draft: criteria 60/40, a committee of two (k = 2), one PDF document."""
    tender = tender_create(actor=officer, authority=authority, data=tender_input(**overrides))
    tender_set_criteria(tender_id=tender.pk, actor=officer, criteria=PRICE_QUALITY)
    members = committee if committee is not None else committee_members(authority)
    tender_set_committee(
        tender_id=tender.pk, actor=officer, member_ids=[m.pk for m in members], quorum=quorum
    )
    if documents:
        document_add(
            tender_id=tender.pk,
            actor=officer,
            title="Leistungsbeschreibung",
            upload=pdf_upload(),
            name="leistungsbeschreibung.pdf",
        )
    tender.refresh_from_db()
    return tender


def approved_tender(*, authority: Organisation, officer: User, approver: User, **kw: Any) -> Tender:
    tender = draft_tender(authority=authority, officer=officer, **kw)
    tender_submit(tender_id=tender.pk, actor=officer)
    return tender_approve(tender_id=tender.pk, actor=approver)


def published_tender(
    *, authority: Organisation, officer: User, approver: User, **kw: Any
) -> Tender:
    tender = approved_tender(authority=authority, officer=officer, approver=approver, **kw)
    return tender_publish(tender_id=tender.pk, actor=officer)
