"""Public-side test data: tenders in any state, created directly (no services) so the portal
tests do not depend on the drafting rules. The browser test goes through the real services."""

import hashlib
import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from procurement.core.models import Organisation
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
from tests.factories import AuthorityFactory

_seq = itertools.count(1)

# States reached only after publication: such a tender has a published_at.
AFTER_PUBLICATION = {
    TenderState.PUBLISHED,
    TenderState.CLOSED,
    TenderState.OPENED,
    TenderState.EVALUATED,
    TenderState.STANDSTILL,
    TenderState.AWARDED,
    TenderState.CONCLUDED,
    TenderState.SUSPENDED,
}


def make_tender(
    *,
    authority: Organisation | None = None,
    state: str = TenderState.PUBLISHED,
    published: bool | None = None,
    **fields: Any,
) -> Tender:
    """A tender in ``state``; ``published`` (default: implied by the state) sets published_at."""
    n = next(_seq)
    now = timezone.now()
    if published is None:
        published = state in AFTER_PUBLICATION
    values: dict[str, Any] = {
        "reference": f"PT-2026-{n:05d}",
        "title": f"Tender {n}",
        "description": "",
        "cpv_main": "45000000-7",
        "cpv_additional": [],
        "nuts": "DE300",
        "contract_type": "works",
        "procedure": "open",
        "regime": "eu",
        "estimated_value": Decimal("6000000.00"),
        "questions_deadline": now + timedelta(days=30),
        "submission_deadline": now + timedelta(days=40),
        "opening_at": now + timedelta(days=40, hours=1),
        "published_at": now - timedelta(minutes=n) if published else None,
    }
    values.update(fields)
    # The state is a protected FSM field: it can only be given when the row is built.
    return Tender.objects.create(authority=authority or AuthorityFactory(), state=state, **values)


def add_document(
    tender: Tender,
    *,
    title: str = "Leistungsverzeichnis",
    content: bytes = b"%PDF-1.7 test",
    name: str = "lv.pdf",
    versions: int = 1,
    lot: Lot | None = None,
) -> TenderDocument:
    document = TenderDocument.objects.create(tender=tender, title=title, lot=lot)
    for number in range(1, versions + 1):
        data = content if number == versions else content + f" v{number}".encode()
        version = DocumentVersion(
            document=document,
            number=number,
            original_name=name,
            extension=".pdf",
            content_type="application/pdf",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        version.file.save(name, ContentFile(data), save=False)
        version.save()
    return document


def add_lot(tender: Tender, *, number: int, cpv: str = "45210000-2", title: str = "") -> Lot:
    return Lot.objects.create(
        tender=tender,
        number=number,
        title=title or f"Lot {number}",
        cpv_main=cpv,
        estimated_value=Decimal("1000.00"),
    )


def add_criteria(tender: Tender, *, lot: Lot | None = None) -> list[AwardCriterion]:
    return [
        AwardCriterion.objects.create(
            tender=tender, lot=lot, kind="price", name="Preis", weight=Decimal("60"), position=1
        ),
        AwardCriterion.objects.create(
            tender=tender,
            lot=lot,
            kind="quality",
            name="Qualität",
            weight=Decimal("40"),
            position=2,
        ),
    ]


def add_question(
    tender: Tender, *, asker: Any, text: str, answer: str = "", public_text: str = ""
) -> Question:
    question = Question.objects.create(
        tender=tender,
        asked_by=asker,
        text=text,
        asker_organisation=asker.memberships.first().organisation if asker else None,
    )
    if answer:
        # As tenders.services.clarifications does: without a neutral wording, the text as asked.
        question.public_text = public_text or text
        question.answer = answer
        question.answered_at = timezone.now()
        question.save(update_fields=["public_text", "answer", "answered_at"])
    return question


def add_publication(tender: Tender, *, kind: str, content: str, sequence: int = 1) -> None:
    TenderPublication.objects.create(
        tender=tender,
        kind=kind,
        identifier=f"{tender.reference}-{sequence}",
        sequence=sequence,
        content=content,
        content_type="application/json" if kind == "ocds" else "application/xml",
        sha256=hashlib.sha256(content.encode()).hexdigest(),
    )
