"""Mail-in through a real maildir on disk (Python's mailbox module, no mock of our code)."""

import mailbox
from email.message import EmailMessage

import pytest

from invoicing.models import Invoice
from invoicing.services.mail import mailboxes_fetch
from invoicing.tasks import invoice_mail_fetch_task
from tests.invoicing.factories import invoice_xml

pytestmark = pytest.mark.django_db


def _mail(attachments):
    message = EmailMessage()
    message["From"] = "rechnung@musterbau.example"
    message["To"] = "rechnungseingang@musterstadt.example"
    message["Subject"] = "Rechnung"
    message.set_content("Anbei unsere Rechnung.")
    for name, data, maintype, subtype in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def test_maildir_attachments_become_invoices_once(tmp_path, settings, de_buyer, de_supplier):
    box = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
    first = invoice_xml(seller=de_supplier, buyer=de_buyer, number="M-1")
    second = invoice_xml(seller=de_supplier, buyer=de_buyer, number="M-2", fmt="xrechnung-cii")
    box.add(_mail([("m1.xml", first, "application", "xml"),
                   ("readme.txt", b"hello", "text", "plain")]))
    # a lying content type: octet-stream, but the bytes are XML
    box.add(_mail([("m2.xml", second, "application", "octet-stream")]))
    box.add(_mail([("virus.pdf", b"MZ not a pdf", "application", "pdf")]))
    settings.ZUSCHLAG_AP_MAILBOXES = [
        {"buyer": de_buyer.leitweg_id, "url": f"maildir://{tmp_path / 'inbox'}"}
    ]
    # when the celery task reads the mailbox
    assert invoice_mail_fetch_task.delay().get() == 2
    # then both invoices are in the inbox, received by mail, bytes unchanged
    invoices = {i.number: i for i in Invoice.objects.all()}
    assert set(invoices) == {"M-1", "M-2"}
    assert invoices["M-1"].channel == Invoice.Channel.MAIL
    from invoicing.services.storage import document_read

    assert document_read(invoices["M-2"].document) == second
    # and the messages are marked seen: a second run takes nothing
    assert mailboxes_fetch() == 0
    assert Invoice.objects.count() == 2
    assert all("S" in box.get_message(k).get_flags() for k in box.keys())
