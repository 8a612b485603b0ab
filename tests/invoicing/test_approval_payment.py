"""Four eyes above the limit, release as schema-valid pain.001.001.09 + CSV, paid, disputes."""

import csv
import io
from decimal import Decimal

import pytest
from lxml import etree

from invoicing.errors import InvoiceStateError
from invoicing.models import Invoice
from invoicing.services.intake import invoice_receive
from invoicing.services.payment import CSV_COLUMNS, PAIN_NS, pain_xsd_path, payment_run_create
from invoicing.services.storage import document_read
from invoicing.services.validation import invoice_validate
from invoicing.services.workflow import (
    invoice_approve,
    invoice_dispute,
    invoice_mark_paid,
)
from procurement.core.errors import TransitionForbiddenError
from tests.invoicing.factories import invoice_xml, make_contract
from workflows.selectors import audit_trail_for

pytestmark = pytest.mark.django_db


def matched(
    buyer,
    supplier,
    *,
    number="RE-1",
    amount=Decimal("1000.00"),
    currency="EUR",
    contract_of: str = "",
    **kw,
) -> Invoice:
    """An invoice received, validated and matched by the system to its own contract (or, for a
    credit note, to the contract of invoice ``contract_of``)."""
    reference = f"VG-{contract_of or number}"
    if not contract_of:
        make_contract(
            authority=buyer,
            supplier=supplier,
            reference=reference,
            value_net=Decimal("1000000"),
            currency=currency,
        )
    invoice = invoice_receive(
        buyer=buyer,
        source=invoice_xml(
            seller=supplier,
            buyer=buyer,
            number=number,
            amount=amount,
            currency=currency,
            contract_reference=reference,
            **kw,
        ),
        channel="api",
    ).invoice
    invoice_validate(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.MATCHED, (
        invoice.validation_report.findings,
        invoice.match_result,
    )
    return invoice


def xsd():
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(pain_xsd_path()), parser))


def test_small_invoice_needs_one_approver(de_buyer, de_supplier, staff, settings):
    settings.ZUSCHLAG_AP_FOUR_EYES_ABOVE = Decimal("5000")
    invoice = matched(de_buyer, de_supplier)
    with pytest.raises(TransitionForbiddenError):
        invoice_approve(invoice_id=invoice.pk, actor=staff["clerk"])
    invoice = invoice_approve(invoice_id=invoice.pk, actor=staff["approver"])
    assert invoice.state == Invoice.State.APPROVED


def test_large_invoice_needs_two_different_approvers(de_buyer, de_supplier, staff, settings):
    settings.ZUSCHLAG_AP_FOUR_EYES_ABOVE = Decimal("5000")
    invoice = matched(de_buyer, de_supplier, amount=Decimal("9000"))
    invoice = invoice_approve(invoice_id=invoice.pk, actor=staff["approver"])
    assert invoice.state == Invoice.State.MATCHED
    assert invoice.first_approval_by == staff["approver"]
    with pytest.raises(TransitionForbiddenError, match="four-eyes"):
        invoice_approve(invoice_id=invoice.pk, actor=staff["approver"])
    invoice = invoice_approve(invoice_id=invoice.pk, actor=staff["approver2"])
    assert invoice.state == Invoice.State.APPROVED
    actions = [e.action for e in audit_trail_for(obj=invoice)]
    assert "invoicing.invoice.first_approval" in actions
    assert actions[-1] == "invoicing.invoice.approved"
    assert audit_trail_for(obj=invoice).last().actor == staff["approver2"]


