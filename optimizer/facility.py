"""Facility location inside a CP-SAT model: open sites and serve every client at least cost.

This is the core of the sampling-site module. ``add_facility_location`` adds the
variables and constraints to a caller's ``CpModel`` (the shared daily model) and returns
a ``FacilityVars`` handle; ``solve_facility`` builds a model through the same function
(or, for sub-problems where it measures better, a MIP written from the same
``FacilityProblem``) and solves it on its own, which is what the benchmarks call.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from optimizer.facility_problem import (
    FORBIDDEN,
    FacilityProblem,
    FacilityResult,
    FacilitySolution,
    evaluate,
    violations,
)

__all__ = [
    "FORBIDDEN",
    "FacilityProblem",
    "FacilityResult",
    "FacilitySolution",
    "FacilityVars",
    "add_facility_location",
    "evaluate",
    "solve_facility",
    "violations",
]

log = logging.getLogger(__name__)

_MAX_EXACT = 2**53  # objective magnitudes CP-SAT and float reporting keep exact


@dataclass
class FacilityVars:
    """Handles on the facility sub-model inside a CpModel.

    ``terms`` holds the objective parts ``fixed_cost``, ``assignment_cost`` and
    ``unserved`` as linear expressions in cost units times ``scale``. ``scale`` is 1 for
    single-source problems; with split demand a share costs ``cost * units / demand``,
    so every term is multiplied by the least common multiple of the demands to stay
    integral (CP-SAT is integer-only).
    """

    problem: FacilityProblem
    open_vars: list[cp_model.IntVar]
    assign_vars: list[dict[int, cp_model.IntVar]]
    served_vars: list[dict[int, cp_model.LinearExprT]]
    unserved_vars: list[cp_model.LinearExprT]
    terms: dict[str, cp_model.LinearExprT]
    scale: int = 1
    loads: list[cp_model.LinearExprT] = field(default_factory=list)

    def is_open(self, j: int) -> cp_model.IntVar:
        """Boolean: site j is open."""
        return self.open_vars[j]

    def assign(self, i: int, j: int) -> cp_model.LinearExprT:
        """Boolean: site j serves (some of) client i; the constant 0 for a forbidden pair."""
        return self.assign_vars[i].get(j, 0)

    def served(self, i: int, j: int) -> cp_model.LinearExprT:
        """Demand units of client i served by site j."""
        return self.served_vars[i].get(j, 0)

    def unserved(self, i: int) -> cp_model.LinearExprT:
        """Client i left unserved: a Boolean if single-source, else units; 0 without penalties."""
        return self.unserved_vars[i]

    @property
    def objective(self) -> cp_model.LinearExprT:
        """Sum of all facility terms, in cost units times ``scale``."""
        return sum(self.terms.values())

    def extract(self, solver: cp_model.CpSolver) -> FacilitySolution:
        """Read the open sites, each client's served units and the objective from a solve."""
        p = self.problem
        open_sites = [j for j, y in enumerate(self.open_vars) if solver.boolean_value(y)]
        assignment, unserved = [], []
        for i in range(p.num_clients):
            served = {j: int(solver.value(q)) for j, q in self.served_vars[i].items()}
            assignment.append({j: q for j, q in served.items() if q > 0 or (
                p.single_source and solver.boolean_value(self.assign_vars[i][j]))})
            left = int(solver.value(self.unserved_vars[i]))
            unserved.append(left * p.demands[i] if p.single_source else left)
        objective = sum(solver.value(t) for t in self.terms.values()) / self.scale
        return FacilitySolution(open_sites, assignment, unserved, objective)


def _lcm_of_demands(problem: FacilityProblem) -> int:
    return math.lcm(*[d for d in problem.demands if d > 0] or [1])


def _check_magnitude(problem: FacilityProblem, scale: int) -> None:
    a = problem.arcs
    worst = sum(problem.fixed_costs) + sum(
        int(a.of(i)[1].max(initial=0)) for i in range(problem.num_clients)
    ) + sum(problem.unserved_penalty or [])
    if worst * scale >= _MAX_EXACT:
        raise ValueError(
            f"split-demand costs need scale {scale} to stay integral, which overflows CP-SAT; "
            "give costs that are multiples of the demands or use engine='mip'"
        )


