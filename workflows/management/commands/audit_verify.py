from django.core.management.base import BaseCommand, CommandError

from workflows.verify import audit_chain_verify


class Command(BaseCommand):
    help = "Recompute the audit hash chain; report the first broken link (exit 1) or OK (exit 0)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        report = audit_chain_verify(using=options["database"])
        if not report.ok:
            raise CommandError(
                f"audit chain BROKEN after {report.checked} good events: {report.message}",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(report.message))
