"""Drafting a tender: its data, lots, award criteria and opening committee (only while draft)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.core.models import Organisation, User
from procurement.core.roles import Role, has_role
from procurement.core.timeutil import berlin_date
from tenders.errors import ErrorCode, TenderForbiddenError, TenderValidationError, TimeLimitError
from tenders.models import (
    AwardCriterion,
    ContractType,
    CriterionKind,
    EntityActivity,
    Lot,
    Procedure,
    Regime,
    ReviewBody,
    Tender,
)
from tenders.models.tender import EU_PROCEDURES, NATIONAL_PROCEDURES, TWO_STAGE_PROCEDURES
from tenders.rules import (
    DeadlineContext,
    check_time_limits,
    decide_regime,
    prior_information_applies,
)
from tenders.rules.calendar import holiday_region
from tenders.services._common import (
    check_cpv,
    check_nuts,
    lock_tender,
    require_editable,
    require_role,
)

HUNDRED = Decimal("100")
MAX_ADDITIONAL_CPV = 20
MAX_TITLE = 200


@dataclass(kw_only=True)
class TenderInput:
    """Everything an officer edits on the tender itself (lots, criteria, committee apart)."""

    title: str
    cpv_main: str
    nuts: str
    contract_type: str
    procedure: str
    estimated_value: Decimal
    description: str = ""
    cpv_additional: list[str] = field(default_factory=list)
    is_concession: bool = False
    entity_activity: str = ""
    electronic_submission: bool = True
    urgency_reason: str = ""
    duration_months: int | None = None
    prior_information_sent_on: date | None = None
    participation_deadline: datetime | None = None
    questions_deadline: datetime | None = None
    submission_deadline: datetime | None = None
    opening_at: datetime | None = None
    language: str = "de"
    contact_email: str = ""
    contact_phone: str = ""
    review_body_id: int | None = None

    @classmethod
    def from_tender(cls, tender: Tender) -> "TenderInput":
        return cls(**{name: getattr(tender, name) for name in cls.__dataclass_fields__})


@dataclass(kw_only=True)
class CriterionInput:
    kind: str
    name: str
    weight: Decimal
    description: str = ""


@dataclass(kw_only=True)
class LotInput:
    number: int
    title: str
    cpv_main: str
    estimated_value: Decimal
    description: str = ""


def plain_number(value: Decimal) -> str:
    """``90`` rather than ``9E+1`` or ``90.00`` in messages."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _aware(value: datetime | None, field_name: str) -> list[tuple[str, str]]:
    if value is not None and timezone.is_naive(value):
        return [(field_name, _("Time must carry a time zone."))]
    return []


