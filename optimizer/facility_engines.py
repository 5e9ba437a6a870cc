"""Standalone solve engines behind ``solve_facility``: CP-SAT (shared formulation) and HiGHS MIP.

Rule for choosing (engine="auto"), from measurements on the public benchmarks
(docs/benchmarks.md): problems with split demand or without capacities go to the MIP
(exact fractions; near-integral LP for p-median), split demand after an LP-rounded plan
handed over as a cutoff; single-source capacitated problems go
to the MIP as well, after an LP-guided heuristic whose plan is handed over as a cutoff,
because the solver's proof time collapses once it knows a near-optimal plan.
"""
from __future__ import annotations

import logging
import math
import threading
import time

import numpy as np
from ortools.sat.python import cp_model

from optimizer.facility_mip import HighsRun, MipModel, StoppableRun, build_mip
from optimizer.facility_problem import FacilityProblem, FacilityResult, FacilitySolution, evaluate, violations

log = logging.getLogger(__name__)


def _gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(1.0, abs(objective))


def decode(p: FacilityProblem, mm: MipModel, values: np.ndarray) -> FacilitySolution:
    """Turn a MIP vector into open sites and served units per client."""
    open_mask = values[mm.y] > 0.5
    n = p.num_clients
    if mm.kind == "radius":
        return nearest_open_plan(p, open_mask)
    share = values[mm.x]
    assignment: list[dict[int, int]] = [{} for _ in range(n)]
    units = np.rint(share * np.asarray(p.demands)[mm.arc_client]).astype(int)
    use = share > 0.5 if p.single_source else units > 0
    for i, j, q in zip(mm.arc_client[use], mm.arc_site[use], units[use]):
        assignment[int(i)][int(j)] = int(q) if not p.single_source else int(p.demands[i])
    unserved = [int(p.demands[i]) - sum(a.values()) for i, a in enumerate(assignment)]
    sol = FacilitySolution([int(j) for j in np.flatnonzero(open_mask)], assignment, unserved, 0.0)
    return FacilitySolution(sol.open_sites, assignment, unserved, evaluate(p, sol))


def nearest_open_plan(p: FacilityProblem, open_mask: np.ndarray) -> FacilitySolution:
    """Uncapacitated rule: each client to its cheapest open site, or unserved if the penalty is lower."""
    cost = p.cost_matrix().astype(float)
    cost[cost < 0] = np.inf
    cost[:, ~open_mask] = np.inf
    best = np.argmin(cost, axis=1)
    best_cost = cost[np.arange(p.num_clients), best]
    penalty = np.full(p.num_clients, np.inf) if p.unserved_penalty is None else np.asarray(p.unserved_penalty, float)
    assignment = [
        {int(j): int(p.demands[i])} if best_cost[i] <= penalty[i] and np.isfinite(best_cost[i]) else {}
        for i, j in enumerate(best)
    ]
    unserved = [int(p.demands[i]) - sum(a.values()) for i, a in enumerate(assignment)]
    sol = FacilitySolution([int(j) for j in np.flatnonzero(open_mask)], assignment, unserved, 0.0)
    return FacilitySolution(sol.open_sites, assignment, unserved, evaluate(p, sol))


REPACK_MIN_SITES = 14
"""Re-pack only problems with more sites than two neighbourhoods (4 open + 3 closed each).
On Holmberg p50 (10 sites) a neighbourhood is 7 of them: re-packing then proving took
3.5-4.5 CPU s, one proof from the LP-rounded plan 2.8 (load 7-10, 29 Nov)."""


def _integer_objective(p: FacilityProblem) -> bool:
    # split shares cost cost * units / demand (rational), unless sites are uncapacitated:
    # then a client takes its cheapest open site whole
    return p.single_source or p.uncapacitated


