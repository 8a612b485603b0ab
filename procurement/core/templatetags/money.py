"""``{{ value|money:currency }}``: amounts as the reader's language writes them."""

from django import template

from procurement.core.money import format_amount

register = template.Library()


@register.filter
def money(value, currency: str = "") -> str:
    return format_amount(value, currency)
