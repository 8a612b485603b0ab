"""Hostile input: each case gets a clear finding, bounded time and memory, and no network."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.xrechnung.conftest import blank_pdf, facturx_pdf, pdf_with_attachments
from xrechnung.validate import validate

UBL_HEAD = (
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the engine tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _only_fatal(report, code: str) -> None:  # type: ignore[no-untyped-def]
    assert report.verdict == "reject"
    assert code in {f.id for f in report.findings if f.severity == "fatal"}, report.to_json()
    assert report.input_error


def test_external_entity_is_refused_and_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file://{secret}">]>'
        f"{UBL_HEAD}<cbc:ID>&x;</cbc:ID></Invoice>"
    )
    report = validate(xml.encode())
    _only_fatal(report, "XML-DTD-FORBIDDEN")
    assert "TOP-SECRET" not in report.to_json()


def test_network_entity_is_refused_without_connecting() -> None:
    xml = (
        '<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://203.0.113.1/x.dtd">'
        f"{UBL_HEAD}<cbc:ID>1</cbc:ID></Invoice>"
    )
    _only_fatal(validate(xml.encode()), "XML-DTD-FORBIDDEN")


def test_billion_laughs_is_refused() -> None:
    entities = '<!ENTITY a0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE Invoice [{entities}]>'
        f"{UBL_HEAD}<cbc:ID>&a9;</cbc:ID></Invoice>"
    )
    _only_fatal(validate(xml.encode()), "XML-DTD-FORBIDDEN")


def test_huge_text_node_hits_the_parser_limit() -> None:
    xml = f"{UBL_HEAD}<cbc:Note>{'A' * (12 * 1024 * 1024)}</cbc:Note></Invoice>".encode()
    _only_fatal(validate(xml), "XML-LIMIT-EXCEEDED")


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01\x02binary", b"hello, not xml", b"<Invoice><unclosed>", "ü".encode("latin-1")],
)
def test_non_xml_gets_a_clear_finding(data: bytes) -> None:
    report = validate(data)
    assert report.verdict == "reject"
    assert report.input_error
    (finding,) = report.findings
    assert finding.id == "XML-NOT-WELL-FORMED"
    assert finding.message


def test_foreign_xml_is_unknown_syntax() -> None:
    report = validate(b"<html><body>no invoice</body></html>")
    _only_fatal(report, "UNKNOWN-SYNTAX")


def test_hundred_megabyte_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    with big.open("wb") as fh:
        fh.seek(100 * 1024 * 1024)
        fh.write(b"x")
    report = validate(big)
    _only_fatal(report, "INPUT-TOO-LARGE")


def test_hundred_megabyte_bytes_are_refused() -> None:
    report = validate(b" " * (100 * 1024 * 1024))
    _only_fatal(report, "INPUT-TOO-LARGE")


def test_memory_stays_bounded_on_a_huge_file(tmp_path: Path) -> None:
    # given a 100 MB file, when the CLI validates it, then its peak RSS stays far below that
    big = tmp_path / "big.xml"
    with big.open("wb") as fh:
        fh.write(b"<a>")
        for _ in range(100):
            fh.write(b"x" * (1024 * 1024))
        fh.write(b"</a>")
    # VmHWM (not ru_maxrss, which Linux carries over from the forking parent across exec)
    probe = (
        "import re, sys\n"
        "from pathlib import Path\n"
        "from xrechnung.validate import validate\n"
        f"r = validate(Path({str(big)!r}))\n"
        "assert r.verdict == 'reject', r.to_json()\n"
        "status = open('/proc/self/status').read()\n"
        "print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    peak_kib = int(out.stdout.strip())
    assert peak_kib < 90 * 1024


def test_truncated_pdf(cii_en16931_xml: bytes) -> None:
    pdf = facturx_pdf(cii_en16931_xml)
    report = validate(pdf[: len(pdf) // 3])
    assert report.verdict == "reject"
    assert {f.id for f in report.findings} & {"PDF-UNREADABLE", "PDF-NO-XML"}


def test_garbage_after_pdf_header() -> None:
    report = validate(b"%PDF-1.7\n" + b"\x00garbage" * 1000)
    assert report.verdict == "reject"
    assert {f.id for f in report.findings} & {"PDF-UNREADABLE", "PDF-NO-XML"}


def test_encrypted_pdf(cii_en16931_xml: bytes) -> None:
    pdf = pdf_with_attachments({"factur-x.xml": cii_en16931_xml}, password="geheim")
    report = validate(pdf)
    _only_fatal(report, "PDF-ENCRYPTED")


def test_pdf_without_embedded_xml() -> None:
    report = validate(blank_pdf())
    _only_fatal(report, "PDF-NO-XML")


def test_pdf_with_several_invoice_xml_is_rejected(cii_en16931_xml: bytes) -> None:
    pdf = pdf_with_attachments({"factur-x.xml": cii_en16931_xml, "xrechnung.xml": cii_en16931_xml})
    report = validate(pdf)
    assert report.verdict == "reject"
    (several,) = [f for f in report.findings if f.id == "PDF-SEVERAL-XML"]
    assert several.severity == "error"
    assert "factur-x.xml" in several.message
    assert "xrechnung.xml" in several.message
    assert report.syntax == "cii"  # the first one was still validated and reported


def test_pdf_embedding_a_hostile_xml(cii_en16931_xml: bytes) -> None:
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    )
    report = validate(pdf_with_attachments({"factur-x.xml": hostile}))
    assert "XML-DTD-FORBIDDEN" in {f.id for f in report.findings}
    assert "root:" not in report.to_json()


@pytest.mark.parametrize("depth", [150, 1000, 100_000])
def test_deep_nesting_is_refused_cleanly(depth: int) -> None:
    xml = f"{UBL_HEAD}{'<cbc:Note>' * depth}{'</cbc:Note>' * depth}</Invoice>".encode()
    report = validate(xml, skip_schema=True)
    _only_fatal(report, "XML-LIMIT-EXCEEDED")


def test_corrupted_pdfs_never_crash(cii_en16931_xml: bytes) -> None:
    import random

    pdf = facturx_pdf(cii_en16931_xml)
    rng = random.Random(7)
    for _ in range(120):
        damaged = bytearray(pdf)
        for _ in range(rng.randint(1, 20)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if rng.random() < 0.3:
            damaged = damaged[: rng.randrange(len(damaged))]
        report = validate(bytes(damaged))  # must not raise
        assert report.verdict in ("accept", "reject")
        if report.verdict == "reject":
            assert report.findings
