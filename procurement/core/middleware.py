from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from procurement.core.errors import DomainError
from procurement.core.uploads import ContentLengthError, declared_length


class DomainErrorMiddleware:
    """Renders a domain error that a view did not handle as a readable page with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        return error_page(request, exception)


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A domain error as a readable page with its status."""
    response = TemplateResponse(
        request, "procurement/error.html", {"error": error}, status=error.status_code
    )
    return response.render()


class ContentLengthMiddleware:
    """Refuses a request whose Content-Length is not a whole number of bytes (400) before anything
    reads its body. Django reads such a body as empty, and fails with a server error wherever it
    reads ``request.body`` (every form post: the CSRF check reads it first). The upload views
    read the declared length themselves as well, for their size limits."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared_length(request)
        except ContentLengthError as error:
            if request.path.startswith("/api/") or "application/json" in request.headers.get(
                "Accept", ""
            ):
                return JsonResponse(error.as_dict(), status=error.status_code)
            return error_page(request, error)
        return self.get_response(request)
