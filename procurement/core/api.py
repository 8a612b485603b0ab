"""Maps domain errors to API responses in one place; serializer helpers shared by the apps."""

import copy
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from procurement.core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response({"code": "invalid", "errors": detail}, status=400)
    return drf_exception_handler(exc, context)


class FieldsBuiltOnce:
    """For a ModelSerializer whose fields depend on its class only: build them once per class
    (DRF inspects the model for every instance, about half of a small serializer's cost) and
    hand each instance fresh copies, as DRF does with declared fields."""

    _built_fields: dict[str, Any] | None = None

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        if cls.__dict__.get("_built_fields") is None:
            cls._built_fields = super().get_fields()  # type: ignore[misc]
        return copy.deepcopy(cls._built_fields)
