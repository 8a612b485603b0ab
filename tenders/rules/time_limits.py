"""Minimum time limits (Mindestfristen) for participation requests and offers.

One table per body of rules: VgV §§15-20 (EU supplies and services), VOB/A-EU §§10a-10d (EU works),
SektVO §§14-16 (sector entities), KonzVgV §27 (concessions); below the thresholds UVgO §13 and
VOB/A §10 only ask for an "angemessene" (reasonable) time limit, which this service enforces as a
documented minimum of ``NATIONAL_MINIMUM_DAYS`` days (VOB/A §10 Abs. 1 itself sets ten days).

Counting: a limit of N days runs from the day after the start event (dispatch of the notice or of
the invitation to tender), so its last day is start + N; when that last day is a Saturday, Sunday
or public holiday, the limit ends on the next working day (Regulation 1182/71 Art. 3 Abs. 4;
BGB §193). A deadline is compliant when it falls on that earliest day (Europe/Berlin) or later.

Shortenings never stack beyond what the text allows: the applicable minimum is the smallest of
the limits whose conditions are met (standard, electronic submission, documented urgency, and for
offers after a call for competition the non-central authorities' ten-day floor).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from procurement.core.timeutil import berlin_date
from tenders.rules.calendar import ANY_LAND, holiday_names, next_working_day

NATIONAL_MINIMUM_DAYS = 10
# The start event of a limit (``Limit.counted_from``); its words are in ``_start_event``.
FROM_NOTICE = "notice"
FROM_INVITATION = "invitation"
PARTICIPATION = "participation_deadline"
OFFERS = "submission_deadline"
QUESTIONS = "questions_deadline"
OPENING = "opening_at"

SINGLE_STAGE_EU = {"open"}
TWO_STAGE_EU_CLASSIC = {"restricted", "negotiated_with_call"}
DIALOGUE_LIKE = {"competitive_dialogue", "innovation_partnership"}
TWO_STAGE = (
    TWO_STAGE_EU_CLASSIC
    | DIALOGUE_LIKE
    | {
        "national_restricted_with_call",
        "national_negotiated_with_call",
    }
)


@dataclass(frozen=True)
class DeadlineContext:
    """What the minimum time limits depend on."""

    regime: str  # "eu" or "national"
    procedure: str
    contract_type: str  # supplies / services / works
    authority_type: str  # central / sub_central / sector
    is_concession: bool = False
    electronic: bool = True
    urgent: bool = False
    # Set when a prior information notice meeting VgV §38 Abs. 3 was sent 35 days to 12 months
    # before the contract notice (checked by ``prior_information_applies``).
    prior_information: bool = False
    # Whose public holidays move a limit's end (``tenders.rules.calendar.holiday_region``).
    holiday_region: str = ANY_LAND

    @property
    def two_stage(self) -> bool:
        return self.procedure in TWO_STAGE

    @property
    def rules(self) -> str:
        if self.regime != "eu":
            return "vob_a" if self.contract_type == "works" else "uvgo"
        if self.is_concession:
            return "konzvgv"
        if self.authority_type == "sector":
            return "sektvo"
        return "vob_eu" if self.contract_type == "works" else "vgv"


@dataclass(frozen=True)
class Limit:
    days: int
    citation: str
    counted_from: str = FROM_NOTICE
    # True where the law only says "angemessen" and the number is this service's documented floor.
    policy: bool = False


@dataclass(frozen=True)
class Violation:
    field: str
    message: str
    citation: str
    earliest: date | None = None


def prior_information_applies(*, sent_on: date | None, dispatch: date) -> bool:
    """VgV §38 Abs. 3 Nr. 2: the prior information notice went out at least 35 days and at most
    12 months before the contract notice is dispatched."""
    if sent_on is None:
        return False
    try:
        year_before = dispatch.replace(year=dispatch.year - 1)
    except ValueError:  # 29 February
        year_before = dispatch.replace(year=dispatch.year - 1, day=28)
    return year_before <= sent_on <= dispatch - timedelta(days=35)


def _smallest(candidates: Iterable[tuple[bool, Limit]]) -> Limit:
    applicable = [limit for applies, limit in candidates if applies]
    return min(applicable, key=lambda limit: limit.days)


def _policy(citation: str, counted_from: str = FROM_NOTICE) -> Limit:
    return Limit(NATIONAL_MINIMUM_DAYS, citation, counted_from, policy=True)


def participation_limit(ctx: DeadlineContext) -> Limit | None:
    """Minimum time for requests to participate, or ``None`` for single-stage procedures."""
    if not ctx.two_stage:
        return None
    rules, urgent, proc = ctx.rules, ctx.urgent, ctx.procedure
    if rules == "vgv":
        para = {
            "restricted": "§16",
            "negotiated_with_call": "§17",
            "competitive_dialogue": "§18",
            "innovation_partnership": "§19",
        }[proc]
        if proc in DIALOGUE_LIKE:
            return Limit(30, f"VgV {para} Abs. 3")
        return _smallest(
            [(True, Limit(30, f"VgV {para} Abs. 2")), (urgent, Limit(15, f"VgV {para} Abs. 3"))]
        )
    if rules == "vob_eu":
        if proc in DIALOGUE_LIKE:
            return Limit(30, "VOB/A-EU §10d")
        para = "§10b" if proc == "restricted" else "§10c Abs. 1 i. V. m. §10b"
        return _smallest(
            [
                (True, Limit(30, f"VOB/A-EU {para} Abs. 1")),
                (urgent, Limit(15, f"VOB/A-EU {para} Abs. 5")),
            ]
        )
    if rules == "sektvo":
        return _smallest(
            [(True, Limit(30, "SektVO §15 Abs. 2")), (urgent, Limit(15, "SektVO §15 Abs. 2"))]
        )
    if rules == "konzvgv":
        return Limit(30, "KonzVgV §27 Abs. 3")
    if rules == "vob_a":
        return _policy("VOB/A §10")
    return _policy("UVgO §13 Abs. 1")


def offer_limit(ctx: DeadlineContext) -> Limit:
    """Minimum time for offers; after a call for competition counted from the invitation."""
    rules, urgent, electronic, proc = ctx.rules, ctx.urgent, ctx.electronic, ctx.procedure
    counted = FROM_INVITATION if ctx.two_stage else FROM_NOTICE
    non_central = ctx.authority_type != "central"
    if rules == "vgv":
        if proc == "open":
            return _smallest(
                [
                    (True, Limit(35, "VgV §15 Abs. 2")),
                    (electronic, Limit(30, "VgV §15 Abs. 2, 4")),
                    (urgent, Limit(15, "VgV §15 Abs. 3")),
                    (ctx.prior_information, Limit(15, "VgV §38 Abs. 3")),
                ]
            )
        if proc in TWO_STAGE_EU_CLASSIC:
            if proc == "restricted":
                base, agreed, urgent_par, electronic_par = "Abs. 5", "Abs. 6", "Abs. 7", "Abs. 8"
                para = "§16"
            else:
                base, agreed, urgent_par, electronic_par = "Abs. 6", "Abs. 7", "Abs. 8", "Abs. 9"
                para = "§17"
            return _smallest(
                [
                    (True, Limit(30, f"VgV {para} {base}", counted)),
                    (electronic, Limit(25, f"VgV {para} {base}, {electronic_par[5:]}", counted)),
                    (urgent, Limit(10, f"VgV {para} {urgent_par}", counted)),
                    # Non-central authorities may agree the limit with the candidates; without
                    # agreement it is ten days, so ten is the floor that always holds.
                    (non_central, Limit(10, f"VgV {para} {agreed}", counted)),
                    (ctx.prior_information, Limit(10, "VgV §38 Abs. 3", counted)),
                ]
            )
        return _policy("VgV §20 Abs. 1", counted)
    if rules == "vob_eu":
        if proc == "open":
            return _smallest(
                [
                    (True, Limit(35, "VOB/A-EU §10a Abs. 1")),
                    (electronic, Limit(30, "VOB/A-EU §10a Abs. 1, 4")),
                    (urgent, Limit(15, "VOB/A-EU §10a Abs. 3")),
                ]
            )
        if proc in TWO_STAGE_EU_CLASSIC:
            para = "§10b" if proc == "restricted" else "§10c Abs. 1 i. V. m. §10b"
            return _smallest(
                [
                    (True, Limit(30, f"VOB/A-EU {para} Abs. 2", counted)),
                    (electronic, Limit(25, f"VOB/A-EU {para} Abs. 2, 4", counted)),
                    (urgent, Limit(10, f"VOB/A-EU {para} Abs. 5", counted)),
                ]
            )
        return _policy("VOB/A-EU §10 Abs. 1", counted)
    if rules == "sektvo":
        if proc == "open":
            return _smallest(
                [
                    (True, Limit(35, "SektVO §14 Abs. 2")),
                    (electronic, Limit(30, "SektVO §14 Abs. 2, 4")),
                    (urgent, Limit(15, "SektVO §14 Abs. 3")),
                ]
            )
        if ctx.two_stage:
            return Limit(10, "SektVO §15 Abs. 3", counted)
        return _policy("SektVO §16 Abs. 1", counted)
    if rules == "konzvgv":
        if ctx.two_stage:
            return _smallest(
                [
                    (True, Limit(22, "KonzVgV §27 Abs. 4", counted)),
                    (electronic, Limit(17, "KonzVgV §27 Abs. 4", counted)),
                ]
            )
        return Limit(30, "KonzVgV §27 Abs. 3")
    if rules == "vob_a":
        # VOB/A §10 Abs. 1: "auch bei Dringlichkeit nicht unter zehn Kalendertagen" - statutory.
        return Limit(NATIONAL_MINIMUM_DAYS, "VOB/A §10 Abs. 1", counted)
    return _policy("UVgO §13 Abs. 1", counted)


def earliest_deadline_date(*, start: date, days: int, region: str = ANY_LAND) -> date:
    """The first day on which a limit of ``days`` days, started by an event on ``start``, ends,
    with the public holidays of ``region``."""
    return next_working_day(start + timedelta(days=days), region)


def _day(day: date) -> str:
    """A legal calendar day as the reader's language writes it ("7. April 2026", "7 avril 2026")."""
    return date_format(day, "DATE_FORMAT")