def _clean_input(data: TenderInput, *, authority: Organisation) -> tuple[TenderInput, str]:
    """Normalised input and the regime it falls under; raises with every problem at once."""
    errors: list[tuple[str, str]] = []
    codes: list[str] = []
    title = data.title.strip()
    if not title:
        errors.append(("title", _("A title is required.")))
    elif len(title) > MAX_TITLE:
        errors.append(("title", _("At most %(n)d characters (eForms BT-21).") % {"n": MAX_TITLE}))
    if (
        data.review_body_id is not None
        and not ReviewBody.objects.filter(pk=data.review_body_id).exists()
    ):
        errors.append(("review_body_id", _("Unknown review body.")))
    if not isinstance(data.estimated_value, Decimal):
        raise TypeError("estimated_value must be a Decimal")
    if data.estimated_value < 0 or not data.estimated_value.is_finite():
        errors.append(("estimated_value", _("The estimated value cannot be negative.")))
    if data.entity_activity and data.entity_activity not in EntityActivity.values:
        errors.append(("entity_activity", _("Unknown sector activity.")))
    if data.contract_type not in ContractType.values:
        errors.append(("contract_type", _("Choose supplies, services or works.")))
    if data.procedure not in Procedure.values:
        errors.append(("procedure", _("Unknown procedure.")))
    cpv_main = cpv_additional = nuts = ""
    for name, check in (("cpv_main", check_cpv), ("nuts", check_nuts)):
        try:
            value = check(getattr(data, name).strip(), field=name)
        except TenderValidationError as error:
            errors.extend(error.errors)
            codes.append(error.code)
            value = ""
        if name == "cpv_main":
            cpv_main = value
        else:
            nuts = value
    cpv_additional = []
    if len(data.cpv_additional) > MAX_ADDITIONAL_CPV:
        errors.append(
            ("cpv_additional", _("At most %(n)d additional CPV codes.") % {"n": MAX_ADDITIONAL_CPV})
        )
    for code in data.cpv_additional:
        try:
            normalised = check_cpv(code.strip(), field="cpv_additional")
        except TenderValidationError as error:
            errors.extend(error.errors)
            codes.append(error.code)
            continue
        if normalised != cpv_main and normalised not in cpv_additional:
            cpv_additional.append(normalised)
    for name in (
        "participation_deadline",
        "questions_deadline",
        "submission_deadline",
        "opening_at",
    ):
        errors.extend(_aware(getattr(data, name), name))
    if data.prior_information_sent_on is not None and data.prior_information_sent_on > berlin_date(
        timezone.now()
    ):
        errors.append(
            ("prior_information_sent_on", _("A prior information notice cannot be future-dated."))
        )
    if data.duration_months is not None and not 0 < data.duration_months <= 1200:
        errors.append(("duration_months", _("Duration must be between 1 and 1200 months.")))
    regime = Regime.NATIONAL
    if data.contract_type in ContractType.values and data.estimated_value >= 0:
        decision = decide_regime(
            estimated_value=data.estimated_value,
            contract_type=data.contract_type,
            authority_type=authority.authority_type,
            is_concession=data.is_concession,
        )
        regime = Regime(decision.regime)
        allowed = EU_PROCEDURES if decision.is_eu else NATIONAL_PROCEDURES
        if data.procedure in Procedure.values and data.procedure not in allowed:
            if decision.is_eu:
                errors.append(
                    (
                        "procedure",
                        _(
                            "The estimated value %(value)s EUR reaches the EU threshold of "
                            "%(threshold)s EUR (%(citation)s): choose an EU procedure (open, "
                            "restricted, negotiated, competitive dialogue, innovation partnership)."
                        )
                        % {
                            "value": data.estimated_value,
                            "threshold": decision.threshold,
                            "citation": decision.citation,
                        },
                    )
                )
            else:
                errors.append(
                    (
                        "procedure",
                        _(
                            "The estimated value %(value)s EUR is below the EU threshold of "
                            "%(threshold)s EUR (%(citation)s): national rules apply, choose a "
                            "national procedure (UVgO / VOB/A section 1)."
                        )
                        % {
                            "value": data.estimated_value,
                            "threshold": decision.threshold,
                            "citation": decision.citation,
                        },
                    )
                )
    if data.procedure not in TWO_STAGE_PROCEDURES and data.participation_deadline is not None:
        errors.append(
            (
                "participation_deadline",
                _("Only procedures with a call for competition have a participation deadline."),
            )
        )
    if errors:
        # The code of the first problem found, so API clients can tell a CPV error apart.
        raise TenderValidationError(errors, code=codes[0] if len(errors) == 1 and codes else None)
    cleaned = TenderInput(
        **{
            **{name: getattr(data, name) for name in TenderInput.__dataclass_fields__},
            "title": title,
            "cpv_main": cpv_main,
            "cpv_additional": cpv_additional,
            "nuts": nuts,
            "urgency_reason": data.urgency_reason.strip(),
            "description": data.description.strip(),
            "contact_email": data.contact_email.strip(),
            "contact_phone": data.contact_phone.strip(),
        }
    )
    return cleaned, regime


def _next_reference(tender: Tender) -> str:
    year = berlin_date(tender.created_at or timezone.now()).year
    return f"ZS-{year}-{tender.pk:06d}"


@transaction.atomic
def tender_create(*, actor: User, authority: Organisation, data: TenderInput) -> Tender:
    """A new draft tender of ``authority``. Raises TenderForbiddenError, TenderValidationError."""
    if not authority.is_authority or not has_role(actor, authority, [Role.PROCUREMENT_OFFICER]):
        raise TenderForbiddenError(
            _("Only procurement officers of %(authority)s can create its tenders.")
            % {"authority": authority.name}
        )
    cleaned, regime = _clean_input(data, authority=authority)
    tender = Tender(authority=authority, created_by=actor, regime=regime, reference="")
    for name in TenderInput.__dataclass_fields__:
        setattr(tender, name, getattr(cleaned, name))
    # A provisional unique reference, replaced by the sequence-based one once the pk exists.
    tender.reference = f"new-{tender.public_id.hex[:24]}"
    tender.save()
    tender.reference = _next_reference(tender)
    tender.save(update_fields=["reference"])
    return tender


