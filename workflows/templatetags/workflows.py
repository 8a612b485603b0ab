import json
from functools import cache

from django import template
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django_fsm import FSMFieldMixin

from workflows.selectors import audit_trail_for

register = template.Library()

DETAIL_MAX_CHARS = 200


@register.inclusion_tag("workflows/_trail.html")
def audit_trail(obj):
    """``{% load workflows %}{% audit_trail tender %}``: the object's history as a table."""
    return {"trail": list(audit_trail_for(obj=obj))}


def _model_of(event) -> type[models.Model] | None:
    # ContentType's own cache, not the event's foreign key: a history table would otherwise
    # read the content type once per row.
    if not event.content_type_id:
        return None
    return ContentType.objects.get_for_id(event.content_type_id).model_class()


@cache
def _state_labels(model: type[models.Model]) -> dict[str, object]:
    labels: dict[str, object] = {}
    for field in model._meta.get_fields():
        if isinstance(field, FSMFieldMixin) and field.choices:
            labels.update((str(value), label) for value, label in field.flatchoices)
    return labels


@register.filter
def state_label(event, value: str) -> str:
    """``{{ event|state_label:event.to_state }}``: the human, translated label of a state the
    event recorded (the raw value when its model or the state is unknown)."""
    model = _model_of(event)
    if model is None or not value:
        return value
    return str(_state_labels(model).get(value, value))


@cache
def _transition_labels(model: type[models.Model]) -> dict[str, object]:
    labels: dict[str, object] = {}
    for field in model._meta.get_fields():
        if isinstance(field, FSMFieldMixin):
            for transition in field.get_all_transitions(model):
                if "label" in transition.custom:
                    labels[transition.name] = transition.custom["label"]
    return labels


@register.filter
def transition_label(event) -> str:
    """``{{ event|transition_label }}``: the human, translated label of the transition the event
    recorded; the raw transition name when it has none, ``event.action`` for other events."""
    raw = event.transition or event.action
    model = _model_of(event)
    if model is None or not event.transition:
        return raw
    return str(_transition_labels(model).get(event.transition, raw))


@register.filter
def audit_details(event) -> list[tuple[str, str]]:
    """The event's payload as short (key, text) pairs for people: reasons, amounts, notes."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    items = []
    for key in sorted(payload):
        if key in ("_args", "_object"):
            continue
        value = payload[key]
        text = value if isinstance(value, str) else _reference(value)
        if text is None:
            text = json.dumps(value, ensure_ascii=False)
        if len(text) > DETAIL_MAX_CHARS:
            text = text[: DETAIL_MAX_CHARS - 1] + "…"
        items.append(("error" if key == "_error" else key, text))
    return items


def _reference(value: object) -> str | None:
    """A model instance the payload recorded (``{"model": "app.model", "pk": …}``, see
    ``workflows.audit.jsonable``) named as people know it, while it still exists."""
    if not (isinstance(value, dict) and set(value) == {"model", "pk"}):
        return None
    try:
        model = apps.get_model(str(value["model"]))
        found = model._default_manager.filter(pk=value["pk"]).first()
    except (LookupError, ValueError, TypeError, ValidationError):
        return None
    return None if found is None else str(found)
