"""A good first plan for the MIP engine, handed to the solver as a cutoff.

Rule: for single-source capacitated problems, open the sites the LP relaxation likes
most (the fewest able to hold demand, and the LP's own rounding), pack clients into
them, and improve by exact neighbourhood re-packing; otherwise use the greedy plan.
"""
from __future__ import annotations

import logging
import time

import numpy as np

from optimizer.facility_heuristic import _assign_single, _Data, _improve_single, greedy_solution
from optimizer.facility_lns import improve_by_repacking, solve_sub_mip
from optimizer.facility_mip import build_mip, min_open_sites
from optimizer.facility_problem import FacilityProblem, FacilitySolution, evaluate

log = logging.getLogger(__name__)


def lp_open_levels(p: FacilityProblem) -> np.ndarray | None:
    """Fractional open level of each site in the strong LP relaxation."""
    from optimizer.facility_engines import HighsRun

    mm = build_mip(p, integral=False)
    run = HighsRun(mm, time_limit=60.0, seed=0).run()
    values = run.values()
    return None if values is None else values[mm.y]


def _pack(p: FacilityProblem, data: _Data, cost: np.ndarray, open_mask: np.ndarray) -> np.ndarray | None:
    """Clients onto the given open sites: greedy by regret, else a short exact packing MIP."""
    site = _assign_single(data, open_mask)
    if site is None:
        site = solve_sub_mip(p, cost, np.arange(p.num_clients), np.flatnonzero(open_mask), time_limit=1.0)
        if site is None:
            return None
    return _improve_single(data, open_mask, site, time.perf_counter() + 1.0)


def _plan(p: FacilityProblem, open_mask: np.ndarray, site: np.ndarray) -> FacilitySolution:
    assignment = [{int(site[i]): int(p.demands[i])} for i in range(p.num_clients)]
    used = sorted(set(int(j) for j in site))
    sol = FacilitySolution(used, assignment, [0] * p.num_clients, 0.0)
    return FacilitySolution(used, assignment, sol.unserved, evaluate(p, sol))


def incumbent_for(p: FacilityProblem, *, deadline: float) -> FacilitySolution | None:
    """Best plan the heuristics find before ``deadline`` (None when they find none)."""
    greedy = greedy_solution(p, time_budget=max(0.0, min(1.0, deadline - time.perf_counter())))
    if not (p.single_source and not p.uncapacitated and p.open_count is None and p.unserved_penalty is None):
        return greedy
    y = lp_open_levels(p)
    if y is None:
        return greedy
    data, cost = _Data(p), p.cost_matrix()
    caps = np.asarray(p.capacities, dtype=float)
    order = np.argsort(-y, kind="stable")
    sizes = {min_open_sites(p), min_open_sites(p) + 1, int((y >= 0.5).sum())}
    best = greedy
    for k in sorted(sizes):
        if time.perf_counter() >= deadline:
            break
        mask = np.zeros(p.num_sites, dtype=bool)
        mask[order[:k]] = True
        if caps[mask].sum() < p.total_demand:
            continue
        site = _pack(p, data, cost, mask)
        if site is None:
            continue
        plan = improve_by_repacking(p, _plan(p, mask, site), deadline=deadline)
        if best is None or plan.objective < best.objective:
            best = plan
    log.debug("incumbent %s: %s", p.name, None if best is None else best.objective)
    return best
