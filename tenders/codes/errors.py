"""The one error type of the code-list checks: it names the field and the rule that failed."""

from collections.abc import Mapping


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue (makemessages extracts calls by this name)
    without importing Django: the checks stay Django-free, and the Django side translates the
    template (``CodeError.template``) in the reader's language."""
    return message


class CodeError(ValueError):
    """A CPV or NUTS code is malformed, fails its check digit, or is not in the official list.

    ``message`` is the English text; ``template`` and ``params`` build it, so that a caller with
    Django can write it again in the reader's language: ``gettext(template) % params``.
    """

    def __init__(
        self,
        template: str,
        *,
        field: str = "",
        code: str = "",
        params: Mapping[str, str | int] | None = None,
    ):
        self.template = template
        self.params = dict(params or {})
        self.message = template % self.params if self.params else template
        super().__init__(f"{field}: {self.message}" if field else self.message)
        self.field = field
        self.code = code
