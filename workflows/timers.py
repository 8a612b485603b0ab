"""Deadline timers: apps say which objects are overdue and how to move one; beat does the rest.

``due(now)`` asks for *everything* overdue that still waits, so a tick after downtime catches up
on all missed deadlines at once; ``fire(id)`` locks, re-checks and is a no-op when already done,
so running a tick twice (or two overlapping ticks) moves each object once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

DueFn = Callable[[datetime], Iterable[int]]
FireFn = Callable[[int], None]


@dataclass(frozen=True)
class Deadline:
    name: str
    due: DueFn
    fire: FireFn


@dataclass
class TickResult:
    fired: dict[str, list[int]] = field(default_factory=dict)
    failed: dict[str, list[int]] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)  # timers whose due() itself failed

    def as_dict(self) -> dict[str, object]:
        return {"fired": self.fired, "failed": self.failed, "broken": self.broken}


_registry: dict[str, Deadline] = {}


def register_deadline(name: str, due: DueFn, fire: FireFn) -> None:
    """Register (or replace, on a second ``ready()``) the deadline timer ``name``."""
    if not name:
        raise ValueError("a deadline timer needs a name")
    _registry[name] = Deadline(name=name, due=due, fire=fire)


def unregister_deadline(name: str) -> None:
    _registry.pop(name, None)


def registered_deadlines() -> list[Deadline]:
    return list(_registry.values())


def deadlines_tick(*, now: datetime | None = None) -> TickResult:
    """Fire every overdue object of every timer; one failure is logged and retried next tick."""
    now = now or timezone.now()
    result = TickResult()
    for deadline in registered_deadlines():
        try:
            ids = list(deadline.due(now))
        except Exception:
            logger.exception("deadline timer %s: due() failed; retrying next tick", deadline.name)
            result.broken.append(deadline.name)
            continue
        for object_id in ids:
            try:
                # A savepoint each: a failing fire() undoes only its own writes, even when the
                # tick runs inside an outer transaction.
                with transaction.atomic():
                    deadline.fire(object_id)
            except Exception:
                # The other objects must still move; this one stays overdue and is asked for again.
                logger.exception(
                    "deadline timer %s: fire(%s) failed; retrying next tick",
                    deadline.name,
                    object_id,
                )
                result.failed.setdefault(deadline.name, []).append(object_id)
            else:
                result.fired.setdefault(deadline.name, []).append(object_id)
    if result.fired or result.failed or result.broken:
        logger.info("deadline tick at %s: %s", now.isoformat(), result.as_dict())
    return result
