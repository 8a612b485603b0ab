import json

from django import template

from workflows.selectors import audit_trail_for

register = template.Library()

DETAIL_MAX_CHARS = 200


@register.inclusion_tag("workflows/_trail.html")
def audit_trail(obj):
    """``{% load workflows %}{% audit_trail tender %}``: the object's history as a table."""
    return {"trail": list(audit_trail_for(obj=obj))}


@register.filter
def audit_details(event) -> list[tuple[str, str]]:
    """The event's payload as short (key, text) pairs for people: reasons, amounts, notes."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    items = []
    for key in sorted(payload):
        if key in ("_args", "_object"):
            continue
        value = payload[key]
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if len(text) > DETAIL_MAX_CHARS:
            text = text[: DETAIL_MAX_CHARS - 1] + "…"
        items.append(("error" if key == "_error" else key, text))
    return items
