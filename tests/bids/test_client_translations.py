"""``python -m bids.client`` speaks German and French: its own refusals, result lines and help
texts come from the ``zuschlag-client`` gettext catalogues in bids/client/locale, chosen by
``--language`` or the user's locale, English otherwise; machine-readable output stays as it is."""

import subprocess
import sys
from pathlib import Path

import pytest

from bids.client.cli import DOMAIN, main
from bids.crypto import ServiceVerifyKey
from tests.catalogues import (
    LANGUAGES,
    check_compiled,
    check_complete,
    check_header,
    check_placeholders_and_markup,
    check_xgettext_covered,
)

CLIENT = "bids/client"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_client_catalogue_is_complete_and_compiled(lang):
    check_header(CLIENT, lang, domain=DOMAIN)
    check_complete(CLIENT, lang, domain=DOMAIN, at_least=60)
    check_placeholders_and_markup(CLIENT, lang, domain=DOMAIN)
    check_compiled(CLIENT, lang, domain=DOMAIN)


def test_client_catalogue_holds_every_string_of_the_source(tmp_path):
    check_xgettext_covered(CLIENT, tmp_path, domain=DOMAIN, sources=["cli.py"], keyword="tr")


def _existing_output(tmp_path: Path) -> list[str]:
    (tmp_path / "taken.json").write_text("{}")
    return ["service-keygen", "-o", str(tmp_path / "taken.json")]


@pytest.mark.parametrize(
    ("option", "environment", "expected"),
    [
        (["--language", "de"], {}, "existiert bereits; zum Überschreiben --force angeben"),
        ([], {"LANG": "fr_FR.UTF-8"}, "existe déjà ; ajoutez --force pour l'écraser"),
        ([], {"LANGUAGE": "de:fr", "LANG": "fr_FR.UTF-8"}, "existiert bereits"),
        (["--language", "fr"], {"LANG": "de_DE.UTF-8"}, "erreur : "),
    ],
)
def test_a_refusal_speaks_the_chosen_language(
    tmp_path, capsys, monkeypatch, option, environment, expected
):
    # given a file the command would overwrite, and the user's language
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # when the command is refused
    status = main([*_existing_output(tmp_path), *option])
    # then the refusal is translated and the exit status is unchanged
    assert status == 1
    assert expected in capsys.readouterr().err
    assert (tmp_path / "taken.json").read_text() == "{}"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Signaturschlüssel des Dienstes {key_id} nach {path} geschrieben"),
        ("fr", "clé de signature du service {key_id} écrite dans {path}"),
        ("en", "service signing key {key_id} written to {path}"),
    ],
)
def test_a_success_line_is_translated_and_the_json_is_not(tmp_path, capsys, language, expected):
    # given a language, given before the command
    out, public_out = tmp_path / "s.key", tmp_path / "s.pub"
    # when the operator generates the service key
    status = main(
        [
            "--language",
            language,
            "service-keygen",
            "-o",
            str(out),
            "--public-output",
            str(public_out),
        ]
    )
    # then the progress line is in that language; the public key JSON on stdout is untouched
    assert status == 0
    captured = capsys.readouterr()
    assert captured.out == public_out.read_text()
    key_id = ServiceVerifyKey.from_json(captured.out.encode()).key_id
    assert captured.err == expected.format(key_id=key_id, path=out) + "\n"


@pytest.mark.parametrize(
    ("option", "environment"),
    [(["--language", "xx"], {}), ([], {"LANG": "xx_XX.UTF-8"}), ([], {"LANG": "C.UTF-8"})],
)
def test_an_unknown_language_falls_back_to_english(
    tmp_path, capsys, monkeypatch, option, environment
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main([*_existing_output(tmp_path), *option]) == 1
    assert capsys.readouterr().err == (
        f"error: {tmp_path / 'taken.json'} exists; pass --force to overwrite\n"
    )


def test_help_texts_follow_the_language():
    # the installed entry point, as a bidder runs it, reading the catalogue next to the module
    result = subprocess.run(
        [sys.executable, "-m", "bids.client", "submit", "--help", "--language", "de"],
        capture_output=True,
        encoding="utf-8",  # with no locale set, Python writes UTF-8 (PEP 538/540)
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert "ein Angebot verschlüsseln und hochladen" not in result.stdout  # that is the top help
    assert result.stdout.startswith("Aufruf: python -m bids.client submit")
    assert "\nOptionen:\n" in result.stdout
    assert "diese Hilfe anzeigen und beenden" in result.stdout
    assert "Losnummer" in result.stdout
    assert "FILE ist bereits ein Umschlag" in result.stdout


def test_a_usage_error_keeps_status_2_and_speaks_french(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--language", "fr", "encrypt"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("utilisation : python -m bids.client encrypt")
    assert "python -m bids.client encrypt : erreur : " in err


def test_language_option_without_value_is_a_usage_error_in_the_locale(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["encrypt", "--language"])
    assert exit_info.value.code == 2
    assert "erreur : argument --language" in capsys.readouterr().err