def _identical_site_groups(problem: FacilityProblem) -> list[list[int]]:
    """Sites that are interchangeable: same capacity, fixed cost and cost to every client."""
    cost = problem.cost_matrix()
    groups: dict[tuple, list[int]] = {}
    for j in range(problem.num_sites):
        key = (problem.capacities[j], problem.fixed_costs[j], cost[:, j].tobytes())
        groups.setdefault(key, []).append(j)
    return [g for g in groups.values() if len(g) > 1]


def add_facility_location(
    model: cp_model.CpModel,
    problem: FacilityProblem,
    *,
    capacity_exprs: list[cp_model.LinearExprT] | None = None,
    name: str = "fl",
    standalone: bool = False,
    hint: FacilitySolution | None = None,
) -> FacilityVars:
    """Add open/assign variables and the serve-every-client, respect-capacity rules to ``model``.

    ``capacity_exprs[j]`` (a linear expression, e.g. desks x throughput) replaces
    ``capacities[j] * open[j]`` as site j's capacity. ``standalone=True`` promises that
    nothing outside this sub-model distinguishes individual sites or assignments, which
    makes symmetry breaking between identical sites valid. ``hint`` (e.g. from the
    greedy heuristic) is passed to ``model.add_hint``; when None a greedy hint is computed.
    The caller adds ``vars.objective`` (or a weighted mix of ``vars.terms``) to its own
    objective.
    """
    from optimizer.facility_heuristic import greedy_solution  # heavy numpy code, load lazily

    p = problem
    m, n = p.num_sites, p.num_clients
    if capacity_exprs is not None and len(capacity_exprs) != m:
        raise ValueError(f"{len(capacity_exprs)} capacity expressions for {m} sites")
    scale = 1 if p.single_source else _lcm_of_demands(p)
    _check_magnitude(p, scale)
    y = [model.new_bool_var(f"{name}_open[{j}]") for j in range(m)]
    x: list[dict[int, cp_model.IntVar]] = []
    q: list[dict[int, cp_model.LinearExprT]] = []
    u: list[cp_model.LinearExprT] = []
    assign_terms, unserved_terms = [], []
    for i in range(n):
        d = p.demands[i]
        sites, costs = p.arcs.of(i)
        xi, qi = {}, {}
        for j, c in zip(sites.tolist(), costs.tolist()):
            cap = p.capacities[j]
            if capacity_exprs is None and cap is not None and p.single_source and d > cap:
                continue  # the site can never take the whole client
            xi[j] = model.new_bool_var(f"{name}_assign[{i},{j}]")
            model.add_implication(xi[j], y[j])  # x_ij <= y_j: the strong linking
            if p.single_source:
                qi[j] = d * xi[j]
                assign_terms.append(c * xi[j])
            else:
                top = d if cap is None or capacity_exprs is not None else min(d, cap)
                qij = model.new_int_var(0, top, f"{name}_served[{i},{j}]")
                model.add(qij <= top * xi[j])
                model.add(qij >= xi[j])  # assign means "serves some of i"
                qi[j] = qij
                assign_terms.append((c * scale // d) * qij if d else 0)
        penalty = p.unserved_penalty[i] if p.unserved_penalty is not None else None
        if penalty is None:
            ui: cp_model.LinearExprT = 0
        elif p.single_source:
            ui = model.new_bool_var(f"{name}_unserved[{i}]")
            unserved_terms.append(penalty * ui)
        else:
            ui = model.new_int_var(0, d, f"{name}_unserved[{i}]")
            unserved_terms.append((penalty * scale // d) * ui if d else 0)
        if p.single_source:
            model.add_exactly_one(list(xi.values()) + ([ui] if penalty is not None else []))
        else:
            model.add(sum(qi.values()) + ui == d)
        x.append(xi)
        q.append(qi)
        u.append(ui)
    loads = _add_capacity_rows(model, p, y, q, capacity_exprs)
    if p.open_count is not None:
        model.add(sum(y) == p.open_count)
    if standalone and capacity_exprs is None:
        for group in _identical_site_groups(p):
            for a, b in zip(group, group[1:]):  # open identical sites first, fuller first
                model.add(y[a] >= y[b])
                model.add(loads[a] >= loads[b])
    terms = {
        "fixed_cost": sum(scale * f * y[j] for j, f in enumerate(p.fixed_costs)),
        "assignment_cost": sum(assign_terms),
        "unserved": sum(unserved_terms),
    }
    fv = FacilityVars(p, y, x, q, u, terms, scale, loads)
    if hint is None and capacity_exprs is None:
        hint = greedy_solution(p)
    if hint is not None:
        _add_hint(model, fv, hint)
    return fv


def _add_capacity_rows(model, p, y, q, capacity_exprs) -> list[cp_model.LinearExprT]:
    """Load of each site within its capacity, plus the aggregate cut that total capacity covers demand."""
    m = p.num_sites
    by_site: list[list[cp_model.LinearExprT]] = [[] for _ in range(m)]
    for qi in q:
        for j, expr in qi.items():
            by_site[j].append(expr)
    loads = [sum(terms) for terms in by_site]
    for j in range(m):
        if capacity_exprs is not None:
            model.add(loads[j] <= capacity_exprs[j])
        elif p.capacities[j] is not None:
            model.add(loads[j] <= p.capacities[j] * y[j])
    if p.unserved_penalty is None:
        # Redundant for integer solutions; it tightens the LP relaxation CP-SAT uses.
        if capacity_exprs is not None:
            model.add(sum(capacity_exprs) >= p.total_demand)
        elif not any(c is None for c in p.capacities):
            model.add(sum(c * y[j] for j, c in enumerate(p.capacities)) >= p.total_demand)
            model.add(sum(y) >= _min_open_sites(p))
    return loads


def _min_open_sites(p: FacilityProblem) -> int:
    """Fewest sites whose capacities can hold the total demand (largest first)."""
    total = 0
    for k, c in enumerate(sorted(p.capacities, reverse=True), 1):
        total += c
        if total >= p.total_demand:
            return k
    return p.num_sites


def _add_hint(model: cp_model.CpModel, fv: FacilityVars, hint: FacilitySolution) -> None:
    opened = set(hint.open_sites)
    for j, yj in enumerate(fv.open_vars):
        model.add_hint(yj, j in opened)
    for i, xi in enumerate(fv.assign_vars):
        for j, xij in xi.items():
            units = hint.assignment[i].get(j, 0)
            model.add_hint(xij, j in hint.assignment[i])
            qij = fv.served_vars[i][j]
            if not fv.problem.single_source:
                model.add_hint(qij, units)
        uvar = fv.unserved_vars[i]
        if isinstance(uvar, cp_model.IntVar):
            single = fv.problem.single_source
            model.add_hint(uvar, (hint.unserved[i] > 0) if single else hint.unserved[i])


ENGINES = ("auto", "cpsat", "mip")


def solve_facility(
    problem: FacilityProblem,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    engine: str = "auto",
) -> FacilityResult:
    """Solve the facility problem on its own to proven optimality (zero gap) or the time limit.

    ``engine="cpsat"`` builds through ``add_facility_location`` (the shared model's
    formulation); ``"mip"`` writes the same problem as a HiGHS MIP; ``"auto"`` picks the
    one that measured better for this kind of problem (the MIP for every benchmarked kind;
    see docs/benchmarks.md). With ``workers=1`` a given seed gives the same answer.
    """
    from optimizer.facility_engines import solve_cpsat_engine, solve_mip_engine

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    run = solve_cpsat_engine if engine == "cpsat" else solve_mip_engine
    result = run(problem, time_limit=time_limit, workers=workers, seed=seed)
    log.info("%s via %s: %s %s in %.2fs", problem.name or "facility", result.engine,
             result.status, result.objective, result.seconds)
    return result
