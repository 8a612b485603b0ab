from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from procurement.core.errors import DomainError


class DomainErrorMiddleware:
    """Renders a domain error that a view did not handle as a readable page with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        response = TemplateResponse(
            request, "procurement/error.html", {"error": exception}, status=exception.status_code
        )
        return response.render()
