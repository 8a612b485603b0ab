from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """A throwaway FSM model for the workflows tests; installed by settings_test only."""

    name = "tests.workflows.testapp"
    label = "workflows_testapp"

    def ready(self) -> None:
        from tests.workflows.testapp.services import ticket_expire, tickets_overdue
        from workflows.timers import register_deadline

        register_deadline("workflows_testapp.ticket_expiry", tickets_overdue, ticket_expire)
