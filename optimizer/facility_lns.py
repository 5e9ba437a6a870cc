"""Improve a single-source plan by re-optimising a few neighbouring sites at a time exactly.

Rule: pick an open site, the open sites nearest to its clients and the closed sites
that are cheap for all of them; free those clients and open/closed states, keep the
rest of the plan, and let the MIP solver find the best re-packing of that
neighbourhood. Tight capacities defeat move/swap local search; an exact re-pack does not.
"""
from __future__ import annotations

import logging
import time

import numpy as np

from optimizer.facility_mip import StoppableRun, build_mip
from optimizer.facility_problem import FacilityProblem, FacilitySolution, single_source_plan

log = logging.getLogger(__name__)


def _sub_problem(p: FacilityProblem, cost: np.ndarray, clients: np.ndarray, sites: np.ndarray) -> FacilityProblem:
    return FacilityProblem(
        capacities=[p.capacities[j] for j in sites],
        fixed_costs=[p.fixed_costs[j] for j in sites],
        demands=[p.demands[i] for i in clients],
        costs=cost[np.ix_(clients, sites)],
        single_source=True,
    )


def solve_sub_mip(
    p: FacilityProblem,
    cost: np.ndarray,
    clients: np.ndarray,
    sites: np.ndarray,
    *,
    time_limit: float,
    below: float | None = None,
    stop=None,
) -> np.ndarray | None:
    """Best site for each of ``clients`` using only ``sites`` (costing less than ``below``), or None.

    ``stop()`` turning true ends the sub-MIP early (None unless it already holds a plan).
    """
    sub = _sub_problem(p, cost, clients, sites)
    mm = build_mip(sub)
    run = StoppableRun(mm, time_limit=time_limit, cutoff=below, stop=stop).run()
    values = run.values()
    if values is None:
        return None
    if below is not None and run.objective() > below:
        return None  # HiGHS may report a plan above its cutoff
    x = values[mm.x] > 0.5
    site = np.empty(len(clients), dtype=int)
    site[mm.arc_client[x]] = sites[mm.arc_site[x]]
    return site


def _neighbourhoods(cost: np.ndarray, site: np.ndarray, open_mask: np.ndarray, size: int, extra: int):
    """For each open site: it, the open sites nearest to its clients, and cheap closed sites.

    Open/closed sets are re-read for every neighbourhood because the caller changes them
    between yields; every client of a chosen site is freed, so no load is left behind.
    """
    big = np.where(cost < 0, 1e12, cost).astype(float)
    for a in np.flatnonzero(open_mask):
        mine = np.flatnonzero(site == a)
        if not open_mask[a] or mine.size == 0:
            continue
        opened, closed = np.flatnonzero(open_mask), np.flatnonzero(~open_mask)
        pull = big[mine].mean(axis=0)  # how cheap each site is for a's clients
        near_open = [b for b in opened[np.argsort(pull[opened], kind="stable")] if b != a][: size - 1]
        group = [a, *near_open]
        pull_all = big[np.isin(site, group)].mean(axis=0)
        near_closed = list(closed[np.argsort(pull_all[closed], kind="stable")][:extra])
        sites = np.array(sorted(group + near_closed))
        yield sites, np.flatnonzero(np.isin(site, sites))


def improve_by_repacking(
    p: FacilityProblem,
    start: FacilitySolution,
    *,
    deadline: float,
    size: int = 3,
    extra: int = 2,
    max_rounds: int = 20,
    stop=None,
    on_improve=None,
) -> FacilitySolution:
    """Best plan found by exact neighbourhood re-packing until no neighbourhood improves.

    ``stop`` (a callable) lets a racing thread end the search early; ``on_improve(plan)`` is
    called with the plan after each re-pack that lowered the cost.
    """
    cost = p.cost_matrix()
    n = p.num_clients
    site = np.array([start.site_of(i) for i in range(n)])
    open_mask = np.zeros(p.num_sites, dtype=bool)
    open_mask[start.open_sites] = True
    settled: set[bytes] = set()  # neighbourhoods already re-packed without gain, unchanged since
    for _ in range(max_rounds):  # rounds, not seconds, keep the result reproducible
        improved = False
        for sites, clients in _neighbourhoods(cost, site, open_mask, size, extra):
            if time.perf_counter() >= deadline or (stop is not None and stop()):
                break
            key = sites.tobytes() + clients.tobytes() + site[clients].tobytes() + open_mask[sites].tobytes()
            if key in settled:
                continue
            current = sum(p.fixed_costs[j] for j in sites if open_mask[j]) + cost[clients, site[clients]].sum()
            new = solve_sub_mip(p, cost, clients, sites, time_limit=5.0, below=current - 0.5, stop=stop)
            if new is None:
                settled.add(key)
                continue
            site[clients] = new
            open_mask[sites] = np.isin(sites, new)
            improved = True
            if on_improve is not None:
                on_improve(single_source_plan(p, site))
        if not improved or time.perf_counter() >= deadline:
            break
    sol = single_source_plan(p, site)
    if sol.objective > start.objective + 1e-9:  # never hand back something worse
        return start
    log.debug("repacking %s: %.1f -> %.1f", p.name, start.objective, sol.objective)
    return sol