@transaction.atomic
def tender_update(*, tender_id: int, actor: User, data: TenderInput) -> Tender:
    """Replace the draft's own data. Raises TenderForbiddenError, TenderStateError,
    TenderValidationError."""
    tender = lock_tender(tender_id)
    require_role(actor=actor, tender=tender, roles=(Role.PROCUREMENT_OFFICER,), action=_("Editing"))
    require_editable(tender)
    cleaned, regime = _clean_input(data, authority=tender.authority)
    names = list(TenderInput.__dataclass_fields__)
    for name in names:
        setattr(tender, name, getattr(cleaned, name))
    tender.regime = regime
    tender.save(update_fields=[*names, "regime", "updated_at"])
    return tender


def _check_criteria(criteria: Sequence[CriterionInput]) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if not criteria:
        return [("criteria", _("At least one award criterion is required (VgV §58 Abs. 2)."))]
    total = Decimal("0")
    for position, criterion in enumerate(criteria, start=1):
        if criterion.kind not in CriterionKind.values:
            errors.append(("criteria", _("Criterion %(n)d: unknown kind.") % {"n": position}))
        if not criterion.name.strip():
            errors.append(("criteria", _("Criterion %(n)d needs a name.") % {"n": position}))
        if not isinstance(criterion.weight, Decimal):
            raise TypeError("criterion weights must be Decimal")
        if not (Decimal("0") < criterion.weight <= HUNDRED):
            errors.append(
                (
                    "criteria",
                    _("Criterion %(n)d: the weight must be above 0 and at most 100.")
                    % {"n": position},
                )
            )
        elif criterion.weight != criterion.weight.quantize(Decimal("0.01")):
            errors.append(
                ("criteria", _("Criterion %(n)d: at most two decimals.") % {"n": position})
            )
        total += criterion.weight
    if total != HUNDRED:
        errors.append(
            (
                "criteria",
                _("The weights of the award criteria add up to %(total)s, not 100.")
                % {"total": plain_number(total)},
            )
        )
    if not any(c.kind in {CriterionKind.PRICE, CriterionKind.COST} for c in criteria):
        errors.append(
            (
                "criteria",
                _("Price or cost must be one of the award criteria (VgV §58 Abs. 2)."),
            )
        )
    return errors


@transaction.atomic
def tender_set_criteria(
    *,
    tender_id: int,
    actor: User,
    criteria: Sequence[CriterionInput],
    lot_id: int | None = None,
) -> list[AwardCriterion]:
    """Replace the award criteria of the tender (or of one lot, which then has its own).

    An empty list for a lot removes the lot's own criteria (it falls back to the tender's).
    Raises TenderValidationError (weights not 100, no price/cost criterion), TenderStateError.
    """
    tender = lock_tender(tender_id)
    require_role(actor=actor, tender=tender, roles=(Role.PROCUREMENT_OFFICER,), action=_("Editing"))
    require_editable(tender)
    lot = None
    if lot_id is not None:
        lot = Lot.objects.filter(tender=tender, pk=lot_id).first()
        if lot is None:
            raise TenderValidationError([("lot", _("This lot does not belong to the tender."))])
    if not (lot is not None and not criteria):
        errors = _check_criteria(criteria)
        if errors:
            raise TenderValidationError(errors, code=ErrorCode.WEIGHTS)
    AwardCriterion.objects.filter(tender=tender, lot=lot).delete()
    return AwardCriterion.objects.bulk_create(
        [
            AwardCriterion(
                tender=tender,
                lot=lot,
                kind=c.kind,
                name=c.name.strip(),
                description=c.description.strip(),
                weight=c.weight,
                position=i,
            )
            for i, c in enumerate(criteria)
        ]
    )


