"""The German and French catalogues of bids (and of workflows and invoicing) are complete and
compiled, and the pages bidders see are served in the language the browser asks for.

The catalogue checks themselves live in ``tests/catalogues.py``; tests/tenders/test_translations.py
runs the same checks over the tenders and procurement catalogues.
"""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bids.models import PriceMethod
from bids.services.evaluation import price_points
from procurement.core.errors import ValidationFailedError
from tests.catalogues import (
    LANGUAGES,
    check_compiled,
    check_complete,
    check_header,
    check_placeholders_and_markup,
    check_source_covered,
    messages,
    parse_po,
)

APPS = ("bids", "workflows", "invoicing")
CATALOGUES = [(app, lang) for app in APPS for lang in LANGUAGES]


def test_the_parser_reads_a_tricky_entry(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: de\\n"\n\n'
        "#: a.py:1\n#, python-format\n"
        'msgid ""\n"A %(n)s \\"quoted\\" "\n"line"\nmsgstr "Eine %(n)s Zeile"\n\n'
        '#~ msgid "gone"\n#~ msgstr "weg"\n\n'
        '#, fuzzy\nmsgid "one"\nmsgid_plural "many"\nmsgstr[0] "eins"\nmsgstr[1] "viele"\n',
        encoding="utf-8",
    )
    header, tricky, plural = parse_po(po)
    assert header.msgid == ""
    assert "Language: de" in header.value
    assert tricky.msgid == 'A %(n)s "quoted" line'
    assert tricky.flags == {"python-format"}
    assert tricky.value == "Eine %(n)s Zeile"
    assert (plural.key, plural.value, plural.flags) == ("one\0many", "eins\0viele", {"fuzzy"})


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_header_names_the_language_and_its_plural_rule(app, lang):
    check_header(app, lang)


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_every_message_is_translated_and_none_is_fuzzy(app, lang):
    check_complete(app, lang, at_least=368 if app == "bids" else 1)


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_translations_keep_placeholders_and_markup(app, lang):
    check_placeholders_and_markup(app, lang)


def test_yesno_choices_keep_their_comma_form():
    for lang in LANGUAGES:
        (entry,) = [e for e in messages("bids", lang) if e.msgid == "yes,NO"]
        assert len(entry.value.split(",")) == 2


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_compiled_catalogue_is_current(app, lang):
    check_compiled(app, lang)


def test_catalogue_holds_every_string_of_the_source(tmp_path, monkeypatch):
    check_source_covered("bids", tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("language", "heading", "empty", "column"),
    [
        ("de", "Meine Angebote", "Noch keine Angebote.", "Eingangsbestätigung"),
        ("fr", "Mes offres", "Aucune offre pour l&#x27;instant.", "Accusé de réception"),
        ("en", "My bids", "No bids yet.", "Receipt"),
    ],
)
def test_bidder_page_speaks_the_language_asked_for(bidder, language, heading, empty, column):
    client = Client(headers={"Accept-Language": language})
    client.force_login(bidder)
    response = client.get(reverse("bidder-home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert f"<th>{column}</th>" in html
    assert empty in html or empty.replace("&#x27;", "'") in html
    # the blocktranslate paragraph keeps its markup in every language
    assert "<code>python -m bids.client verify-receipt</code>" in html


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Die lineare Methode braucht einen Preis mit null Punkten"),
        ("fr", "La méthode linéaire exige un prix à zéro point"),
    ],
)
def test_service_messages_follow_the_active_language(language, text):
    with translation.override(language), pytest.raises(ValidationFailedError) as caught:
        price_points(
            method=PriceMethod.LINEAR,
            price=Decimal(1),
            lowest=Decimal(100),
            max_points=Decimal(10),
            zero_price=Decimal(50),
        )
    assert text in caught.value.message
    assert "(100)" in caught.value.message
