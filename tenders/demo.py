"""Demo tenders for the embedded mode, created through the real services (so every rule holds).

``seed(context)`` is called by ``procurement.core.demo.seed_all`` after the core people exist; it
is safe to run repeatedly (a tender whose title exists already is left alone).
"""

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from tenders.models import ReviewBody, Tender
from tenders.services import (
    CriterionInput,
    LotInput,
    TenderInput,
    document_add,
    interest_register,
    lot_save,
    question_answer,
    question_ask,
    tender_approve,
    tender_create,
    tender_publish,
    tender_set_committee,
    tender_set_criteria,
    tender_submit,
)


def _pdf(title: str, lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setTitle(title)
    y = 800
    page.setFont("Helvetica-Bold", 14)
    page.drawString(60, y, title)
    page.setFont("Helvetica", 11)
    for line in lines:
        y -= 20
        page.drawString(60, y, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _review_body_berlin() -> ReviewBody:
    body, _ = ReviewBody.objects.get_or_create(
        name="Vergabekammer des Landes Berlin",
        defaults={
            "street": "Martin-Luther-Straße 105",
            "postcode": "10825",
            "city": "Berlin",
            "country": "DE",
            "nuts": "DE300",
            "email": "vergabekammer@senweb.example",
            "identifier": "VK-BERLIN",
        },
    )
    return body


def _input(**values: Any) -> TenderInput:
    now = timezone.now()
    base: dict[str, Any] = {
        "contract_type": "supplies",
        "procedure": "open",
        "nuts": "DE300",
        "electronic_submission": True,
        "questions_deadline": now + timedelta(days=30),
        "submission_deadline": now + timedelta(days=42),
        "opening_at": now + timedelta(days=42, hours=2),
        "duration_months": 24,
        "contact_phone": "+49 30 9012-3456",
        "review_body_id": _review_body_berlin().pk,
    }
    base.update(values)
    return TenderInput(**base)


def _complete_draft(*, authority, officer, committee, data: TenderInput, documents) -> Tender:
    tender = tender_create(actor=officer, authority=authority, data=data)
    tender_set_criteria(
        tender_id=tender.pk,
        actor=officer,
        criteria=[
            CriterionInput(kind="price", name="Preis", weight=Decimal("60")),
            CriterionInput(kind="quality", name="Qualität und Konzept", weight=Decimal("40")),
        ],
    )
    tender_set_committee(
        tender_id=tender.pk, actor=officer, member_ids=[m.pk for m in committee], quorum=2
    )
    for title, name, lines in documents:
        document_add(
            tender_id=tender.pk,
            actor=officer,
            title=title,
            upload=ContentFile(_pdf(title, lines)),
            name=name,
        )
    return tender


@transaction.atomic
def seed(context: Any) -> dict[str, Tender]:
    """Create the demo tenders; returns them by key for other apps' demo data."""
    stadt = context.organisations["stadt"]
    officer = context.users["officer"]
    approver = context.users["approver"]
    committee = [context.users[name] for name in ("committee1", "committee2", "committee3")]
    created: dict[str, Tender] = {}

    def existing(title: str) -> Tender | None:
        return Tender.objects.filter(authority=stadt, title=title).first()

    title = "Lieferung von Büromöbeln für das Rathaus"
    tender = existing(title)
    if tender is None:
        tender = _complete_draft(
            authority=stadt,
            officer=officer,
            committee=committee,
            data=_input(
                title=title,
                description="Schreibtische, Bürostühle und Besprechungstische für 120 "
                "Arbeitsplätze, Lieferung und Montage.",
                cpv_main="39130000-2",
                estimated_value=Decimal("320000.00"),
            ),
            documents=[
                ("Leistungsbeschreibung", "leistungsbeschreibung.pdf",
                 ["120 Arbeitsplätze", "Lieferung und Montage bis 2027-06-30"]),
                ("Vertragsbedingungen", "vertragsbedingungen.pdf", ["VOL/B, EVB-IT nicht"]),
            ],
        )  # fmt: skip
        tender_submit(tender_id=tender.pk, actor=officer)
        tender_approve(tender_id=tender.pk, actor=approver)
        tender = tender_publish(tender_id=tender.pk, actor=officer)
        bidder_org = context.organisations["musterbau"]
        bidder = context.users["bidder"]
        interest_register(tender_id=tender.pk, actor=bidder, organisation=bidder_org)
        question = question_ask(
            tender_id=tender.pk,
            actor=bidder,
            organisation=bidder_org,
            text="Sind höhenverstellbare Schreibtische gefordert oder nur zulässig?",
        )
        question_answer(
            question_id=question.pk,
            actor=officer,
            answer="Gefordert: alle Schreibtische sind elektrisch höhenverstellbar (65-125 cm).",
        )
        kontor = context.organisations["kontor"]
        interest_register(tender_id=tender.pk, actor=context.users["kontor"], organisation=kontor)
    created["published_supplies"] = tender

    title = "Neubau Kita Sonnenschein: Rohbauarbeiten"
    tender = existing(title)
    if tender is None:
        tender = _complete_draft(
            authority=stadt,
            officer=officer,
            committee=committee,
            data=_input(
                title=title,
                description="Rohbau einer viergruppigen Kita in zwei Losen.",
                contract_type="works",
                procedure="national_public",
                cpv_main="45210000-2",
                estimated_value=Decimal("900000.00"),
                submission_deadline=timezone.now() + timedelta(days=21),
                questions_deadline=timezone.now() + timedelta(days=14),
                opening_at=timezone.now() + timedelta(days=21, hours=1),
            ),
            documents=[
                ("Leistungsverzeichnis", "lv.pdf", ["Los 1 Erdarbeiten", "Los 2 Rohbau"]),
            ],
        )
        for number, lot_title, value in ((1, "Erdarbeiten", "250000"), (2, "Rohbau", "650000")):
            lot_save(
                tender_id=tender.pk,
                actor=officer,
                data=LotInput(
                    number=number,
                    title=lot_title,
                    cpv_main="45210000-2",
                    estimated_value=Decimal(value),
                ),
            )
        tender_submit(tender_id=tender.pk, actor=officer)
        tender_approve(tender_id=tender.pk, actor=approver)
        tender = tender_publish(tender_id=tender.pk, actor=officer)
    created["published_works_national"] = tender

    title = "Unterhaltsreinigung der Grundschulen"
    tender = existing(title)
    if tender is None:
        tender = _complete_draft(
            authority=stadt,
            officer=officer,
            committee=committee,
            data=_input(
                title=title,
                contract_type="services",
                cpv_main="79000000-4",
                estimated_value=Decimal("450000.00"),
            ),
            documents=[("Leistungsbeschreibung", "reinigung.pdf", ["7 Grundschulen"])],
        )
        tender = tender_submit(tender_id=tender.pk, actor=officer)
    created["pending_approval"] = tender

    title = "IT-Beratung Digitalisierung Bürgeramt"
    tender = existing(title)
    if tender is None:
        tender = tender_create(
            actor=officer,
            authority=stadt,
            data=_input(
                title=title,
                contract_type="services",
                procedure="national_negotiated_without_call",
                cpv_main="72000000-5",
                estimated_value=Decimal("60000.00"),
            ),
        )
    created["draft"] = tender
    return created
