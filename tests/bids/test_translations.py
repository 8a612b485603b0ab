"""The German and French catalogues of bids (and of workflows and invoicing) are complete and
compiled, and the pages bidders see are served in the language the browser asks for.

The .po and .mo files are read by the small parsers below, so the check needs neither polib nor
GNU gettext; only the test that the catalogue still holds every string of the source runs
``makemessages`` and fails loudly where GNU gettext is not installed.
"""

import ast
import re
import shutil
import struct
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bids.models import PriceMethod
from bids.services.evaluation import price_points
from procurement.core.errors import ValidationFailedError

REPO = Path(__file__).resolve().parents[2]
APPS = ("bids", "workflows", "invoicing")
LANGUAGES = ("de", "fr")
PLURAL_FORMS = {"de": "nplurals=2; plural=(n != 1);", "fr": "nplurals=2; plural=(n > 1);"}
CATALOGUES = [(app, lang) for app in APPS for lang in LANGUAGES]


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        """The key the entry has in a compiled .mo file."""
        key = self.msgid if self.msgid_plural is None else f"{self.msgid}\0{self.msgid_plural}"
        return key if self.msgctxt is None else f"{self.msgctxt}\x04{key}"

    @property
    def value(self) -> str:
        return "\0".join(self.msgstr[i] for i in sorted(self.msgstr))


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, the header first; obsolete ``#~`` entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    flags: set[str] = set()

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            if current is not None and (not line or current.msgstr):
                finish()
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            assert current is not None, f"{path}:{number}: string outside an entry"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += ast.literal_eval(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + ast.literal_eval(line))
            continue
        if keyword in ("msgctxt", "msgid"):
            if current is not None and current.msgstr:
                finish()
            if current is None:
                current = Entry(flags=flags, line=number)
                flags = set()
        assert current is not None, f"{path}:{number}: {keyword} outside an entry"
        text = ast.literal_eval(rest)
        if keyword == "msgstr" or keyword.startswith("msgstr["):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            current.msgstr[index] = text
            target = ("msgstr", index)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            setattr(current, keyword, text)
            target = (keyword, 0)
        else:
            raise AssertionError(f"{path}:{number}: unexpected {keyword!r}")
    finish()
    return entries


def read_mo(path: Path) -> dict[str, str]:
    """The messages of a compiled GNU .mo file, keyed like ``Entry.key``."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    catalogue = {}
    for i in range(count):
        length, offset = struct.unpack(
            order + "2I", data[originals + 8 * i : originals + 8 * i + 8]
        )
        key = data[offset : offset + length].decode("utf-8")
        length, offset = struct.unpack(
            order + "2I", data[translations + 8 * i : translations + 8 * i + 8]
        )
        catalogue[key] = data[offset : offset + length].decode("utf-8")
    return catalogue


def catalogue_path(app: str, lang: str, suffix: str = "po") -> Path:
    return REPO / app / "locale" / lang / "LC_MESSAGES" / f"django.{suffix}"


# %(name)s, %s, %d, %(limit).1f, %% ... and {name} / {0}
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]|\{\w*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def messages(app: str, lang: str) -> list[Entry]:
    return [entry for entry in parse_po(catalogue_path(app, lang)) if entry.msgid]


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
    header = parse_po(catalogue_path(app, lang))[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags, "msgfmt drops a fuzzy header, and with it the charset"
    fields = dict(line.split(": ", 1) for line in header.value.splitlines() if ": " in line)
    assert fields["Language"] == lang
    assert fields["Plural-Forms"] == PLURAL_FORMS[lang]
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_every_message_is_translated_and_none_is_fuzzy(app, lang):
    entries = messages(app, lang)
    assert entries
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    if app == "bids":
        assert len(entries) >= 368


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_translations_keep_placeholders_and_markup(app, lang):
    problems = []
    for entry in messages(app, lang):
        for index, text in entry.msgstr.items():
            source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
            if Counter(PLACEHOLDER.findall(text)) != Counter(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders: {entry.msgid!r} -> {text!r}")
            if Counter(TAG.findall(text)) != Counter(TAG.findall(source)):
                problems.append(f"markup: {entry.msgid!r} -> {text!r}")
            if source.endswith("\n") != text.endswith("\n"):
                problems.append(f"final newline: {entry.msgid!r}")
            if source.endswith(" ") != text.endswith(" "):
                problems.append(f"final space: {entry.msgid!r}")
    assert problems == []


def test_yesno_choices_keep_their_comma_form():
    for lang in LANGUAGES:
        (entry,) = [e for e in messages("bids", lang) if e.msgid == "yes,NO"]
        assert len(entry.value.split(",")) == 2


@pytest.mark.parametrize(("app", "lang"), CATALOGUES)
def test_compiled_catalogue_is_current(app, lang):
    expected = {entry.key: entry.value for entry in messages(app, lang)}
    compiled = read_mo(catalogue_path(app, lang, "mo"))
    compiled.pop("", None)  # the header
    assert compiled == expected, "run compilemessages in the app's directory"


def test_catalogue_holds_every_string_of_the_source(tmp_path, monkeypatch):
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is missing on this machine: apt-get install gettext")
    copy = tmp_path / "bids"
    shutil.copytree(
        REPO / "bids", copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static")
    )
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["de"], verbosity=0)
    fresh = {e.key for e in parse_po(copy / "locale/de/LC_MESSAGES/django.po") if e.msgid}
    assert fresh == {e.key for e in messages("bids", "de")}, (
        "run makemessages -l de -l fr in bids/ and translate the new strings"
    )


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
