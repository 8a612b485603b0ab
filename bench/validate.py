"""Validation speed, measured against its baselines in one run.

    .venv/bin/python bench/validate.py [--rounds 3] [--naive 5] [--sizes 100,1000,5000,20000]

Prints, on the same corpus files (../shared/corpus, env ZUSCHLAG_SHARED):
  floor   the official stylesheets alone in saxonche, executables pre-compiled: parse + transform
  engine  xrechnung.validate() warm, per invoice (with and without the XML Schema step)
  naive   compile the stylesheets on every call (what a script calling Saxon naively does)
  cold    the first invoice in a new process (import + rule pack check + compile + validate)
  scale   synthetic invoices of N lines: time and peak RSS (fresh process each), beside the floor
  jobs    CLI throughput on the corpus with --jobs 1 and --jobs 2 (invoices per second)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = Path(os.environ.get("ZUSCHLAG_SHARED", REPO.parent / "shared"))


def corpus() -> list[Path]:
    manifest = json.loads((SHARED / "corpus" / "MANIFEST.json").read_text("utf-8"))
    return [SHARED / "corpus" / entry["file"] for entry in manifest["files"]]


def stylesheets_for(path: Path) -> list[Path]:
    """The official stylesheets the scenario of this file runs (same as the engine's choice)."""
    from xrechnung import rulepacks, scenarios
    from xrechnung.detect import detect
    from xrechnung.safexml import parse_bytes

    found = detect(parse_bytes(path.read_bytes()).getroot())
    assert found.syntax is not None
    chosen = scenarios.select(syntax=found.syntax, specification=found.specification)
    return [rulepacks.pack_for(role).path(role) for role in chosen.stylesheet_roles]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def bench_per_invoice(files: list[Path], rounds: int) -> dict[str, float]:
    """Floor and engine measured interleaved, file by file, so both see the same machine load."""
    from saxonche import PySaxonProcessor

    from xrechnung.validate import validate

    proc = PySaxonProcessor(license=False)  # the floor's own processor, as a plain script has
    xslt = proc.new_xslt30_processor()
    plan = [(f, stylesheets_for(f)) for f in files]
    executables = {
        str(s): xslt.compile_stylesheet(stylesheet_file=str(s)) for _, ss in plan for s in ss
    }

    def floor(path: Path, sheets: list[Path]) -> None:
        doc = proc.parse_xml(xml_file_name=str(path))
        for sheet in sheets:
            executables[str(sheet)].transform_to_string(xdm_node=doc)

    names = ("floor", "rules", "full")
    samples: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds + 1):  # round 0 warms caches and compiles the engine's stylesheets
        for path, sheets in plan:
            for name in names:
                t0, c0 = time.perf_counter(), time.process_time()
                if name == "floor":
                    floor(path, sheets)
                else:
                    report = validate(path, skip_schema=name == "rules")
                    assert report.accepted, report.to_json()
                if r:
                    samples[name].append(time.perf_counter() - t0)
                    cpu[name].append(time.process_time() - c0)
    out = {name: statistics.mean(values) for name, values in samples.items()}
    out.update({f"{name}-cpu": statistics.mean(values) for name, values in cpu.items()})
    return out


def bench_naive(files: list[Path]) -> float:
    from saxonche import PySaxonProcessor

    proc = PySaxonProcessor(license=False)
    samples = []
    for path in files:
        t0 = time.perf_counter()
        xslt = proc.new_xslt30_processor()
        doc = proc.parse_xml(xml_file_name=str(path))
        for sheet in stylesheets_for(path):
            xslt.compile_stylesheet(stylesheet_file=str(sheet)).transform_to_string(xdm_node=doc)
        samples.append(time.perf_counter() - t0)
    return statistics.mean(samples)


def _hwm_kib() -> str:
    return "re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)"


def bench_cold(path: Path) -> tuple[float, float]:
    probe = (
        "import time; t0 = time.perf_counter()\n"
        "from pathlib import Path\n"
        "from xrechnung.validate import validate\n"
        f"r = validate(Path({str(path)!r}))\n"
        "print(time.perf_counter() - t0)\n"
    )
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    return float(out.stdout.strip()), time.perf_counter() - t0


