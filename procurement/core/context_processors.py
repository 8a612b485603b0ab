from typing import Any

from django.http import HttpRequest


def memberships(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_roles": frozenset()}
    roles = frozenset(user.memberships.filter(active=True).values_list("role", flat=True))
    return {"my_roles": roles}
