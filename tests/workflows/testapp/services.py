from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tests.workflows.testapp.models import Ticket


def tickets_overdue(now: datetime) -> Iterable[int]:
    return Ticket.objects.filter(state=Ticket.State.SUBMITTED, deadline__lte=now).values_list(
        "pk", flat=True
    )


@transaction.atomic
def ticket_expire(ticket_id: int) -> None:
    ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
    if ticket.state != Ticket.State.SUBMITTED or ticket.deadline > timezone.now():
        return  # already moved on (another tick, a person) or not yet due
    ticket.expire(by=None)
    ticket.save(update_fields=["state"])
