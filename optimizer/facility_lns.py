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

from optimizer.facility_mip import HighsRun, build_mip
from optimizer.facility_problem import FacilityProblem, FacilitySolution, evaluate

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
    relative_gap: float = 0.0,
) -> np.ndarray | None:
    """Best site for each of ``clients`` using only ``sites`` (costing less than ``below``), or None."""
    sub = _sub_problem(p, cost, clients, sites)
    mm = build_mip(sub)
    run = HighsRun(mm, time_limit=time_limit, seed=0, cutoff=below, relative_gap=relative_gap).run()
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


class Repacker:
    """Exact neighbourhood re-packing of one plan, one neighbourhood per ``step()``.

    Stepping lets a caller interleave several starts and stop the moment a proof closes.
    Each neighbourhood's sub-MIP gets ``sub_limit`` seconds; one that cannot be settled
    in that time counts as settled (the proof, not the heuristic, has the last word).
    """

    def __init__(self, p: FacilityProblem, start: FacilitySolution, *, size: int = 3, extra: int = 2,
                 max_rounds: int = 20, sub_limit: float = 5.0):
        self.p, self.start, self.plan = p, start, start
        self.size, self.extra, self.max_rounds, self.sub_limit = size, extra, max_rounds, sub_limit
        self.cost = p.cost_matrix()
        self.site = np.array([start.site_of(i) for i in range(p.num_clients)])
        self.open_mask = np.zeros(p.num_sites, dtype=bool)
        self.open_mask[start.open_sites] = True
        self.done = False
        self._walk = self._neighbourhood_walk()

    def step(self) -> bool:
        """Re-pack the next unsettled neighbourhood; True when the plan got cheaper."""
        if self.done:
            return False
        try:
            return next(self._walk)
        except StopIteration:
            self.done = True
            return False

    def _neighbourhood_walk(self):
        p, cost = self.p, self.cost
        site, open_mask = self.site, self.open_mask
        settled: set[bytes] = set()  # neighbourhoods already re-packed without gain, unchanged since
        for _ in range(self.max_rounds):  # rounds, not seconds, keep the result reproducible
            improved = False
            for sites, clients in _neighbourhoods(cost, site, open_mask, self.size, self.extra):
                key = sites.tobytes() + clients.tobytes() + site[clients].tobytes() + open_mask[sites].tobytes()
                if key in settled:
                    continue
                current = sum(p.fixed_costs[j] for j in sites if open_mask[j]) + cost[clients, site[clients]].sum()
                new = solve_sub_mip(p, cost, clients, sites, time_limit=self.sub_limit, below=current - 0.5)
                if new is None:
                    settled.add(key)
                    yield False
                    continue
                site[clients] = new
                open_mask[sites] = np.isin(sites, new)
                improved = True
                self.plan = self._current()
                yield True
            if not improved:
                return

    def _current(self) -> FacilitySolution:
        p, n = self.p, self.p.num_clients
        assignment = [{int(self.site[i]): int(p.demands[i])} for i in range(n)]
        open_sites = sorted(set(int(j) for j in self.site))
        sol = FacilitySolution(open_sites, assignment, [0] * n, 0.0)
        return FacilitySolution(open_sites, assignment, sol.unserved, evaluate(p, sol))


def improve_by_repacking(
    p: FacilityProblem,
    start: FacilitySolution,
    *,
    deadline: float,
    size: int = 3,
    extra: int = 2,
    max_rounds: int = 20,
    stop=None,
) -> FacilitySolution:
    """Best plan found by exact neighbourhood re-packing until no neighbourhood improves.

    ``stop`` (a callable) lets a racing thread end the search early.
    """
    r = Repacker(p, start, size=size, extra=extra, max_rounds=max_rounds)
    while not r.done and time.perf_counter() < deadline and not (stop is not None and stop()):
        r.step()
    if r.plan.objective > start.objective + 1e-9:  # never hand back something worse
        return start
    log.debug("repacking %s: %.1f -> %.1f", p.name, start.objective, r.plan.objective)
    return r.plan
