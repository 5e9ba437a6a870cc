"""The HiGHS polish of a tier's start (optimizer/polish.py): it re-solves only the freed
variables, keeps every row, and reaches the restriction's optimum."""

from __future__ import annotations

from ortools.sat.python import cp_model

from models import Instance
from optimizer import supply
from optimizer.context import BuildContext
from optimizer.cpsat_mip import proto_of
from optimizer.polish import (
    Beside,
    Restriction,
    _holds,
    keeps_rows,
    module_variables,
    polish,
)
from tests.test_supply import county


def feasible(model: cp_model.CpModel, values: list[int]) -> bool:
    """CP-SAT's own verdict on a full assignment (every variable fixed to it)."""
    model.clear_hints()
    for i, x in enumerate(values):
        model.add_hint(model.get_int_var_from_proto_index(i), x)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_frees_only_its_variables_and_keeps_the_rows():
    m = cp_model.CpModel()
    x1, x2, y = m.new_int_var(0, 10, "x1"), m.new_int_var(0, 10, "x2"), m.new_int_var(0, 10, "y")
    m.add(x1 + x2 >= 5)
    m.add(x1 + y <= 4)  # y, fixed at 2, leaves the cheap x1 two units
    m.add(y >= 1)
    incumbent = [0, 5, 2]
    found = polish(m, incumbent, {x1.index, x2.index}, 3 * x1 + 5 * x2 + y, 5.0)
    assert found is not None
    values, value, complete = found
    assert values == [2, 3, 2] and value == 2 * 3 + 3 * 5 + 2 and complete
    assert feasible(m, values)


def test_nothing_better_or_a_constraint_it_cannot_read_gives_none():
    m = cp_model.CpModel()
    x, y = m.new_int_var(0, 10, "x"), m.new_int_var(0, 10, "y")
    m.add(x + y >= 3)
    assert polish(m, [3, 0], {x.index}, x + y, 5.0) is None  # already optimal for y fixed
    m.add_max_equality(y, [x, 2])
    assert polish(m, [3, 3], {x.index}, x, 5.0) is None  # lin_max reads x: HiGHS cannot take it


def test_exact_row_check():
    m = cp_model.CpModel()
    a, b, e = m.new_int_var(0, 9, "a"), m.new_int_var(0, 9, "b"), m.new_bool_var("e")
    m.add_linear_expression_in_domain(1000 * a + b, cp_model.Domain.from_intervals([[0, 10], [2000, 2005]]))
    m.add(a + b <= 3).only_enforce_if(e)
    m.add_bool_or([e])
    rows = list(proto_of(m).constraints)
    assert _holds(rows[0], [2, 5, 0]) and not _holds(rows[0], [1, 5, 0])  # a hole in the domain
    assert _holds(rows[1], [2, 5, 0]) and not _holds(rows[1], [2, 5, 1])  # only when enforced
    assert _holds(rows[2], [0, 0, 1]) and not _holds(rows[2], [0, 0, 0])


def test_supply_module_reaches_the_restriction_optimum():
    """The supply module of the tiny county, its critical tier locked: the polish from a plan
    that ships nothing reaches the routine optimum CP-SAT proves, and the plan keeps every rule."""
    inst = Instance.model_validate(county())
    ctx = BuildContext.new(inst)
    first = len(ctx.model.proto.variables)
    v = supply.build(ctx)
    ranges = {"supply": range(first, len(ctx.model.proto.variables))}
    ctx.pool.finalize()
    critical, routine = ctx.tier_objective("critical"), ctx.tier_objective("routine")
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    ctx.model.minimize(critical)
    assert solver.solve(ctx.model) == cp_model.OPTIMAL
    ctx.model.add(critical <= round(solver.objective_value))
    ctx.model.minimize(routine)
    assert solver.solve(ctx.model) == cp_model.OPTIMAL
    best = solver.objective_value
    # a worse plan of the same critical value, as a start
    worse = ctx.model.clone()
    worse.add(routine >= round(best) + 1)
    worse.minimize(-routine)
    assert solver.solve(worse) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    start = list(solver.response_proto.solution)
    free = module_variables(ctx.pool, ranges, ["supply"])
    assert {x.index for x in v.ship.values()} <= free
    found = polish(ctx.model, start, free, routine, 10.0)
    assert found is not None
    values, value, _ = found
    assert value == best
    assert feasible(ctx.model, values)


