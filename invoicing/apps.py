from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = _("Accounts payable and supplier invoicing")

    def ready(self) -> None:
        from django.conf import settings

        from invoicing.services.catch_up import validation_catch_up, validation_overdue
        from procurement.celery import app
        from workflows.timers import register_deadline

        # A validation message lost before any worker took it (broker down at intake, web
        # process killed after the commit) would leave the invoice waiting for ever.
        register_deadline("invoicing.validation_catch_up", validation_overdue, validation_catch_up)

        # Mail-in polls every configured mailbox; only scheduled when there is one to poll.
        if getattr(settings, "ZUSCHLAG_AP_MAILBOXES", None):
            app.conf.beat_schedule.setdefault(
                "invoicing-mail-in",
                {
                    "task": "invoicing.tasks.invoice_mail_fetch_task",
                    "schedule": float(getattr(settings, "ZUSCHLAG_AP_MAIL_INTERVAL", 120)),
                },
            )
