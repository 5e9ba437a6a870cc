"""CVRPLIB instances as RoutingProblems, solved by the product's own routing stage.

Format (TSPLIB/CVRPLIB ``.vrp``): ``KEY : value`` header lines, then NODE_COORD_SECTION,
DEMAND_SECTION and DEPOT_SECTION. Distances are EUC_2D rounded to the nearest integer, as
CVRPLIB computes its published costs. Fleet, as CVRPLIB defines it per set: Augerat A
optima assume exactly k vehicles (``A-n32-k5``: k = 5); Uchoa X has an unlimited fleet
(k in the name is only the fewest routes possible). References come from optima.csv
(an ``optimal`` row beats a ``best_known`` one) or, failing that, the ``Cost`` line of the
``.sol`` file beside the instance.
"""

from __future__ import annotations

import csv
import logging
import re
import time
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

import numpy as np

from optimizer.routing import RoutingProblem, VehicleType, solve_routes

log = logging.getLogger(__name__)

COLUMNS = ("instance", "status", "objective", "best_bound", "reference", "gap_to_reference", "seconds")
_FIXED_FLEET_SETS = ("A-",)  # sets whose published optima assume exactly k vehicles
_KIND_RANK = {"optimal": 0, "best_known": 1}


class Row(NamedTuple):
    """One benchmark line: a heuristic has no bound, so best_bound stays None."""

    instance: str
    status: str
    objective: int | None
    best_bound: float | None
    reference: float | None
    gap_to_reference: float | None
    seconds: float


def euc_2d(coords: np.ndarray) -> np.ndarray:
    """TSPLIB EUC_2D: Euclidean distance rounded to the nearest integer (nint = floor(d + 0.5))."""
    diff = coords[:, None, :] - coords[None, :, :]
    return np.floor(np.sqrt((diff**2).sum(axis=2)) + 0.5).astype(np.int64)


def _sections(path: Path) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current = None
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if re.match(r"^[A-Z_]+\s*:", line):
            key, _, value = line.partition(":")
            header[key.strip().upper()] = value.strip()
            current = None
        elif re.match(r"^[A-Z_]+_SECTION$", line):
            current = line
            sections[current] = []
        elif current is not None:
            sections[current].append(line.split())
    return header, sections


def fleet_size(name: str) -> int | None:
    """Vehicles the published optimum assumes: k from the name for set A, None (unlimited) otherwise."""
    match = re.search(r"-k(\d+)", name)
    if match and name.startswith(_FIXED_FLEET_SETS):
        return int(match.group(1))
    return None


def read_vrp(path: Path) -> RoutingProblem:
    """A CVRPLIB ``.vrp`` file as a RoutingProblem with the depot moved to index 0."""
    path = Path(path)
    header, sections = _sections(path)
    if header.get("EDGE_WEIGHT_TYPE", "EUC_2D") != "EUC_2D":
        raise ValueError(f"{path.name}: only EUC_2D is supported, got {header['EDGE_WEIGHT_TYPE']}")
    ids = [int(r[0]) for r in sections["NODE_COORD_SECTION"]]
    coords = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]}
    demand = {int(r[0]): int(r[1]) for r in sections["DEMAND_SECTION"]}
    depot_ids = [int(r[0]) for r in sections.get("DEPOT_SECTION", [["1"]]) if int(r[0]) != -1]
    if len(depot_ids) != 1:
        raise ValueError(f"{path.name}: exactly one depot expected, got {depot_ids}")
    order = depot_ids + [i for i in ids if i != depot_ids[0]]
    xy = np.array([coords[i] for i in order])
    name = header.get("NAME", path.stem).split()[0] if header.get("NAME") else path.stem
    return RoutingProblem(
        demands=tuple(demand.get(i, 0) for i in order),
        travel=euc_2d(xy),
        vehicles=(VehicleType(capacity=int(header["CAPACITY"]), count=fleet_size(path.stem)),),
        names=tuple(str(i) for i in order),
        name=name,
    )


