"""Shared settings for the bids tests.

The service-level tests assert the English source text of error messages (``match="future"``).
Outside a request Django translates into ``LANGUAGE_CODE`` (de), and the bids catalogues are now
complete, so every test here runs with English activated explicitly. A request made through the
test client still chooses its language the usual way (``LocaleMiddleware``: Accept-Language, else
German); the German and French output is checked in ``test_translations.py`` (the command-line
client's in ``test_client_translations.py``).
"""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    # The command-line client follows the user's locale the way gettext does: clear it, so the
    # client speaks English here too whatever the machine's LANG (tests that want German or
    # French set --language or these variables themselves).
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    with translation.override("en"):
        yield
