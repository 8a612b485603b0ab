"""Appending to the audit chain: every django-fsm transition, and the few other facts apps log.

Every event's ``hash`` covers its content and the previous event's hash. Appends lock the single
``AuditChainHead`` row, so two transactions can never both extend the same tip (no fork), and the
write happens in the caller's transaction: a transition that is rolled back leaves no event.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, router, transaction
from django.utils import timezone

from workflows.models import GENESIS_HASH, AuditChainHead, AuditEvent, AuditEventQuerySet

HASH_VERSION = 1
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+){2,}$")
SYSTEM_LABEL = "system"


def canonical_json(value: Any) -> bytes:
    """The one byte encoding the digests are computed over: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON (str/int/bool/None/list/dict) that survives a database round trip.

    Floats become strings: a JSON column may re-render them, and the digest must not move.
    Bytes are recorded by length and SHA-256 only; the trail is no place for file contents.
    NUL characters become U+FFFD.
    """
    if value is None or (isinstance(value, bool | int) and not isinstance(value, enum.Enum)):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, str):
        # PostgreSQL's jsonb refuses NUL characters; a hostile string must not block a transition.
        return str.__str__(value).replace("\x00", "\ufffd")
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return {"bytes": len(data), "sha256": sha256_hex(data)}
    if isinstance(value, models.Model):
        return {"model": value._meta.label_lower, "pk": jsonable(value.pk)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {jsonable(str(key)): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        items = [jsonable(item) for item in value]
        return sorted(items, key=canonical_json)
    return str(value)


def payload_digest(payload: Any) -> str:
    return sha256_hex(canonical_json(payload))


def _object_type(content_type_id: int | None) -> str:
    if content_type_id is None:
        return ""
    content_type = ContentType.objects.get_for_id(content_type_id)
    return f"{content_type.app_label}.{content_type.model}"


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over every column of ``event`` except its own hash (and the surrogate key)."""
    time = event.time.astimezone(dt.UTC).isoformat(timespec="microseconds")
    content = {
        "v": HASH_VERSION,
        "sequence": event.sequence,
        "time": time,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "object_type": _object_type(event.content_type_id),
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "action": event.action,
        "transition": event.transition,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "payload_digest": event.payload_digest,
        "prev_hash": event.prev_hash,
    }
    return sha256_hex(canonical_json(content))


def _actor(actor: Any) -> tuple[Any, str]:
    """The user to store (``None`` for the system) and the label the trail shows for them."""
    if actor is None:
        return None, SYSTEM_LABEL
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        return None, "anonymous"
    username = actor.get_username()
    full_name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    label = f"{full_name} ({username})" if full_name else username
    return actor, label[:300]


def _lock_head(using: str) -> AuditChainHead:
    heads = AuditChainHead.objects.using(using).select_for_update()
    try:
        return heads.get(pk=1)
    except AuditChainHead.DoesNotExist:
        pass
    # The migration creates the head; a flushed test database has none. Rebuild it from the tip.
    last = AuditEvent.objects.using(using).order_by("-sequence").first()
    try:
        with transaction.atomic(using=using):
            AuditChainHead.objects.using(using).create(
                pk=1,
                sequence=last.sequence if last else 0,
                hash=last.hash if last else GENESIS_HASH,
            )
    except IntegrityError:
        pass  # another appender created it first; its lock is what we wait for next
    return heads.get(pk=1)


def _link(event: AuditEvent, *, sequence: int, prev_hash: str) -> None:
    event.sequence = sequence
    event.prev_hash = prev_hash
    # Taken once the tip is known (locked), so event times never go backwards along the chain.
    event.time = timezone.now()
    event.hash = event_hash(event)


def _advance_head(event: AuditEvent, *, tip: tuple[int, str], using: str) -> bool:
    """Link ``event`` to ``tip`` (the last event this connection appended, normally earlier in
    the same transaction, whose head lock it therefore still holds): one UPDATE instead of
    SELECT … FOR UPDATE plus UPDATE. The UPDATE takes the lock and only matches while the head
    is still ``tip``; when not (a rolled-back savepoint or transaction), nothing was changed
    and the caller locks and reads the head as usual."""
    _link(event, sequence=tip[0] + 1, prev_hash=tip[1])
    heads = AuditChainHead.objects.using(using).filter(pk=1, sequence=tip[0], hash=tip[1])
    return heads.update(sequence=event.sequence, hash=event.hash) == 1


def _forget_tip(connection: Any) -> None:
    # After the commit other transactions extend the chain: the next transaction locks the
    # head afresh instead of trying a tip that is most likely stale.
    connection._audit_tip = None