def _cutoff(p: FacilityProblem, plan: FacilitySolution | None) -> float | None:
    """Prune everything worse than the plan; plans as good stay reachable despite rounding."""
    if plan is None:
        return None
    return plan.objective + (0.5 if _integer_objective(p) else 1e-7 * max(1.0, abs(plan.objective)))


def solve_mip_engine(p: FacilityProblem, *, time_limit: float, workers: int, seed: int) -> FacilityResult:
    """Heuristic incumbent, then HiGHS with that incumbent as cutoff.

    With two or more workers on a single-source capacitated problem, a HiGHS proof from
    the LP-rounded plans runs on one thread while the others improve them by re-packing;
    easy instances end in that proof (and the re-packing stops); on the rest the proof
    takes each cheaper plan the re-packing finds as it runs.
    """
    from optimizer.facility_incumbent import best_of, improve_all, incumbent_for, lp_guided_applies, lp_starts
    from optimizer.facility_radius import build_radius

    start = time.perf_counter()
    deadline = start + time_limit
    heuristic_deadline = start + 0.3 * time_limit
    build = build_radius if p.uncapacitated else build_mip
    if p.uncapacitated:
        return _solve_uncapacitated(p, start=start, deadline=deadline, seed=seed)
    if workers < 2 or not lp_guided_applies(p):
        incumbent = incumbent_for(p, deadline=heuristic_deadline)
        log.debug("%s: incumbent %s after %.2fs", p.name, incumbent and incumbent.objective,
                  time.perf_counter() - start)
        run = HighsRun(build(p), time_limit=deadline - time.perf_counter(), seed=seed,
                       cutoff=_cutoff(p, incumbent), own_heuristics=incumbent is None).run()
        return _result(p, [run], [incumbent], start)
    quick = lp_starts(p)  # cheap: small instances are often proven before any re-packing ends
    log.debug("%s: quick incumbent %s after %.2fs", p.name, best_of(quick) and best_of(quick).objective,
              time.perf_counter() - start)
    if quick and p.num_sites <= REPACK_MIN_SITES:
        # a neighbourhood would be most of the problem: re-packing costs what a proof costs
        run = HighsRun(build(p), time_limit=deadline - time.perf_counter(), seed=seed,
                       cutoff=_cutoff(p, best_of(quick)), own_heuristics=False).run()
        return _result(p, [run], quick, start)
    # One proof runs from the LP-rounded plans beside the re-packing and ends the search;
    # easy instances are proven before any re-packing ends (which is then stopped). Each
    # cheaper plan the re-packing finds is handed to the running proof (HiGHS's user-solution
    # callback), which keeps its root cuts and tree: restarting from each cheaper plan threw
    # away 1.5 s of work on p27 (4.0 s in all, now 2.1-2.6). HiGHS asks for plans only
    # between dives, though, and not at all through long stretches of its root node (7 s on
    # p31); a plan it has not taken within STALE_S restarts the proof from that plan's cutoff,
    # which on p30-p32 matters more than the tree (p31 from 13,592: 77 s; from 13,331: 3 s).
    # With a plan in hand HiGHS's own heuristics cost more than they find (measured 2-5x on
    # p27-p51 even when the plan is 0.5 % above the optimum), so they are switched off.
    mm = build(p)
    lock = threading.Lock()
    done = threading.Event()
    best = [best_of(quick)]
    offered: list[FacilitySolution | None] = [None]  # cheaper than what the proof holds, not yet taken
    offered_at = [math.inf]

    def found(plan: FacilitySolution) -> None:
        with lock:
            if best[0] is None or plan.objective < best[0].objective - 1e-9:
                best[0] = offered[0] = plan
                offered_at[0] = min(offered_at[0], time.perf_counter())

    def take() -> np.ndarray | None:
        with lock:
            plan, offered[0], offered_at[0] = offered[0], None, math.inf
        if plan is not None:
            log.debug("%s: proof takes %s after %.2fs", p.name, plan.objective, time.perf_counter() - start)
        return None if plan is None else encode(p, mm, plan)

    def stale() -> bool:
        return time.perf_counter() - offered_at[0] > STALE_S

    runs: list[StoppableRun] = []

    def prove() -> None:
        plan = best[0]
        while True:
            run = StoppableRun(mm, time_limit=deadline - time.perf_counter(), seed=seed,
                               cutoff=_cutoff(p, plan), own_heuristics=plan is None, offers=take, stop=stale)
            runs.append(run.run())
            if run.optimal or run.infeasible:
                done.set()
                return
            if time.perf_counter() >= deadline or run.reason != "interrupted":
                return  # out of time
            with lock:
                plan, offered[0], offered_at[0] = best[0], None, math.inf
            log.debug("%s: proof again from %s after %.2fs", p.name, plan.objective, time.perf_counter() - start)

    proof = threading.Thread(target=prove)
    proof.start()
    plans = list(quick)
    plans.extend(improve_all(p, quick, deadline=heuristic_deadline, stop=done.is_set, threads=workers,
                             on_improve=found, on_result=found, nice=NICE))
    proof.join()
    return _result(p, runs, plans, start)