def bench_scale(lines: int, workdir: Path) -> dict[str, float]:
    from bench.synthetic import invoice

    path = workdir / f"synthetic-{lines}.xml"
    path.write_bytes(invoice(lines))
    probe = (
        "import re, time, sys\n"
        "from pathlib import Path\n"
        "sys.path.insert(0, '.')\n"
        "from bench.synthetic import invoice\n"
        "from xrechnung.validate import validate\n"
        "assert validate(invoice(2)).accepted\n"  # compile first: scale measures the run
        "t0 = time.perf_counter(); c0 = time.process_time()\n"
        f"r = validate(Path({str(path)!r}))\n"
        "t = time.perf_counter() - t0; c = time.process_time() - c0\n"
        "assert r.accepted, r.to_json()[:2000]\n"
        f"print(t, c, {_hwm_kib()})\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    seconds, cpu, kib = out.stdout.split()
    floor_probe = (
        "import re, time, sys\n"
        "sys.path.insert(0, '.')\n"
        "from pathlib import Path\n"
        "from saxonche import PySaxonProcessor\n"
        "from bench.validate import stylesheets_for\n"
        "p = PySaxonProcessor(license=False); x = p.new_xslt30_processor()\n"
        f"sheets = stylesheets_for(Path({str(path)!r}))\n"
        "exes = [x.compile_stylesheet(stylesheet_file=str(s)) for s in sheets]\n"
        "t0 = time.perf_counter(); c0 = time.process_time()\n"
        f"doc = p.parse_xml(xml_file_name={str(path)!r})\n"
        "for e in exes: e.transform_to_string(xdm_node=doc)\n"
        "t = time.perf_counter() - t0; c = time.process_time() - c0\n"
        f"print(t, c, {_hwm_kib()})\n"
    )
    fout = subprocess.run(
        [sys.executable, "-c", floor_probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    fseconds, fcpu, fkib = fout.stdout.split()
    return {
        "lines": lines,
        "bytes": path.stat().st_size,
        "seconds": float(seconds),
        "cpu": float(cpu),
        "peak_mib": int(kib) / 1024,
        "floor_seconds": float(fseconds),
        "floor_cpu": float(fcpu),
        "floor_peak_mib": int(fkib) / 1024,
    }


def bench_jobs(files: list[Path], jobs: int) -> float:
    t0 = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "xrechnung", "validate", "--jobs", str(jobs), *map(str, files)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    elapsed = time.perf_counter() - t0
    assert result.returncode == 0, result.stderr[-2000:]
    return len(files) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--naive", type=int, default=5, help="files for the naive baseline")
    parser.add_argument("--sizes", default="100,1000,5000,20000")
    parser.add_argument("--skip", default="", help="comma list of sections to skip")
    parser.add_argument("--repeat", type=int, default=3, help="corpus repetitions for --jobs")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    files = corpus()
    print(f"corpus: {len(files)} invoices from {SHARED / 'corpus'}; {args.rounds} warm rounds")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start\n")

    if "per-invoice" not in skip:
        means = bench_per_invoice(files, args.rounds)
        floor, engine_rules, engine_full = means["floor"], means["rules"], means["full"]
        naive = bench_naive(files[:: max(1, len(files) // args.naive)][: args.naive])
        print("per invoice (mean CPU time; on a shared machine less noisy than wall time)")
        print(
            f"  floor  {ms(means['floor-cpu'])}   engine rules only {ms(means['rules-cpu'])} "
            f"({means['rules-cpu'] / means['floor-cpu']:.2f}x)   engine XSD + rules "
            f"{ms(means['full-cpu'])} ({means['full-cpu'] / means['floor-cpu']:.2f}x)"
        )
        print("per invoice (mean wall time)")
        print(f"  floor  (official XSLT in saxonche, pre-compiled) {ms(floor)}   1.00x")
        print(
            f"  engine warm, rules only (--skip-schema)          {ms(engine_rules)}"
            f"   {engine_rules / floor:.2f}x floor"
        )
        print(
            f"  engine warm, XSD + rules                         {ms(engine_full)}"
            f"   {engine_full / floor:.2f}x floor"
        )
        print(
            f"  naive (compile per call, {args.naive} files spread)        {ms(naive)}"
            f"   engine is {naive / engine_full:.0f}x faster"
        )
    if "cold" not in skip:
        inside, wall = bench_cold(files[0])
        print(
            f"\ncold start, first invoice in a new process: {inside:.2f} s after interpreter "
            f"start ({wall:.2f} s wall incl. Python start-up)"
        )
    if "scale" not in skip:
        print("\nscale (synthetic XRechnung UBL, fresh process each; floor = raw stylesheets)")
        print("  CPU time is printed beside wall time: on a shared machine it shows linearity")
        print(
            "   lines      bytes   engine wall   cpu  peak RSS |  floor wall   cpu  peak RSS"
            " | engine cpu ms/line"
        )
        with tempfile.TemporaryDirectory() as tmp:
            for lines in [int(x) for x in args.sizes.split(",") if x]:
                row = bench_scale(lines, Path(tmp))
                print(
                    f"  {lines:6d} {row['bytes']:10d}  {row['seconds']:9.2f} s {row['cpu']:6.2f} s"
                    f" {row['peak_mib']:5.0f} MiB | {row['floor_seconds']:8.2f} s "
                    f"{row['floor_cpu']:6.2f} s {row['floor_peak_mib']:5.0f} MiB"
                    f" | {row['cpu'] * 1000 / lines:.2f}"
                )
    if "jobs" not in skip:
        batch = files * args.repeat
        one = bench_jobs(batch, 1)
        two = bench_jobs(batch, 2)
        print(
            f"\nthroughput, CLI on the corpus x{args.repeat} ({len(batch)} files, incl. start-up "
            f"and compile in each worker): --jobs 1 {one:.1f}/s, --jobs 2 {two:.1f}/s "
            f"({two / one:.2f}x; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
