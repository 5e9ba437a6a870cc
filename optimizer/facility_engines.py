"""Standalone solve engines behind ``solve_facility``: CP-SAT (shared formulation) and HiGHS MIP.

Rule for choosing (engine="auto"), from measurements on the public benchmarks
(docs/benchmarks.md): problems with split demand or without capacities go to the MIP
(exact fractions; near-integral LP for p-median); single-source capacitated problems go
to the MIP as well, after an LP-guided heuristic whose plan is handed over as a cutoff,
because the solver's proof time collapses once it knows a near-optimal plan.
"""
from __future__ import annotations

import logging
import math
import threading
import time

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh
from ortools.sat.python import cp_model

from optimizer.facility_mip import MipModel, build_mip
from optimizer.facility_problem import FacilityProblem, FacilityResult, FacilitySolution, evaluate

log = logging.getLogger(__name__)


def _gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(1.0, abs(objective))


class HighsRun:
    """One HiGHS solve of a built model with zero gap tolerance; ``stop()`` interrupts it."""

    def __init__(self, mm: MipModel, *, time_limit: float, seed: int, cutoff: float | None = None):
        self.mm = mm
        self.helper = mbh.ModelSolverHelper("highs")
        opts = ["output_flag=false", "mip_rel_gap=0", "mip_abs_gap=0", f"random_seed={seed}"]
        if cutoff is not None:
            opts.append(f"objective_bound={cutoff!r}")  # prune anything not better than this
        self.helper.set_solver_specific_parameters("\n".join(opts))
        self.helper.set_time_limit_in_seconds(max(time_limit, 0.01))
        self.status = None

    def run(self) -> "HighsRun":
        self.helper.solve(self.mm.model.helper)  # releases the GIL: races run in threads
        self.status = self.helper.status()
        return self

    def stop(self) -> None:
        self.helper.interrupt_solve()

    @property
    def optimal(self) -> bool:
        return self.status == mbh.SolveStatus.OPTIMAL

    def values(self) -> np.ndarray | None:
        return np.asarray(self.helper.variable_values()) if self.helper.has_solution() else None

    def bound(self) -> float:
        return float(self.helper.best_objective_bound())


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


def _integer_objective(p: FacilityProblem) -> bool:
    return p.single_source  # split shares cost cost * units / demand: rational


def solve_mip_engine(p: FacilityProblem, *, time_limit: float, workers: int, seed: int) -> FacilityResult:
    """Heuristic incumbent, then HiGHS with that incumbent as cutoff (raced on two seeds if allowed)."""
    from optimizer.facility_incumbent import incumbent_for
    from optimizer.facility_radius import build_radius

    start = time.perf_counter()
    deadline = start + time_limit
    build = build_radius if p.uncapacitated else build_mip
    mm = build(p)
    incumbent = incumbent_for(p, deadline=start + 0.25 * time_limit)
    integer = _integer_objective(p)
    cutoff = None
    if incumbent is not None:
        # any plan at least as good as the incumbent stays reachable; worse ones are pruned
        cutoff = incumbent.objective + (0.5 if integer else 1e-7 * max(1.0, abs(incumbent.objective)))
    seeds = [seed] if workers <= 1 or not p.single_source else [seed, seed + 1]
    # each racer gets its own copy of the model: solver backends are not shared between threads
    models = [mm] + [build(p) for _ in seeds[1:]]
    runs = [HighsRun(mdl, time_limit=deadline - time.perf_counter(), seed=s, cutoff=cutoff)
            for mdl, s in zip(models, seeds)]
    winner = _race(runs)
    best, status = incumbent, "UNKNOWN"
    values = winner.values()
    if values is not None:
        found = decode(p, winner.mm, values)
        if best is None or found.objective < best.objective - 1e-9:
            best = found
    bound = winner.bound()
    if winner.optimal or (winner.status == mbh.SolveStatus.INFEASIBLE and best is not None):
        status, bound = "OPTIMAL", best.objective  # nothing beats the cutoff: the incumbent is optimal
    elif winner.status == mbh.SolveStatus.INFEASIBLE:
        status, bound = "INFEASIBLE", None
    elif best is not None:
        if integer and math.isfinite(bound):
            bound = math.ceil(bound - 1e-6)
        status = "OPTIMAL" if math.isfinite(bound) and bound >= best.objective - 1e-9 else "FEASIBLE"
    objective = None if best is None else (round(best.objective) if integer else best.objective)
    bound = None if bound is None or not math.isfinite(bound) else min(bound, objective if objective is not None else bound)
    return FacilityResult(status, objective, bound, _gap(objective, bound),
                          time.perf_counter() - start, best, "mip")


def _race(runs: list[HighsRun]) -> HighsRun:
    """Run the solves in parallel threads; the first proven one stops the others."""
    if len(runs) == 1:
        return runs[0].run()
    done = threading.Event()
    finished: list[HighsRun] = []
    lock = threading.Lock()

    def go(r: HighsRun) -> None:
        r.run()
        with lock:
            finished.append(r)
        if r.optimal or r.status == mbh.SolveStatus.INFEASIBLE:
            done.set()
            for other in runs:
                if other is not r:
                    other.stop()

    threads = [threading.Thread(target=go, args=(r,), daemon=True) for r in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    proven = [r for r in finished if r.optimal or r.status == mbh.SolveStatus.INFEASIBLE]
    return proven[0] if proven else finished[0]


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
