"""The pure legal rules: thresholds (GWB §106) and minimum time limits (VgV §§15-19 and kin)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from procurement.core.timeutil import BERLIN
from tenders.rules import (
    DeadlineContext,
    check_time_limits,
    decide_regime,
    earliest_deadline_date,
    offer_limit,
    participation_limit,
)
from tenders.rules.calendar import easter_sunday, is_working_day, next_working_day


@pytest.mark.parametrize(
    ("value", "contract_type", "authority_type", "concession", "regime"),
    [
        ("215999.99", "supplies", "sub_central", False, "national"),
        ("216000.00", "supplies", "sub_central", False, "eu"),
        ("216000.00", "services", "sub_central", False, "eu"),
        ("139999.99", "services", "central", False, "national"),
        ("140000.00", "services", "central", False, "eu"),
        ("431999.99", "supplies", "sector", False, "national"),
        ("432000.00", "supplies", "sector", False, "eu"),
        ("5403999.99", "works", "sub_central", False, "national"),
        ("5404000.00", "works", "central", False, "eu"),
        ("5404000.00", "works", "sector", False, "eu"),
        ("1000000.00", "services", "sub_central", True, "national"),
        ("5404000.00", "services", "sub_central", True, "eu"),
    ],
)
def test_regime_follows_the_2026_thresholds(
    value, contract_type, authority_type, concession, regime
):
    decision = decide_regime(
        estimated_value=Decimal(value),
        contract_type=contract_type,
        authority_type=authority_type,
        is_concession=concession,
    )
    assert decision.regime == regime
    assert "GWB §106" in decision.citation


def test_regime_refuses_float_money():
    with pytest.raises(TypeError):
        decide_regime(estimated_value=216000.0, contract_type="supplies", authority_type="")


APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"  # the French catalogue's typographic one


def ctx(**kw):
    values = dict(
        regime="eu",
        procedure="open",
        contract_type="supplies",
        authority_type="sub_central",
        electronic=False,
        urgent=False,
    )
    values.update(kw)
    return DeadlineContext(**values)


@pytest.mark.parametrize(
    ("context", "days", "citation"),
    [
        (ctx(), 35, "VgV §15 Abs. 2"),
        (ctx(electronic=True), 30, "VgV §15 Abs. 2, 4"),
        (ctx(urgent=True), 15, "VgV §15 Abs. 3"),
        (ctx(urgent=True, electronic=True), 15, "VgV §15 Abs. 3"),
        (ctx(procedure="restricted", authority_type="central"), 30, "VgV §16 Abs. 5"),
        (
            ctx(procedure="restricted", authority_type="central", electronic=True),
            25,
            "VgV §16 Abs. 5, 8",
        ),
        (ctx(procedure="restricted", authority_type="central", urgent=True), 10, "VgV §16 Abs. 7"),
        (ctx(procedure="restricted"), 10, "VgV §16 Abs. 6"),
        (ctx(procedure="negotiated_with_call", authority_type="central"), 30, "VgV §17 Abs. 6"),
        (
            ctx(procedure="negotiated_with_call", authority_type="central", electronic=True),
            25,
            "VgV §17 Abs. 6, 9",
        ),
        (
            ctx(procedure="negotiated_with_call", authority_type="central", urgent=True),
            10,
            "VgV §17 Abs. 8",
        ),
        (ctx(procedure="negotiated_without_call"), 10, "VgV §20 Abs. 1"),
        (ctx(procedure="competitive_dialogue"), 10, "VgV §20 Abs. 1"),
        (ctx(contract_type="works"), 35, "VOB/A-EU §10a Abs. 1"),
        (ctx(contract_type="works", urgent=True), 15, "VOB/A-EU §10a Abs. 3"),
        (ctx(authority_type="sector", electronic=True), 30, "SektVO §14 Abs. 2, 4"),
        (ctx(authority_type="sector", procedure="restricted"), 10, "SektVO §15 Abs. 3"),
        (ctx(is_concession=True), 30, "KonzVgV §27 Abs. 3"),
        (ctx(regime="national", procedure="national_public"), 10, "UVgO §13 Abs. 1"),
        (
            ctx(regime="national", procedure="national_public", contract_type="works"),
            10,
            "VOB/A §10 Abs. 1",
        ),
    ],
)
def test_offer_limit_table(context, days, citation):
    limit = offer_limit(context)
    assert (limit.days, limit.citation) == (days, citation)


@pytest.mark.parametrize(
    ("context", "days", "citation"),
    [
        (ctx(), None, None),
        (ctx(procedure="restricted"), 30, "VgV §16 Abs. 2"),
        (ctx(procedure="restricted", urgent=True), 15, "VgV §16 Abs. 3"),
        (ctx(procedure="negotiated_with_call"), 30, "VgV §17 Abs. 2"),
        (ctx(procedure="negotiated_with_call", urgent=True), 15, "VgV §17 Abs. 3"),
        (ctx(procedure="competitive_dialogue", urgent=True), 30, "VgV §18 Abs. 3"),
        (ctx(procedure="innovation_partnership"), 30, "VgV §19 Abs. 3"),
        (ctx(procedure="negotiated_without_call"), None, None),
    ],
)
def test_participation_limit_table(context, days, citation):
    limit = participation_limit(context)
    if days is None:
        assert limit is None
    else:
        assert (limit.days, limit.citation) == (days, citation)


def test_national_limits_are_a_documented_policy():
    limit = offer_limit(ctx(regime="national", procedure="national_public"))
    assert limit.policy
    assert not offer_limit(ctx()).policy


def test_counting_starts_the_day_after_dispatch():
    # Dispatch on Tuesday 2026-03-03: day 1 is 03-04, day 35 is Tuesday 2026-04-07.
    assert earliest_deadline_date(start=date(2026, 3, 3), days=35) == date(2026, 4, 7)


def test_limit_ending_on_a_weekend_or_holiday_moves_to_the_next_working_day():
    # 2026-11-27 + 35 = 2027-01-01 (New Year, a Friday) → Monday 2027-01-04.
    assert earliest_deadline_date(start=date(2026, 11, 27), days=35) == date(2027, 1, 4)
    # 2026-02-26 + 30 = Saturday 2026-03-28 → Monday 2026-03-30.
    assert earliest_deadline_date(start=date(2026, 2, 26), days=30) == date(2026, 3, 30)


def test_holiday_calendar():
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    assert not is_working_day(date(2026, 4, 3))  # Karfreitag
    assert not is_working_day(date(2026, 5, 25))  # Pfingstmontag
    assert not is_working_day(date(2026, 10, 3))
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)


def at(y, m, d, h=12):
    return datetime(y, m, d, h, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("lang", "start"),
    [
        ("en", "The deadline for offers ends before the earliest allowed date, April 7, 2026 "),
        ("de", "Angebotsfrist endet vor dem frühesten zulässigen Datum 7. April 2026 "),
        (
            "fr",
            "La date limite de remise des offres tombe avant la première date admise, "
            "le 7 avril 2026 ",
        ),
    ],
)
def test_open_procedure_deadline_one_day_short_names_paragraph_and_earliest_date(lang, start):
    with translation.override(lang):
        violations = check_time_limits(
            ctx=ctx(),
            dispatch=date(2026, 3, 3),
            now=at(2026, 3, 3),
            submission_deadline=at(2026, 4, 6),
        )
    assert [v.field for v in violations] == ["submission_deadline"]
    assert violations[0].message.startswith(start + "(VgV §15 Abs. 2)")
    assert violations[0].earliest == date(2026, 4, 7)
    assert violations[0].citation == "VgV §15 Abs. 2"


def test_open_procedure_deadline_on_the_earliest_day_is_fine():
    assert (
        check_time_limits(
            ctx=ctx(),
            dispatch=date(2026, 3, 3),
            now=at(2026, 3, 3),
            submission_deadline=at(2026, 4, 7, 10),
        )
        == []
    )


def test_deadline_day_is_judged_in_berlin_time():
    # 2026-04-06 23:30 UTC is already 2026-04-07 01:30 in Berlin: compliant.
    from datetime import UTC

    late_evening_utc = datetime(2026, 4, 6, 23, 30, tzinfo=UTC)
    assert (
        check_time_limits(
            ctx=ctx(),
            dispatch=date(2026, 3, 3),
            now=at(2026, 3, 3),
            submission_deadline=late_evening_utc,
        )
        == []
    )


def test_restricted_procedure_needs_participation_deadline_and_counts_offers_after_it():
    context = ctx(procedure="restricted", authority_type="central", electronic=True)
    missing = check_time_limits(
        ctx=context,
        dispatch=date(2026, 3, 3),
        now=at(2026, 3, 3),
        submission_deadline=at(2026, 6, 1),
    )
    assert [v.field for v in missing] == ["participation_deadline"]
    # Participation ends 2026-04-02 (30 days after 03-03 is 04-02, a Thursday): fine.
    # Offers 25 days after 04-02 = 04-27 (Monday); 04-24 is too early.
    with translation.override("en"):
        short = check_time_limits(
            ctx=context,
            dispatch=date(2026, 3, 3),
            now=at(2026, 3, 3),
            participation_deadline=at(2026, 4, 2),
            submission_deadline=at(2026, 4, 24),
        )
    assert [v.field for v in short] == ["submission_deadline"]
    assert "April 27, 2026 (VgV §16 Abs. 5, 8)" in short[0].message
    assert "the invitation to submit offers" in short[0].message
    with translation.override("de"):
        short_participation = check_time_limits(
            ctx=context,
            dispatch=date(2026, 3, 3),
            now=at(2026, 3, 3),
            participation_deadline=at(2026, 3, 31),
            submission_deadline=at(2026, 6, 1),
        )
    assert short_participation[0].message.startswith(
        "Teilnahmefrist endet vor dem frühesten zulässigen Datum 2. April 2026 (VgV §16 Abs. 2)"
    )


def test_urgency_shortens_only_when_documented():
    kw = dict(dispatch=date(2026, 3, 3), now=at(2026, 3, 3), submission_deadline=at(2026, 3, 20))
    assert check_time_limits(ctx=ctx(urgent=True), **kw) == []
    assert "VgV §15 Abs. 2" in check_time_limits(ctx=ctx(), **kw)[0].message


def test_eu_questions_deadline_must_leave_six_days_for_answers():
    violations = check_time_limits(
        ctx=ctx(electronic=True),
        dispatch=date(2026, 3, 3),
        now=at(2026, 3, 3),
        submission_deadline=at(2026, 4, 20),
        questions_deadline=at(2026, 4, 16),
    )
    assert [v.field for v in violations] == ["questions_deadline"]
    assert "VgV §20 Abs. 3 Nr. 1" in violations[0].message


def test_opening_before_the_deadline_is_refused():
    violations = check_time_limits(
        ctx=ctx(electronic=True),
        dispatch=date(2026, 3, 3),
        now=at(2026, 3, 3),
        submission_deadline=at(2026, 4, 20),
        opening_at=at(2026, 4, 20, 11),
    )
    assert [v.field for v in violations] == ["opening_at"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["March 13, 2026 (UVgO §13 Abs. 1)", "reasonable time limit", "10 days at least"]),
        ("de", ["13. März 2026 (UVgO §13 Abs. 1)", "angemessene Frist", "mindestens 10 Tage"]),
        ("fr", ["13 mars 2026 (UVgO §13 Abs. 1)", "délai raisonnable", "10 jours au moins"]),
    ],
)
def test_national_policy_message_says_it_is_our_minimum(lang, expected):
    with translation.override(lang):
        violations = check_time_limits(
            ctx=ctx(regime="national", procedure="national_public"),
            dispatch=date(2026, 3, 3),
            now=at(2026, 3, 3),
            submission_deadline=at(2026, 3, 10),
        )
    message = violations[0].message
    for part in expected:
        assert part in message


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "April 7, 2026 (VgV §15 Abs. 2)",
                "counted from the day after the dispatch of the contract notice (March 2, 2026)",
                "The last day by the count, April 6, 2026, is a Saturday, Sunday or public holiday",
            ],
        ),
        (
            "de",
            [
                "7. April 2026 (VgV §15 Abs. 2)",
                "ab dem Tag nach der Absendung der Bekanntmachung (2. März 2026)",
                "Der rechnerisch letzte Tag, 6. April 2026, ist ein Samstag, Sonntag oder Feiertag",
            ],
        ),
        (
            "fr",
            [
                "le 7 avril 2026 (VgV §15 Abs. 2)",
                f"à compter du lendemain de l{APOSTROPHE}envoi de l{APOSTROPHE}avis de marché "
                "(2 mars 2026)",
                "Le dernier jour selon le calcul, le 6 avril 2026, est un samedi",
            ],
        ),
    ],
)
def test_limit_ending_on_a_holiday_says_why_it_moves_in_the_reader_language(lang, expected):
    # Dispatch 2026-03-02 + 35 days = Easter Monday 2026-04-06: the limit ends on Tuesday.
    with translation.override(lang):
        violations = check_time_limits(
            ctx=ctx(),
            dispatch=date(2026, 3, 2),
            now=at(2026, 3, 2),
            submission_deadline=at(2026, 4, 6),
        )
    assert violations[0].earliest == date(2026, 4, 7)
    for part in expected:
        assert part in violations[0].message


def every_kind_of_violation():
    """One call per message of the module, gathered in the active language."""
    restricted = ctx(procedure="restricted", authority_type="central", electronic=True)
    day = dict(dispatch=date(2026, 3, 3), now=at(2026, 3, 3))
    found = check_time_limits(ctx=ctx(), submission_deadline=None, **day)
    found += check_time_limits(ctx=ctx(), submission_deadline=at(2026, 3, 1), **day)
    found += check_time_limits(ctx=restricted, submission_deadline=at(2026, 6, 1), **day)
    found += check_time_limits(
        ctx=restricted,
        participation_deadline=at(2026, 6, 2),
        submission_deadline=at(2026, 6, 1),
        **day,
    )
    found += check_time_limits(
        ctx=ctx(regime="national", procedure="national_restricted_with_call"),
        participation_deadline=at(2026, 3, 5),
        submission_deadline=at(2026, 3, 10),
        **day,
    )
    found += check_time_limits(
        ctx=ctx(),
        participation_deadline=at(2026, 4, 1),
        submission_deadline=at(2026, 5, 4),
        questions_deadline=at(2026, 5, 1),
        opening_at=at(2026, 5, 4, 11),
        **day,
    )
    found += check_time_limits(
        ctx=ctx(regime="national", procedure="national_public"),
        submission_deadline=at(2026, 5, 4),
        questions_deadline=at(2026, 5, 5),
        **day,
    )
    return found


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_every_time_limit_message_is_translated(lang):
    with translation.override("en"):
        english = [v.message for v in every_kind_of_violation()]
    with translation.override(lang):
        translated = every_kind_of_violation()
    assert len(english) == len(translated) >= 11
    for source, violation in zip(english, translated, strict=True):
        assert violation.message != source
        if violation.earliest:
            assert violation.citation in violation.message


def test_prior_information_notice_shortens_offer_limits_within_its_window():
    from tenders.rules import prior_information_applies

    dispatch = date(2026, 6, 1)
    assert prior_information_applies(sent_on=date(2026, 4, 27), dispatch=dispatch)  # 35 days
    assert not prior_information_applies(sent_on=date(2026, 4, 28), dispatch=dispatch)
    assert prior_information_applies(sent_on=date(2025, 6, 1), dispatch=dispatch)  # 12 months
    assert not prior_information_applies(sent_on=date(2025, 5, 31), dispatch=dispatch)
    assert not prior_information_applies(sent_on=None, dispatch=dispatch)
    open_pin = offer_limit(ctx(prior_information=True))
    assert (open_pin.days, open_pin.citation) == (15, "VgV §38 Abs. 3")
    restricted = offer_limit(
        ctx(procedure="restricted", authority_type="central", prior_information=True)
    )
    assert (restricted.days, restricted.citation) == (10, "VgV §38 Abs. 3")


def test_prior_information_notice_is_applied_by_the_service(db, authority, officer):
    from datetime import timedelta

    from django.utils import timezone

    from tenders.services import tender_submit
    from tests.tenders.factories import draft_tender

    now = timezone.now()
    tender = draft_tender(
        authority=authority,
        officer=officer,
        electronic_submission=False,
        prior_information_sent_on=(now - timedelta(days=60)).date(),
        questions_deadline=now + timedelta(days=10),
        # 20 days: far below the 35 of VgV §15 Abs. 2, above the 15 of §38 Abs. 3 even when
        # the 15th day falls on a holiday weekend.
        submission_deadline=now + timedelta(days=20),
        opening_at=now + timedelta(days=20, hours=1),
    )
    submitted = tender_submit(tender_id=tender.pk, actor=officer)
    assert submitted.state == "pending_approval"
