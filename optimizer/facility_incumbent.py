"""A good first plan for the MIP engine, handed to the solver as a cutoff.

Rule: for single-source capacitated problems, open the sites the LP relaxation likes
most (as many as the fewest able to hold demand, one more, and the LP's own rounding),
pack clients into them, then improve each start by exact neighbourhood re-packing
(4 open + 3 closed sites per neighbourhood). Split-demand capacitated problems open the
LP's favourite sites for a few site counts and ship by a transportation LP. Other problems
use the greedy plan. The solver's proof time depends steeply on how close this plan is
to the optimum (see docs/benchmarks.md), which is why it is worth seconds.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from optimizer.facility_heuristic import _assign_single, _Data, _improve_single, greedy_solution
from optimizer.facility_lns import improve_by_repacking, solve_sub_mip
from optimizer.facility_mip import HighsRun, build_mip, min_open_sites
from optimizer.facility_problem import FacilityProblem, FacilitySolution, evaluate, single_source_plan

log = logging.getLogger(__name__)


def lp_guided_applies(p: FacilityProblem) -> bool:
    """The LP-guided starts cover plain single-source capacitated problems."""
    return (p.single_source and not any(c is None for c in p.capacities)
            and p.open_count is None and p.unserved_penalty is None)


def lp_open_levels(p: FacilityProblem) -> np.ndarray | None:
    """Fractional open level of each site in the strong LP relaxation."""
    mm = build_mip(p, integral=False)
    values = HighsRun(mm, time_limit=60.0, seed=0).run().values()
    return None if values is None else values[mm.y]


def _pack(p: FacilityProblem, data: _Data, cost: np.ndarray, open_mask: np.ndarray) -> np.ndarray | None:
    """Clients onto the given open sites: greedy orders first, else a short exact packing MIP."""
    site = _assign_single(data, open_mask)
    if site is None:
        site = solve_sub_mip(p, cost, np.arange(p.num_clients), np.flatnonzero(open_mask), time_limit=2.0)
        if site is None:
            return None
    return _improve_single(data, open_mask, site, time.perf_counter() + 1.0)


def lp_starts(p: FacilityProblem) -> list[FacilitySolution]:
    """Plans opening the LP's favourite sites, one per candidate site count."""
    y = lp_open_levels(p)
    if y is None:
        return []
    data, cost = _Data(p), p.cost_matrix()
    caps = np.asarray(p.capacities, dtype=float)
    order = np.argsort(-y, kind="stable")
    fewest = min_open_sites(p)
    starts = []
    for k in sorted({fewest, fewest + 1, int((y >= 0.5).sum())}):
        mask = np.zeros(p.num_sites, dtype=bool)
        mask[order[:k]] = True
        if caps[mask].sum() < p.total_demand:
            continue
        site = _pack(p, data, cost, mask)
        if site is not None:
            starts.append(single_source_plan(p, site))
    return starts


def improve_all(p: FacilityProblem, starts: list[FacilitySolution], *, deadline: float,
                size: int = 4, extra: int = 3, stop=None, threads: int = 1,
                on_improve=None, on_result=None, nice: int = 0) -> list[FacilitySolution]:
    """Each start after exact neighbourhood re-packing (neighbourhoods of ``size`` open + ``extra`` closed).

    4 + 3 measured best on the Holmberg set: 3 + 2 stalls 0.5-1 % above the optimum on
    the tight p29-p32, and running 3 + 2 first only adds time. Starts are independent,
    so with ``threads`` > 1 they run side by side (the sub-MIPs release the GIL); each
    result depends only on its start, so the outcome does not depend on ``threads``.
    ``on_result(plan)`` is called as each start's re-packing ends (in its thread), so that a
    proof can start from it while the other starts are still re-packed; ``nice`` lowers the
    threads' priority below such a proof's.
    """
    def one(s: FacilitySolution) -> FacilitySolution:
        done = improve_by_repacking(p, s, deadline=deadline, size=size, extra=extra, stop=stop,
                                    on_improve=on_improve)
        if on_result is not None:
            on_result(done)
        return done

    if threads <= 1 or len(starts) <= 1:
        return [one(s) for s in starts]

    # ``nice`` > 0 lowers the pool threads' priority: a proof beside them gets its core first
    with ThreadPoolExecutor(max_workers=threads, initializer=_yield_cpu, initargs=(nice,)) as pool:
        return list(pool.map(one, starts))


def _yield_cpu(nice: int) -> None:
    """Lower this (pool) thread's scheduling priority by ``nice``, where the system allows it."""
    if not nice:
        return
    import os
    import threading

    try:
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + nice))
    except (AttributeError, OSError):
        pass


def split_lp_applies(p: FacilityProblem) -> bool:
    """The LP-rounded split-demand start covers plain capacitated problems with split demand."""
    return (not p.single_source and not any(c is None for c in p.capacities)
            and p.open_count is None and p.unserved_penalty is None)


