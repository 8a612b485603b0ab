import pytest

from tests.workflows.testapp.models import Ticket


@pytest.fixture
def ticket(authority):
    return Ticket.objects.create(title="T-1", organisation=authority)


def tamper(sql: str, params: list) -> None:
    """Change the audit table behind the ORM's back, as an attacker with database access would."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
