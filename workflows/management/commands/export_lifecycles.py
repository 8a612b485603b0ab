from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from workflows.diagrams import RENDERERS, lifecycles


class Command(BaseCommand):
    help = (
        "Write one state diagram per FSM lifecycle (every model with an FSMField), generated "
        "from the django-fsm transitions, plus an index.md embedding the Mermaid ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(RENDERERS), default="mermaid")
        parser.add_argument("--out", default="docs/lifecycles", help="output directory")
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; exit 1 if the files in --out differ from the code",
        )
        parser.add_argument(
            "--product-only",
            action="store_true",
            help="leave out models of test-only apps (modules under tests.), as the test settings "
            "install some",
        )
        parser.add_argument(
            "--readme",
            default="",
            help="also refresh the diagrams between the lifecycle markers of this Markdown file",
        )

    def handle(self, *args, **options):
        render, extension = RENDERERS[options["format"]]
        out = Path(options["out"])
        found = lifecycles()
        if options["product_only"]:
            found = [
                lc
                for lc in found
                if not apps.get_app_config(lc.label.split(".")[0]).name.startswith("tests.")
            ]
        files: dict[Path, str] = {}
        for lifecycle in found:
            files[out / f"{lifecycle.label}.{extension}"] = render(lifecycle)
        if options["format"] == "mermaid":
            files[out / "index.md"] = self._index(found, render)
            if options["readme"]:
                readme = Path(options["readme"])
                files[readme] = self._readme(readme.read_text(encoding="utf-8"), found, render)
        # Diagrams of lifecycles that no longer exist (model renamed or removed) must go too.
        leftovers = sorted(set(out.glob(f"*.{extension}")) - set(files)) if out.is_dir() else []
        if options["check"]:
            stale = [
                str(path)
                for path, text in files.items()
                if not path.is_file() or path.read_text(encoding="utf-8") != text
            ] + [f"{path} (no such lifecycle any more)" for path in leftovers]
            if stale:
                raise CommandError(
                    "lifecycle diagrams are out of date (run make lifecycles): " + ", ".join(stale),
                    returncode=1,
                )
            self.stdout.write(f"{len(found)} lifecycle diagrams up to date in {out}")
            return
        out.mkdir(parents=True, exist_ok=True)
        for path in leftovers:
            path.unlink()
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {len(found)} lifecycle diagrams to {out}")
        for lifecycle in found:
            self.stdout.write(f"  {lifecycle.label}: {len(lifecycle.states)} states")

    @staticmethod
    def _readme(text: str, found, render) -> str:
        begin, end = "<!-- lifecycles:begin -->", "<!-- lifecycles:end -->"
        if begin not in text or end not in text:
            raise CommandError(f"the README has no {begin} … {end} block to refresh")
        blocks = [begin, ""]
        for lifecycle in found:
            blocks += [
                f"**{lifecycle.label}**",
                "",
                "```mermaid",
                render(lifecycle).rstrip(),
                "```",
                "",
            ]
        head, rest = text.split(begin, 1)
        return head + "\n".join(blocks) + end + rest.split(end, 1)[1]

    @staticmethod
    def _index(found, render) -> str:
        parts = [
            "# Lifecycles",
            "",
            "Generated from the django-fsm transitions by "
            "`python manage.py export_lifecycles --format mermaid --out docs/lifecycles`"
            " (`make lifecycles`); do not edit by hand.",
            "",
        ]
        if not found:
            parts += ["No model with an FSM field is installed yet.", ""]
        for lifecycle in found:
            parts += [f"## {lifecycle.label}", "", "```mermaid", render(lifecycle).rstrip(), "```"]
            parts.append("")
        return "\n".join(parts)
