"""The audit trail: append-only, hash-chained events, one per FSM transition (and a few others)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

# The hash a chain's first event points back to.
GENESIS_HASH = "0" * 64


class AuditTrailImmutableError(Exception):
    """An audit event was about to be changed or removed; the trail only ever grows."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailImmutableError("audit events are append-only: update() is refused")

    def delete(self):
        raise AuditTrailImmutableError("audit events are append-only: delete() is refused")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditTrailImmutableError("audit events are append-only: bulk_update() is refused")

    def bulk_create(self, objs, *args, **kwargs):
        # A batch insert would skip the chain lock and the hashes: one append at a time only.
        raise AuditTrailImmutableError("audit events are appended by workflows.audit only")

    def update_or_create(self, *args, **kwargs):
        raise AuditTrailImmutableError("audit events are append-only: use workflows.audit.record")


class AuditEvent(models.Model):
    """One link of the chain. Written only by ``workflows.audit`` (never by hand), never changed.

    ``hash`` is SHA-256 over a canonical encoding of every other column (see
    ``workflows.audit.event_hash``) including ``prev_hash``, so editing, deleting or reordering a
    row breaks the chain at that row, and ``manage.py audit_verify`` names it.
    """

    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    time = models.DateTimeField(editable=False, db_index=True)
    # PROTECT: a person who acted can be deactivated, never deleted, or the trail would lose them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    actor_label = models.CharField(max_length=300, editable=False)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, editable=False
    )
    # Text, so objects with UUID or string keys fit as well as integer ones.
    object_id = models.CharField(max_length=64, blank=True, editable=False)
    object_repr = models.CharField(max_length=300, blank=True, editable=False)
    action = models.CharField(max_length=150, db_index=True, editable=False)
    transition = models.CharField(max_length=100, blank=True, editable=False)
    from_state = models.CharField(max_length=100, blank=True, editable=False)
    to_state = models.CharField(max_length=100, blank=True, editable=False)
    payload = models.JSONField(default=dict, blank=True, editable=False)
    payload_digest = models.CharField(max_length=64, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["content_type", "object_id", "sequence"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_repr} by {self.actor_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailImmutableError(
                f"audit event #{self.sequence} is append-only and cannot be changed"
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailImmutableError(
            f"audit event #{self.sequence} is append-only and cannot be deleted"
        )


class AuditChainHead(models.Model):
    """The single row every append locks: it serialises appenders and remembers the chain's tip.

    Keeping the tip here (not only in the last event) also lets ``audit_verify`` notice events cut
    off the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_single_head")]

    def __str__(self) -> str:
        return f"audit chain head #{self.sequence}"
