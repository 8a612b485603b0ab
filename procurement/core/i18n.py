"""Messages kept for later readers whose language is not known yet.

A background task (a deadline timer, a resumed opening) that has to leave a message on a record
does not know who will read it. It stores the message in every language the service speaks,
built by the same ``gettext`` calls a request would make, and the page shows the reader's.
"""

from collections.abc import Callable

from django.conf import settings
from django.utils import translation


def in_every_language(build: Callable[[], str]) -> dict[str, str]:
    """``{"de": …, "en": …, "fr": …}``: ``build()`` run with each language active."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = str(build())
    return texts


def for_reader(texts: dict[str, str], fallback: str = "") -> str:
    """The text for the active language, else the default language's, else ``fallback``."""
    if not texts:
        return fallback
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or fallback