def _not_working_because(day: date, region: str) -> str:
    """ "Saturday", "Heilige Drei Könige", "Sunday, Easter Sunday": what the reader needs to see
    why the limit moved."""
    reasons = [date_format(day, "l")] if day.weekday() >= 5 else []
    reasons.extend(holiday_names(day, region, get_language()))
    return ", ".join(reasons)


def _start_event(counted_from: str) -> str:
    if counted_from == FROM_INVITATION:
        # Translators: follows "counted from the day after"; German needs the dative here.
        return _(
            "the invitation to submit offers, at the earliest after the deadline for requests "
            "to participate has passed"
        )
    # Translators: follows "counted from the day after"; German needs the dative here.
    return _("the dispatch of the contract notice")


def _shortfall_message(
    *,
    field: str,
    earliest: date,
    limit: Limit,
    start: date,
    shifted: date | None,
    region: str,
) -> str:
    values = {
        "earliest": _day(earliest),
        "citation": limit.citation,
        "days": limit.days,
        "event": _start_event(limit.counted_from),
        "start": _day(start),
    }
    # One whole sentence per case, so each language can order its words freely.
    if field == PARTICIPATION and limit.policy:
        message = _(
            "The deadline for requests to participate ends before the earliest allowed date, "
            "%(earliest)s (%(citation)s): the law asks for a reasonable time limit, which this "
            "platform sets at %(days)s days at least, counted from the day after %(event)s "
            "(%(start)s)."
        )
    elif field == PARTICIPATION:
        message = _(
            "The deadline for requests to participate ends before the earliest allowed date, "
            "%(earliest)s (%(citation)s): at least %(days)s days, counted from the day after "
            "%(event)s (%(start)s)."
        )
    elif limit.policy:
        message = _(
            "The deadline for offers ends before the earliest allowed date, %(earliest)s "
            "(%(citation)s): the law asks for a reasonable time limit, which this platform sets "
            "at %(days)s days at least, counted from the day after %(event)s (%(start)s)."
        )
    else:
        message = _(
            "The deadline for offers ends before the earliest allowed date, %(earliest)s "
            "(%(citation)s): at least %(days)s days, counted from the day after %(event)s "
            "(%(start)s)."
        )
    message %= values
    if shifted is not None:
        message += " " + _(
            "The last day by the count, %(day)s, is not a working day (%(reason)s), so the time "
            "limit ends on the next working day (Regulation (EEC, Euratom) No 1182/71 Art. 3(4); "
            "BGB §193)."
        ) % {"day": _day(shifted), "reason": _not_working_because(shifted, region)}
    return message


