"""Facility-location input and output records shared by every engine.

Units: every number is an integer in the caller's own units. Demands and capacities
are demand units (e.g. swabs per day); fixed costs, assignment costs and unserved
penalties are cost units. CP-SAT never sees floats, so callers with fractional data
scale it first (the benchmark readers multiply by a power of ten and report the scale).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

FORBIDDEN = -1
"""Marker for a forbidden client-site pair in a dense cost matrix."""


@dataclass(frozen=True)
class CostArcs:
    """Allowed client-site pairs in compressed rows: client i owns ``indptr[i]:indptr[i+1]``."""

    indptr: np.ndarray
    site: np.ndarray
    cost: np.ndarray

    def of(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Sites allowed to serve client ``i`` and the cost of serving all of it there."""
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.site[lo:hi], self.cost[lo:hi]


@dataclass(frozen=True, eq=False)  # eq=False: a numpy cost matrix has no truth value
class FacilityProblem:
    """Open sites and assign every client's demand to open sites at least total cost.

    ``costs`` is the cost of serving ALL of client i's demand from site j. Give it either
    as a dense clients x sites integer matrix (numpy array or nested lists) where
    ``FORBIDDEN`` (-1) marks a pair that may not be used, or as a list with one
    ``{site: cost}`` dict per client (absent sites are forbidden), which is the
    memory-sane choice for sparse sampling data. A 900 x 900 dense numpy matrix is 6 MB.

    ``capacities[j]`` is None for an uncapacitated site. ``single_source`` requires each
    client to be served by exactly one site; otherwise demand may be split and a share
    costs ``costs[i][j] * served_units / demands[i]``. ``open_count`` fixes the number of
    open sites (p-median). ``unserved_penalty[i]``, when given, allows leaving client i
    (partly) unserved at that penalty per full demand; otherwise every client is served.
    """

    capacities: Sequence[int | None]
    fixed_costs: Sequence[int]
    demands: Sequence[int]
    costs: object
    single_source: bool = True
    open_count: int | None = None
    unserved_penalty: Sequence[int] | None = None
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        m, n = len(self.fixed_costs), len(self.demands)
        if len(self.capacities) != m:
            raise ValueError(f"{len(self.capacities)} capacities for {m} sites")
        if self.unserved_penalty is not None and len(self.unserved_penalty) != n:
            raise ValueError(f"{len(self.unserved_penalty)} penalties for {n} clients")
        if any(d < 0 for d in self.demands) or any(c is not None and c < 0 for c in self.capacities):
            raise ValueError("demands and capacities must be non-negative")
        if self.open_count is not None and not 0 <= self.open_count <= m:
            raise ValueError(f"open_count {self.open_count} outside 0..{m}")
        arcs = self.arcs  # validates the cost structure eagerly
        if arcs.site.size and (arcs.site.min() < 0 or arcs.site.max() >= m):
            raise ValueError("a cost refers to a site that does not exist")

    @property
    def num_sites(self) -> int:
        return len(self.fixed_costs)

    @property
    def num_clients(self) -> int:
        return len(self.demands)

    @property
    def total_demand(self) -> int:
        return int(sum(self.demands))

    @property
    def uncapacitated(self) -> bool:
        """True when no site has a capacity, so each client simply takes its cheapest open site."""
        return all(c is None for c in self.capacities)

    @functools.cached_property
    def arcs(self) -> CostArcs:
        """The allowed pairs as compressed rows, whatever form ``costs`` was given in."""
        n = self.num_clients
        if isinstance(self.costs, np.ndarray) or (
            len(self.costs) and not isinstance(self.costs[0], Mapping)
        ):
            dense = np.asarray(self.costs, dtype=np.int64)
            if dense.shape != (n, self.num_sites):
                raise ValueError(f"cost matrix shape {dense.shape}, expected {(n, self.num_sites)}")
            if (dense < FORBIDDEN).any():
                raise ValueError("costs must be >= 0 (or FORBIDDEN)")
            ok = dense != FORBIDDEN
            indptr = np.concatenate([[0], np.cumsum(ok.sum(axis=1))]).astype(np.int64)
            rows, cols = np.nonzero(ok)
            return CostArcs(indptr, cols.astype(np.int32), dense[rows, cols])
        if len(self.costs) != n:
            raise ValueError(f"{len(self.costs)} cost rows for {n} clients")
        sizes = [len(row) for row in self.costs]
        indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        site = np.fromiter((j for row in self.costs for j in sorted(row)), np.int32, indptr[-1])
        cost = np.fromiter(
            (row[j] for row in self.costs for j in sorted(row)), np.int64, indptr[-1]
        )
        if (cost < 0).any():
            raise ValueError("costs must be >= 0")
        return CostArcs(indptr, site, cost)

    def cost_matrix(self, forbidden: int = FORBIDDEN) -> np.ndarray:
        """Dense clients x sites costs with ``forbidden`` where a pair is not allowed."""
        out = np.full((self.num_clients, self.num_sites), forbidden, dtype=np.int64)
        a = self.arcs
        rows = np.repeat(np.arange(self.num_clients), np.diff(a.indptr))
        out[rows, a.site] = a.cost
        return out


