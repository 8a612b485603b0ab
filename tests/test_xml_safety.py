"""XML is parsed with no entities, no DTD and no network, everywhere.

A static scan (AST) of every app's code checks each lxml parse for a hardened parser and forbids
the standard-library XML parsers; behavioural tests post XXE and billion-laughs documents through
the invoicing API and the tender document upload and see a clear refusal, no file read.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

REPO = Path(__file__).resolve().parent.parent
APPS = ("procurement", "workflows", "tenders", "bids", "invoicing", "xrechnung")

# Parsers allowed huge_tree=True: they read trusted, shipped or self-produced XML only.
TRUSTED_HUGE_TREE = {
    "tenders/codes/genericode.py": "official code lists read from the shared folder",
    "xrechnung/schematron.py": "SVRL produced by Saxon from an already safely parsed document",
    "xrechnung/terms.py": "official Schematron stylesheets, not user input",
}
# Saxon parses only text the engine re-serialised from a safely parsed lxml tree.
SAXON_PARSE_ALLOWED = {"xrechnung/schematron.py"}
PARSE_DOCUMENT_CALLERS = {"xrechnung/validate.py"}
ETREE_PARSE_FUNCS = {"fromstring", "parse", "XML", "XMLID", "fromstringlist"}
FORBIDDEN_MODULES = ("xml.etree", "xml.dom", "xml.sax", "xml.parsers", "xmlrpc")
FORBIDDEN_OK = {"xml.sax.saxutils"}  # escaping only, no parsing


def _sources() -> list[tuple[str, ast.AST]]:
    found = []
    for app in APPS:
        for path in sorted((REPO / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(REPO).as_posix()
            found.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
    return found


def _const(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else "<expr>"


def test_static_every_xml_parse_is_hardened() -> None:
    problems: list[str] = []
    parser_count = 0
    for rel, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                for name in names:
                    if name.startswith(FORBIDDEN_MODULES) and name not in FORBIDDEN_OK:
                        problems.append(f"{rel}:{node.lineno} imports {name} (use lxml, hardened)")
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            attr = node.func.attr
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            where = f"{rel}:{node.lineno}"
            if attr == "XMLParser":
                parser_count += 1
                if _const(kw.get("resolve_entities")) is not False:
                    problems.append(f"{where} XMLParser without resolve_entities=False")
                if _const(kw.get("no_network")) is not True:
                    problems.append(f"{where} XMLParser without no_network=True")
                if _const(kw.get("load_dtd", ast.Constant(False))) is not False:
                    problems.append(f"{where} XMLParser loads DTDs")
                if _const(kw.get("huge_tree", ast.Constant(False))) is not False and (
                    rel not in TRUSTED_HUGE_TREE
                ):
                    problems.append(f"{where} XMLParser(huge_tree=True) on untrusted input")
            elif attr in ETREE_PARSE_FUNCS and _is_etree(node.func.value):
                if len(node.args) < 2 and "parser" not in kw:
                    problems.append(f"{where} etree.{attr} with lxml's default parser")
            elif attr == "iterparse" and _is_etree(node.func.value):
                if _const(kw.get("resolve_entities")) is not False or (
                    _const(kw.get("no_network", ast.Constant(True))) is not True
                ):
                    problems.append(f"{where} iterparse without resolve_entities=False")
            elif attr == "parse_xml" and rel not in SAXON_PARSE_ALLOWED:
                problems.append(f"{where} Saxon parse_xml outside xrechnung/schematron.py")
            elif attr == "parse_document" and rel not in PARSE_DOCUMENT_CALLERS | {
                "xrechnung/schematron.py"
            }:
                problems.append(f"{where} schematron.parse_document outside validate.py")
    assert parser_count >= 5, "the scan found too few XMLParser calls: is it reading the code?"
    assert not problems, "unsafe XML parsing:\n" + "\n".join(problems)


def _is_etree(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in {"etree", "ET", "ElementTree", "objectify"}
    return isinstance(node, ast.Attribute) and node.attr in {"etree", "objectify"}


def test_saxon_only_sees_text_from_the_safe_parser() -> None:
    """validate.py feeds Saxon from the tree ``safexml.parse_bytes`` produced."""
    source = (REPO / "xrechnung/validate.py").read_text(encoding="utf-8")
    assert "from xrechnung.safexml import" in source
    assert "parse_bytes(" in source


# ---------------------------------------------------------------- behaviour


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-XXE-MARKER", encoding="utf-8")
    return path


def _xxe(secret: Path) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file://{secret}">'
        '<!ENTITY net SYSTEM "http://127.0.0.1:9/xxe">]>\n'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'
        ' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        "<cbc:ID>&xxe;</cbc:ID><cbc:Note>&net;</cbc:Note></Invoice>"
    ).encode()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
    b"&lol9;</Invoice>"
)


def test_engine_refuses_dtds_and_reads_no_file(secret_file: Path) -> None:
    from xrechnung.safexml import XmlInputError, parse_bytes

    for data in (_xxe(secret_file), BILLION_LAUGHS):
        with pytest.raises(XmlInputError) as caught:
            parse_bytes(data)
        assert caught.value.code in {"XML-DTD-FORBIDDEN", "XML-NOT-WELL-FORMED"}
        assert "TOP-SECRET" not in caught.value.message


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["xxe", "billion-laughs"])
def test_invoicing_api_refuses_xxe(
    kind: str, secret_file: Path, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    from invoicing.models import Invoice
    from tests.invoicing import factories as f

    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    buyer = f.german_authority()
    staff = f.ap_staff(buyer)
    client = Client()
    client.force_login(staff["clerk"])
    data = _xxe(secret_file) if kind == "xxe" else BILLION_LAUGHS
    # Validation is queued on commit; run it so the refusal is visible.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/invoices/", data=data, content_type="application/xml")
    body = response.content.decode("utf-8", "replace")
    assert "TOP-SECRET" not in body
    assert "lollol" not in body
    assert response.status_code in (201, 400), body
    if response.status_code == 400:
        assert not Invoice.objects.exists()
        return
    # Kept as received (archive duty) but refused: invalid, with the DTD named as the reason.
    invoice = Invoice.objects.get()
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.INVALID, invoice.state
    detail = client.get(f"/api/invoices/{invoice.public_id}/").content.decode()
    assert "TOP-SECRET" not in detail
    assert "DTD" in detail or "DOCTYPE" in detail.upper(), detail[:2000]


@pytest.mark.django_db
def test_tender_document_upload_refuses_xxe(authority, officer, secret_file, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.tenders.factories import draft_tender

    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    tender = draft_tender(authority=authority, officer=officer, documents=False)
    client = Client()
    client.force_login(officer)
    url = reverse("officer-document-add", kwargs={"pk": tender.pk})
    upload = SimpleUploadedFile("lv.xml", _xxe(secret_file), content_type="application/xml")
    response = client.post(url, {"title": "Leistungsverzeichnis", "file": upload})
    body = response.content.decode("utf-8", "replace")
    assert response.status_code == 400, response.status_code
    assert "TOP-SECRET" not in body
    assert not tender.documents.exists()
    stored = tmp_path / "documents"
    assert not stored.exists() or not any(p.is_file() for p in stored.rglob("*"))
