"""Generalized-assignment benchmarks (OR-Library gap1-12, Chu & Beasley) through the tracing core.

Formats (``shared/benchmarks/README.md``): a gapK.txt file holds ``P`` problems, each
``m n``, m x n costs, m x n resource uses, m capacities; a Chu-Beasley file holds one
problem in the same layout without the leading count. Instance names follow optima.csv:
``gapK-p`` for the p-th problem of gapK.txt, the file stem otherwise.
"""
from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from optimizer.assignment import AssignmentProblem, AssignmentResult, Sense, solve_assignment

log = logging.getLogger(__name__)


def _problem(tokens: list[int], pos: int, sense: Sense, name: str) -> tuple[AssignmentProblem, int]:
    m, n = tokens[pos], tokens[pos + 1]
    pos += 2
    costs = np.array(tokens[pos : pos + m * n], dtype=np.int64).reshape(m, n)
    pos += m * n
    loads = np.array(tokens[pos : pos + m * n], dtype=np.int64).reshape(m, n)
    pos += m * n
    caps = tokens[pos : pos + m]
    if len(caps) != m:
        raise ValueError(f"{name}: file ends before the {m} capacities")
    return AssignmentProblem(costs, loads, caps, sense=sense, name=name), pos + m


def read_gap(path: Path, sense: Sense = "min") -> list[AssignmentProblem]:
    """Problems of one file: gapK.txt (``P`` then P problems, named gapK-1..gapK-P) or a single-problem file."""
    path = Path(path)
    tokens = [int(t) for t in path.read_text().split()]
    # A single-problem file starts "m n" followed by m*n*2 + m numbers; a multi-problem one with P.
    single = len(tokens) >= 2 and len(tokens) == 2 + 2 * tokens[0] * tokens[1] + tokens[0]
    if single:
        problem, _ = _problem(tokens, 0, sense, path.stem)
        return [problem]
    count, pos, out = tokens[0], 1, []
    for p in range(1, count + 1):
        problem, pos = _problem(tokens, pos, sense, f"{path.stem}-{p}")
        out.append(problem)
    if pos != len(tokens):
        raise ValueError(f"{path}: {len(tokens) - pos} numbers left after {count} problems")
    return out


def read_optima(path: Path, sense: Sense) -> dict[str, float]:
    """Published values of one sense from an optima.csv (``instance,objective,kind,sense,source``)."""
    with open(path, newline="") as fh:
        return {r["instance"]: float(r["objective"]) for r in csv.DictReader(fh)
                if r.get("sense", sense) == sense}


def read_cases(path: Path, sense: Sense = "min") -> list:
    """The bench registry's reader: one case per problem, named as optima.csv names it."""
    from optimizer.bench.runner import Case  # late: the runner's registry imports this module

    return [Case(p.name, p, 1) for p in read_gap(path, sense)]


def solve_case(problem: AssignmentProblem, *, time_limit: float, workers: int, seed: int) -> AssignmentResult:
    """The bench registry's solve: the tracing core's standalone solve (status, objective, best_bound, seconds)."""
    return solve_assignment(problem, time_limit=time_limit, workers=workers, seed=seed)


def run(files: Iterable[Path], sense: Sense = "min", time_limit: float = 60.0, workers: int = 2,
        seed: int = 0, optima: Path | dict[str, float] | None = None,
        progress: Callable | None = None) -> list:
    """Solve every problem of the files through the tracing core and compare with the published values.

    Returns ``optimizer.bench.runner.BenchRow`` rows (instance, status, objective,
    best_bound, reference, gap_to_reference, seconds). ``optima`` is an optima.csv path
    (rows of the other sense are ignored) or a ready mapping; by default the optima.csv
    beside the first file or one folder up.
    """
    from optimizer.bench.runner import BenchRow, gap_to_reference

    files = [Path(f).resolve() for f in files]
    if optima is None and files:
        optima = next((p for p in (files[0].parent / "optima.csv", files[0].parent.parent / "optima.csv")
                       if p.exists()), None)
    refs = read_optima(optima, sense) if isinstance(optima, (str, Path)) else dict(optima or {})
    rows = []
    for path in files:
        for problem in read_gap(path, sense):
            result = solve_case(problem, time_limit=time_limit, workers=workers, seed=seed)
            ref = refs.get(problem.name)
            row = BenchRow(problem.name, result.status, result.objective, result.best_bound, ref,
                           gap_to_reference(result.objective, ref, sense), round(result.seconds, 3))
            log.info("%s %s %s ref %s %.2f s", row.instance, row.status, row.objective, ref, row.seconds)
            if progress:
                progress(row)
            rows.append(row)
    return rows
