"""The German and French catalogues of tenders and of the project's own templates
(procurement/locale: navigation, home, login, error page, roles) are complete and compiled, and
the public portal speaks the language the browser asks for.

The checks are those the bids catalogues pass (``tests/catalogues.py``), run over these apps.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.catalogues import (
    LANGUAGES,
    catalogue_path,
    check_compiled,
    check_complete,
    check_header,
    check_placeholders_and_markup,
    check_source_covered,
    messages,
)
from tests.tenders.portal_factories import make_tender

# procurement is no app: settings.LOCALE_PATHS points Django to procurement/locale.
APPS = ("tenders", "procurement")
CATALOGUES = [(app, lang) for app in APPS for lang in LANGUAGES]
AT_LEAST = {"tenders": 384, "procurement": 47}
APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"  # the French catalogue's typographic one


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_header_names_the_language_and_its_plural_rule(app, lang):
    check_header(app, lang)


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_every_message_is_translated_and_none_is_fuzzy(app, lang):
    check_complete(app, lang, at_least=AT_LEAST[app])


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_no_obsolete_entries_are_kept(app, lang):
    text = catalogue_path(app, lang).read_text(encoding="utf-8")
    assert not re.search(r"^#~", text, flags=re.MULTILINE)


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_translations_keep_placeholders_and_markup(app, lang):
    check_placeholders_and_markup(app, lang)


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_compiled_catalogue_is_current(app, lang):
    check_compiled(app, lang)


@pytest.mark.parametrize("app", APPS)
def test_catalogue_holds_every_string_of_the_source(app, tmp_path, monkeypatch):
    check_source_covered(app, tmp_path, monkeypatch)


def test_portal_strings_built_in_python_are_in_the_catalogue():
    # xgettext does not look inside f-strings: the labels the portal view builds in Python
    # must be extracted (and so translated) like the template's.
    msgids = {entry.msgid for entry in messages("tenders", "de")}
    for msgid in ("Atom feed", "Pages", "previous", "next", "per page", "%(counter)s tender"):
        assert msgid in msgids


def test_shared_strings_read_the_same_in_nav_and_apps():
    # procurement/locale (LOCALE_PATHS) wins over every app's catalogue for the same msgid, so
    # the navigation must not silently rename what the tenders and bids pages call things.
    for lang in LANGUAGES:
        # Keyed as gettext looks them up: a message with a context is a message of its own.
        project = {e.key: e.value for e in messages("procurement", lang)}
        for app in ("tenders", "bids"):
            for entry in messages(app, lang):
                if entry.key in project:
                    assert project[entry.key] == entry.value, (app, lang, entry.msgid)


@pytest.fixture
def keep_active_language():
    """LocaleMiddleware leaves the request's language active in the thread after the response:
    restore the one before, or later tests that read service messages would get French."""
    before = translation.get_language()
    yield
    if before is None:
        translation.deactivate()
    else:
        translation.activate(before)


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_active_language")
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            [
                "<h1>Öffentliche Ausschreibungen</h1>",
                "11 Ausschreibungen",
                "pro Seite",
                "Atom-Feed",
                'aria-label="Seiten"',
                "Seite 1 von 2",
                "weiter \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}",
                "<b>Angebotsfrist:</b>",
                ">offen</span>",
                "<span>Bauleistungen</span>",
                "<span>Offenes Verfahren</span>",
                ">Ausschreibungen</a>",  # the navigation (procurement/locale)
                "Anmelden",
            ],
        ),
        (
            "fr",
            [
                f"<h1>Appels d{APOSTROPHE}offres publics</h1>",
                f"11 appels d{APOSTROPHE}offres",
                "par page",
                "Flux Atom",
                "page 1 sur 2",
                "suivant \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}",
                "<b>Date limite:</b>",
                ">ouvert</span>",
                "<span>Travaux</span>",
                "<span>Procédure ouverte</span>",
                ">Consultations</a>",
                "Connexion",
            ],
        ),
    ],
)
def test_portal_list_speaks_the_language_asked_for(language, expected):
    for _ in range(11):
        make_tender()
    client = Client(headers={"Accept-Language": language})
    response = client.get(reverse("portal-list"), {"per_page": 10})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    missing = [text for text in expected if text not in html]
    assert missing == []
    for english in ("Public tenders", "per page", "Deadline:", "Open procedure", "Log in"):
        assert english not in html
