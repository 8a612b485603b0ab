"""Checks of organisation identifiers, delegating to the one implementation in the engine."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def validate_organisation_identifiers(organisation: Any) -> None:
    """Raise ``ValidationError`` naming each identifier of ``organisation`` that is malformed."""
    from xrechnung import identifiers

    errors: dict[str, str] = {}
    checks = [
        ("vat_id", identifiers.check_vat_id),
        ("leitweg_id", identifiers.check_leitweg_id),
        ("siren", identifiers.check_siren),
        ("siret", identifiers.check_siret),
    ]
    for field, check in checks:
        value = getattr(organisation, field)
        if value:
            problem = check(value)
            if problem:
                errors[field] = problem
    if organisation.leitweg_id and organisation.country != "DE":
        errors["leitweg_id"] = _("A Leitweg-ID exists only for German authorities.")
    if errors:
        raise ValidationError(errors)
