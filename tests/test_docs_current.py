"""README.md and docs/lifecycles/ hold diagrams generated from the code: keep them current."""

from pathlib import Path

from django.core.management import call_command

REPO = Path(__file__).resolve().parent.parent


def test_lifecycle_diagrams_match_the_code(db):
    # when a transition changes without `make lifecycles`, the check raises CommandError
    call_command(
        "export_lifecycles",
        "--check",
        "--product-only",
        "--out",
        str(REPO / "docs" / "lifecycles"),
        "--readme",
        str(REPO / "README.md"),
    )
