"""``{% load bids_messages %}{% crypto_messages %}``: the envelope error texts for the page's
scripts, in the page's language (bid and committee pages, bids/static/bids/messages.js)."""

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from bids.errors import crypto_code_texts

register = template.Library()


@register.simple_tag
def crypto_messages() -> SafeString:
    return json_script(crypto_code_texts(), "zuschlag-crypto-messages")
