from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from procurement.core.demo import DEMO_PASSWORD, seed_all


class Command(BaseCommand):
    help = "Create demo organisations, people and data (idempotent) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.SITE_URL)

    def handle(self, *args, url: str, **options):
        # Demo people have no real mailboxes; the notices the seed triggers would bury the logins.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            context = seed_all()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"zuschlag is running at {url}/"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, roles in context.logins:
            self.stdout.write(f"  {username:<12} {roles}")
        self.stdout.write("")
