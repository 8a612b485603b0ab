"""Reading and checking the gettext catalogues of the apps, shared by the translation tests of
bids (with workflows and invoicing) and of tenders (with the project's own procurement/locale).

The .po and .mo files are read by the small parsers below, so the checks need neither polib nor
GNU gettext; only ``check_source_covered`` runs ``makemessages`` and fails loudly where GNU
gettext is not installed.
"""

import ast
import re
import shutil
import struct
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command

REPO = Path(__file__).resolve().parents[1]
LANGUAGES = ("de", "fr")
PLURAL_FORMS = {"de": "nplurals=2; plural=(n != 1);", "fr": "nplurals=2; plural=(n > 1);"}


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


def catalogue_path(app: str, lang: str, suffix: str = "po", *, domain: str = "django") -> Path:
    """``app`` is a directory of the repository that holds a ``locale`` folder (``bids/client``
    for the command-line client, whose domain is not Django's)."""
    return REPO / app / "locale" / lang / "LC_MESSAGES" / f"{domain}.{suffix}"


# %(name)s, %s, %d, %(limit).1f, %% ... and {name} / {0} / {name!r}
PLACEHOLDER = re.compile(
    r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]|\{\w*(?:![rsa])?\}"
)
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def messages(app: str, lang: str, *, domain: str = "django") -> list[Entry]:
    return [entry for entry in parse_po(catalogue_path(app, lang, domain=domain)) if entry.msgid]


def check_header(app: str, lang: str, *, domain: str = "django") -> None:
    header = parse_po(catalogue_path(app, lang, domain=domain))[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags, "msgfmt drops a fuzzy header, and with it the charset"
    fields = dict(line.split(": ", 1) for line in header.value.splitlines() if ": " in line)
    assert fields["Language"] == lang
    assert fields["Plural-Forms"] == PLURAL_FORMS[lang]
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"


def check_complete(app: str, lang: str, *, at_least: int = 1, domain: str = "django") -> None:
    entries = messages(app, lang, domain=domain)
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    assert len(entries) >= at_least


def check_placeholders_and_markup(app: str, lang: str, *, domain: str = "django") -> None:
    problems = []
    for entry in messages(app, lang, domain=domain):
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


def check_compiled(app: str, lang: str, *, domain: str = "django") -> None:
    expected = {entry.key: entry.value for entry in messages(app, lang, domain=domain)}
    compiled = read_mo(catalogue_path(app, lang, "mo", domain=domain))
    compiled.pop("", None)  # the header
    assert compiled == expected, "run compilemessages in the app's directory"


def check_source_covered(app: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``makemessages`` on a copy of ``app`` finds exactly the strings of its catalogue."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is missing on this machine: apt-get install gettext")
    copy = tmp_path / app
    shutil.copytree(
        REPO / app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static")
    )
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["de"], verbosity=0)
    fresh = {e.key for e in parse_po(copy / "locale/de/LC_MESSAGES/django.po") if e.msgid}
    assert fresh == {e.key for e in messages(app, "de")}, (
        f"run makemessages -l de -l fr in {app}/ and translate the new strings"
    )


def check_xgettext_covered(
    app: str, tmp_path: Path, *, domain: str, sources: list[str], keyword: str
) -> None:
    """``xgettext --keyword=KEYWORD`` over ``sources`` (paths in ``app``) finds exactly the strings
    of the ``domain`` catalogue: for code outside Django, such as the bids command-line client."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is missing on this machine: apt-get install gettext")
    pot = tmp_path / f"{domain}.pot"
    subprocess.run(
        [
            *("xgettext", "--language=Python", "--from-code=UTF-8"),
            *("--keyword=", f"--keyword={keyword}", "--force-po", "-o", str(pot), *sources),
        ],
        cwd=REPO / app,
        check=True,
        capture_output=True,
    )
    fresh = {e.key for e in parse_po(pot) if e.msgid}
    assert fresh == {e.key for e in messages(app, "de", domain=domain)}, (
        f"extract the strings of {app} again (docs/envelope.md) and translate the new ones"
    )