def _clean_lot(data: LotInput) -> LotInput:
    errors: list[tuple[str, str]] = []
    if data.number < 1:
        errors.append(("number", _("Lot numbers start at 1.")))
    if not data.title.strip():
        errors.append(("title", _("A lot needs a title.")))
    if data.estimated_value < 0:
        errors.append(("estimated_value", _("The estimated value cannot be negative.")))
    cpv = ""
    try:
        cpv = check_cpv(data.cpv_main.strip(), field="cpv_main")
    except TenderValidationError as error:
        errors.extend(error.errors)
    if errors:
        raise TenderValidationError(errors)
    return LotInput(
        number=data.number,
        title=data.title.strip(),
        cpv_main=cpv,
        estimated_value=data.estimated_value,
        description=data.description.strip(),
    )


@transaction.atomic
def lot_save(*, tender_id: int, actor: User, data: LotInput, lot_id: int | None = None) -> Lot:
    """Add a lot, or change one (``lot_id``). Raises TenderValidationError, TenderStateError."""
    tender = lock_tender(tender_id)
    require_role(actor=actor, tender=tender, roles=(Role.PROCUREMENT_OFFICER,), action=_("Editing"))
    require_editable(tender)
    cleaned = _clean_lot(data)
    duplicate = Lot.objects.filter(tender=tender, number=cleaned.number).exclude(pk=lot_id)
    if duplicate.exists():
        raise TenderValidationError(
            [("number", _("Lot %(n)d exists already.") % {"n": cleaned.number})]
        )
    if lot_id is None:
        lot = Lot(tender=tender)
    else:
        lot = Lot.objects.filter(tender=tender, pk=lot_id).first()
        if lot is None:
            raise TenderValidationError([("lot", _("This lot does not belong to the tender."))])
    for name in ("number", "title", "cpv_main", "estimated_value", "description"):
        setattr(lot, name, getattr(cleaned, name))
    lot.save()
    return lot


@transaction.atomic
def lot_remove(*, tender_id: int, actor: User, lot_id: int) -> None:
    tender = lock_tender(tender_id)
    require_role(actor=actor, tender=tender, roles=(Role.PROCUREMENT_OFFICER,), action=_("Editing"))
    require_editable(tender)
    Lot.objects.filter(tender=tender, pk=lot_id).delete()


