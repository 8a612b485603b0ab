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
    # LANG stays a UTF-8 locale with no messages of its own (C.UTF-8): native code that calls
    # setlocale(LC_ALL, "") while a test runs (saxonche's, at the engine's first use) would
    # otherwise switch the whole test process to ASCII.
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    with translation.override("en"):
        yield
