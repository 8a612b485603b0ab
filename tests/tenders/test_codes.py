"""CPV and NUTS checks: format, check digit, division/country, list membership, build step."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from tenders.codes import CodeError, cpv_check_digit, cpv_validate, nuts_level, nuts_validate
from tenders.codes import cpv as cpv_module
from tenders.codes import nuts as nuts_module
from tenders.codes.build import build
from tenders.codes.data import parse_code_list

REPO = Path(__file__).resolve().parents[2]

# Published CPV 2008 codes with their printed check digits (Regulation (EC) No 213/2008).
PUBLISHED = [
    "03000000-1", "03111900-1", "03113200-8", "15800000-6", "30213100-6", "33600000-6",
    "34110000-1", "45000000-7", "45216129-4", "45233120-6", "48000000-8", "50700000-2",
    "72000000-5", "72212000-4", "79341000-6", "79410000-1", "90620000-9", "90911200-8",
    # the subtrees whose printed digits deviate from the weighted rule
    "09100000-0", "09132000-3", "09300000-2", "09310000-5", "51000000-9", "51100000-3",
]  # fmt: skip


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_cpv_codes_pass(code):
    assert cpv_validate(code) == code
    assert cpv_check_digit(code[:8]) == int(code[-1])


@pytest.mark.parametrize("code", PUBLISHED)
def test_every_other_check_digit_is_refused(code):
    for wrong in set(range(10)) - {int(code[-1])}:
        with pytest.raises(CodeError, match="wrong check digit"):
            cpv_validate(f"{code[:8]}-{wrong}")


@pytest.mark.parametrize("code", ["03300000-2", "03300000-4", "03311000-2", "03311000-4"])
def test_where_sources_disagree_both_printed_digits_pass(code):
    assert cpv_validate(code) == code


@pytest.mark.parametrize("code", ["03300000-3", "03300000-0", "03311000-9"])
def test_where_sources_disagree_other_digits_are_still_refused(code):
    with pytest.raises(CodeError, match="wrong check digit"):
        cpv_validate(code)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("45000000", "expected eight digits, a hyphen and a check digit"),
        ("4500000-7", "expected eight digits"),
        ("45000000-77", "expected eight digits"),
        ("45OOOOOO-7", "expected eight digits"),
        ("", "expected eight digits"),
        ("12345678-0", "division 12 does not exist"),
        ("99000000-0", "division 99 does not exist"),
    ],
)
def test_malformed_cpv_is_refused_naming_the_field(value, message):
    with pytest.raises(CodeError, match=message) as caught:
        cpv_validate(value, field="cpv_main")
    assert caught.value.field == "cpv_main"
    assert str(caught.value).startswith("cpv_main: ")


def test_shipped_cpv_list_is_consistent_with_the_rule():
    listed = cpv_module.cpv_code_list()
    assert len(listed.codes) == 45
    assert not listed.complete
    for code in listed.codes:
        assert cpv_check_digit(code[:8]) == int(code[-1]), code
    assert {code[:2] for code in listed.codes} == cpv_module.CPV_DIVISIONS


def test_a_complete_list_enforces_membership_and_its_check_digits(monkeypatch):
    # given a complete list with one code whose official digit differs from the rule
    full = parse_code_list("cpv2008.txt", "# complete: yes\n45000000-7\n72000000-5\n03300000-2\n")
    monkeypatch.setattr(cpv_module, "cpv_code_list", lambda: full)
    # then listed codes pass, an unlisted well-formed code is refused
    assert cpv_validate("72000000-5") == "72000000-5"
    assert cpv_validate("03300000-2") == "03300000-2"
    with pytest.raises(CodeError, match="not in the CPV 2008 code list"):
        cpv_validate("72212000-4", field="cpv_additional[0]")


def test_a_complete_list_without_check_digits_still_checks_the_digit(monkeypatch):
    full = parse_code_list("cpv2008.txt", "# complete: yes\n45000000\n")
    monkeypatch.setattr(cpv_module, "cpv_code_list", lambda: full)
    assert cpv_validate("45000000-7") == "45000000-7"
    with pytest.raises(CodeError, match="wrong check digit"):
        cpv_validate("45000000-1")


@pytest.mark.parametrize(
    ("code", "country", "level"),
    [("DE", "DE", 0), ("DE2", "DE", 1), ("DE21", "DE", 2), ("de212", "DE", 3),
     ("FR101", "FR", 3), ("EL303", "GR", 3), ("DEZZZ", "DE", 3), ("FRK26", None, 3)],
)  # fmt: skip
def test_nuts_codes_pass(code, country, level):
    value = nuts_validate(code, country=country)
    assert value == code.upper()
    assert nuts_level(value) == level


@pytest.mark.parametrize(
    ("code", "country", "message"),
    [
        ("DE2124", None, "not a NUTS code"),
        ("D", None, "not a NUTS code"),
        ("DE-21", None, "not a NUTS code"),
        ("GR303", None, "GR is not a NUTS country"),
        ("US123", None, "US is not a NUTS country"),
        ("FR101", "DE", "lies in FR, not in the country DE"),
    ],
)
def test_bad_nuts_is_refused_naming_the_field(code, country, message):
    with pytest.raises(CodeError, match=message) as caught:
        nuts_validate(code, country=country, field="place_of_performance")
    assert caught.value.field == "place_of_performance"


def test_a_complete_nuts_list_enforces_membership(monkeypatch):
    full = parse_code_list("nuts2024.txt", "# complete: yes\nDE\nDE2\nDE21\nDE212\n")
    monkeypatch.setattr(nuts_module, "nuts_code_list", lambda: full)
    assert nuts_validate("DE212") == "DE212"
    with pytest.raises(CodeError, match="not in the NUTS 2024 classification"):
        nuts_validate("DE219")


GENERICODE = """<?xml version="1.0" encoding="UTF-8"?>
<gc:CodeList xmlns:gc="http://docs.oasis-open.org/codelist/ns/genericode/1.0/">
  <Identification><ShortName>Nuts</ShortName><Version>2024</Version></Identification>
  <ColumnSet><Column Id="code" Use="required"><ShortName>Code</ShortName></Column></ColumnSet>
  <SimpleCodeList>
    <Row><Value ColumnRef="code"><SimpleValue>DE</SimpleValue></Value></Row>
    <Row><Value ColumnRef="code"><SimpleValue>DE212</SimpleValue></Value>
         <Value ColumnRef="Name"><SimpleValue>München, Kreisfreie Stadt</SimpleValue></Value></Row>
  </SimpleCodeList>