def _committee_errors(
    *, tender: Tender, members: Sequence[Any], quorum: int
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    unqualified = [
        m.get_username()
        for m in members
        if not has_role(m, tender.authority, [Role.OPENING_COMMITTEE])
    ]
    if unqualified:
        errors.append(
            (
                "committee",
                _("%(names)s do(es) not hold the opening-committee role in %(authority)s.")
                % {"names": ", ".join(unqualified), "authority": tender.authority.name},
            )
        )
    if quorum < 2:
        errors.append(
            (
                "opening_quorum",
                _("At least two members must open the offers together (VgV §55 Abs. 2)."),
            )
        )
    if quorum > len(members):
        errors.append(
            (
                "opening_quorum",
                _("%(k)d members are needed to open, but the committee has only %(n)d.")
                % {"k": quorum, "n": len(members)},
            )
        )
    return errors


@transaction.atomic
def tender_set_committee(
    *, tender_id: int, actor: User, member_ids: Sequence[int], quorum: int
) -> Tender:
    """Set the opening committee (n members holding the opening-committee role) and k.

    Raises TenderValidationError (k < 2, k > n, member without the role), TenderStateError.
    """
    tender = lock_tender(tender_id)
    require_role(actor=actor, tender=tender, roles=(Role.PROCUREMENT_OFFICER,), action=_("Editing"))
    require_editable(tender)
    members = list(User.objects.filter(pk__in=set(member_ids)).order_by("pk"))
    if len(members) != len(set(member_ids)):
        raise TenderValidationError([("committee", _("Unknown committee member."))])
    errors = _committee_errors(tender=tender, members=members, quorum=quorum)
    if errors:
        raise TenderValidationError(errors, code=ErrorCode.COMMITTEE)
    tender.committee.set(members)
    tender.opening_quorum = quorum
    tender.save(update_fields=["opening_quorum", "updated_at"])
    return tender


def deadline_context(tender: Tender, *, dispatch: date | None = None) -> DeadlineContext:
    dispatch = dispatch or berlin_date(timezone.now())
    return DeadlineContext(
        regime=tender.regime,
        procedure=tender.procedure,
        contract_type=tender.contract_type,
        authority_type=tender.authority.authority_type,
        is_concession=tender.is_concession,
        electronic=tender.electronic_submission,
        urgent=tender.is_urgent,
        prior_information=tender.regime == Regime.EU
        and prior_information_applies(sent_on=tender.prior_information_sent_on, dispatch=dispatch),
        holiday_region=holiday_region(country=tender.authority.country, nuts=tender.authority.nuts),
    )


def time_limit_errors(*, tender: Tender, dispatch: date, now: datetime) -> list[tuple[str, str]]:
    violations = check_time_limits(
        ctx=deadline_context(tender, dispatch=dispatch),
        dispatch=dispatch,
        now=now,
        submission_deadline=tender.submission_deadline,
        participation_deadline=tender.participation_deadline,
        questions_deadline=tender.questions_deadline,
        opening_at=tender.opening_at,
    )
    return [(v.field, v.message) for v in violations]


def tender_problems(tender: Tender, *, now: datetime | None = None) -> list[tuple[str, str]]:
    """Everything that keeps the tender from going out, apart from the legal time limits."""
    errors: list[tuple[str, str]] = []
    if not tender.title or not tender.cpv_main or not tender.nuts:
        errors.append(("title", _("Title, main CPV code and place of performance are required.")))
    if tender.opening_at is None:
        errors.append(("opening_at", _("Set the time of the opening of offers.")))
    if tender.questions_deadline is None:
        errors.append(("questions_deadline", _("Set the deadline for bidders' questions.")))
    if tender.authority.authority_type == "sector" and not tender.entity_activity:
        errors.append(
            (
                "entity_activity",
                _(
                    "Name the sector activity of this utilities procurement "
                    "(SektVO; eForms BT-610)."
                ),
            )
        )
    if tender.review_body_id is None:
        errors.append(
            (
                "review_body_id",
                _(
                    "Name the review body the notice points bidders to (for EU tenders the "
                    "Vergabekammer, GWB §156)."
                ),
            )
        )
    if not (tender.contact_email or tender.authority.email) or not tender.contact_phone:
        errors.append(
            ("contact_phone", _("The notice needs the buyer's contact e-mail and telephone."))
        )
    lots = list(tender.lots.all())
    if lots:
        total = sum((lot.estimated_value for lot in lots), Decimal("0"))
        if total != tender.estimated_value:
            errors.append(
                (
                    "estimated_value",
                    _(
                        "The lots add up to %(total)s EUR but the tender's estimated value is "
                        "%(value)s EUR; the value of a contract in lots is the value of all lots "
                        "(VgV §3 Abs. 7)."
                    )
                    % {"total": total, "value": tender.estimated_value},
                )
            )
    criteria = list(tender.criteria.all())
    shared = [c for c in criteria if c.lot_id is None]
    lots_with_own = {c.lot_id for c in criteria if c.lot_id is not None}
    if not shared and (not lots or any(lot.pk not in lots_with_own for lot in lots)):
        errors.append(("criteria", _("Set the award criteria (weights summing to 100).")))
    for group in [
        shared,
        *([c for c in criteria if c.lot_id == lot_id] for lot_id in lots_with_own),
    ]:
        if group:
            errors.extend(
                _check_criteria(
                    [CriterionInput(kind=c.kind, name=c.name, weight=c.weight) for c in group]
                )
            )
    members = list(tender.committee.all())
    errors.extend(_committee_errors(tender=tender, members=members, quorum=tender.opening_quorum))
    if not tender.documents.filter(versions__isnull=False).exists():
        errors.append(
            (
                "documents",
                _(
                    "Upload the procurement documents: they must be available free, in full and "
                    "directly from the day of publication (VgV §41 Abs. 1)."
                ),
            )
        )
    return errors


def ensure_ready(tender: Tender, *, now: datetime | None = None) -> None:
    """Raise TenderValidationError / TimeLimitError unless the tender could go out today."""
    now = now or timezone.now()
    problems = tender_problems(tender, now=now)
    if not problems:
        from tenders.adapters import publication_problems

        problems = publication_problems(tender, at=now)
    if problems:
        raise TenderValidationError(problems)
    limits = time_limit_errors(tender=tender, dispatch=berlin_date(now), now=now)
    if limits:
        raise TimeLimitError(limits)