def encode(p: FacilityProblem, mm: MipModel, plan: FacilitySolution) -> np.ndarray:
    """A plan as the MIP's column values (the inverse of ``decode``)."""
    values = np.zeros(len(mm.model.variables.ids))
    values[mm.y[plan.open_sites]] = 1.0
    arc = {(int(i), int(j)): int(k) for k, (i, j) in enumerate(zip(mm.arc_client, mm.arc_site))}
    for i, served in enumerate(plan.assignment):
        for j, units in served.items():
            values[mm.x[arc[i, j]]] = units / p.demands[i]
    if mm.u is not None:
        values[mm.u] = np.asarray(plan.unserved, dtype=float) / np.maximum(1, np.asarray(p.demands))
    return values


STALE_S = 0.5
"""Seconds a cheaper plan may wait for the running proof to take it before the proof restarts from it."""

NICE = 10
"""How much lower the re-packing threads run than the proof beside them: three threads share two
cores, and the proof is what ends the search. The gain is small against p29's spread: 13 runs
each, 2.2-3.9 s (mean 3.0) against 2.0-4.5 s (mean 3.2) at the same priority (29 Nov, session 9)."""


LAGRANGIAN_STARTS = 4
"""Site sets met by the Lagrangian relaxation that also seed the swap search (uncapacitated)."""


def _solve_uncapacitated(p: FacilityProblem, *, start: float, deadline: float, seed: int) -> FacilityResult:
    """Greedy + swap plan, Lagrangian site elimination, then the radius MIP on the sites left."""
    from optimizer.facility_heuristic import greedy_solution
    from optimizer.facility_lagrange import best_choices, lagrangian_bound, relaxed_choice, restrict, usable_pairs
    from optimizer.facility_radius import build_radius

    budget = max(0.0, min(5.0, 0.1 * (deadline - start)))
    incumbent = greedy_solution(p, time_budget=budget)
    sub, idx = p, np.arange(p.num_sites)
    usable = None
    if incumbent is not None:
        choices: dict[bytes, np.ndarray] = {}
        info = lagrangian_bound(p, incumbent.objective, choices=choices)
        if info[1] is not None:
            # The relaxation's site sets are further starts for the swaps: its final choice and
            # the cheapest sets it met on the way (one local optimum is often 0.3 % off on
            # large p-median problems; a few Lagrangian starts reach the optimum).
            starts = [relaxed_choice(p, info[1]), *best_choices(p, choices, LAGRANGIAN_STARTS)]
            swap_deadline = time.perf_counter() + budget
            for start_open in starts:
                left = swap_deadline - time.perf_counter()
                if left <= 0:
                    break
                other = greedy_solution(p, time_budget=left, start_open=start_open.copy())
                if other is not None and other.objective < incumbent.objective:
                    incumbent = other
        usable = usable_pairs(p, incumbent.objective, info)
    if usable is not None:
        if p.unserved_penalty is None and not usable.any(axis=1).all():
            # some client cannot be served in any better plan: nothing beats the incumbent
            return _result(p, [], [incumbent], start, proven=True)
        sub, idx = restrict(p, usable)
    log.debug("%s: incumbent %s, %d of %d sites after %.2fs", p.name, incumbent and incumbent.objective,
              len(idx), p.num_sites, time.perf_counter() - start)
    # greedy + swap is usually optimal already: HiGHS's own heuristics would only slow the proof
    run = HighsRun(build_radius(sub), time_limit=deadline - time.perf_counter(), seed=seed,
                   cutoff=_cutoff(p, incumbent), own_heuristics=incumbent is None).run()
    found = []
    if run.values() is not None:
        open_mask = np.zeros(p.num_sites, dtype=bool)
        open_mask[idx[run.values()[run.mm.y] > 0.5]] = True
        found.append(nearest_open_plan(p, open_mask))
    return _result(p, [run], [incumbent, *found], start, decoded=True)


