"""Generation, parsing, rendering and identifiers are pure Python: no Django, no Saxon at import."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

PROBE = """
import sys
import xrechnung.generate, xrechnung.generate.facturx, xrechnung.identifiers
import xrechnung.model, xrechnung.parse, xrechnung.render, xrechnung.totals
from tests.xrechnung import samples
xrechnung.generate.to_facturx_pdf(samples.domestic_german())
xrechnung.render.render_html(samples.domestic_german(), lang="fr")
assert "django" not in sys.modules, sorted(m for m in sys.modules if m.startswith("django"))
assert "saxonche" not in sys.modules, "writers must not need the validator"
"""


def test_generation_and_rendering_are_django_free() -> None:
    subprocess.run([sys.executable, "-c", PROBE], check=True, cwd=REPO)