def test_release_writes_schema_valid_pain001_and_csv(de_buyer, de_supplier, fr_supplier, staff):
    a = matched(de_buyer, de_supplier, number="A-1")
    b = matched(de_buyer, de_supplier, number="A-2", amount=Decimal("250.50"))
    c = matched(de_buyer, fr_supplier, number="F-1", amount=Decimal("400"))
    for invoice in (a, b, c):
        invoice_approve(invoice_id=invoice.pk, actor=staff["approver"])
    run = payment_run_create(
        buyer=de_buyer, invoice_ids=[a.pk, b.pk, c.pk], actor=staff["approver"]
    )
    xml = document_read(run.pain001)
    doc = etree.fromstring(xml)
    schema = xsd()
    assert schema.validate(doc), schema.error_log
    ns = {"p": PAIN_NS}
    # two creditors (grouped per IBAN), SEPA service level for EUR
    assert doc.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    amounts = sorted(Decimal(x.text) for x in doc.findall(".//p:InstdAmt", ns))
    assert amounts == [Decimal("400.00"), Decimal("1488.10")]  # F-1 reverse charge (AE)
    assert doc.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "1888.10"
    assert doc.findtext(".//p:SvcLvl/p:Cd", namespaces=ns) == "SEPA"
    rows = list(csv.reader(io.StringIO(document_read(run.bookkeeping_csv).decode()), delimiter=";"))
    assert rows[0] == CSV_COLUMNS
    assert {r[5] for r in rows[1:]} == {"A-1", "A-2", "F-1"}
    for invoice in (a, b, c):
        invoice.refresh_from_db()
        assert invoice.state == Invoice.State.RELEASED
        assert invoice.payment_run == run
    invoice_mark_paid(invoice_id=a.pk, actor=staff["clerk"])
    a.refresh_from_db()
    assert a.state == Invoice.State.PAID


def test_mixed_currency_release(de_buyer, de_supplier, staff):
    eur = matched(de_buyer, de_supplier, number="E-1")
    chf = matched(de_buyer, de_supplier, number="C-1", currency="CHF", amount=Decimal("80"))
    for invoice in (eur, chf):
        invoice_approve(invoice_id=invoice.pk, actor=staff["approver"])
    run = payment_run_create(buyer=de_buyer, invoice_ids=[eur.pk, chf.pk], actor=staff["approver"])
    doc = etree.fromstring(document_read(run.pain001))
    assert xsd().validate(doc)
    ns = {"p": PAIN_NS}
    infos = doc.findall(".//p:PmtInf", ns)
    assert len(infos) == 2
    currencies = {x.get("Ccy") for x in doc.findall(".//p:InstdAmt", ns)}
    assert currencies == {"EUR", "CHF"}
    # SEPA only for the EUR block
    assert [i.findtext("p:PmtTpInf/p:SvcLvl/p:Cd", namespaces=ns) for i in infos] == ["SEPA", None]
    assert run.totals == {"EUR": "1190.00", "CHF": "95.20"}


def test_only_approved_invoices_are_released_all_or_nothing(de_buyer, de_supplier, staff):
    ok = matched(de_buyer, de_supplier, number="OK-1")
    invoice_approve(invoice_id=ok.pk, actor=staff["approver"])
    not_yet = matched(de_buyer, de_supplier, number="NO-1")
    with pytest.raises(InvoiceStateError):
        payment_run_create(buyer=de_buyer, invoice_ids=[ok.pk, not_yet.pk], actor=staff["approver"])
    ok.refresh_from_db()
    assert ok.state == Invoice.State.APPROVED
    with pytest.raises(TransitionForbiddenError):
        payment_run_create(buyer=de_buyer, invoice_ids=[ok.pk], actor=staff["clerk"])


def test_credit_note_links_and_nets_in_the_payment(de_buyer, de_supplier, staff):
    invoice = matched(de_buyer, de_supplier, number="R-1")
    credit = matched(
        de_buyer,
        de_supplier,
        number="G-1",
        amount=Decimal("100"),
        type_code="381",
        preceding_number="R-1",
        contract_of="R-1",
    )
    assert credit.kind == Invoice.Kind.CREDIT_NOTE
    assert credit.corrects == invoice
    for i in (invoice, credit):
        invoice_approve(invoice_id=i.pk, actor=staff["approver"])
    run = payment_run_create(
        buyer=de_buyer, invoice_ids=[invoice.pk, credit.pk], actor=staff["approver"]
    )
    doc = etree.fromstring(document_read(run.pain001))
    amounts = [x.text for x in doc.findall(f".//{{{PAIN_NS}}}InstdAmt")]
    assert amounts == ["1071.00"]  # 1190.00 - 119.00


