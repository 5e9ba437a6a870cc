"""Run public benchmark families through the product's own models and compare with published values.

Adding a family is one ``FAMILIES`` entry: a reader turning a file into named cases and
a solve function returning something with ``status``, ``objective``, ``best_bound`` and
``seconds`` (in model units; ``Case.scale`` divides them back into the file's units).

    python -m optimizer.bench.runner sscflp /work/shared/benchmarks/sscflp_holmberg/p* --csv out.csv
"""
from __future__ import annotations

import argparse
import csv
import logging
import math
import os
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

from optimizer.bench import cvrp, gap
from optimizer.bench.readers import read_cflp, read_optima, read_pmedian, read_sscflp

log = logging.getLogger(__name__)

COLUMNS = ("instance", "status", "objective", "best_bound", "reference", "gap_to_reference", "seconds",
           "cpu_seconds")  # the last one is an addition to the columns: wall time on a shared
                           # machine depends on the other jobs, CPU time much less


class BenchRow(NamedTuple):
    """One CSV line: what the product reached on an instance against the published value."""

    instance: str
    status: str
    objective: float | None
    best_bound: float | None
    reference: float | None
    gap_to_reference: float | None
    seconds: float
    cpu_seconds: float | None = None  # CPU of this process over the solve (all threads): load-independent


class Case(NamedTuple):
    """One instance of a file: its name (as in optima.csv), the model input and its scale."""

    name: str
    problem: Any
    scale: int = 1


@dataclass(frozen=True)
class Family:
    """How to read a family's files and solve one of its cases with the product's model."""

    read: Callable[[Path], list[Case]]
    solve: Callable[..., Any]  # solve(problem, *, time_limit, workers, seed) -> result
    sense: str = "min"
    description: str = ""
    check: Callable[[Any, Any], list[str]] | None = None  # rules a solution breaks, if any


def _facility_solve(problem, *, time_limit: float, workers: int, seed: int):
    from optimizer.facility import solve_facility

    return solve_facility(problem, time_limit=time_limit, workers=workers, seed=seed)


def _facility_reader(reader) -> Callable[[Path], list[Case]]:
    def read(path: Path) -> list[Case]:
        problem, scale = reader(path)
        return [Case(Path(path).stem, problem, scale)]

    return read


FAMILIES: dict[str, Family] = {
    "cflp": Family(_facility_reader(read_cflp), _facility_solve, description="OR-Library capacitated warehouse location (split demand)"),
    "sscflp": Family(_facility_reader(read_sscflp), _facility_solve, description="Holmberg single-source CFLP"),
    "pmedian": Family(_facility_reader(read_pmedian), _facility_solve, description="OR-Library p-median"),
    "cvrp": Family(cvrp.read_cases, cvrp.solve_case, description="CVRPLIB Augerat A (fleet k) and Uchoa X through solve_routes"),
    "gap": Family(gap.read_cases, gap.solve_case, description="OR-Library gap1-12 and Chu-Beasley GAP (min sense) through solve_assignment"),
}


def gap_to_reference(objective: float | None, reference: float | None, sense: str = "min") -> float | None:
    """Relative distance from the published value, positive when worse: (objective - reference)/|reference| for min."""
    if objective is None or reference is None:
        return None
    diff = objective - reference if sense == "min" else reference - objective
    return diff / max(abs(reference), 1e-12)


def matches_reference(row: BenchRow) -> bool:
    """True when the objective equals the published value to the precision it was published with."""
    if row.objective is None or row.reference is None:
        return False
    exponent = Decimal(repr(row.reference)).as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return abs(row.objective - row.reference) <= 0.5 * 10.0**-places + 1e-9


def _default_optima(files: list[Path]) -> Path | None:
    for folder in {f.resolve().parent for f in files}:
        for candidate in (folder / "optima.csv", folder.parent / "optima.csv"):
            if candidate.exists():
                return candidate
    return None


def _unscale(value: float | None, scale: int) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value / scale if scale != 1 else value


def run_bench(
    family: str,
    files: Iterable[Path],
    *,
    optima: Path | None = None,
    time_limit: float,
    workers: int,
    seed: int,
    progress: Callable[[BenchRow], None] | None = None,
    sense: str | None = None,
) -> list[BenchRow]:
    """Solve every case of ``files`` with the family's product model; one row per instance.

    ``sense`` (min or max) is for families published in both senses (gap); None: the family's own.
    """
    fam = FAMILIES[family]
    if sense is not None and sense != fam.sense:
        if family != "gap":
            raise ValueError(f"family {family} is published only as {fam.sense}")
        fam = Family(lambda p: gap.read_cases(p, sense), fam.solve, sense=sense, description=fam.description)
    files = [Path(f) for f in files]
    optima = optima if optima is not None else _default_optima(files)
    refs = {}
    if optima is not None:
        refs = read_optima(optima, fam.sense)
    rows = []
    for path in files:
        for case in fam.read(path):
            cpu = time.process_time()
            result = fam.solve(case.problem, time_limit=time_limit, workers=workers, seed=seed)
            cpu = round(time.process_time() - cpu, 3)
            status = result.status
            if fam.check is not None and getattr(result, "solution", None) is not None:
                broken = fam.check(case.problem, result.solution)
                if broken:  # never report an objective the plan does not honestly reach
                    log.error("%s: solution breaks %s", case.name, broken[:3])
                    status = "INVALID"
            objective = _unscale(result.objective, case.scale)
            reference = refs.get(case.name, (None,))[0]
            row = BenchRow(case.name, status, objective, _unscale(result.best_bound, case.scale),
                           reference, gap_to_reference(objective, reference, fam.sense),
                           round(result.seconds, 3), cpu)
            log.info("%s %s %s (ref %s) %.2fs (cpu %.2fs)", row.instance, row.status, row.objective, reference,
                     row.seconds, cpu)
            if progress is not None:
                progress(row)
            rows.append(row)
    return rows


