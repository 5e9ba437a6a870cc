"""Facility location core: tiny problems whose optimum is known by hand or by enumeration."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from ortools.sat.python import cp_model

from optimizer.facility import (
    FORBIDDEN,
    FacilityProblem,
    add_facility_location,
    evaluate,
    solve_facility,
    violations,
)

ENGINES = ["cpsat", "mip"]


def brute_force_single_source(p: FacilityProblem) -> float:
    """Cheapest plan by trying every client-to-site (or unserved) choice."""
    cost = p.cost_matrix()
    best = float("inf")
    options = [[j for j in range(p.num_sites) if cost[i, j] != FORBIDDEN]
               + ([None] if p.unserved_penalty is not None else []) for i in range(p.num_clients)]
    for choice in itertools.product(*options):
        load = [0] * p.num_sites
        total = 0
        for i, j in enumerate(choice):
            if j is None:
                total += p.unserved_penalty[i]
            else:
                load[j] += p.demands[i]
                total += cost[i, j]
        opened = {j for j in choice if j is not None}
        if p.open_count is not None:
            if len(opened) > p.open_count:
                continue
        if any(c is not None and load[j] > c for j, c in enumerate(p.capacities)):
            continue
        total += sum(p.fixed_costs[j] for j in opened)
        if p.open_count is not None:  # open the cheapest extra sites to reach p
            spare = sorted(p.fixed_costs[j] for j in range(p.num_sites) if j not in opened)
            total += sum(spare[: p.open_count - len(opened)])
        best = min(best, total)
    return best


def check_plan(p: FacilityProblem, result) -> None:
    """Every client served (or left unserved only with a penalty), loads within capacity, objective honest."""
    sol = result.solution
    load = np.zeros(p.num_sites)
    for i, served in enumerate(sol.assignment):
        assert set(served) <= set(sol.open_sites)
        assert sum(served.values()) + sol.unserved[i] == p.demands[i]
        if p.unserved_penalty is None:
            assert sol.unserved[i] == 0
        if p.single_source:
            assert len(served) <= 1
        for j, q in served.items():
            assert p.cost_matrix()[i, j] != FORBIDDEN
            load[j] += q
    for j, c in enumerate(p.capacities):
        if c is not None:
            assert load[j] <= c
    if p.open_count is not None:
        assert len(sol.open_sites) == p.open_count
    assert violations(p, sol) == []
    assert evaluate(p, sol) == pytest.approx(result.objective)


SINGLE = FacilityProblem(
    capacities=[10, 10, 15],
    fixed_costs=[6, 5, 20],
    demands=[4, 5, 6, 3, 2],
    costs=[[2, 7, 5], [3, 4, 9], [8, 2, 3], [6, 5, 1], [4, 4, 4]],
)


@pytest.mark.parametrize("engine", ENGINES)
def test_single_source_matches_enumeration(engine):
    result = solve_facility(SINGLE, time_limit=10, workers=1, engine=engine)
    assert result.status == "OPTIMAL"
    assert result.objective == brute_force_single_source(SINGLE)
    check_plan(SINGLE, result)


@pytest.mark.parametrize("engine", ENGINES)
def test_split_demand_uses_cheapest_units_first(engine):
    # 8 units; site 0 costs 2/unit but holds 5, site 1 costs 5/unit: 5*2 + 3*5 = 25
    p = FacilityProblem(capacities=[5, 10], fixed_costs=[0, 0], demands=[8],
                        costs=[[16, 40]], single_source=False)
    result = solve_facility(p, time_limit=10, workers=1, engine=engine)
    assert result.status == "OPTIMAL"
    assert result.objective == pytest.approx(25)
    assert result.solution.assignment[0] == {0: 5, 1: 3}
    check_plan(p, result)


@pytest.mark.parametrize("engine", ENGINES)
def test_split_costs_are_fractions_of_the_full_cost(engine):
    # all 3 units cost 10 at site 0 (room for 1) or 12 at site 1: 1 unit at 10/3, 2 units at 4 each
    p = FacilityProblem(capacities=[1, 5], fixed_costs=[0, 0], demands=[3],
                        costs=[[10, 12]], single_source=False)
    result = solve_facility(p, time_limit=10, workers=1, engine=engine)
    assert result.objective == pytest.approx(10 / 3 + 8)
    check_plan(p, result)


@pytest.mark.parametrize("engine", ENGINES)
def test_p_median_on_two_clusters(engine):
    x = np.array([0, 1, 2, 10, 11, 30])
    dist = np.abs(x[:, None] - x[None, :])
    p = FacilityProblem(capacities=[None] * 6, fixed_costs=[0] * 6, demands=[1] * 6,
                        costs=dist, open_count=2)
    result = solve_facility(p, time_limit=10, workers=1, engine=engine)
    assert result.status == "OPTIMAL"
    assert result.objective == brute_force_single_source(p)
    check_plan(p, result)


@pytest.mark.parametrize("engine", ENGINES)
def test_forbidden_pairs_are_never_used(engine):
    # client 0 may only use site 1 although site 0 would be cheaper to open
    costs = [{1: 9}, {0: 1, 1: 2}, {0: 2, 1: 1}]
    p = FacilityProblem(capacities=[10, 10], fixed_costs=[1, 5], demands=[1, 1, 1], costs=costs)
    result = solve_facility(p, time_limit=10, workers=1, engine=engine)
    assert result.solution.site_of(0) == 1
    assert result.objective == brute_force_single_source(p)
    check_plan(p, result)


@pytest.mark.parametrize("engine", ENGINES)
def test_unserved_penalty_beats_opening_a_far_site(engine):
    # client 2 sits alone near site 1, whose fixed cost 50 exceeds its penalty 30
    p = FacilityProblem(capacities=[10, 10], fixed_costs=[5, 50], demands=[2, 2, 2],
                        costs=[[1, 40], [2, 40], [45, 1]], unserved_penalty=[100, 100, 30])
    result = solve_facility(p, time_limit=10, workers=1, engine=engine)
    assert result.objective == brute_force_single_source(p) == 5 + 1 + 2 + 30
    assert result.solution.unserved[2] == 2
    check_plan(p, result)


@pytest.mark.parametrize("engine", ENGINES)
def test_capacity_forces_a_second_site(engine):
    p = FacilityProblem(capacities=[6, 6], fixed_costs=[10, 10], demands=[4, 4],
                        costs=[[1, 3], [1, 3]])
    result = solve_facility(p, time_limit=10, workers=1, engine=engine)
    assert result.objective == 10 + 10 + 1 + 3
    check_plan(p, result)


def test_capacity_expressions_make_capacity_a_decision():
    # capacity = 5 per desk, each desk costs 7; 12 units at one site need 3 desks
    p = FacilityProblem(capacities=[None, None], fixed_costs=[10, 10], demands=[4, 4, 4],
                        costs=[[1, 9], [1, 9], [1, 9]])
    model = cp_model.CpModel()
    desks = [model.new_int_var(0, 3, f"desks{j}") for j in range(2)]
    fv = add_facility_location(model, p, capacity_exprs=[5 * d for d in desks])
    for j in range(2):
        model.add(desks[j] <= 3 * fv.is_open(j))
    model.minimize(fv.objective + 7 * sum(desks))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    # all at site 0 with 3 desks: 10 + 3 + 21 = 34
    assert solver.objective_value == 34
    sol = fv.extract(solver)
    assert sol.open_sites == [0] and solver.value(desks[0]) == 3
    assert sol.objective == 13  # the facility terms alone


def test_hint_and_terms_are_exposed_for_the_shared_model():
    model = cp_model.CpModel()
    fv = add_facility_location(model, SINGLE, name="sampling")
    assert set(fv.terms) == {"fixed_cost", "assignment_cost", "unserved"}
    assert model.proto.solution_hint.vars, "a greedy hint is added"
    model.minimize(fv.objective)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    assert solver.value(fv.terms["fixed_cost"]) + solver.value(fv.terms["assignment_cost"]) == solver.objective_value
    assert fv.assign(0, 2) is not None and fv.unserved(0) == 0


def test_same_seed_same_answer_with_one_worker():
    a = solve_facility(SINGLE, time_limit=10, workers=1, seed=3, engine="cpsat")
    b = solve_facility(SINGLE, time_limit=10, workers=1, seed=3, engine="cpsat")
    assert a.solution == b.solution


def test_invalid_input_is_rejected():
    with pytest.raises(ValueError):
        FacilityProblem(capacities=[1], fixed_costs=[1, 2], demands=[1], costs=[[1, 1]])
    with pytest.raises(ValueError):
        FacilityProblem(capacities=[1], fixed_costs=[1], demands=[1], costs=[[1, 2]])
    with pytest.raises(ValueError):
        solve_facility(SINGLE, time_limit=1, engine="gurobi")


def tight_random_problem(seed: int, sites: int = 8, clients: int = 40) -> FacilityProblem:
    rng = np.random.default_rng(seed)
    demands = rng.integers(5, 20, clients)
    caps = np.full(sites, int(demands.sum() / (sites * 0.45)))  # about half the sites must open
    xy_c, xy_s = rng.random((clients, 2)), rng.random((sites, 2))
    dist = np.rint(100 * np.linalg.norm(xy_c[:, None] - xy_s[None], axis=2)).astype(int) + 1
    return FacilityProblem(capacities=caps.tolist(), fixed_costs=rng.integers(50, 150, sites).tolist(),
                           demands=demands.tolist(), costs=dist * demands[:, None] // 10)


@pytest.mark.parametrize("seed", range(3))
def test_repacking_heuristic_keeps_every_rule_on_tight_problems(seed):
    from optimizer.facility_incumbent import improve_all, lp_starts

    p = tight_random_problem(seed)
    starts = lp_starts(p)
    assert starts
    for plan in starts + improve_all(p, starts, deadline=float("inf")):
        assert violations(p, plan) == []
        assert plan.objective == evaluate(p, plan)


@pytest.mark.parametrize("seed", range(2))
def test_engines_agree_on_tight_problems(seed):
    p = tight_random_problem(seed, sites=6, clients=25)
    mip = solve_facility(p, time_limit=20, workers=2, engine="mip")
    cp = solve_facility(p, time_limit=20, workers=2, engine="cpsat")
    assert mip.status == cp.status == "OPTIMAL"
    assert mip.objective == cp.objective
    check_plan(p, mip)
    check_plan(p, cp)


@pytest.mark.parametrize("seed", range(3))
def test_split_demand_start_keeps_every_rule_and_engines_agree(seed):
    """The LP-rounded split-demand start is a real plan, and the MIP it seeds still finds the optimum."""
    from dataclasses import replace

    from optimizer.facility_incumbent import split_lp_start

    p = replace(tight_random_problem(seed, sites=6, clients=20), single_source=False)
    start = split_lp_start(p)
    assert start is not None
    assert violations(p, start) == []
    assert start.objective == pytest.approx(evaluate(p, start))
    mip = solve_facility(p, time_limit=20, workers=2, engine="mip")
    cp = solve_facility(p, time_limit=20, workers=2, engine="cpsat")
    assert mip.status == cp.status == "OPTIMAL"
    assert mip.objective == pytest.approx(cp.objective, abs=1e-6)
    assert mip.objective <= start.objective + 1e-6


def test_lagrangian_site_sets_seed_the_p_median_swaps():
    """Site sets collected by the relaxation are valid p-sets, cheapest first."""
    from optimizer.facility_lagrange import best_choices, lagrangian_bound

    rng = np.random.default_rng(3)
    xy = rng.random((30, 2))
    dist = np.rint(100 * np.linalg.norm(xy[:, None] - xy[None], axis=2)).astype(int)
    p = FacilityProblem(capacities=[None] * 30, fixed_costs=[0] * 30, demands=[1] * 30, costs=dist, open_count=4)
    choices: dict[bytes, np.ndarray] = {}
    lagrangian_bound(p, float(dist.sum()), choices=choices)
    sets = best_choices(p, choices, 3)
    assert sets and all(s.sum() == 4 for s in sets)
    costs = [dist[:, s].min(axis=1).sum() for s in sets]
    assert costs == sorted(costs)
    assert solve_facility(p, time_limit=20, workers=2).objective <= costs[0]



def test_stoppable_run_ends_when_asked():
    """A re-packing sub-MIP or first proof returns soon after stop() turns true, instead of running to its limit."""
    import threading
    import time

    from optimizer.facility_mip import StoppableRun, build_mip

    p = tight_random_problem(1, sites=20, clients=150)  # 11.5 s to optimality at load 6, ~4 s quiet
    mm = build_mip(p)
    closed = threading.Event()
    threading.Timer(0.3, closed.set).start()
    began = time.perf_counter()
    run = StoppableRun(mm, time_limit=60, stop=closed.is_set).run()
    values = run.values()
    assert time.perf_counter() - began < 2.5
    assert run.reason in ("interrupted", "optimal") and not run.infeasible
    if values is not None:  # whatever it returns is a plan: every client assigned once
        served = np.bincount(mm.arc_client[values[mm.x] > 0.5], minlength=p.num_clients)
        assert (served == 1).all()
    assert StoppableRun(build_mip(p), time_limit=60, stop=lambda: True).run().values() is None


def test_running_proof_takes_an_offered_plan():
    """A plan handed to a running proof (HiGHS's user-solution callback) becomes its incumbent.

    The proof is stopped as soon as it has taken the plan, long before it could find one of
    its own with its heuristics off; what it returns is then the offered plan (or better).
    """
    from optimizer.facility_engines import decode, encode
    from optimizer.facility_incumbent import lp_starts
    from optimizer.facility_mip import StoppableRun, build_mip

    p = tight_random_problem(1, sites=20, clients=150)
    plan = min(lp_starts(p), key=lambda s: s.objective)
    mm = build_mip(p)
    values = encode(p, mm, plan)
    assert mm.objective(values) == pytest.approx(plan.objective)
    assert decode(p, mm, values).assignment == plan.assignment
    taken = []

    def offers():
        if taken:
            return None
        taken.append(True)
        return values

    run = StoppableRun(mm, time_limit=60, own_heuristics=False, offers=offers, stop=lambda: bool(taken)).run()
    assert taken and run.values() is not None
    assert run.objective() <= plan.objective + 1e-6
    assert not violations(p, decode(p, mm, run.values()))


@pytest.mark.skipif(not hasattr(__import__("os"), "setpriority"), reason="no per-thread priorities here")
def test_repacking_beside_the_proof_runs_at_lower_priority():
    """The re-packing threads yield the CPU to the proof (nice), and the caller's thread keeps its priority."""
    import os
    import threading

    from optimizer.facility_incumbent import improve_all, lp_starts

    p = tight_random_problem(2, sites=16, clients=60)
    starts = lp_starts(p)
    assert len(starts) >= 2
    me = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, me)
    seen = []
    improve_all(p, starts[:2], deadline=__import__("time").perf_counter() + 30, threads=2, nice=5,
                on_result=lambda plan: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
    assert os.getpriority(os.PRIO_PROCESS, me) == before
    assert seen == [min(19, before + 5)] * 2


def test_stoppable_run_after_a_highs_solve_on_more_threads():
    """HiGHS refuses a run whose "threads" differs from the scheduler an earlier solve in the
    process started (it returns no status at all); the run then goes on that scheduler."""
    import highspy
    import numpy as np

    from optimizer.cpsat_mip import quiet_highs
    from optimizer.facility_mip import StoppableRun, build_mip

    highspy.Highs.resetThreadScheduler(True)  # nothing else runs HiGHS in this test
    h = quiet_highs()
    h.setOptionValue("threads", 2)
    h.addVar(0, 10)
    h.changeColIntegrality(0, highspy.HighsVarType.kInteger)
    h.changeColsCost(1, np.array([0], dtype=np.int32), np.array([-1.0]))
    assert h.run() == highspy.HighsStatus.kOk
    p = tight_random_problem(0)
    run = StoppableRun(build_mip(p), time_limit=60).run()
    assert run.optimal and run.values() is not None

