"""Command line: ``python -m xrechnung validate|rules|render``.

Exit codes of ``validate``: 0 every document accepted, 1 any rejected, 2 usage or input error
(a path that does not exist, a file that is not XML or PDF at all, too large to read).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from xrechnung.report import Report

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
_SUFFIXES = {".xml", ".pdf"}


def _expand(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES)
            )
        elif path.exists():
            files.append(path)
        else:
            missing.append(raw)
    return files, missing


def _validate_one(path: str, skip_schema: bool) -> Report:
    from xrechnung.validate import validate

    return validate(Path(path), skip_schema=skip_schema)


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.enabled = total > 1 and stream.isatty()
        self.done = 0

    def step(self) -> None:
        if not self.enabled:
            return
        self.done += 1
        width = 30
        filled = width * self.done // self.total
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def _run(files: list[Path], *, skip_schema: bool, jobs: int) -> Iterator[Report]:
    progress = _Progress(len(files), sys.stderr)
    if jobs <= 1 or len(files) <= 1:
        for path in files:
            yield _validate_one(str(path), skip_schema)
            progress.step()
        return
    # Saxon is never started in this parent: workers are spawned fresh (no fork after Saxon).
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=min(jobs, len(files)), mp_context=context) as pool:
        for report in pool.map(
            _validate_one, [str(p) for p in files], [skip_schema] * len(files), chunksize=4
        ):
            yield report
            progress.step()


def _render(reports: list[Report], fmt: str, single: bool) -> str:
    if fmt == "json":
        if single:
            return reports[0].to_json()
        return json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False)
    if fmt == "xml":
        from xrechnung.report import to_varl

        if single:
            return to_varl(reports[0])
        body = "".join(
            to_varl(r).split("?>", 1)[-1] if to_varl(r).startswith("<?xml") else to_varl(r)
            for r in reports
        )
        return f'<reports xmlns="urn:zuschlag:xrechnung:reports">\n{body}</reports>\n'
    from xrechnung.report import reports_to_html

    return reports_to_html(reports)


def _write(text: str) -> None:
    """UTF-8 on stdout whatever the locale: reports carry German and French rule texts."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def cmd_validate(args: argparse.Namespace) -> int:
    files, missing = _expand(args.paths)
    for raw in missing:
        print(f"xrechnung: {raw}: no such file or directory", file=sys.stderr)
    if not files:
        if not missing:
            print("xrechnung: no .xml or .pdf files found", file=sys.stderr)
        return EXIT_USAGE
    if args.jobs < 1:
        print("xrechnung: --jobs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        reports = list(_run(files, skip_schema=args.skip_schema, jobs=args.jobs))
    except Exception as exc:  # a broken installation (rule pack) - not the document's fault
        print(f"xrechnung: {exc}", file=sys.stderr)
        return EXIT_USAGE
    single = len(args.paths) == 1 and len(files) == 1 and not Path(args.paths[0]).is_dir()
    _write(_render(reports, args.format, single) + "\n")
    if missing or any(r.input_error for r in reports):
        return EXIT_USAGE
    return EXIT_OK if all(r.accepted for r in reports) else EXIT_REJECTED


def cmd_rules(args: argparse.Namespace) -> int:
    from xrechnung import rulepacks

    if args.action == "install":
        if not args.zip:
            print(
                "xrechnung: rules install needs the path of the KoSIT release zip", file=sys.stderr
            )
            return EXIT_USAGE
        try:
            pack = rulepacks.install_zip(Path(args.zip))
        except rulepacks.RulePackError as exc:
            print(f"xrechnung: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"installed {pack.name} {pack.version} into {pack.base}")
        for rel, digest in sorted(pack.files.items()):
            print(f"  {digest}  {rel}")
        return EXIT_OK
    summary = rulepacks.pack_summary()
    if args.json:
        print(json.dumps(summary, indent=2))
        return EXIT_OK if all(p["verified"] for p in summary) else EXIT_REJECTED
    print(f"rules directory: {rulepacks.rules_dir()}")
    for entry in summary:
        state = "verified" if entry["verified"] else f"NOT VERIFIED: {entry['problem']}"
        print(f"\n{entry['name']}  {entry['version']}  [{state}]")
        print(f"  origin:   {entry['origin']}")
        print(f"  location: {entry['location']}")
        roles = entry["roles"]
        files = entry["files"]
        assert isinstance(roles, list)
        assert isinstance(files, dict)
        print(f"  provides: {', '.join(roles)}")
        for rel, digest in files.items():
            print(f"  {digest}  {rel}")
    return EXIT_OK if all(p["verified"] for p in summary) else EXIT_REJECTED


def cmd_render(args: argparse.Namespace) -> int:
    try:
        from xrechnung.render import render_cli
    except ImportError as exc:
        print(f"xrechnung: rendering is not available: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.pdf is None and args.html is None:
        print("xrechnung: render needs --pdf OUT and/or --html OUT", file=sys.stderr)
        return EXIT_USAGE
    return int(
        render_cli(
            Path(args.file),
            pdf_out=Path(args.pdf) if args.pdf else None,
            html_out=Path(args.html) if args.html else None,
            lang=args.lang,
        )
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m xrechnung",
        description="Validate and render XRechnung/ZUGFeRD/Factur-X invoices; list rule packs.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    val = sub.add_parser("validate", help="validate invoices (XML or PDF; directories recursively)")
    val.add_argument("--format", choices=("json", "xml", "html"), default="json")
    val.add_argument(
        "--skip-schema",
        action="store_true",
        help="run the business rules even where the XML Schema would fail (rule fragments)",
    )
    val.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    val.add_argument("paths", nargs="+", metavar="PATH")
    val.set_defaults(func=cmd_validate)

    rules = sub.add_parser("rules", help="list rule packs, or install a KoSIT configuration zip")
    rules.add_argument("action", nargs="?", choices=("list", "install"), default="list")
    rules.add_argument(
        "zip", nargs="?", help="KoSIT validator-configuration-xrechnung or Peppol BIS release zip"
    )
    rules.add_argument("--json", action="store_true", help="machine-readable listing")
    rules.set_defaults(func=cmd_rules)

    render = sub.add_parser("render", help="render an invoice as PDF and/or HTML")
    render.add_argument("file")
    render.add_argument("--pdf", metavar="OUT")
    render.add_argument("--html", metavar="OUT")
    render.add_argument("--lang", choices=("de", "en", "fr"), default="de")
    render.set_defaults(func=cmd_render)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    return int(args.func(args))
