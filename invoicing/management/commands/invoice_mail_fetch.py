from django.core.management.base import BaseCommand

from invoicing.services.mail import mailbox_fetch, mailboxes_fetch
from procurement.core.models import Organisation


class Command(BaseCommand):
    help = "Receive invoices from the configured mailboxes (ZUSCHLAG_AP_MAILBOXES) or one URL."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="maildir:///path or imap(s)://user:pw@host/INBOX")
        parser.add_argument("--buyer", help="buyer Leitweg-ID or SIRET (with --url)")

    def handle(self, *args, url=None, buyer=None, **options):
        if url:
            org = (
                Organisation.objects.get(kind="authority", leitweg_id=buyer)
                if buyer and "-" in buyer
                else Organisation.objects.get(kind="authority", siret=buyer)
            )
            count = mailbox_fetch(buyer=org, url=url)
        else:
            count = mailboxes_fetch()
        self.stdout.write(f"{count} new invoice(s) received")