def read_sol(path: Path) -> tuple[list[list[int]], int]:
    """CVRPLIB ``.sol``: routes in file node numbers minus one (depot = 0), and the stated Cost."""
    routes, cost = [], None
    for line in Path(path).read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(x) for x in line.split(":", 1)[1].split()])
        elif line.strip().lower().startswith("cost"):
            cost = int(float(line.split()[1]))
    # .sol customers are numbered 1..n with the depot (file node 1) left out: already our indices.
    return routes, cost


def read_references(csv_path: Path | None) -> dict[str, float]:
    """Published values by instance, an ``optimal`` row preferred over a ``best_known`` one."""
    if csv_path is None or not Path(csv_path).exists():
        return {}
    best: dict[str, tuple[int, float]] = {}
    with open(csv_path, newline="") as fh:
        for row in csv.DictReader(fh):
            rank = _KIND_RANK.get(row["kind"], 9)
            if row["instance"] not in best or rank < best[row["instance"]][0]:
                best[row["instance"]] = (rank, float(row["objective"]))
    return {k: v for k, (_, v) in best.items()}


def reference_for(path: Path, references: dict[str, float]) -> float | None:
    if path.stem in references:
        return references[path.stem]
    sol = path.with_suffix(".sol")
    return float(read_sol(sol)[1]) if sol.exists() else None


def _default_optima(files: list[Path]) -> Path | None:
    # optima.csv lives in the family folder, one level above set folders such as augerat_A/.
    for f in files[:1]:
        for folder in (f.parent, f.parent.parent):
            if (folder / "optima.csv").exists():
                return folder / "optima.csv"
    return None


def solve_file(path: Path, time_limit: float, seed: int, reference: float | None, workers: int = 1) -> Row:
    """Read one instance, route it through ``solve_routes`` and compare with the reference."""
    problem = read_vrp(path)
    cpu = time.process_time()
    result = solve_routes(problem, time_limit=time_limit, seed=seed, workers=workers)
    # A time-limited search is only as good as the CPU it got: log it, so a run on a busy
    # machine can be told from a weak one (this process only, not helper searches).
    log.info("cvrp %s: %s %s ref %s, %.1f s wall, %.1f s CPU", problem.name, result.status, result.objective,
             reference, result.seconds, time.process_time() - cpu)
    objective = result.objective if result.feasible else None
    gap = None
    if objective is not None and reference:
        gap = round((objective - reference) / reference, 6)
    return Row(Path(path).stem, result.status, objective, None, reference, gap, round(result.seconds, 3))


class Outcome(NamedTuple):
    """What the bench registry reads from a solve: no bound (heuristic), no value unless valid."""

    status: str
    objective: int | None
    best_bound: None
    seconds: float


def read_cases(path: Path) -> list:
    """The registry's reader: one case per file, named by the file stem as optima.csv names it."""
    from optimizer.bench.runner import Case  # late: the runner's registry imports this module

    return [Case(Path(path).stem, read_vrp(path), 1)]


def solve_case(problem: RoutingProblem, *, time_limit: float, workers: int, seed: int) -> Outcome:
    """The registry's solve: the product's routing stage, its value reported only when every rule holds."""
    result = solve_routes(problem, time_limit=time_limit, seed=seed, workers=workers)
    return Outcome(result.status, result.objective if result.feasible else None, None, result.seconds)


def run(files: Iterable[Path], time_limit: float = 60.0, workers: int = 2, seed: int = 0,
        optima: Path | dict[str, float] | None = None,
        progress: Callable[[Row], None] | None = None) -> list[Row]:
    """Route each instance in turn through the product's routing stage and compare with its reference.

    ``workers`` independent searches run at once on each instance (one core each, best
    kept); ``optima`` is an optima.csv path or a ready mapping, by default the optima.csv
    beside the files or one folder up, and X ``.sol`` files fill in what it lacks.
    """
    files = [Path(f) for f in files]
    if isinstance(optima, dict):
        references = dict(optima)
    else:
        references = read_references(optima or _default_optima(files))
    rows: list[Row] = []
    for path in files:
        rows.append(solve_file(path, time_limit, seed, reference_for(path, references), workers))
        if progress:
            progress(rows[-1])
    return rows


def write_csv(rows: list[Row], path: Path) -> None:
    """The rows with exactly the benchmark columns; empty cells for missing values."""
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for r in rows:
            out.writerow(["" if v is None else v for v in r])
