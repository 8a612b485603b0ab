import datetime as dt
import logging

import pytest
from freezegun import freeze_time

from tests.workflows.testapp.models import Ticket
from tests.workflows.testapp.services import ticket_expire, tickets_overdue
from workflows import timers
from workflows.models import AuditEvent
from workflows.tasks import deadlines_tick_task

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def submitted(authority, officer):
    """Three submitted tickets with deadlines one, two and three days after START."""
    tickets = []
    with freeze_time(START):
        for day in (1, 2, 3):
            ticket = Ticket.objects.create(
                title=f"T{day}", organisation=authority, deadline=START + dt.timedelta(days=day)
            )
            ticket.submit(by=officer)
            ticket.save(update_fields=["state"])
            tickets.append(ticket)
    return tickets


def states(tickets):
    return [Ticket.objects.get(pk=t.pk).state for t in tickets]


def expiry_events():
    return AuditEvent.objects.filter(transition="expire")


def test_timer_of_the_test_app_is_registered_by_its_ready():
    names = [deadline.name for deadline in timers.registered_deadlines()]
    assert "workflows_testapp.ticket_expiry" in names


def test_nothing_fires_before_the_deadline(submitted):
    with freeze_time(START + dt.timedelta(hours=23)):
        result = deadlines_tick_task()
    assert result["fired"] == {}
    assert states(submitted) == ["submitted"] * 3


def test_tick_fires_what_is_due_and_only_that(submitted):
    with freeze_time(START + dt.timedelta(days=1, seconds=1)):
        result = deadlines_tick_task.delay().get()  # eager in tests: the same code path as beat
    assert result["fired"] == {"workflows_testapp.ticket_expiry": [submitted[0].pk]}
    assert states(submitted) == ["expired", "submitted", "submitted"]
    event = expiry_events().get()
    assert event.actor is None
    assert (event.from_state, event.to_state) == ("submitted", "expired")


def test_catch_up_after_a_long_gap_fires_every_missed_deadline(submitted):
    # given beat was down for a week; when the first tick after it runs
    with freeze_time(START + dt.timedelta(days=7)):
        timers.deadlines_tick()
    # then every overdue ticket moved, each exactly once
    assert states(submitted) == ["expired"] * 3
    assert expiry_events().count() == 3


def test_ticking_twice_moves_each_object_once(submitted):
    with freeze_time(START + dt.timedelta(days=2, minutes=1)):
        first = timers.deadlines_tick()
        second = timers.deadlines_tick()
    assert sorted(first.fired["workflows_testapp.ticket_expiry"]) == sorted(
        [submitted[0].pk, submitted[1].pk]
    )
    assert second.fired == {}
    assert expiry_events().count() == 2


def test_fire_is_idempotent_on_its_own(submitted):
    with freeze_time(START + dt.timedelta(days=5)):
        ticket_expire(submitted[0].pk)
        ticket_expire(submitted[0].pk)  # a second, overlapping tick
    assert expiry_events().count() == 1


def test_fire_rechecks_the_deadline(submitted):
    # due() said yes at some point, but fire() runs before the deadline: it must not move
    with freeze_time(START):
        ticket_expire(submitted[2].pk)
    assert states(submitted)[2] == "submitted"


def test_one_failing_fire_does_not_block_the_others_and_is_retried(submitted, caplog):
    calls = []
    broken_once = {submitted[1].pk}

    def flaky_fire(ticket_id: int) -> None:
        calls.append(ticket_id)
        if ticket_id in broken_once:
            # Write first, then fail: the savepoint must undo this ticket's partial work.
            ticket = Ticket.objects.get(pk=ticket_id)
            ticket.expire()
            ticket.save(update_fields=["state"])
            raise RuntimeError("mail server down")
        ticket_expire(ticket_id)

    timers.unregister_deadline("workflows_testapp.ticket_expiry")
    timers.register_deadline("flaky", tickets_overdue, flaky_fire)
    try:
        with freeze_time(START + dt.timedelta(days=4)), caplog.at_level(logging.ERROR):
            first = timers.deadlines_tick()
        assert first.failed == {"flaky": [submitted[1].pk]}
        assert sorted(first.fired["flaky"]) == sorted([submitted[0].pk, submitted[2].pk])
        assert states(submitted) == ["expired", "submitted", "expired"]
        assert expiry_events().count() == 2  # the failed one's event was rolled back too
        assert f"fire({submitted[1].pk}) failed" in caplog.text
        assert "mail server down" in caplog.text

        # when the fault is gone, the next tick retries it
        broken_once.clear()
        with freeze_time(START + dt.timedelta(days=4, minutes=1)):
            second = timers.deadlines_tick()
        assert second.fired == {"flaky": [submitted[1].pk]}
        assert states(submitted) == ["expired"] * 3
    finally:
        timers.unregister_deadline("flaky")
        timers.register_deadline("workflows_testapp.ticket_expiry", tickets_overdue, ticket_expire)


def test_a_broken_due_does_not_stop_other_timers(submitted, caplog):
    def broken_due(now):
        raise RuntimeError("query failed")

    timers.register_deadline("broken", broken_due, ticket_expire)
    try:
        with freeze_time(START + dt.timedelta(days=4)), caplog.at_level(logging.ERROR):
            result = timers.deadlines_tick()
    finally:
        timers.unregister_deadline("broken")
    assert result.broken == ["broken"]
    assert states(submitted) == ["expired"] * 3
    assert "deadline timer broken: due() failed" in caplog.text


def test_register_needs_a_name():
    with pytest.raises(ValueError, match="name"):
        timers.register_deadline("", tickets_overdue, ticket_expire)


def test_beat_schedule_runs_the_tick_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["deadline-timers"]
    assert entry["task"] == deadlines_tick_task.name == "workflows.tasks.deadlines_tick_task"
    assert entry["schedule"] == 60.0
