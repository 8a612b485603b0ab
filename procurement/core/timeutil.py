from datetime import date, datetime, time
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def berlin_date(at: datetime) -> date:
    """The legal calendar day of ``at`` in Germany (23:30 UTC on 31 Dec is already 1 Jan here)."""
    return at.astimezone(BERLIN).date()


def end_of_berlin_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=BERLIN)