def _check_limit(
    *, field: str, deadline: datetime, limit: Limit, start: date, region: str
) -> Violation | None:
    plain = start + timedelta(days=limit.days)
    earliest = earliest_deadline_date(start=start, days=limit.days, region=region)
    if berlin_date(deadline) >= earliest:
        return None
    return Violation(
        field=field,
        message=_shortfall_message(
            field=field,
            earliest=earliest,
            limit=limit,
            start=start,
            shifted=plain if earliest != plain else None,
            region=region,
        ),
        citation=limit.citation,
        earliest=earliest,
    )


def check_time_limits(
    *,
    ctx: DeadlineContext,
    dispatch: date,
    now: datetime,
    submission_deadline: datetime | None,
    participation_deadline: datetime | None = None,
    questions_deadline: datetime | None = None,
    opening_at: datetime | None = None,
) -> list[Violation]:
    """Every way the deadlines break the rules when the notice is dispatched on ``dispatch``.

    ``dispatch`` is the Berlin calendar day the notice leaves (today at approval and again at
    publication, since time passes between the two).
    """
    violations: list[Violation] = []
    if submission_deadline is None:
        return [Violation(OFFERS, _("Set a deadline for offers."), "")]
    if submission_deadline <= now:
        violations.append(Violation(OFFERS, _("The deadline for offers is in the past."), ""))
    participation = participation_limit(ctx)
    offers = offer_limit(ctx)
    if participation is not None:
        if participation_deadline is None:
            violations.append(
                Violation(
                    PARTICIPATION,
                    _(
                        "A procedure with a call for competition needs a deadline for requests "
                        "to participate."
                    ),
                    participation.citation,
                )
            )
        else:
            found = _check_limit(
                field=PARTICIPATION,
                deadline=participation_deadline,
                limit=participation,
                start=dispatch,
                region=ctx.holiday_region,
            )
            if found:
                violations.append(found)
            if participation_deadline >= submission_deadline:
                violations.append(
                    Violation(
                        PARTICIPATION,
                        _(
                            "The deadline for requests to participate must end before the "
                            "deadline for offers."
                        ),
                        participation.citation,
                    )
                )
            else:
                found = _check_limit(
                    field=OFFERS,
                    deadline=submission_deadline,
                    limit=offers,
                    start=berlin_date(participation_deadline),
                    region=ctx.holiday_region,
                )
                if found:
                    violations.append(found)
    else:
        if participation_deadline is not None:
            violations.append(
                Violation(
                    PARTICIPATION,
                    _(
                        "Only procedures with a call for competition have a deadline for "
                        "requests to participate; please clear the field."
                    ),
                    "",
                )
            )
        found = _check_limit(
            field=OFFERS,
            deadline=submission_deadline,
            limit=offers,
            start=dispatch,
            region=ctx.holiday_region,
        )
        if found:
            violations.append(found)
    if questions_deadline is not None:
        if ctx.regime == "eu":
            # VgV §20 Abs. 3 Nr. 1: answers must reach every bidder 6 days (4 if urgent) before
            # the offers deadline, else the deadline must be extended; so questions close then.
            margin = 4 if ctx.urgent else 6
            latest = submission_deadline - timedelta(days=margin)
            if questions_deadline > latest:
                violations.append(
                    Violation(
                        QUESTIONS,
                        _(
                            "The deadline for questions must end at least %(days)s days before "
                            "the deadline for offers, that is by %(latest)s, so that the answers "
                            "reach every bidder in time (VgV §20 Abs. 3 Nr. 1)."
                        )
                        % {"days": margin, "latest": _day(berlin_date(latest))},
                        "VgV §20 Abs. 3 Nr. 1",
                        berlin_date(latest),
                    )
                )
        elif questions_deadline >= submission_deadline:
            violations.append(
                Violation(
                    QUESTIONS,
                    _("The deadline for questions must end before the deadline for offers."),
                    "UVgO §13 Abs. 1",
                )
            )
    if opening_at is not None and opening_at < submission_deadline:
        violations.append(
            Violation(
                OPENING,
                _(
                    "The offers may be opened only after the deadline for offers has passed "
                    "(VgV §55 Abs. 2)."
                ),
                "VgV §55 Abs. 2",
            )
        )
    return violations
