from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows and audit trail")

    def ready(self) -> None:
        from django_fsm.signals import post_transition

        from workflows.audit import on_post_transition

        # No sender: every model's transitions land in the one chain, none has to opt in.
        post_transition.connect(on_post_transition, dispatch_uid="workflows.audit.post_transition")