def test_dispute_from_matched_and_approved(de_buyer, de_supplier, staff):
    invoice = matched(de_buyer, de_supplier)
    invoice = invoice_dispute(invoice_id=invoice.pk, actor=staff["clerk"], reason="Menge?")
    assert invoice.state == Invoice.State.DISPUTED
    other = matched(de_buyer, de_supplier, number="RE-2")
    invoice_approve(invoice_id=other.pk, actor=staff["approver"])
    other = invoice_dispute(invoice_id=other.pk, actor=staff["approver"], reason="Preis?")
    assert other.state == Invoice.State.DISPUTED
    with pytest.raises(InvoiceStateError):
        invoice_dispute(invoice_id=other.pk, actor=staff["clerk"], reason="again")


def test_bulk_approve_reports_progress_and_failures(
    client, de_buyer, de_supplier, staff, django_capture_on_commit_callbacks
):
    ok = [matched(de_buyer, de_supplier, number=f"BK-{n}") for n in range(3)]
    invalid = invoice_receive(buyer=de_buyer, source=b"<broken/>", channel="api").invoice
    client.force_login(staff["approver"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/ap/bulk/", {"action": "approve", "invoice": [str(i.pk) for i in [*ok, invalid]]}
        )
    assert response.status_code == 202
    progress = client.get(response.json()["progress"], HTTP_ACCEPT_LANGUAGE="de").json()
    approved = {"state": "approved", "label": "Freigegeben"}
    assert progress == {
        "total": 4,
        "done": 3,
        "failed": 1,
        "percent": 100,
        "finished": True,
        "errors": {str(invalid.pk): progress["errors"][str(invalid.pk)]},
        # what the inbox rows show once the job is over, in the reader's language
        "states": {
            **{str(i.pk): approved for i in ok},
            str(invalid.pk): {"state": "received", "label": "Eingegangen"},
        },
    }
    assert str(Invoice.State.RECEIVED.label) in progress["errors"][str(invalid.pk)]
    assert Invoice.objects.filter(state="approved").count() == 3
    # another buyer's staff cannot read the job
    from tests.invoicing.factories import ap_staff, french_authority

    client.force_login(ap_staff(french_authority())["clerk"])
    assert client.get(response.json()["progress"]).status_code == 404


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Mark as paid: not possible while the invoice is Matched."),
        ("de", "Als bezahlt markieren: nicht möglich, solange die Rechnung im Status „Zugeordnet“"),
        ("fr", "Marquer comme payée : impossible tant que la facture est à l'état « Rapprochée »."),
    ],
)
def test_refused_step_speaks_the_reader_language(de_buyer, de_supplier, staff, language, expected):
    from django.utils import translation

    invoice = matched(de_buyer, de_supplier)
    assert invoice.state == Invoice.State.MATCHED
    with translation.override(language), pytest.raises(InvoiceStateError) as caught:
        invoice_mark_paid(invoice_id=invoice.pk, actor=staff["approver"])
    assert caught.value.message.startswith(expected)


@pytest.mark.parametrize(
    ("language", "label", "limit", "amount"),
    [
        ("de", "Nettobetrag (BT-109)", "≤ 1.000.000,00 EUR", "1.234,50 EUR"),
        (
            "fr",
            "(BT-109)",
            "≤ 1\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}000,00 EUR",
            "1\N{NO-BREAK SPACE}234,50 EUR",
        ),
    ],
)
def test_contract_checks_read_in_the_readers_language(
    client, de_buyer, de_supplier, staff, language, label, limit, amount
):
    """The match ran in the worker's language; the page writes labels and amounts again."""
    from html import unescape

    from django.utils import translation

    with translation.override("en"):
        invoice = matched(de_buyer, de_supplier, amount=Decimal("1234.50"))
    row = next(r for r in invoice.match_result if r["field"] == "amount")
    assert row["expected"] == "≤ 1000000.00 EUR"  # as stored, for the API and exports
    client.force_login(staff["clerk"])
    page = client.get(f"/ap/invoices/{invoice.public_id}/", HTTP_ACCEPT_LANGUAGE=language)
    text = unescape(page.content.decode())
    assert f"<td>{limit}</td><td>{amount}</td>" in text
    assert label in text
    assert "Net amount (BT-109)" not in text
