"""Scenario selection and the KoSIT customLevel overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xrechnung import scenarios
from xrechnung.scenarios import KOSIT_LEVELS, select
from xrechnung.validate import validate


def test_levels_table_equals_kosit_transcription(kosit_levels_file: Path) -> None:
    reference = json.loads(kosit_levels_file.read_text("utf-8"))
    assert reference["levels"] == KOSIT_LEVELS
    assert reference["ids"]["xrechnung"] == scenarios.XRECHNUNG_ID
    assert reference["ids"]["xrechnung-extension"] == scenarios.XRECHNUNG_EXTENSION_ID
    assert reference["ids"]["xrechnung-cvd"] == scenarios.XRECHNUNG_CVD_ID
    assert reference["ids"]["en16931"] == scenarios.EN16931_ID


@pytest.mark.parametrize(
    ("syntax", "spec", "from_pdf", "name", "roles"),
    [
        (
            "ubl-invoice",
            scenarios.XRECHNUNG_ID,
            False,
            "xrechnung",
            ("en16931-ubl", "xrechnung-ubl"),
        ),
        ("cii", scenarios.XRECHNUNG_ID, False, "xrechnung", ("en16931-cii", "xrechnung-cii")),
        (
            "ubl-creditnote",
            scenarios.XRECHNUNG_EXTENSION_ID,
            False,
            "xrechnung-extension",
            ("en16931-ubl", "xrechnung-ubl"),
        ),
        (
            "cii",
            scenarios.XRECHNUNG_CVD_ID,
            False,
            "xrechnung-cvd",
            ("en16931-cii", "xrechnung-cii"),
        ),
        ("ubl-invoice", scenarios.EN16931_ID, False, "en16931", ("en16931-ubl",)),
        ("cii", scenarios.EN16931_ID, False, "en16931", ("en16931-cii",)),
        ("cii", scenarios.EN16931_ID, True, "facturx-en16931", ("en16931-cii", "facturx-en16931")),
        ("cii", "urn:factur-x.eu:1p0:minimum", True, "facturx-minimum", ("facturx-minimum",)),
        ("cii", "urn:factur-x.eu:1p0:basicwl", False, "facturx-basicwl", ("facturx-basicwl",)),
        (
            "cii",
            "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
            True,
            "facturx-basic",
            ("en16931-cii", "facturx-basic"),
        ),
        (
            "cii",
            "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
            True,
            "facturx-extended",
            ("facturx-extended",),
        ),
        (
            "cii",
            "urn:cen.eu:en16931:2017#compliant#urn:zugferd.de:2p0:basic",
            True,
            "facturx-basic",
            ("en16931-cii", "facturx-basic"),
        ),
        (
            "cii",
            scenarios.EXTENDED_CTC_FR_ID,
            False,
            "extended-ctc-fr",
            ("extended-ctc-fr-cii", "br-fr-cii"),
        ),
    ],
)
def test_scenario_by_syntax_and_identifier(
    syntax: str, spec: str, from_pdf: bool, name: str, roles: tuple[str, ...]
) -> None:
    chosen = select(syntax=syntax, specification=spec, from_pdf=from_pdf)
    assert chosen.name == name
    assert chosen.stylesheet_roles == roles
    assert not [n for n in chosen.notes if n[1] in ("fatal", "error")]


def test_french_seller_adds_french_ctc_rules() -> None:
    chosen = select(syntax="cii", specification=scenarios.EN16931_ID, seller_country="FR")
    assert chosen.stylesheet_roles == ("en16931-cii", "br-fr-cii")
    german = select(syntax="cii", specification=scenarios.EN16931_ID, seller_country="DE")
    assert german.stylesheet_roles == ("en16931-cii",)


@pytest.mark.parametrize(
    "spec",
    [
        "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_1.2",
        "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.0",
        "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_2.3",
    ],
)
def test_outdated_xrechnung_is_rejected_naming_current_version(spec: str) -> None:
    chosen = select(syntax="ubl-invoice", specification=spec)
    assert chosen.stylesheet_roles == ("en16931-ubl", "xrechnung-ubl")
    ((code, severity, message),) = chosen.notes
    assert code == "XRECHNUNG-VERSION-OUTDATED"
    assert severity == "error"
    assert "XRechnung 3.0" in message
    assert scenarios.XRECHNUNG_ID in message


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        (
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            "Peppol BIS Billing 3.0",
        ),
        ("urn:ferd:CrossIndustryDocument:invoice:1p0:comfort", "ZUGFeRD 1.0"),
        ("urn:example:something-else", "urn:example:something-else"),
        (None, "no specification identifier"),
    ],
)
def test_unknown_or_uninstalled_falls_back_to_en16931_with_warning(
    spec: str | None, named: str
) -> None:
    chosen = select(syntax="cii", specification=spec)
    assert chosen.name == "en16931-fallback"
    assert chosen.stylesheet_roles == ("en16931-cii",)
    ((code, severity, message),) = chosen.notes
    assert (code, severity) == ("UNKNOWN-SPECIFICATION", "warning")
    assert named in message


def _retag(xml: bytes, old: bytes, new: bytes) -> bytes:
    assert old in xml
    return xml.replace(old, new, 1)


def test_custom_level_demotes_br_cl_23_in_xrechnung_but_not_in_en16931(
    ubl_xrechnung_path: Path,
) -> None:
    # given an XRechnung invoice whose first unit code is not in UN/ECE Rec 20 (BR-CL-23)
    xml = ubl_xrechnung_path.read_bytes()
    start = xml.index(b'unitCode="') + len(b'unitCode="')
    end = xml.index(b'"', start)
    broken = xml[:start] + b"QQQ" + xml[end:]

    # when validated as XRechnung, BR-CL-23 is a warning (KoSIT customLevel) ...
    as_xr = validate(broken, skip_schema=True)
    assert as_xr.scenario == "xrechnung"
    assert {f.severity for f in as_xr.findings if f.id == "BR-CL-23"} == {"warning"}
    assert "BR-CL-23" not in as_xr.error_ids()

    # ... and as plain EN 16931 the same finding is fatal
    plain = _retag(broken, scenarios.XRECHNUNG_ID.encode(), scenarios.EN16931_ID.encode())
    as_en = validate(plain, skip_schema=True)
    assert as_en.scenario == "en16931"
    assert "BR-CL-23" in as_en.error_ids()
    assert as_en.verdict == "reject"


def test_ubl_cr_646_is_information_in_extension_and_error_in_cius(
    manifest: dict,
) -> None:
    from tests.xrechnung.conftest import shared_path

    # an extension invoice with sub-invoice lines (UBL-CR-646 fires)
    ext = next(
        shared_path("corpus", e["file"])
        for e in manifest["files"]
        if e["scenario"] == "xrechnung-extension"
        and b"SubInvoiceLine" in shared_path("corpus", e["file"]).read_bytes()
    )
    report = validate(ext)
    assert {f.severity for f in report.findings if f.id == "UBL-CR-646"} == {"information"}
    assert report.verdict == "accept"
    # the same document declared plain XRechnung CIUS: UBL-CR-646 becomes an error
    cius = _retag(
        ext.read_bytes(), scenarios.XRECHNUNG_EXTENSION_ID.encode(), scenarios.XRECHNUNG_ID.encode()
    )
    report = validate(cius, skip_schema=True)
    assert report.scenario == "xrechnung"
    assert "UBL-CR-646" in report.error_ids()


def test_zugferd_1_document_gets_its_schema_and_a_warning() -> None:
    xml = (
        b'<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0" '
        b'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12">'
        b"<rsm:SpecifiedExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>"
        b"<ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:comfort</ram:ID>"
        b"</ram:GuidelineSpecifiedDocumentContextParameter></rsm:SpecifiedExchangedDocumentContext>"
        b"</rsm:CrossIndustryDocument>"
    )
    report = validate(xml)
    assert (report.syntax, report.scenario) == ("zugferd-1.0", "zugferd-1.0")
    assert report.schema_checked
    assert report.rule_packs[0].role == "xsd-zugferd-1.0"
    assert "UNKNOWN-SPECIFICATION" in {f.id for f in report.findings if f.severity == "warning"}
    assert report.verdict == "reject"  # the fragment misses mandatory parts of the schema
    assert {f.id for f in report.errors()} == {"XSD"}


def test_unavailable_roles_are_not_selected() -> None:
    chosen = select(
        syntax="cii", specification=scenarios.EXTENDED_CTC_FR_ID, has_role=lambda role: False
    )
    assert chosen.stylesheet_roles == ("en16931-cii",)
    ((code, severity, message),) = chosen.notes
    assert (code, severity) == ("UNKNOWN-SPECIFICATION", "warning")
    assert "br-fr-cii" in message
    assert "NOT checked" in message
