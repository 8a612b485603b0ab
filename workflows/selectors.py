"""Reading the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from workflows.models import AuditEvent


def audit_trail_for(*, obj: models.Model) -> models.QuerySet[AuditEvent]:
    """Every event about ``obj``, oldest first."""
    content_type = ContentType.objects.get_for_model(obj)
    return (
        AuditEvent.objects.filter(content_type=content_type, object_id=str(obj.pk))
        .select_related("actor")
        .order_by("sequence")
    )


def audit_last_actor(*, obj: models.Model, to_state: str) -> Any:
    """Who last moved ``obj`` into ``to_state`` (``None`` if nobody or the system did).

    Four-eyes checks use it to find the requester, e.g. who submitted a tender for approval.
    """
    event = audit_trail_for(obj=obj).filter(to_state=to_state).exclude(transition="").last()
    return event.actor if event is not None else None


def audit_chain_head() -> tuple[int, str]:
    """(sequence, hash) of the chain's newest event: print it in a record (e.g. the opening
    Niederschrift) and anyone can later check that the trail up to it is unchanged."""
    from workflows.models import GENESIS_HASH, AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).first()
    return (head.sequence, head.hash) if head is not None else (0, GENESIS_HASH)
