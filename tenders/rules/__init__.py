"""Legal rules of the tender domain as pure functions: no database. The time-limit messages are
written in the active language (Django's gettext and date formats), so they need settings.

``thresholds``: which regime (EU or national) applies, GWB §106 with the thresholds from
2026-01-01. ``time_limits``: the minimum time limits of VgV §§15-19 (and their siblings in
VOB/A-EU, SektVO, KonzVgV, UVgO and VOB/A section 1), counted as Regulation 1182/71 says.
"""

from tenders.rules.thresholds import ThresholdDecision, decide_regime
from tenders.rules.time_limits import (
    DeadlineContext,
    Limit,
    Violation,
    check_time_limits,
    earliest_deadline_date,
    offer_limit,
    participation_limit,
    prior_information_applies,
)

__all__ = [
    "DeadlineContext",
    "Limit",
    "ThresholdDecision",
    "Violation",
    "check_time_limits",
    "decide_regime",
    "earliest_deadline_date",
    "offer_limit",
    "participation_limit",
    "prior_information_applies",
]
