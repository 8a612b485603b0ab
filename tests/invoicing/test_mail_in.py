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
    box.add(
        _mail([("m1.xml", first, "application", "xml"), ("readme.txt", b"hello", "text", "plain")])
    )
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


class TinyImapServer:
    """A minimal IMAP4rev1 server on a local socket (LOGIN, SELECT, SEARCH UNSEEN, FETCH
    BODY.PEEK[], STORE +FLAGS, LOGOUT), so the client code speaks the real protocol."""

    def __init__(self, messages: list[bytes], user: str, password: str) -> None:
        import socket
        import threading

        self.messages = [{"raw": raw, "seen": False} for raw in messages]
        self.user, self.password = user, password
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        reader = conn.makefile("rb")
        conn.sendall(b"* OK tiny IMAP ready\r\n")
        while line := reader.readline():
            tag, command, *rest = line.decode().rstrip("\r\n").split(" ", 2)
            args = rest[0] if rest else ""
            command = command.upper()
            if command == "CAPABILITY":
                conn.sendall(b"* CAPABILITY IMAP4rev1\r\n" + f"{tag} OK done\r\n".encode())
            elif command == "LOGIN":
                user, password = (a.strip('"') for a in args.split(" ", 1))
                ok = (user, password) == (self.user, self.password)
                conn.sendall(f"{tag} {'OK' if ok else 'NO'} login\r\n".encode())
            elif command == "SELECT":
                conn.sendall(
                    f"* {len(self.messages)} EXISTS\r\n{tag} OK [READ-WRITE] sel\r\n".encode()
                )
            elif command == "SEARCH":
                ids = " ".join(str(i + 1) for i, m in enumerate(self.messages) if not m["seen"])
                conn.sendall(f"* SEARCH {ids}\r\n{tag} OK search\r\n".encode())
            elif command == "FETCH":
                number = int(args.split(" ", 1)[0])
                raw = self.messages[number - 1]["raw"]
                conn.sendall(
                    f"* {number} FETCH (BODY[] {{{len(raw)}}}\r\n".encode()
                    + raw
                    + f")\r\n{tag} OK fetch\r\n".encode()
                )
            elif command == "STORE":
                number = int(args.split(" ", 1)[0])
                self.messages[number - 1]["seen"] = True
                conn.sendall(f"* {number} FETCH (FLAGS (\\Seen))\r\n{tag} OK store\r\n".encode())
            elif command == "LOGOUT":
                conn.sendall(f"* BYE\r\n{tag} OK logout\r\n".encode())
                break
            else:
                conn.sendall(f"{tag} BAD unknown\r\n".encode())
        conn.close()
        self.sock.close()


def test_imap_mailbox_is_read_and_messages_marked_seen(de_buyer, de_supplier):
    from invoicing.services.mail import mailbox_fetch

    data = invoice_xml(seller=de_supplier, buyer=de_buyer, number="IMAP-1")
    server = TinyImapServer(
        [_mail([("imap.xml", data, "application", "xml")]).as_bytes()], user="ap", password="s3cret"
    )
    url = f"imap://ap:s3cret@127.0.0.1:{server.port}/INBOX"
    assert mailbox_fetch(buyer=de_buyer, url=url) == 1
    server.thread.join(timeout=5)
    invoice = Invoice.objects.get()
    assert invoice.number == "IMAP-1"
    assert invoice.channel == Invoice.Channel.MAIL
    assert server.messages[0]["seen"] is True