</gc:CodeList>
"""


def test_build_turns_an_official_genericode_file_into_a_complete_list(tmp_path, monkeypatch):
    # given an official-format file and a scratch data folder
    source = tmp_path / "nuts.gc"
    source.write_text(GENERICODE, encoding="utf-8")
    monkeypatch.setattr("tenders.codes.build.DATA", tmp_path)
    # when
    target = build("nuts", source, "test fixture")
    # then the provenance is recorded and membership is switched on
    listed = parse_code_list("nuts2024.txt", target.read_text(encoding="utf-8"))
    assert listed.complete
    assert listed.codes == {"DE", "DE212"}
    assert listed.header["source-sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert listed.header["version"] == "2024"


def test_codes_and_builders_are_django_free():
    # The builders are pure: adapters may call them from a CLI or a worker without settings.
    probe = (
        "import sys, tenders.codes, tenders.publication.eforms, tenders.publication.ocds; "
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=REPO)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "„FR101“ lies in FR, not in the country DE"),
        ("de", "„FR101“ liegt in FR, nicht im Staat DE"),
        ("fr", "« FR101 » se situe en FR, pas dans le pays DE"),
    ],
)
def test_code_errors_are_written_again_in_the_reader_language(lang, expected):
    # The checks are Django-free and English; the service translates template and parameters.
    from django.utils import translation

    from tenders.codes import nuts_validate
    from tenders.services._common import code_error_text

    with pytest.raises(CodeError) as caught:
        nuts_validate("FR101", country="DE")
    assert caught.value.message == "„FR101“ lies in FR, not in the country DE"
    with translation.override(lang):
        assert code_error_text(caught.value) == expected
