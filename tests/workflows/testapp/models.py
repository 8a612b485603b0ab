from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition

from procurement.core.roles import Role, role_permission


class Ticket(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft"
        SUBMITTED = "submitted"
        APPROVED = "approved"
        EXPIRED = "expired"
        CANCELLED = "cancelled"

    title = models.CharField(max_length=100)
    organisation = models.ForeignKey(
        "procurement.Organisation", null=True, blank=True, on_delete=models.CASCADE
    )
    deadline = models.DateTimeField(null=True, blank=True)
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True)
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"Ticket {self.title}"

    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED)
    def submit(self, *, by) -> None:
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.APPROVED,
        permission=role_permission(Role.APPROVER, organisation=lambda t: t.organisation),
    )
    def approve(self, *, by, note: str = "") -> None:
        self.note = note

    @transition(field=state, source=State.SUBMITTED, target=State.EXPIRED)
    def expire(self, *, by=None) -> None:
        pass

    @transition(
        field=state,
        source=[State.DRAFT, State.SUBMITTED, State.APPROVED],
        target=State.CANCELLED,
    )
    def cancel(self, *, by, reason: str) -> None:
        pass
