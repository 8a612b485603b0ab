from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = _("Accounts payable and supplier invoicing")

    def ready(self) -> None:
        from django.conf import settings

        from procurement.celery import app

        # Mail-in polls every configured mailbox; only scheduled when there is one to poll.
        if getattr(settings, "ZUSCHLAG_AP_MAILBOXES", None):
            app.conf.beat_schedule.setdefault(
                "invoicing-mail-in",
                {
                    "task": "invoicing.tasks.invoice_mail_fetch_task",
                    "schedule": float(getattr(settings, "ZUSCHLAG_AP_MAIL_INTERVAL", 120)),
                },
            )