@dataclass(frozen=True)
class FacilitySolution:
    """Which sites open and how each client is served.

    ``assignment[i]`` maps site -> demand units of client i served there (one entry in
    the single-source case, none when i is left unserved); ``unserved[i]`` is the units
    left unserved. ``objective`` is in the problem's cost units (exact for single-source;
    for split demand it is the exact rational value rounded to float).
    """

    open_sites: list[int]
    assignment: list[dict[int, int]]
    unserved: list[int]
    objective: float

    def site_of(self, i: int) -> int | None:
        """The one site serving client i (single-source), or None if unserved."""
        return next(iter(self.assignment[i]), None)


@dataclass(frozen=True)
class FacilityResult:
    """Outcome of one standalone solve: status, objective, proven bound and timing."""

    status: str
    objective: float | None
    best_bound: float | None
    gap: float | None
    seconds: float
    solution: FacilitySolution | None
    engine: str = ""


def evaluate(problem: FacilityProblem, solution: FacilitySolution) -> float:
    """Recompute the objective of a solution from the data: fixed + share of costs + penalties."""
    cost = np.asarray(problem.cost_matrix())
    total = sum(problem.fixed_costs[j] for j in solution.open_sites)
    for i, served in enumerate(solution.assignment):
        d = problem.demands[i]
        for j, q in served.items():
            if problem.single_source:
                total += cost[i, j]  # a single-source client pays the full cost
            elif d:
                total += cost[i, j] * q / d
        if solution.unserved[i] and problem.unserved_penalty is not None:
            total += problem.unserved_penalty[i] * (1 if problem.single_source else solution.unserved[i] / d)
    return float(total)


def violations(problem: FacilityProblem, solution: FacilitySolution) -> list[str]:
    """Broken rules of a plan: unserved demand without a penalty, closed or forbidden sites, overload."""
    p, out = problem, []
    cost = p.cost_matrix()
    opened = set(solution.open_sites)
    load = np.zeros(p.num_sites)
    for i, served in enumerate(solution.assignment):
        if sum(served.values()) + solution.unserved[i] != p.demands[i]:
            out.append(f"client {i}: served + unserved != demand")
        if solution.unserved[i] and p.unserved_penalty is None:
            out.append(f"client {i}: left unserved")
        if p.single_source and len(served) > 1:
            out.append(f"client {i}: split over {len(served)} sites")
        for j, q in served.items():
            if j not in opened or cost[i, j] == FORBIDDEN:
                out.append(f"client {i}: served by closed or forbidden site {j}")
            load[j] += q
    for j, c in enumerate(p.capacities):
        if c is not None and load[j] > c:
            out.append(f"site {j}: load {load[j]:g} over capacity {c}")
    if p.open_count is not None and len(opened) != p.open_count:
        out.append(f"{len(opened)} sites open, {p.open_count} required")
    return out


def single_source_plan(problem: FacilityProblem, site) -> FacilitySolution:
    """The plan serving each client whole at ``site[client]``, its sites those used, with its cost."""
    n = problem.num_clients
    assignment = [{int(site[i]): int(problem.demands[i])} for i in range(n)]
    used = sorted({int(j) for j in site})
    sol = FacilitySolution(used, assignment, [0] * n, 0.0)
    return FacilitySolution(used, assignment, sol.unserved, evaluate(problem, sol))

