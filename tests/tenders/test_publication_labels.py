"""Readable names for the data paths the notice builders refuse."""

import re
from pathlib import Path

import pytest
from django.utils import translation

import tenders.publication.data as builders
from tenders.publication_labels import field_label, known_segments

ANGLE = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "


@pytest.mark.parametrize(
    ("lang", "path", "label"),
    [
        ("en", "buyer.address.nuts", ["Contracting authority", "Address", "NUTS code"]),
        ("de", "buyer.address.nuts", ["Öffentlicher Auftraggeber", "Anschrift", "NUTS-Code"]),
        ("fr", "buyer.address.nuts", ["Pouvoir adjudicateur", "Adresse", "code NUTS"]),
        ("en", "lots[1].title[fr]", ["Lot 2", "Title (French)"]),
        ("de", "lots[0].title[de]", ["Los 1", "Titel (Deutsch)"]),
        (
            "fr",
            "lots[2].award_criteria[0].weight",
            ["Lot 3", "Critère d\N{RIGHT SINGLE QUOTATION MARK}attribution 1", "Pondération"],
        ),
        ("en", "cpv_additional[0]", ["Additional CPV code 1"]),
        ("en", "deadlines.submission", ["Deadlines", "Deadline for offers"]),
        ("en", "title[xx]", ["Title (xx)"]),
        ("en", "buyer.something_new", ["Contracting authority", "something_new"]),
    ],
)
def test_paths_read_as_words_in_the_readers_language(lang, path, label):
    with translation.override(lang):
        assert field_label(path) == ANGLE.join(label)


def _builder_field_names() -> set[str]:
    source = Path(builders.__file__).read_text(encoding="utf-8")
    literals = re.findall(r'(?:PublicationDataError|\.check|_check_\w+)\(\s*f?"([^"]+)"', source)
    # f"{path}.{name}" and f"deadlines.{name}" take their names from a loop over a tuple.
    groups = re.findall(r"for name in \(([^)]*)\)", source)
    groups += re.findall(r"_check_required\([^,]+,\s*\(([^)]*)\)", source)
    for group in groups:
        literals.extend(re.findall(r'"([a-z_]+)"', group))
    names = set()
    for literal in literals:
        for part in literal.split("."):
            name = re.sub(r"\[.*", "", part)
            if name and "{" not in name:
                names.add(name)
    return names


def test_every_name_the_builders_use_has_a_label():
    """A new check in the builders that names a new field fails here until it gets a label."""
    names = _builder_field_names()
    assert {"buyer", "nuts", "lots", "title", "tenders_received_sme", "website"} <= names
    assert sorted(names - known_segments()) == []


def test_a_refused_notice_names_the_field_in_words(authority, officer):
    from tenders.adapters import publication_problems
    from tests.tenders.factories import draft_tender

    authority.nuts = "DE3"  # a valid code, but eForms needs the NUTS 3 region of the address
    authority.save(update_fields=["nuts"])
    tender = draft_tender(authority=authority, officer=officer)
    with translation.override("de"):
        ((field, message),) = publication_problems(tender)
    assert field == "buyer.address.nuts"
    assert ANGLE.join(["Öffentlicher Auftraggeber", "Anschrift", "NUTS-Code"]) in message
    assert "buyer.address.nuts" not in message
