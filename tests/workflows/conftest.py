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


@pytest.fixture(autouse=True)
def _postgres_marker_needs_postgres(request):
    """A ``postgres`` test that somehow runs on SQLite would prove nothing: fail, do not skip."""
    if request.node.get_closest_marker("postgres") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(
            "this test needs PostgreSQL (select_for_update, real concurrency) but the database is "
            f"{connection.vendor}: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> "
            "(as .ci/run does) or deselect it with -m 'not postgres'",
            pytrace=False,
        )
