"""Re-packing the grids of a full sampling site (optimizer/sampling_repack.py).

One sealed high-risk township, one site that its staff can run for two desk-shifts (2 × 702
people), four grids sampled daily of 800, 704, 700 and 500 people. The greedy warm start takes
the largest first (800, then 500: 1,300 sampled, 1,404 left); the best packing is 704 + 700,
which fills the site exactly and leaves 1,300 unsampled.
"""

from __future__ import annotations

import sys

from ortools.sat.python import cp_model

from models import Instance, SolveConfig
from optimizer import sampling, solve
from optimizer.context import BuildContext
from optimizer.polish import keeps_rows, neighbourhood, value_at
from optimizer.sampling_repack import _knapsack, repack
from optimizer.validate import verify
from tests.test_polish import feasible

SIZES = {"G1": 800, "G2": 704, "G4": 700, "G5": 500}


def packing_county(tiny: dict) -> dict:
    tiny["sampling_sites"] = [s for s in tiny["sampling_sites"] if s["id"] != "S2"]
    tiny["grids"] = [g for g in tiny["grids"] if g["township"] != "T1"] + [
        {"id": gid, "township": "T1", "population": n, "households": n // 3, "location": {"x": 0.1, "y": 0.1}}
        for gid, n in SIZES.items()]
    tiny["townships"][0]["population"] = sum(SIZES.values())
    return tiny


def built(data: dict):
    inst = Instance.model_validate(data)
    ctx = BuildContext.new(inst, 1, warm_seconds=1.0)
    v = sampling.build(ctx)
    ctx.pool.finalize()
    sampling.warm_start(ctx, v)
    ctx.pool.ledger().add_hints()
    return inst, ctx, v


def sampled(v, plan: list[int]) -> set[str]:
    return {v.grids[i].id for i in range(len(v.grids)) if v.critical[i] and plan[v.fl.unserved(i).index] == 0}


def test_knapsack_is_exact():
    assert sorted(_knapsack([800, 704, 700, 500], [800, 704, 700, 500], 1404)) == [1, 2]
    assert _knapsack([900], [900], 800) == []
    # worth, not weight: one heavy valuable item beats two light ones
    assert _knapsack([5, 3, 3], [10, 4, 4], 6) == [0]


def test_full_site_re_packed_exactly(tiny):
    _, ctx, v = built(packing_county(tiny))
    warm_start_plan = sys.modules["optimizer.solve"]._warm_start_plan  # (optimizer.solve is the function)
    start = warm_start_plan(ctx, SolveConfig(workers=1, seed=1), "critical")
    assert start is not None
    values = list(start.response_proto.solution)
    assert sampled(v, values) == {"G1", "G5"}  # the greedy's packing: 1,404 left
    objective = ctx.tier_objective("critical")
    assert value_at(ctx.model, ctx.terms["critical"]["sampling.high_risk_unsampled"], values) == 1404

    packed = repack(ctx, v, values)
    assert packed is not None
    free, plan = packed
    assert sampled(v, plan) == {"G2", "G4"}
    assert feasible(ctx.model, plan)  # the tubes moved with the people: the hint is a whole plan
    assert keeps_rows(ctx.model, plan, free)  # so the solve takes it without a search
    broken = list(plan)
    g1 = next(i for i in range(len(v.grids)) if v.grids[i].id == "G1")
    broken[v.fl.unserved(g1).index] = 0  # G1 neither served nor unserved
    assert not keeps_rows(ctx.model, broken, free)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    found = neighbourhood(ctx.model, values, free, objective, solver, hint=plan)
    assert found is not None
    assert value_at(ctx.model, ctx.terms["critical"]["sampling.high_risk_unsampled"], found[0]) == 1300
    assert feasible(ctx.model, found[0])


def test_nothing_to_re_pack_gives_none(tiny):
    _, ctx, v = built(packing_county(tiny))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    ctx.model.minimize(ctx.tier_objective("critical"))
    assert solver.solve(ctx.model) == cp_model.OPTIMAL
    assert repack(ctx, v, list(solver.response_proto.solution)) is None  # already the best packing


def test_solve_reaches_the_packing_and_verifies(tiny):
    inst = Instance.model_validate(packing_county(tiny))
    result = solve(inst, SolveConfig(time_limit_s=20, workers=1, seed=1))
    assert result.objective_terms["sampling.high_risk_unsampled"] == 1300
    assert verify(inst, result.plan) == []


def test_routine_tier_re_packs_any_grid_left_beside_room(tiny):
    # the tiny county with staff for every grid (tests/test_sampling.py): everyone is sampled
    tiny["staff"] += [{"id": f"P{k}", "name": f"员工{k}", "skills": ["sampler", "registrar"], "home_township": "T2",
                       "hours_per_day": 10} for k in range(9, 16)]
    _, ctx, v = built(tiny)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    ctx.model.minimize(100_000 * ctx.tier_objective("critical") + ctx.tier_objective("routine"))
    assert solver.solve(ctx.model) == cp_model.OPTIMAL
    values = list(solver.response_proto.solution)
    g3 = next(i for i in range(len(v.grids)) if v.grids[i].id == "G3")  # routine, 1,050 people
    assert values[v.fl.unserved(g3).index] == 0
    # the same plan with G3 sent home: its site keeps its desks, the lab gets fewer tubes
    dropped = list(values)
    for x in v.fl.assign_vars[g3].values():
        dropped[x.index] = 0
    dropped[v.fl.unserved(g3).index] = 1
    town = v.grids[g3].township
    flow = next(f for (t, _), f in v.flows.items() if t == town)
    dropped[flow.index] -= v.tubes[g3]
    changed = {x.index for x in v.fl.assign_vars[g3].values()} | {v.fl.unserved(g3).index, flow.index}
    assert keeps_rows(ctx.model, dropped, changed)

    assert repack(ctx, v, dropped, "critical") is None  # no high-risk grid is left: not the first tier's business
    free, plan = repack(ctx, v, dropped, "routine")
    assert plan[v.fl.unserved(g3).index] == 0
    assert keeps_rows(ctx.model, plan, free)
