"""The pure legal rules: thresholds (GWB §106) and minimum time limits (VgV §§15-19 and kin)."""

from datetime import date, datetime, timedelta
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
from tenders.rules.calendar import (
    holiday_region,
    is_working_day,
    next_working_day,
    public_holidays,
)


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
    for region in ("DE", "DE-BE", "DE-BY", "DE-NW"):
        assert not is_working_day(date(2026, 4, 3), region)  # Karfreitag
        assert not is_working_day(date(2026, 5, 25), region)  # Pfingstmontag
        assert not is_working_day(date(2026, 10, 3), region)
        assert next_working_day(date(2026, 12, 25), region) == date(2026, 12, 28)
        assert is_working_day(date(2026, 12, 2), region)


@pytest.mark.parametrize(
    ("country", "nuts", "region"),
    [
        ("DE", "DE212", "DE-BY"),  # München
        ("DE", "DE2", "DE-BY"),
        ("DE", "DEA23", "DE-NW"),  # Köln
        ("DE", "DE300", "DE-BE"),
        ("DE", "DEG0", "DE-TH"),
        ("de", "de111", "DE-BW"),
        ("DE", "DE271", "DE-Augsburg"),
        ("DE", "", "DE"),
        ("DE", "DE", "DE"),
        ("DE", "FRF11", "DE"),  # a code of another country says nothing about the Land
        ("FR", "FRF11", "FR"),
    ],
)
def test_holiday_region_from_the_authoritys_nuts_code(country, nuts, region):
    assert holiday_region(country=country, nuts=nuts) == region


def test_a_lands_own_holidays_end_a_limit_only_there():
    epiphany = date(2027, 1, 6)  # a Wednesday: Heilige Drei Könige in BW, BY and ST only
    assert not is_working_day(epiphany, "DE-BY")
    assert is_working_day(epiphany, "DE-NW")
    assert is_working_day(epiphany, "DE-BE")
    repentance = date(2026, 11, 18)  # Buß- und Bettag, Saxony only
    assert not is_working_day(repentance, "DE-SN")
    assert is_working_day(repentance, "DE-BY")
    # Dispatch Wednesday 2026-12-02 + 35 days = 2027-01-06.
    assert earliest_deadline_date(start=date(2026, 12, 2), days=35, region="DE-NW") == epiphany
    assert earliest_deadline_date(start=date(2026, 12, 2), days=35, region="DE-BY") == date(
        2027, 1, 7
    )


def test_holidays_kept_in_part_of_a_land_count_for_all_of_it():
    assert not is_working_day(date(2028, 8, 15), "DE-BY")  # Mariä Himmelfahrt, a Tuesday
    assert is_working_day(date(2028, 8, 15), "DE-NW")
    assert not is_working_day(date(2026, 6, 4), "DE-TH")  # Fronleichnam, parts of Thuringia
    # Augsburg's Hohes Friedensfest (Tuesday 2028-08-08) is the city's alone.
    assert not is_working_day(date(2028, 8, 8), "DE-Augsburg")
    assert is_working_day(date(2028, 8, 8), "DE-BY")


def test_an_unknown_land_counts_every_lands_holidays():
    assert public_holidays("DE-BY", 2027) <= public_holidays("DE", 2027)
    assert public_holidays("DE-SN", 2026) <= public_holidays("DE", 2026)
    assert not is_working_day(date(2027, 1, 6), "DE")
    assert is_working_day(date(2026, 3, 9), "DE")  # an ordinary Monday


def test_one_off_holidays_are_known():
    # Reformationstag 2017 (500th anniversary) was a holiday in every Land, Tuesday 2017-10-31.
    assert not is_working_day(date(2017, 10, 31), "DE-BY")
    # Berlin: 80th anniversary of the end of the war, Thursday 2025-05-08.
    assert not is_working_day(date(2025, 5, 8), "DE-BE")
    assert is_working_day(date(2025, 5, 8), "DE-HH")


def test_other_countries_use_their_own_calendar():
    assert not is_working_day(date(2026, 7, 14), "FR")  # a Tuesday
    assert is_working_day(date(2026, 7, 14), "DE")
    # A country the calendar does not know still has weekends.
    assert is_working_day(date(2026, 7, 14), "XX")
    assert not is_working_day(date(2026, 7, 18), "XX")


@pytest.mark.parametrize(
    ("lang", "day", "region", "reason"),
    [
        ("en", date(2027, 1, 6), "DE-BY", "(Epiphany)"),
        ("de", date(2027, 1, 6), "DE-BY", "(Heilige Drei Könige)"),
        # The calendar has no French names for German holidays: the Land's own name is shown.
        ("fr", date(2027, 1, 6), "DE-BY", "(Heilige Drei Könige)"),
        ("fr", date(2026, 7, 14), "FR", "(Fête nationale)"),
        ("en", date(2026, 3, 28), "DE-BE", "(Saturday)"),
        ("de", date(2026, 3, 29), "DE-BE", "(Sonntag)"),
        ("en", date(2026, 4, 5), "DE-BB", "(Sunday, Easter Sunday)"),
    ],
)
def test_a_moved_limit_says_why_its_last_day_is_no_working_day(lang, day, region, reason):
    dispatch = day - timedelta(days=35)
    with translation.override(lang):
        (violation,) = check_time_limits(
            ctx=ctx(holiday_region=region),
            dispatch=dispatch,
            now=datetime(2026, 1, 1, tzinfo=BERLIN),
            submission_deadline=datetime.combine(day, datetime.min.time(), tzinfo=BERLIN),
        )
    assert reason in violation.message


def test_time_limits_use_the_region_of_the_context():
    dispatch = date(2026, 12, 2)
    deadline = datetime(2027, 1, 6, 12, tzinfo=BERLIN)
    now = datetime(2026, 12, 2, 9, tzinfo=BERLIN)
    common = dict(dispatch=dispatch, now=now, submission_deadline=deadline)
    assert not check_time_limits(ctx=ctx(holiday_region="DE-NW"), **common)
    (violation,) = check_time_limits(ctx=ctx(holiday_region="DE-BY"), **common)
    assert violation.earliest == date(2027, 1, 7)
    assert violation.citation == "VgV §15 Abs. 2"


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
                "The last day by the count, April 6, 2026, is not a working day (Easter Monday)",
            ],
        ),
        (
            "de",
            [
                "7. April 2026 (VgV §15 Abs. 2)",
                "ab dem Tag nach der Absendung der Bekanntmachung (2. März 2026)",
                "Der rechnerisch letzte Tag, 6. April 2026, ist kein Werktag (Ostermontag)",
            ],
        ),
        (
            "fr",
            [
                "le 7 avril 2026 (VgV §15 Abs. 2)",
                f"à compter du lendemain de l{APOSTROPHE}envoi de l{APOSTROPHE}avis de marché "
                "(2 mars 2026)",
                "Le dernier jour selon le calcul, le 6 avril 2026, "
                f"n{APOSTROPHE}est pas un jour ouvrable (Ostermontag)",
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
