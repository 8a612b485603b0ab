from django import template

from workflows.selectors import audit_trail_for

register = template.Library()


@register.inclusion_tag("workflows/_trail.html")
def audit_trail(obj):
    """``{% load workflows %}{% audit_trail tender %}``: the object's history as a table."""
    return {"trail": list(audit_trail_for(obj=obj))}
