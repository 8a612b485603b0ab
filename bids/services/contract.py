"""Conclusion of the contract after the standstill, and its award notices (eForms CAN, OCDS
award and contract releases) stored immutably with their SHA-256 (tenders.TenderPublication)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from bids.models import (
    AwardDecision,
    AwardState,
    Bid,
    BidState,
    Contract,
    ContractLine,
    ReviewRequest,
)
from bids.services.evaluation import _require
from procurement.core.errors import ConflictError, ValidationFailedError
from procurement.core.roles import Role
from procurement.core.timeutil import BERLIN, berlin_date
from tenders.models import Regime, Tender, TenderPublication, TenderState


def buyer_reference_of(authority) -> str:
    """BT-10 for invoices: the Leitweg-ID of a German buyer, the Chorus Pro service code of a
    French one (may be empty in France when the buyer has no service split)."""
    if authority.country == "FR":
        return authority.service_code
    return authority.leitweg_id


def _refuse_while_blocked(tender: Tender) -> None:
    if tender.state == TenderState.SUSPENDED:
        review = ReviewRequest.objects.filter(tender=tender, closed_at__isnull=True).first()
        who = f" ({review.applicant}, {review.received_on:%d.%m.%Y})" if review else ""
        raise ConflictError(
            _(
                "A review request%(who)s is pending: no contract may be concluded until the "
                "review ends and the tender is resumed (§ 169 Abs. 1 GWB)."
            )
            % {"who": who},
            code="review_pending",
        )
    if tender.state == TenderState.STANDSTILL and tender.standstill_ends_at > timezone.now():
        earliest = berlin_date(tender.standstill_ends_at)
        raise ConflictError(
            _(
                "The standstill period (§ 134 Abs. 2 GWB) is running: the contract may be "
                "concluded from %(date)s."
            )
            % {"date": earliest.strftime("%d.%m.%Y")},
            code="standstill",
        )


@transaction.atomic
def contract_conclude(
    *,
    tender_id: int,
    actor: Any,
    signed_on: date,
    lot_number: int = 1,
    order_reference: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    vat_rate: Decimal | None = None,
    reference: str = "",
) -> Contract:
    """Create the contract with the winner of ``lot_number`` and conclude it; once every
    awarded lot has its contract, the tender moves awarded → concluded and the notices go out.
    Refused during the standstill and while a review request is pending."""
    from tenders.services.lifecycle import tender_award, tender_conclude

    tender = Tender.objects.select_for_update().select_related("authority").get(pk=tender_id)
    _require(actor, tender, (Role.PROCUREMENT_OFFICER,), _("Concluding the contract"))
    _refuse_while_blocked(tender)
    if tender.state == TenderState.STANDSTILL:
        # The period is over but the timer has not ticked yet: award now (same checks).
        tender = tender_award(tender_id=tender.pk, actor=actor)
    if tender.state != TenderState.AWARDED:
        raise ConflictError(
            _("A contract is concluded after the award (tender is “%s”).")
            % tender.get_state_display()
        )
    decision = (
        AwardDecision.objects.select_for_update(of=("self",))
        .select_related("winner__bidder", "winner__lot")
        .filter(tender=tender, lot_number=lot_number, state=AwardState.NOTIFIED)
        .first()
    )
    if decision is None:
        raise ConflictError(_("Lot %s has no notified award decision.") % lot_number)
    if Contract.objects.filter(award=decision).exists():
        raise ConflictError(_("The contract for lot %s is already concluded.") % lot_number)
    today = berlin_date(timezone.now())
    errors = []
    if signed_on > today:
        errors.append(("signed_on", _("The signature date cannot be in the future.")))
    if decision.earliest_conclusion_on and signed_on < decision.earliest_conclusion_on:
        errors.append(
            (
                "signed_on",
                _("A contract signed before %(d)s would breach the standstill (§ 134 GWB).")
                % {"d": decision.earliest_conclusion_on.strftime("%d.%m.%Y")},
            )
        )
    if starts_on and ends_on and ends_on < starts_on:
        errors.append(("ends_on", _("The contract cannot end before it starts.")))
    authority = tender.authority
    buyer_reference = buyer_reference_of(authority)
    if authority.country == "DE" and not buyer_reference:
        errors.append(
            ("buyer_reference", _("The authority has no Leitweg-ID; invoices need it (BT-10)."))
        )
    if authority.country == "FR" and not order_reference.strip():
        errors.append(
            (
                "order_reference",
                _("French public buyers quote the engagement number (numéro d'engagement)."),
            )
        )
    if errors:
        raise ValidationFailedError(" ".join(m for _f, m in errors), field=errors[0][0])
    winner: Bid = decision.winner
    if winner.state != BidState.ADMITTED or winner.price is None:
        raise ConflictError(_("The winning bid has no price to contract."))
    lot = winner.lot
    title = lot.title if lot is not None else tender.title
    contract = Contract.objects.create(
        reference=(reference.strip() or f"{tender.reference}-L{lot_number}")[:60],
        tender=tender,
        lot=lot,
        authority=authority,
        supplier=winner.bidder,
        title=title[:300],
        value_net=winner.price,
        currency=winner.currency or tender.currency,
        vat_rate=vat_rate,
        starts_on=starts_on,
        ends_on=ends_on,
        buyer_reference=buyer_reference,
        order_reference=order_reference.strip(),
        award=decision,
        created_by=actor,
    )
    # The structured price form carries one total: one line for the whole contract.
    ContractLine.objects.create(
        contract=contract,
        position=1,
        description=title[:300],
        quantity=Decimal("1"),
        unit_price=winner.price,
        vat_rate=vat_rate if vat_rate is not None else Decimal("19.00"),
    )
    contract.conclude(by=actor, signed_on=signed_on)
    contract.save(update_fields=["state", "signed_on"])
    lots_awarded = set(
        AwardDecision.objects.filter(tender=tender, state=AwardState.NOTIFIED).values_list(
            "lot_number", flat=True
        )
    )
    lots_contracted = set(
        Contract.objects.filter(tender=tender, award__isnull=False).values_list(
            "award__lot_number", flat=True
        )
    )
    if lots_awarded <= lots_contracted:
        tender_conclude(tender_id=tender.pk, actor=actor, contracts=len(lots_contracted))
        award_notices_store(tender=Tender.objects.get(pk=tender.pk))
    return contract


def _supplier(org) -> Any:
    from tenders.publication import data as pub

    return pub.Organisation(
        key=str(org.public_id),
        name=org.name,
        address=pub.Address(
            street=org.street,
            city=org.city,
            postal_code=org.postcode,
            country=org.country,
            nuts=org.nuts,
        ),
        email=org.email,
        vat_id=org.vat_id,
        siret=org.siret,
    )


def award_result(tender: Tender) -> Any:
    """The publication dataclass of the tender's outcome (one LotAward per lot)."""
    from tenders.adapters import tender_procedure
    from tenders.publication import data as pub

    procedure = tender_procedure(tender)
    awards = []
    for lot in procedure.lots:
        number = int(lot.key)
        bids = list(
            Bid.objects.filter(
                tender=tender,
                lot_number=number,
                state__in=[BidState.OPENED, BidState.ADMITTED, BidState.EXCLUDED],
            )
        )
        decision = (
            AwardDecision.objects.filter(
                tender=tender, lot_number=number, state=AwardState.NOTIFIED
            )
            .select_related("winner__bidder")
            .first()
        )
        contract = Contract.objects.filter(award=decision).first() if decision else None
        prices = [b.price for b in bids if b.state == BidState.ADMITTED and b.price is not None]
        if decision is None or contract is None:
            awards.append(
                pub.LotAward(
                    lot_key=lot.key,
                    tenders_received=len(bids),
                    award_date=berlin_date(timezone.now()),
                    no_award_reason="no-rece" if not bids else "all-rej",
                )
            )
            continue
        awards.append(
            pub.LotAward(
                lot_key=lot.key,
                tenders_received=len(bids),
                tenders_received_electronically=len(bids),
                award_date=berlin_date(decision.approved_at or timezone.now()),
                winner=_supplier(decision.winner.bidder),
                winning_value=contract.value_net,
                lowest_value=min(prices) if prices else None,
                highest_value=max(prices) if prices else None,
                contract=pub.Contract(
                    key=str(contract.public_id),
                    reference=contract.reference,
                    signed_on=contract.signed_on,
                    value=contract.value_net,
                    start_date=contract.starts_on,
                    end_date=contract.ends_on,
                    buyer_reference=contract.buyer_reference,
                    order_reference=contract.order_reference,
                ),
            )
        )
    previous = (
        TenderPublication.objects.filter(tender=tender, kind=TenderPublication.Kind.EFORMS)
        .order_by("sequence")
        .first()
    )
    previous_id = None
    if previous is not None:
        try:
            previous_id = uuid.UUID(previous.identifier)
        except ValueError:
            previous_id = None
    return pub.AwardResult(
        procedure=procedure, awards=tuple(awards), previous_notice_id=previous_id
    )


