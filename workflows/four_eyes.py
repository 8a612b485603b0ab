"""Four eyes (Vier-Augen-Prinzip): the person who approves is not the one who asked."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from procurement.core.errors import TransitionForbiddenError
from procurement.core.roles import Role, has_role


class FourEyesError(TransitionForbiddenError):
    code = "four_eyes"


def _role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def ensure_second_person(*, requested_by: Any, actor: Any, organisation: Any, role: str) -> None:
    """Raise ``FourEyesError`` (a ``TransitionForbiddenError``, HTTP 403) unless ``actor`` is
    another person than ``requested_by`` and holds ``role`` in ``organisation``."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise FourEyesError(
            _(
                "Vier-Augen-Prinzip / four-eyes principle: this step must be approved by a "
                "signed-in person holding the role “%(role)s”."
            )
            % {"role": _role_label(role)}
        )
    requester_pk = getattr(requested_by, "pk", requested_by)
    if requester_pk is not None and requester_pk == actor.pk:
        raise FourEyesError(
            _(
                "Vier-Augen-Prinzip / four-eyes principle: %(user)s requested this step and "
                "cannot also approve it; a second person with the role “%(role)s” must do it."
            )
            % {"user": actor.get_username(), "role": _role_label(role)}
        )
    if not has_role(actor, organisation, [role]):
        raise FourEyesError(
            _(
                "Vier-Augen-Prinzip / four-eyes principle: %(user)s does not hold the role "
                "“%(role)s” in %(organisation)s and so cannot approve this step."
            )
            % {
                "user": actor.get_username(),
                "role": _role_label(role),
                "organisation": getattr(organisation, "name", organisation),
            }
        )
