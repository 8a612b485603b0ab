"""Working days for the end of legal time limits.

Regulation (EEC, Euratom) No 1182/71 Art. 3 Abs. 4 (EU procedures) and BGB §193 (national ones):
a period that would end on a Saturday, Sunday or public holiday ends on the next working day.
Art. 2 Abs. 1 of the regulation means the holidays "of the Member State … where an action is to
be taken": for a German authority, those of the Land where it sits, which its NUTS code names
(the first three characters are the Land). The calendars come from the ``holidays`` package,
which knows every Land's holidays and the one-off ones (Reformationstag 2017, Berlin's 8 May
2025) that a hand-written list would miss.

Two choices err on the side of the longer limit, because a limit that ends a day too early can
cost the procedure (a bidder's review application), one that ends a day late costs nothing:

- holidays kept only in part of a Land (Mariä Himmelfahrt in Bavaria's Catholic municipalities,
  Fronleichnam in parts of Saxony and Thuringia) count for the whole Land;
- when a German authority's Land is unknown (no NUTS code yet), a holiday of any Land counts.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays

# NUTS level 1 (unchanged since NUTS 2003 for Germany) → ISO 3166-2 subdivision of the Land.
LAND_BY_NUTS1 = {
    "DE1": "BW",
    "DE2": "BY",
    "DE3": "BE",
    "DE4": "BB",
    "DE5": "HB",
    "DE6": "HH",
    "DE7": "HE",
    "DE8": "MV",
    "DE9": "NI",
    "DEA": "NW",
    "DEB": "RP",
    "DEC": "SL",
    "DED": "SN",
    "DEE": "ST",
    "DEF": "SH",
    "DEG": "TH",
}
# The one city with a holiday of its own (Hohes Friedensfest, 8 August): Augsburg, NUTS 3 DE271.
CITY_BY_NUTS3 = {"DE271": "Augsburg"}
ANY_LAND = "DE"
_LOCAL_CATEGORIES = ("public", "catholic")


def holiday_region(*, country: str, nuts: str = "") -> str:
    """The calendar that governs an authority's time limits: ``DE-BY``, ``DE`` (Land unknown),
    ``FR``, …; ``nuts`` is the authority's NUTS code, any level."""
    country = (country or "").strip().upper()
    nuts = (nuts or "").strip().upper()
    if country != "DE":
        return country
    if nuts in CITY_BY_NUTS3:
        return f"DE-{CITY_BY_NUTS3[nuts]}"
    land = LAND_BY_NUTS1.get(nuts[:3])
    return f"DE-{land}" if land else ANY_LAND


# Our language codes → the ``holidays`` package's; a country that lacks one names its holidays
# in its own language (a French reader sees "Heilige Drei Könige", the name the Land uses).
_CALENDAR_LANGUAGES = {"de": "de", "en": "en_US", "fr": "fr"}


@lru_cache(maxsize=512)
def _calendar(region: str, year: int, language: str | None) -> dict[date, tuple[str, ...]]:
    country, _, subdivision = region.partition("-")
    if country == "DE":
        calendars = [
            holidays.country_holidays(
                "DE", subdiv=each, years=year, categories=_LOCAL_CATEGORIES, language=language
            )
            for each in ([subdivision] if subdivision else sorted(holidays.Germany.subdivisions))
        ]
    else:
        try:
            calendars = [holidays.country_holidays(country, years=year, language=language)]
        except NotImplementedError:
            # A country the calendar does not know: weekends still count, holidays cannot.
            return {}
    names: dict[date, list[str]] = {}
    for calendar in calendars:
        for day in calendar:
            for name in calendar.get_list(day):
                if name not in names.setdefault(day, []):
                    names[day].append(name)
    return {day: tuple(each) for day, each in names.items()}


@lru_cache(maxsize=512)
def public_holidays(region: str, year: int) -> frozenset[date]:
    """Public holidays of ``region`` (see :func:`holiday_region`) in ``year``."""
    return frozenset(_calendar(region, year, None))


def holiday_names(day: date, region: str, language: str | None = None) -> tuple[str, ...]:
    """What makes ``day`` a holiday in ``region``, named in ``language`` (de, en, fr) where the
    calendar has it; empty on an ordinary day."""
    default, supported = _languages(region.partition("-")[0])
    wanted = _CALENDAR_LANGUAGES.get((language or "")[:2])
    return _calendar(region, day.year, wanted if wanted in supported else default).get(day, ())


@lru_cache(maxsize=64)
def _languages(country: str) -> tuple[str | None, frozenset[str]]:
    """The country's own language in the calendar, and every language it can name holidays in."""
    try:
        calendar = holidays.country_holidays(country)
    except NotImplementedError:
        return None, frozenset()
    return calendar.default_language, frozenset(calendar.supported_languages)


def is_working_day(day: date, region: str = ANY_LAND) -> bool:
    return day.weekday() < 5 and day not in public_holidays(region, day.year)


def next_working_day(day: date, region: str = ANY_LAND) -> date:
    """``day`` itself when it is a working day in ``region``, otherwise the next one."""
    while not is_working_day(day, region):
        day += timedelta(days=1)
    return day