def _store(*, tender: Tender, kind: str, identifier: str, content: str, content_type: str):
    sequence = (
        TenderPublication.objects.filter(tender=tender, kind=kind).aggregate(n=Max("sequence"))["n"]
        or 0
    ) + 1
    return TenderPublication.objects.create(
        tender=tender,
        kind=kind,
        identifier=identifier,
        sequence=sequence,
        content=content,
        content_type=content_type,
        sha256=hashlib.sha256(content.encode("utf-8")).hexdigest(),
    )


def award_notices_store(*, tender: Tender) -> list[TenderPublication]:
    """Build and store the award notices: eForms contract award notice (EU regime only) and
    the OCDS award and contract releases. Each is a new immutable row with its SHA-256."""
    from tenders.publication import data as pub
    from tenders.publication import ocds
    from tenders.publication.eforms import contract_award_notice_xml

    result = award_result(tender)
    now = timezone.now()
    stored = []
    if tender.regime == Regime.EU:
        notice = pub.NoticeInfo(notice_id=uuid.uuid4(), dispatched_at=now)
        xml = contract_award_notice_xml(result, notice).decode("utf-8")
        stored.append(
            _store(
                tender=tender,
                kind=TenderPublication.Kind.EFORMS,
                identifier=str(notice.notice_id),
                content=xml,
                content_type="application/xml",
            )
        )
    prefix = settings.ZUSCHLAG_OCID_PREFIX
    for build in (ocds.award_release, ocds.contract_release):
        release = build(result, ocid_prefix=prefix, published_at=now)
        stored.append(
            _store(
                tender=tender,
                kind=TenderPublication.Kind.OCDS,
                identifier=release["id"],
                content=ocds.dumps(release),
                content_type="application/json",
            )
        )
    return stored


__all__ = ["BERLIN", "award_notices_store", "award_result", "contract_conclude"]
