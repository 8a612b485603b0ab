"""The accounts-payable path in a real browser: drag-and-drop upload, findings, rejection,
bulk approval with a progress bar, release, audit trail — and the supplier-to-paid path."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core import mail
from PIL import Image

from invoicing.models import Invoice, PaymentRun
from procurement.core.roles import Role
from tests.factories import person
from tests.invoicing.factories import (
    french_supplier,
    german_authority,
    german_supplier,
    invoice_xml,
    make_contract,
)

PASSWORD = "secret-pass-123"


def _drop(page, files):
    """Drop files on the drop zone the way a browser does (DataTransfer + drop event)."""
    page.evaluate(
        """(files) => {
            const dt = new DataTransfer();
            for (const [name, text] of files) {
                dt.items.add(new File([text], name, {type: "application/xml"}));
            }
            const zone = document.getElementById("dropzone");
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true}));
        }""",
        files,
    )


def _painted(shot: Path, page, element) -> bool:
    """Whether the element's area of a full-page screenshot shows something: Chromium does not
    paint a sandboxed (cross-origin) frame while it is scrolled out of the viewport, and a
    full-page picture of it then shows an empty box even though its DOM is complete."""
    box = element.bounding_box()
    scroll_x, scroll_y = page.evaluate("[window.scrollX, window.scrollY]")
    left, top = round(box["x"] + scroll_x) + 2, round(box["y"] + scroll_y) + 2
    area = Image.open(shot).crop(
        (left, top, left + round(box["width"]) - 4, top + round(box["height"]) - 4)
    )
    colours = area.convert("RGB").getcolors(maxcolors=1_000_000)
    return len(colours) > 8


def test_ap_inbox_upload_reject_bulk_approve_release(page, login, screenshot, settings):
    settings.ZUSCHLAG_AP_FOUR_EYES_ABOVE = Decimal("100000")
    buyer, supplier, french = german_authority(), german_supplier(), french_supplier()
    person(buyer, Role.AP_CLERK, username="e2e-clerk")
    person(buyer, Role.AP_APPROVER, username="e2e-approver")
    good = invoice_xml(seller=supplier, buyer=buyer, number="E2E-OK").decode()
    bad = re.sub(
        r"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>",
        "",
        invoice_xml(seller=french, buyer=buyer, number="E2E-BAD").decode(),
    )

    # the clerk drops two files on the inbox
    login(page, "e2e-clerk", PASSWORD)
    page.goto("/ap/")
    _drop(page, [["ok.xml", good], ["bad.xml", bad]])
    page.wait_for_function("document.querySelectorAll('#upload-results li a').length == 2")
    screenshot("uploaded")
    page.goto("/ap/")
    assert page.locator("table.inbox tbody tr").count() == 2

    # the invalid one shows its findings, each linked to the field it concerns
    page.goto("/ap/?state=invalid")
    page.locator("table.inbox a", has_text="E2E-BAD").click()
    finding = page.locator("li[data-rule='BR-DE-15']")
    assert finding.count() == 1
    finding.locator("a.term", has_text="BT-10").click()
    assert page.url.endswith("#field-BT-10")
    assert page.locator("iframe[srcdoc]").count() == 1
    # the readable rendering beside the findings has painted before the picture is taken
    frame = page.locator("iframe[srcdoc]")
    frame.scroll_into_view_if_needed()  # the link above scrolled it away: see _painted
    rendering_title = page.frame_locator("iframe[srcdoc]").locator("h1")
    rendering_title.wait_for(state="visible")
    assert "E2E-BAD" in rendering_title.inner_text()
    assert _painted(screenshot("findings"), page, frame)
    page.fill("form textarea[name=reason]", "Leitweg-ID fehlt")
    page.click("#do-reject")
    assert page.locator("#invoice-state").get_attribute("data-state") == "rejected"
    assert any("rejetée" in m.subject for m in mail.outbox)  # French supplier, French notice
    assert (
        "Leitweg-ID fehlt" in page.locator(".audit-trail").inner_text()
        or "reject" in page.locator(".audit-trail").inner_text()
    )

    # two invoices matched to their contracts by the system wait for approval
    for number in ("E2E-M1", "E2E-M2"):
        from invoicing.services.intake import invoice_receive
        from invoicing.services.validation import invoice_validate

        make_contract(authority=buyer, supplier=supplier, reference=f"VG-{number}")
        inv = invoice_receive(
            buyer=buyer,
            source=invoice_xml(
                seller=supplier, buyer=buyer, number=number, contract_reference=f"VG-{number}"
            ),
            channel="api",
        ).invoice
        invoice_validate(invoice_id=inv.pk)
        inv.refresh_from_db()
        assert inv.state == "matched", inv.match_result

    page.click("header form button.link")  # log out
    login(page, "e2e-approver", PASSWORD)
    page.goto("/ap/?state=matched")
    page.check("#select-all")
    page.select_option("#bulk-form select[name=action]", "approve")
    page.click("#bulk-run")
    page.wait_for_selector("#bulk-status[data-finished='1']")
    assert page.locator("#bulk-progress").get_attribute("value") == "100"
    # The rows show what the job did, without a reload; the status line says how far it got.
    assert page.locator("table.inbox tbody tr[data-state='approved']").count() == 2
    assert page.locator("#bulk-status").inner_text().startswith("2 von 2")
    assert page.locator("#bulk-errors li").count() == 0
    screenshot("bulk-approved")
    assert Invoice.objects.filter(state="approved").count() == 2

    page.goto("/ap/?state=approved")
    page.check("#select-all")
    page.select_option("#bulk-form select[name=action]", "release")
    page.click("#bulk-run")
    page.wait_for_selector("#bulk-status[data-finished='1']")
    assert Invoice.objects.filter(state="released").count() == 2
    run = PaymentRun.objects.get()
    assert page.locator("#bulk-payment-run").get_attribute("href") == (
        f"/ap/payment-runs/{run.public_id}/"
    )
    page.goto("/ap/payment-runs/")
    assert run.message_id in page.inner_text("main")
    with page.expect_download() as download:
        page.click("a:text('pain.001')")
    assert b"pain.001.001.09" in open(download.value.path(), "rb").read()

    # the audit trail of a released invoice shows each step and who took it
    released = Invoice.objects.filter(state="released").first()
    page.goto(f"/ap/invoices/{released.public_id}/")
    trail = page.locator(".audit-trail").inner_text()
    for step in ("begin_validation", "accept", "match", "approve", "release"):
        assert step in trail
    for label in ("Prüfung begonnen", "Dem Vertrag zugeordnet", "Zur Zahlung freigegeben"):
        assert label in trail  # the German browser reads the steps by their labels
    screenshot("trail")


def test_supplier_invoice_to_paid(page, login, screenshot, django_db_blocker):
    buyer, supplier = german_authority(), german_supplier()
    person(buyer, Role.AP_CLERK, username="e2e-clerk2")
    person(buyer, Role.AP_APPROVER, username="e2e-approver2")
    person(supplier, Role.BIDDER_USER, username="e2e-supplier")
    contract = make_contract(
        authority=buyer,
        supplier=supplier,
        reference="VG-E2E",
        order_reference="BEST-E2E",
        lines=[
            dict(
                description="Wartung",
                quantity=Decimal("10"),
                unit_code="HUR",
                unit_price=Decimal("85.00"),
                vat_category="S",
                vat_rate=Decimal("19"),
            )
        ],
    )
    login(page, "e2e-supplier", PASSWORD)
    page.goto("/supplier/invoices/")
    page.click(f"a[href='/supplier/contracts/{contract.pk}/invoice/']")
    assert page.input_value("[name='lines-0-description']") == "Wartung"
    assert page.inner_text("#gross-total") == "1011.50"
    page.fill("[name=number]", "RE-E2E-1")
    page.fill("[name=issue_date]", date(2026, 11, 20).isoformat())
    page.fill("[name=contact_phone]", "+49 221 1234")
    page.select_option("[name=fmt]", "xrechnung-cii")
    page.click("#submit-invoice")
    assert page.locator("#invoice-state").get_attribute("data-state") == "matched"
    screenshot("submitted")
    page.click("header form button.link")
    login(page, "e2e-approver2", PASSWORD)
    invoice = Invoice.objects.get(number="RE-E2E-1")
    page.goto(f"/ap/invoices/{invoice.public_id}/")
    page.click("#do-approve")
    page.click("#do-release")
    page.click("#do-paid")
    assert page.locator("#invoice-state").get_attribute("data-state") == "paid"
    screenshot("paid")
