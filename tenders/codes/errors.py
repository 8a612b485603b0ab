"""The one error type of the code-list checks: it names the field and the rule that failed."""


class CodeError(ValueError):
    """A CPV or NUTS code is malformed, fails its check digit, or is not in the official list."""

    def __init__(self, message: str, *, field: str = "", code: str = ""):
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field
        self.code = code
