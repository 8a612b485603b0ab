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


# Envelope, key, share and bid-log errors: the crypto package raises English technical text;
# what a bidder or officer reads is written again in their language from its reason and params.
def _crypto_errors():
    from bids.crypto.errors import (
        BidCryptoError,
        CryptoErrorCode,
        EnvelopeFormatError,
        EnvelopeTamperedError,
        LogChainError,
        ShareError,
    )

    yield EnvelopeTamperedError("chunk 3 failed", reason="chunk_changed", params={"index": 3})
    yield EnvelopeTamperedError("reordered", reason="reordered", params={"index": 4, "position": 2})
    yield EnvelopeFormatError(
        "too big",
        code=CryptoErrorCode.ENVELOPE_TOO_LARGE,
        params={"size": 5000, "limit": 2000},
    )
    yield ShareError(
        "few", code=CryptoErrorCode.SHARES_INSUFFICIENT, params={"needed": 2, "given": 1}
    )
    yield LogChainError("entry 7 changed", position=7)
    from bids.errors import _CRYPTO_CODES, _CRYPTO_REASONS

    for reason in _CRYPTO_REASONS:
        yield BidCryptoError(
            "internal detail",
            reason=reason,
            params=dict.fromkeys(("index", "position", "shares", "received", "expected", "got"), 9),
        )
    for code in _CRYPTO_CODES:
        yield BidCryptoError(
            "internal detail",
            code=code,
            params=dict.fromkeys(("size", "limit", "needed", "given", "position"), 9),
        )


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_crypto_error_reads_in_the_reader_language(language):
    from bids.errors import crypto_error_text

    errors = list(_crypto_errors())
    with translation.override("en"):
        english = [crypto_error_text(error) for error in errors]
    with translation.override(language):
        translated = [crypto_error_text(error) for error in errors]
    for error, source, text in zip(errors, english, translated, strict=True):
        assert text != source, (error.code, error.reason)
        assert "%(" not in text
        assert str(error) not in text  # the English technical text stays internal


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Part 3 of the envelope fails its authentication check"),
        ("de", "Teil 3 des Umschlags besteht die Echtheitsprüfung nicht"),
        ("fr", "La partie 3 de l'enveloppe échoue au contrôle d'authenticité"),
    ],
)
def test_crypto_error_keeps_its_numbers(language, expected):
    from bids.crypto.errors import EnvelopeTamperedError
    from bids.errors import crypto_error_text

    error = EnvelopeTamperedError("chunk 3 failed", reason="chunk_changed", params={"index": 3})
    with translation.override(language):
        assert crypto_error_text(error).startswith(expected)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The file is not an encrypted bid envelope"),
        ("de", "Die Datei ist kein verschlüsselter Angebotsumschlag"),
        ("fr", "Le fichier n'est pas une enveloppe d'offre chiffrée"),
    ],
)
def test_plain_upload_is_refused_in_the_bidder_language(
    authority, officer, approver, bidder, language, expected
):
    from bids.models import Bid
    from tests.bids.sealed import post_bid, sealed_tender

    tender, _ = sealed_tender(authority=authority, officer=officer, approver=approver)
    client = Client(headers={"Accept-Language": language})
    client.force_login(bidder)
    response = post_bid(client, tender, b"%PDF-1.7 plain offer" * 500)
    assert response.status_code == 400
    assert response.json()["code"] == "envelope_not_encrypted"
    assert response.json()["detail"].startswith(expected)
    assert not Bid.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "received", "tampered"),
    [
        ("en", "Receipt checked: signatures valid", "The envelope was altered"),
        ("de", "Quittung geprüft: Signaturen gültig", "Der Umschlag wurde verändert"),
        (
            "fr",
            "Accusé de réception vérifié : signatures valides",
            "L'enveloppe a été modifiée",
        ),
    ],
)
def test_bid_and_key_pages_give_their_scripts_the_reader_language(
    authority, officer, approver, bidder, language, received, tampered
):
    # The browser writes the status lines (bids/static/bids/messages.js) from the form's
    # data-msg-* attributes and the crypto error texts the page carries.
    import json
    import re

    from tests.bids.sealed import sealed_tender

    tender, members = sealed_tender(authority=authority, officer=officer, approver=approver)
    client = Client(headers={"Accept-Language": language})
    client.force_login(bidder)
    page = client.get(f"/bids/tenders/{tender.reference}/").content.decode()
    assert received in page
    assert "{recorded_at}" in page  # placeholders are kept for the script
    assert "{sha256}" in page
    script = re.search(
        r'<script id="zuschlag-crypto-messages" type="application/json">(.*?)</script>',
        page,
        flags=re.S,
    )
    texts = json.loads(script.group(1))
    assert texts["envelope_tampered"].startswith(tampered)
    client.force_login(members[0].user)
    key_page = client.get("/committee/key/").content.decode()
    assert 'data-msg-registered="' in key_page
    assert "zuschlag-crypto-messages" in key_page