def _transport(p: FacilityProblem, open_mask: np.ndarray) -> FacilitySolution | None:
    """Cheapest split of every client's demand over the given open sites (a transportation LP in units)."""
    idx = np.flatnonzero(open_mask)
    caps = np.asarray(p.capacities, dtype=float)[idx]
    if caps.sum() < p.total_demand:
        return None
    d = np.asarray(p.demands, dtype=float)
    cost = p.cost_matrix()[:, idx]
    client, k = np.nonzero(cost != -1)
    arcs = np.arange(len(client))
    res = linprog(cost[client, k] / np.maximum(d[client], 1),
                  A_ub=csr_matrix((np.ones(len(arcs)), (k, arcs)), shape=(len(idx), len(arcs))), b_ub=caps,
                  A_eq=csr_matrix((np.ones(len(arcs)), (client, arcs)), shape=(p.num_clients, len(arcs))), b_eq=d,
                  bounds=(0, None), method="highs-ds")
    if res.status != 0:
        return None
    # a vertex of a transportation LP with whole demands and capacities ships whole units
    units = np.rint(res.x).astype(np.int64)
    if np.abs(res.x - units).max(initial=0.0) > 1e-6:
        return None  # not a vertex: leave it to the MIP
    assignment: list[dict[int, int]] = [{} for _ in range(p.num_clients)]
    for i, kk, q in zip(client[units > 0], k[units > 0], units[units > 0]):
        assignment[int(i)][int(idx[kk])] = int(q)
    if any(sum(a.values()) != p.demands[i] for i, a in enumerate(assignment)):
        return None
    used = sorted({j for a in assignment for j in a})
    sol = FacilitySolution(used, assignment, [0] * p.num_clients, 0.0)
    return FacilitySolution(used, assignment, sol.unserved, evaluate(p, sol))


def split_lp_start(p: FacilityProblem) -> FacilitySolution | None:
    """Split demand: open the sites the LP relaxation likes most, for a few site counts, and ship optimally.

    Counts tried: the fewest sites able to hold demand, the LP's sites at level >= 0.5, all
    sites it opens at all, and those fully open. Each is priced exactly by a transportation
    LP (about 10 ms at 50 x 50); the cheapest, after flipping or swapping each site the LP
    left undecided, becomes the MIP's cutoff, which on OR-Library cap111-cap134 halves the
    proof time even when it is 0.5 % above the optimum.
    """
    if not split_lp_applies(p):
        return None
    y = lp_open_levels(p)
    if y is None:
        return None
    order = np.argsort(-y, kind="stable")
    plans = []
    for k in sorted({min_open_sites(p), int((y >= 0.5).sum()), int((y > 1e-6).sum()), int((y >= 1 - 1e-6).sum())}):
        mask = np.zeros(p.num_sites, dtype=bool)
        mask[order[:k]] = True
        plans.append(_transport(p, mask))
    best = best_of(plans)
    # then flip, and swap for a closed site that suits its clients, each site the LP left
    # undecided (fractional level)
    undecided = np.flatnonzero((y > 1e-6) & (y < 1 - 1e-6))
    if best is not None:
        for j in undecided:
            mask = np.isin(np.arange(p.num_sites), best.open_sites)
            mask[j] = not mask[j]
            best = best_of([best, _transport(p, mask)])
        best = best_of([best, *_swaps(p, best, undecided)])
    return best


def _swaps(p: FacilityProblem, plan: FacilitySolution, undecided: np.ndarray, tries: int = 2) -> list:
    """Close an undecided open site and open instead one of the closed sites cheapest for its clients."""
    unit = p.cost_matrix() / np.maximum(np.asarray(p.demands, dtype=float), 1)[:, None]
    fixed, caps = np.asarray(p.fixed_costs, float), np.asarray(p.capacities, float)
    opened = np.isin(np.arange(p.num_sites), plan.open_sites)
    out = []
    for a in undecided[opened[undecided]]:
        served = np.zeros(p.num_clients)
        for i, shares in enumerate(plan.assignment):
            served[i] = shares.get(int(a), 0)
        load = served.sum()
        # what taking over a's clients would cost each closed site big enough to hold them
        price = np.where(~opened & (caps >= load), fixed + served @ unit, np.inf)
        for b in np.argsort(price, kind="stable")[:tries]:
            if np.isfinite(price[b]):
                mask = opened.copy()
                mask[a], mask[b] = False, True
                out.append(_transport(p, mask))
    return out


def best_of(plans: list[FacilitySolution | None]) -> FacilitySolution | None:
    plans = [s for s in plans if s is not None]
    return min(plans, key=lambda s: s.objective) if plans else None


def incumbent_for(p: FacilityProblem, *, deadline: float) -> FacilitySolution | None:
    """Best plan the heuristics find before ``deadline`` (None when they find none)."""
    if not p.single_source and not p.uncapacitated:
        return split_lp_start(p)
    if not lp_guided_applies(p):
        return greedy_solution(p, time_budget=max(0.0, min(2.0, deadline - time.perf_counter())))
    starts = lp_starts(p)
    if not starts:
        return greedy_solution(p, time_budget=max(0.0, min(2.0, deadline - time.perf_counter())))
    best = best_of(improve_all(p, starts, deadline=deadline))
    log.debug("incumbent %s: %s", p.name, best.objective)
    return best