def _result(p: FacilityProblem, runs: list[HighsRun], plans: list, start: float, *,
            decoded: bool = False, proven: bool = False) -> FacilityResult:
    """Best plan over heuristics and runs; proven if some run closed the search."""
    from optimizer.facility_incumbent import best_of

    integer = _integer_objective(p)
    found = [] if decoded else [decode(p, r.mm, r.values()) for r in runs if r.values() is not None]
    valid = []
    for plan in list(plans) + found:  # a safety net: never report a plan that breaks a rule
        broken = violations(p, plan) if plan is not None else []
        if broken:
            log.warning("%s: dropping a plan of %.1f that breaks %s", p.name, plan.objective, broken[:3])
        elif plan is not None:
            valid.append(plan)
    best = best_of(valid)
    proven = proven or any(r.optimal or r.infeasible for r in runs)
    if proven and best is not None:
        status, bound = "OPTIMAL", best.objective  # the search closed: nothing beats the best plan
    elif proven:
        status, bound = "INFEASIBLE", None
    else:
        bounds = [r.bound() for r in runs if r.reason is not None and math.isfinite(r.bound())]
        bound = max(bounds) if bounds else None
        if integer and bound is not None:
            bound = math.ceil(bound - 1e-6)
        status = "UNKNOWN" if best is None else (
            "OPTIMAL" if bound is not None and bound >= best.objective - 1e-9 else "FEASIBLE")
    objective = None if best is None else (round(best.objective) if integer else best.objective)
    if bound is not None and objective is not None:
        bound = min(bound, objective)
    return FacilityResult(status, objective, bound, _gap(objective, bound),
                          time.perf_counter() - start, best, "mip")


def solve_cpsat_engine(p: FacilityProblem, *, time_limit: float, workers: int, seed: int) -> FacilityResult:
    """Build through ``add_facility_location`` and solve with CP-SAT at zero gap."""
    from optimizer.facility import add_facility_location

    start = time.perf_counter()
    model = cp_model.CpModel()
    fv = add_facility_location(model, p, standalone=True)
    model.minimize(fv.objective)
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.max_time_in_seconds = max(0.01, time_limit - (time.perf_counter() - start))
    prm.num_workers = max(1, workers)
    prm.random_seed = seed
    prm.relative_gap_limit = 0.0
    prm.absolute_gap_limit = 0.0
    code = solver.solve(model)
    status = solver.status_name(code)
    solution = objective = bound = None
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        solution = fv.extract(solver)
        objective = solver.objective_value / fv.scale
        bound = solver.best_objective_bound / fv.scale
        if fv.scale == 1:
            objective, bound = round(objective), math.ceil(bound - 1e-9)
    return FacilityResult(status, objective, bound, _gap(objective, bound),
                          time.perf_counter() - start, solution, "cpsat")
