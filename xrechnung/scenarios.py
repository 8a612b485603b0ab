"""Scenario selection in the manner of the KoSIT validator configuration.

A scenario is picked from the syntax and the specification identifier (UBL
``cbc:CustomizationID``, CII ``GuidelineSpecifiedDocumentContextParameter/ram:ID``); it names
the XML Schema, the Schematron rule sets (run in order) and the per-rule severity overrides
(KoSIT ``customLevel``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

XRECHNUNG_VERSION = "3.0"
XRECHNUNG_ID = (
    f"urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_{XRECHNUNG_VERSION}"
)
XRECHNUNG_EXTENSION_ID = (
    f"{XRECHNUNG_ID}#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_{XRECHNUNG_VERSION}"
)
XRECHNUNG_CVD_ID = f"{XRECHNUNG_ID}#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_0.9"
EN16931_ID = "urn:cen.eu:en16931:2017"

# Per-scenario severity overrides of the KoSIT configuration for XRechnung 3.0.2
# (validator-configuration-xrechnung, scenarios.xml, customLevel). Key: scenario/syntax.
# tests/xrechnung/test_scenarios.py compares this table with the transcription in
# ../shared/kosit/scenario-levels.json.
KOSIT_LEVELS: dict[str, dict[str, str]] = {
    "xrechnung/ubl-invoice": {"BR-CL-23": "warning", "BR-CL-21": "warning", "UBL-CR-646": "error"},
    "xrechnung/ubl-creditnote": {"BR-CL-23": "warning", "BR-CL-21": "warning"},
    "xrechnung/cii": {
        "BR-CL-23": "warning",
        "BR-CL-21": "warning",
        "CII-SR-452": "error",
        "CII-SR-453": "error",
        "CII-SR-454": "error",
    },
    "xrechnung-extension/ubl-invoice": {
        "BR-CL-21": "information",
        "BR-CL-23": "warning",
        "BR-CL-24": "information",
        "BR-CL-10": "information",
        "BR-CL-11": "information",
        "BR-CL-25": "information",
        "BR-CL-26": "information",
        "BR-CO-16": "information",
        "UBL-CR-470": "information",
        "UBL-CR-646": "information",
    },
    "xrechnung-extension/cii": {
        "BR-CL-23": "warning",
        "BR-CL-21": "information",
        "BR-CL-11": "information",
        "BR-CL-10": "information",
        "BR-CL-24": "information",
        "BR-CL-25": "information",
        "BR-CL-26": "information",
        "CII-SR-452": "error",
        "CII-SR-453": "error",
        "CII-SR-454": "error",
    },
    "xrechnung-cvd/ubl-invoice": {
        "BR-CL-13": "information",
        "BR-CL-23": "warning",
        "BR-CL-21": "warning",
        "UBL-CR-646": "error",
    },
    "xrechnung-cvd/ubl-creditnote": {
        "BR-CL-13": "information",
        "BR-CL-23": "warning",
        "BR-CL-21": "warning",
        "UBL-CR-646": "error",
    },
    "xrechnung-cvd/cii": {
        "BR-CL-13": "information",
        "BR-CL-23": "warning",
        "BR-CL-21": "warning",
        "CII-SR-452": "error",
        "CII-SR-453": "error",
        "CII-SR-454": "error",
    },
}

# Any identifier of the XRechnung family, past versions included
# ("urn:xoev-de:kosit:standard:xrechnung_1.2", "...:xeinkauf.de:kosit:xrechnung_2.3").
_XRECHNUNG_FAMILY = re.compile(r"kosit.*xrechnung", re.IGNORECASE)

# Factur-X / ZUGFeRD 2.x profile by identifier (CII syntax).
_FACTURX_PROFILES = {
    "urn:factur-x.eu:1p0:minimum": "minimum",
    "urn:zugferd.de:2p0:minimum": "minimum",
    "urn:factur-x.eu:1p0:basicwl": "basicwl",
    "urn:zugferd.de:2p0:basicwl": "basicwl",
    "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic": "basic",
    "urn:cen.eu:en16931:2017#compliant#urn:zugferd.de:2p0:basic": "basic",
    "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended": "extended",
    "urn:cen.eu:en16931:2017#conformant#urn:zugferd.de:2p0:extended": "extended",
}
EXTENDED_CTC_FR_ID = "urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr"

PEPPOL_BIS_ID = "urn:fdc:peppol.eu:2017:poacc:billing:3.0"

# Identifiers whose national rules we know of but do not ship; checked against EN 16931.
_KNOWN_UNINSTALLED = {
    PEPPOL_BIS_ID: "Peppol BIS Billing 3.0",
    "urn:ferd:CrossIndustryDocument:invoice:1p0": "ZUGFeRD 1.0",
}


@dataclass(frozen=True)
class Scenario:
    name: str  # e.g. "xrechnung", "en16931", "facturx-basic", "en16931-fallback"
    syntax: str  # "ubl-invoice" | "ubl-creditnote" | "cii" | "zugferd-1.0"
    specification: str | None
    schema_role: str | None
    stylesheet_roles: tuple[str, ...]
    levels: dict[str, str] = field(default_factory=dict)
    # Engine findings this selection itself produces: (id, severity, message).
    notes: tuple[tuple[str, str, str], ...] = ()
    description: str = ""


def _schema_role(syntax: str) -> str:
    return {
        "ubl-invoice": "xsd-ubl-invoice",
        "ubl-creditnote": "xsd-ubl-creditnote",
        "cii": "xsd-cii",
        "zugferd-1.0": "xsd-zugferd-1.0",
    }[syntax]


def _family(syntax: str) -> str:
    return "ubl" if syntax.startswith("ubl") else "cii"


def _levels(scenario: str, syntax: str) -> dict[str, str]:
    """The KoSIT customLevel overrides: from an installed KoSIT configuration if it has them
    for this scenario, else from our table of the XRechnung 3.0.2 configuration."""
    from xrechnung import rulepacks

    key = f"{scenario}/{syntax}"
    installed = rulepacks.installed_levels(key)
    if installed is not None:
        return installed
    return dict(KOSIT_LEVELS.get(key, {}))


def select(
    *,
    syntax: str,
    specification: str | None,
    from_pdf: bool = False,
    seller_country: str | None = None,
    has_role: Callable[[str], bool] | None = None,
) -> Scenario:
    """The scenario for a document; never silently the wrong rules (see module docstring).

    ``has_role`` tells which rule-pack roles are installed (default: the rule pack registry).
    """
    from xrechnung import rulepacks

    available = has_role or rulepacks.has_role
    spec = (specification or "").strip()
    fam = _family(syntax) if syntax != "zugferd-1.0" else "cii"
    en = f"en16931-{fam}"

    if syntax == "zugferd-1.0":
        return Scenario(
            name="zugferd-1.0",
            syntax=syntax,
            specification=spec or None,
            schema_role=_schema_role(syntax),
            stylesheet_roles=(),
            notes=(
                (
                    "UNKNOWN-SPECIFICATION",
                    "warning",
                    "ZUGFeRD 1.0 (CrossIndustryDocument) business rules are not installed; "
                    "only its XML Schema was checked",
                ),
            ),
            description="ZUGFeRD 1.0: XML Schema only",
        )

    xr = f"xrechnung-{fam}"
    for name, ident in (
        ("xrechnung", XRECHNUNG_ID),
        ("xrechnung-extension", XRECHNUNG_EXTENSION_ID),
        ("xrechnung-cvd", XRECHNUNG_CVD_ID),
    ):
        if spec == ident:
            return Scenario(
                name=name,
                syntax=syntax,
                specification=spec,
                schema_role=_schema_role(syntax),
                stylesheet_roles=(en, xr),
                levels=_levels(name, syntax),
                description=f"XRechnung {XRECHNUNG_VERSION} ({name}): EN 16931 + XRechnung CIUS",
            )

    if _XRECHNUNG_FAMILY.search(spec):
        # KoSIT has no scenario for other XRechnung versions and rejects; we say which
        # version is current and still run today's rules so the report shows what to fix.
        return Scenario(
            name="xrechnung-outdated",
            syntax=syntax,
            specification=spec,
            schema_role=_schema_role(syntax),
            stylesheet_roles=(en, xr),
            levels=_levels("xrechnung", syntax),
            notes=(
                (
                    "XRECHNUNG-VERSION-OUTDATED",
                    "error",
                    f"specification identifier {spec!r} is not a valid identifier of the current "
                    f"XRechnung version (outdated, e.g. 1.x or 2.x, or malformed); the current "
                    f"version is XRechnung {XRECHNUNG_VERSION}: {XRECHNUNG_ID}",
                ),
            ),
            description="outdated XRechnung identifier: rejected",
        )

    french = (seller_country or "").upper() == "FR"
    if spec == EXTENDED_CTC_FR_ID:
        wanted = (f"extended-ctc-fr-{fam}", f"br-fr-{fam}")
        present = tuple(r for r in wanted if available(r))
        missing = [r for r in wanted if r not in present]
        notes: tuple[tuple[str, str, str], ...] = ()
        if missing:
            notes = (
                (
                    "UNKNOWN-SPECIFICATION",
                    "warning",
                    f"the rule sets {', '.join(missing)} for {spec!r} are not installed and "
                    "were NOT checked" + ("" if present else "; checked against EN 16931 only"),
                ),
            )
        return Scenario(
            name="extended-ctc-fr",
            syntax=syntax,
            specification=spec,
            schema_role=_schema_role(syntax),
            stylesheet_roles=present or (en,),
            notes=notes,
            description="Factur-X EXTENDED-CTC-FR with the French CTC (BR-FR) rules",
        )

    profile = _FACTURX_PROFILES.get(spec)
    if profile is None and from_pdf and spec == EN16931_ID and fam == "cii":
        profile = "en16931"
    if profile is not None and fam == "cii":
        roles_fx: tuple[str, ...] = (f"facturx-{profile}",)
        if profile in ("basic", "en16931"):
            # EN 16931-compliant profiles (CIUS): the CEN rules apply as such, then the
            # profile's own restrictions.
            roles_fx = (en, f"facturx-{profile}")
        if french and profile != "minimum":
            roles_fx += ("br-fr-cii",)
        schema = f"xsd-facturx-{profile}"
        return Scenario(
            name=f"facturx-{profile}",
            syntax=syntax,
            specification=spec,
            schema_role=schema if available(schema) else _schema_role(syntax),
            stylesheet_roles=roles_fx,
            description=f"Factur-X / ZUGFeRD profile {profile.upper()}",
        )

    if spec == EN16931_ID:
        roles_en: tuple[str, ...] = (en,)
        if french:
            roles_en += (f"br-fr-{fam}",)
        return Scenario(
            name="en16931",
            syntax=syntax,
            specification=spec,
            schema_role=_schema_role(syntax),
            stylesheet_roles=roles_en,
            description="EN 16931 (CEN/TC 434 rules)",
        )

    if PEPPOL_BIS_ID in spec and available(f"peppol-{fam}"):
        return Scenario(
            name="peppol-bis",
            syntax=syntax,
            specification=spec,
            schema_role=_schema_role(syntax),
            stylesheet_roles=(en, f"peppol-{fam}"),
            description="Peppol BIS Billing 3.0 (installed rule pack)",
        )

    # Anything else: EN 16931 for the syntax, plus a warning naming what was not checked.
    what = None
    for marker, label in _KNOWN_UNINSTALLED.items():
        if marker in spec:
            what = label
    if not spec:
        message = (
            "no specification identifier (BT-24) found; checked against EN 16931 only, "
            "no national rules (CIUS) were applied"
        )
    elif what:
        message = (
            f"specification identifier {spec!r} ({what}): its rules are not installed; checked "
            f"against EN 16931 only, the {what} rules were NOT checked"
        )
    else:
        message = (
            f"unknown specification identifier {spec!r}: checked against EN 16931 only, the "
            "rules of that specification were NOT checked"
        )
    return Scenario(
        name="en16931-fallback",
        syntax=syntax,
        specification=spec or None,
        schema_role=_schema_role(syntax),
        stylesheet_roles=(en,),
        notes=(("UNKNOWN-SPECIFICATION", "warning", message),),
        description="EN 16931 fallback for an unknown or uninstalled specification",
    )