def append_event(
    *,
    actor: Any,
    obj: models.Model | None,
    action: str,
    payload: Mapping[str, Any] | None = None,
    transition: str = "",
    from_state: str = "",
    to_state: str = "",
    using: str | None = None,
) -> AuditEvent:
    """Append one event to the chain in the current transaction and return it."""
    using = using or (obj._state.db if obj is not None else None)
    using = using or router.db_for_write(AuditEvent)
    user, label = _actor(actor)
    data = jsonable(dict(payload or {}))
    content_type_id = None
    object_id = ""
    object_repr = ""
    if obj is not None:
        content_type_id = ContentType.objects.db_manager(using).get_for_model(obj).pk
        object_id = "" if obj.pk is None else str(obj.pk)
        object_repr = str(obj)[:300]
    # No savepoint inside a caller's transaction (two round trips per event saved): an append
    # that fails leaves the caller's transaction unusable, which is what must happen anyway, as
    # a transition whose event is missing may not commit.
    with transaction.atomic(using=using, savepoint=False):
        connection = transaction.get_connection(using)
        event = AuditEvent(
            actor=user,
            actor_label=label,
            content_type_id=content_type_id,
            object_id=object_id,
            object_repr=object_repr,
            action=action[:150],
            transition=transition[:100],
            from_state=from_state[:100],
            to_state=to_state[:100],
            payload=data,
            payload_digest=payload_digest(data),
        )
        pending = getattr(connection, "_audit_pending", None)
        if pending:
            # Inside appends_batched, after its first event: the head is locked; link in memory.
            _link(event, sequence=pending[-1].sequence + 1, prev_hash=pending[-1].hash)
            pending.append(event)
            return event
        tip = getattr(connection, "_audit_tip", None)
        if tip is None or not _advance_head(event, tip=tip, using=using):
            head = _lock_head(using)
            _link(event, sequence=head.sequence + 1, prev_hash=head.hash)
            AuditChainHead.objects.using(using).filter(pk=1).update(
                sequence=event.sequence, hash=event.hash
            )
            transaction.on_commit(lambda: _forget_tip(connection), using=using)
        if pending is not None:
            pending.append(event)  # written, with the ones linked after it, when the block ends
            return event
        event.save(using=using, force_insert=True)
        connection._audit_tip = (event.sequence, event.hash)
    return event


@contextmanager
def appends_batched(*, using: str | None = None) -> Iterator[None]:
    """Write the events appended inside the block with one INSERT and one head UPDATE at its end.

    For a service running many transitions in one transaction (batch validation): the first
    append locks the chain head as always, the following ones are linked in memory, and all are
    written before the block is left, so the transaction commits them as usual. The block must
    run inside a transaction and must not roll back a savepoint after an append. An exception
    leaving it marks the transaction for rollback: a head that moved never commits without its
    events.
    """
    using = using or router.db_for_write(AuditEvent)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        raise RuntimeError("appends_batched() needs a transaction (transaction.atomic)")
    if getattr(connection, "_audit_pending", None) is not None:
        yield  # nested: the outer block writes
        return
    connection._audit_pending = []
    try:
        yield
    except BaseException:
        connection._audit_pending = None
        transaction.set_rollback(True, using=using)
        raise
    pending, connection._audit_pending = connection._audit_pending, None
    if not pending:
        return
    # The only batch insert of events: linked above under the head lock, hashes complete.
    super(AuditEventQuerySet, AuditEvent.objects.using(using).all()).bulk_create(pending)
    last = pending[-1]
    if len(pending) > 1:
        AuditChainHead.objects.using(using).filter(pk=1).update(
            sequence=last.sequence, hash=last.hash
        )
    connection._audit_tip = (last.sequence, last.hash)


def record(
    *, actor: Any, obj: models.Model | None, action: str, payload: Mapping[str, Any] | None = None
) -> AuditEvent:
    """Log a fact that is not an FSM transition (e.g. a refused late bid) on the same chain.

    ``action`` is namespaced ``<app>.<entity>.<what_happened>`` in lower_snake parts.
    Raises ``ValueError`` for a malformed action code.
    """
    if not ACTION_RE.match(action):
        raise ValueError(
            f"audit action {action!r} must look like '<app>.<entity>.<what_happened>' "
            "(lowercase letters, digits and underscores, separated by dots)"
        )
    return append_event(actor=actor, obj=obj, action=action, payload=payload)


def _state_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(jsonable(value))


def transition_payload(
    *, instance: models.Model, name: str, args: tuple, kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    """What a transition's digest covers: its keywords except ``by``, positional arguments, and
    whatever the model volunteers through an ``audit_payload(transition)`` method."""
    payload: dict[str, Any] = {key: value for key, value in kwargs.items() if key != "by"}
    if args:
        payload["_args"] = list(args)
    exposes = getattr(instance, "audit_payload", None)
    if callable(exposes):
        extra = exposes(name)
        if extra:
            payload["_object"] = dict(extra)
    return payload


def on_post_transition(
    sender: type[models.Model],
    instance: models.Model,
    name: str,
    source: Any,
    target: Any,
    method_args: tuple = (),
    method_kwargs: Mapping[str, Any] | None = None,
    exception: BaseException | None = None,
    **_: Any,
) -> None:
    """django-fsm ``post_transition`` receiver: one event per transition of any model."""
    kwargs = dict(method_kwargs or {})
    payload = transition_payload(instance=instance, name=name, args=method_args, kwargs=kwargs)
    if exception is not None:
        payload["_error"] = f"{type(exception).__name__}: {exception}"
    to_state = _state_text(target if target is not None else source)
    meta = instance._meta
    append_event(
        actor=kwargs.get("by"),
        obj=instance,
        action=f"{meta.app_label}.{meta.model_name}.{to_state}",
        payload=payload,
        transition=name,
        from_state=_state_text(source),
        to_state=to_state,
    )
