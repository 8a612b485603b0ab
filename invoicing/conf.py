"""Invoicing settings with their defaults (each can be set in Django settings or the env)."""

from __future__ import annotations

import os
from decimal import Decimal

from django.conf import settings


def four_eyes_above() -> Decimal:
    """``ZUSCHLAG_AP_FOUR_EYES_ABOVE``: payable amounts above this need two approvers."""
    value = getattr(settings, "ZUSCHLAG_AP_FOUR_EYES_ABOVE", None)
    if value is None:
        value = os.environ.get("ZUSCHLAG_AP_FOUR_EYES_ABOVE", "10000.00")
    return Decimal(str(value))


def mailboxes() -> list[dict[str, str]]:
    """``ZUSCHLAG_AP_MAILBOXES``: [{"buyer": <org public_id, Leitweg-ID or SIRET>, "url": …}];
    url is ``maildir:///path`` or ``imap(s)://user:password@host:port/FOLDER``."""
    return list(getattr(settings, "ZUSCHLAG_AP_MAILBOXES", []))


def validation_batch() -> int:
    """``ZUSCHLAG_VALIDATION_BATCH``: how many received invoices one validation task run takes
    on (its own plus waiting ones no other worker holds), in one transaction; 1 turns it off.

    Default 8 with a broker; 1 without (eager celery): there the task runs inside the request
    that received the invoice, which should not take on other invoices' work as well.
    """
    value = getattr(settings, "ZUSCHLAG_VALIDATION_BATCH", None)
    if value is None:
        eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
        value = os.environ.get("ZUSCHLAG_VALIDATION_BATCH", "1" if eager else "8")
    return max(1, int(value))