def write_bench_csv(rows: Iterable[BenchRow], path: Path) -> None:
    """Write the rows with the standard columns; a temp file renamed in place, so readers never see half."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(COLUMNS)
            for r in rows:
                w.writerow(["" if v is None else v for v in r])
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def format_table(rows: list[BenchRow]) -> str:
    """Plain-text table plus totals, as printed by the command line."""
    lines = [f"{'instance':10s} {'status':9s} {'objective':>16s} {'reference':>16s} {'gap':>10s} {'seconds':>8s}"]
    for r in rows:
        gap = "" if r.gap_to_reference is None else f"{r.gap_to_reference:.2e}"
        obj = "" if r.objective is None else f"{r.objective:.3f}".rstrip("0").rstrip(".")
        ref = "" if r.reference is None else f"{r.reference:.3f}".rstrip("0").rstrip(".")
        mark = "" if matches_reference(r) else " *"
        lines.append(f"{r.instance:10s} {r.status:9s} {obj:>16s} {ref:>16s} {gap:>10s} {r.seconds:8.2f}{mark}")
    total = sum(r.seconds for r in rows)
    hit = sum(matches_reference(r) for r in rows)
    proven = sum(r.status == "OPTIMAL" for r in rows)
    lines.append(f"{len(rows)} instances, {hit} at the published value, {proven} proven optimal, "
                 f"{total:.1f} s total (* = differs from the published value)")
    return "\n".join(lines)


def format_markdown(rows: list[BenchRow]) -> str:
    """Markdown table (instance, status, objective, reference, gap, seconds, CPU s) with totals and slowest five."""
    out = ["| instance | status | objective | reference | gap | seconds | CPU s |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        obj = "" if r.objective is None else f"{r.objective:.4f}".rstrip("0").rstrip(".")
        ref = "" if r.reference is None else f"{r.reference:.3f}".rstrip("0").rstrip(".")
        gap = "" if r.gap_to_reference is None else ("0" if abs(r.gap_to_reference) < 1e-9 else f"{r.gap_to_reference:.1e}")
        mark = "" if matches_reference(r) else " ✗"
        cpu = "" if r.cpu_seconds is None else f"{r.cpu_seconds:.2f}"
        out.append(f"| {r.instance} | {r.status} | {obj}{mark} | {ref} | {gap} | {r.seconds:.2f} | {cpu} |")
    slow = sorted(rows, key=lambda r: -r.seconds)[:5]
    cpu = [r.cpu_seconds for r in rows if r.cpu_seconds is not None]
    cpu_total = f" ({sum(cpu):.1f} s CPU)" if cpu else ""
    out.append("")
    out.append(f"Total {sum(r.seconds for r in rows):.1f} s wall{cpu_total} over {len(rows)} instances; "
               f"{sum(matches_reference(r) for r in rows)} at the published value, "
               f"{sum(r.status == 'OPTIMAL' for r in rows)} proven optimal. Slowest five: "
               + ", ".join(f"{r.instance} {r.seconds:.1f} s" for r in slow) + ".")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run a benchmark family through the product's models.")
    parser.add_argument("family", choices=sorted(FAMILIES))
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--optima", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--markdown", type=Path, help="also write the table as markdown")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    rows = run_bench(args.family, args.files, optima=args.optima, time_limit=args.time_limit,
                     workers=args.workers, seed=args.seed)
    print(format_table(rows))
    if args.csv:
        write_bench_csv(rows, args.csv)
    if args.markdown:
        args.markdown.write_text(format_markdown(rows) + "\n")


def read_bench_csv(path: Path) -> list[BenchRow]:
    """Rows back from a CSV written by ``write_bench_csv`` (for re-rendering tables)."""
    num = lambda v: None if v == "" else float(v)  # noqa: E731
    with open(path, newline="") as fh:
        return [BenchRow(r["instance"], r["status"], num(r["objective"]), num(r["best_bound"]),
                         num(r["reference"]), num(r["gap_to_reference"]), float(r["seconds"]),
                         num(r.get("cpu_seconds") or ""))
                for r in csv.DictReader(fh)]


if __name__ == "__main__":
    main()
