from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TendersConfig(AppConfig):
    name = "tenders"
    verbose_name = _("Tenders")

    def ready(self) -> None:
        from tenders.services.lifecycle import tender_close_at_deadline, tenders_due_for_closing
        from workflows.timers import register_deadline

        # published → closed at the submission deadline; catch-up and idempotence come from
        # the timer contract (due() lists every overdue tender, fire() re-checks under lock).
        register_deadline(
            "tenders.close_at_submission_deadline",
            tenders_due_for_closing,
            tender_close_at_deadline,
        )