def test_a_module_bound_lifts_the_critical_tier_bound():
    """With trucks too few, food floors go short: the supply module's LP bounds of its critical
    and routine terms (ctx.floors) are at most what any plan reaches, and the solve reports tier
    bounds no lower than them."""
    from models import SolveConfig
    from optimizer import solve
    from optimizer.supply_warm import _bound_tiers

    data = county(max_trips_per_shift=1, fleet_utilisation=1.0)
    data["vehicles"] = [dict(data["vehicles"][0], capacity_kg=1000)]
    inst = Instance.model_validate(data)
    ctx, sub = BuildContext.new(inst), BuildContext.new(inst)
    supply.build(sub)
    sub.pool.finalize()
    _bound_tiers(ctx, sub)
    floor = ctx.floors["critical"]
    result = solve(inst, SolveConfig(time_limit_s=10, workers=1))
    critical = result.tiers[0]
    assert 0 < floor <= critical.value
    assert critical.bound >= floor
    assert result.plan.meta.tiers[0]["bound"] >= floor
    # the same for the routine terms (routine goods short too), whose tier this 10-s run
    # bounds without the shared model's LP floor
    routine = next(t for t in result.tiers if t.name == "routine")
    assert 0 < ctx.floors["routine"] <= routine.value
    assert routine.bound is not None and routine.bound >= ctx.floors["routine"]


def test_the_next_tier_breaks_the_ties():
    """Polished for its own tier alone, a module may drop what only the next tier values (the
    demo's sampling desks for routine grids); `then` keeps the best of those among the plans
    that are best for the tier."""
    m = cp_model.CpModel()
    high, routine_desks, short = (m.new_int_var(0, 5, n) for n in ("high", "routine_desks", "short"))
    m.add(high + routine_desks <= 5)  # five crews for high-risk and routine desks
    m.add(short >= 3 - high)  # three high-risk desks needed
    unsampled = m.new_int_var(0, 10, "unsampled")
    m.add(unsampled >= 10 - 5 * routine_desks)
    incumbent = [1, 0, 2, 10]
    free = {high.index, routine_desks.index, short.index, unsampled.index}
    values, value, _ = polish(m, incumbent, free, short, 5.0, then=unsampled)
    assert value == 0 and values[0] == 3 and values[1] == 2 and values[3] == 0
    assert feasible(m, values)


def _scheduled() -> tuple[cp_model.CpModel, cp_model.IntVar, cp_model.IntVar]:
    """`a` as a module HiGHS polishes (linear rows only); `b` as tracing, the start of an interval
    (a constraint HiGHS cannot read), sharing the row a + b <= 12 (one staff pool)."""
    m = cp_model.CpModel()
    a, b = m.new_int_var(0, 10, "a"), m.new_int_var(0, 10, "b")
    m.new_interval_var(b, 1, b + 1, "case")
    m.add(a + b <= 12)
    return m, a, b


def test_keeps_rows_reads_a_nonlinear_constraint_from_a_whole_plan():
    m, _, _ = _scheduled()
    plan = [2, 10]  # b moved: the interval reads it
    assert not keeps_rows(m, plan, {1})
    assert keeps_rows(m, plan, {1}, solved=[2, 10])  # a whole plan with the same b: the interval holds
    assert not keeps_rows(m, plan, {1}, solved=[2, 9])
    assert not keeps_rows(m, [5, 10], {1}, solved=[5, 10])  # a + b = 15 breaks the shared row


def test_a_group_beside_the_polish_is_laid_over_it_only_where_it_fits():
    # The group frees b from the start (a = 2, b = 2) and finds b = 10 (a + b <= 12). Over a
    # polished plan that kept a = 2 it fits; over one that moved a to 5, the shared row breaks.
    m, a, b = _scheduled()
    objective = -(a + b)
    def beside():
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        return Beside(Restriction(m, [2, 2], {1}, objective), solver)
    assert beside().laid_over(m, [2, 2], objective) == [2, 10]
    assert beside().laid_over(m, [5, 2], objective) is None
