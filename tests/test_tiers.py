"""How a tier is searched and bounded (optimizer/solve.py, optimizer/lp_floor.py,
optimizer/polish.neighbourhood): the next tier breaks a tier's ties without buying any of it,
the LP floor never exceeds what a plan reaches, and a neighbourhood re-solves only its modules."""

from __future__ import annotations

import math
import sys

from ortools.sat.python import cp_model

from optimizer import solve
from optimizer.lp_floor import LinearFloor
from optimizer.polish import neighbourhood, spread, value_at
from tests.test_polish import feasible

# the package loads its submodule on first use (PEP 562) and keeps the name `solve` for the
# function; importing the submodule by name before that would leave the name on the module
S = sys.modules["optimizer.solve"]
ties_broken_by = S.ties_broken_by


def _solver(seconds: float = 10.0) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = seconds
    return solver


def crews_model():
    """Five crews for high-risk desks (three needed: a critical shortage) and routine desks
    (residents unsampled: routine); a desk costs 7 (cost)."""
    m = cp_model.CpModel()
    high, routine_desks = m.new_int_var(0, 5, "high"), m.new_int_var(0, 5, "routine_desks")
    short, unsampled = m.new_int_var(0, 3, "short"), m.new_int_var(0, 10, "unsampled")
    m.add(high + routine_desks <= 5)
    m.add(short >= 3 - high)
    m.add(unsampled >= 10 - 5 * routine_desks)
    return m, high, routine_desks, short, unsampled


def test_the_next_tier_breaks_ties_without_buying_the_tier():
    """The weighted target's optimum is the lexicographic one: critical first (no crew taken
    from a high-risk desk to sample routine residents), then routine among the critical optima;
    its bound divided by the factor is a bound of the tier."""
    m, high, routine_desks, short, unsampled = crews_model()
    low, swing = spread(m, unsampled)
    assert (low, swing) == (0, 10)
    factor, target = ties_broken_by(m, short, unsampled)
    assert factor == 11
    m.minimize(target)
    solver = _solver()
    assert solver.solve(m) == cp_model.OPTIMAL
    assert solver.value(short) == 0 and solver.value(high) == 3
    assert solver.value(routine_desks) == 2 and solver.value(unsampled) == 0
    assert math.floor(solver.best_objective_bound / factor) <= solver.value(short)
    # with one crew fewer the tier must stay at its own optimum, whatever routine then costs
    m.add(high + routine_desks <= 3)
    assert solver.solve(m) == cp_model.OPTIMAL
    assert solver.value(short) == 0 and solver.value(unsampled) == 10


def test_no_tie_break_where_the_weighted_values_outgrow_a_double():
    m = cp_model.CpModel()
    tier, then = m.new_int_var(0, 10**9, "tier"), m.new_int_var(0, 10**8, "then")
    factor, target = ties_broken_by(m, tier, then)
    assert factor == 1 and str(target) == str(tier)
    small = m.new_int_var(0, 10**6, "small")
    assert ties_broken_by(m, small, then)[0] == 10**8 + 1


def test_value_at_reads_a_plan():
    m, _, _, short, unsampled = crews_model()
    assert value_at(m, 1000 * short + unsampled + 4, [1, 0, 2, 10]) == 2014


def test_lp_floor_is_a_lower_bound_and_takes_the_locks():
    """The LP of the linear rows (a max the LP cannot read is left out) is at most the tier's
    optimum; after the tier above is locked, the next tier's floor rises to what the lock forces."""
    m, high, routine_desks, short, unsampled = crews_model()
    top = m.new_int_var(0, 5, "top")
    m.add_max_equality(top, [high, routine_desks])  # not linear: dropped from the LP
    lp = LinearFloor(m)
    floor = lp.bound(m, short, 5.0)
    m.minimize(short)
    solver = _solver()
    assert solver.solve(m) == cp_model.OPTIMAL
    assert floor is not None and floor <= solver.objective_value == 0
    lp.lock(m, short, 0)
    routine_floor = lp.bound(m, unsampled, 5.0)
    m.add(short <= 0)
    m.minimize(unsampled)
    assert solver.solve(m) == cp_model.OPTIMAL
    assert routine_floor is not None and routine_floor <= solver.objective_value == 0
    # three crews only: the lock on short keeps three on high-risk desks, so the LP floor of
    # the routine residents is 10 - 5 × 0 = 10, exactly what every plan then leaves
    m.add(high + routine_desks <= 3)
    lp = LinearFloor(m)
    lp.lock(m, short, 0)
    assert lp.bound(m, unsampled, 5.0) == 10


def test_lp_floor_takes_rows_for_it_alone():
    """A row every plan keeps, handed to the LP floor only (`BuildContext.floor_rows`), lifts
    the floor without entering the CP-SAT model."""
    m, _, _, short, unsampled = crews_model()
    rows = len(m.proto.constraints)
    assert LinearFloor.for_model(m).bound(m, unsampled, 5.0) == 0
    assert LinearFloor.for_model(m, [(unsampled + short, 7)]).bound(m, unsampled + short, 5.0) == 7
    assert len(m.proto.constraints) == rows


def test_neighbourhood_frees_only_its_variables():
    """Re-solved by CP-SAT with the rest fixed: the freed variables reach the restriction's
    optimum, the fixed ones keep their values, the plan keeps every rule; nothing better: None."""
    m, high, _, short, _ = crews_model()
    incumbent = [1, 2, 2, 0]
    free = {high.index, short.index}  # routine desks stay at 2: two crews left for high-risk desks
    found = neighbourhood(m, incumbent, free, short, _solver())
    assert found is not None
    values, value = found
    assert values == [3, 2, 0, 0] and value == 0
    assert feasible(m, values)
    assert neighbourhood(m, values, free, short, _solver()) is None


def test_a_lower_tier_without_a_solution_reports_the_kept_plan(tiny, monkeypatch):
    """When CP-SAT finds nothing in a lower tier's slice (and nothing re-solved it before), the
    tier above's plan is kept: the tier reports that plan's value (it keeps every lock, so it is
    a plan of this tier too) with status KEPT, and the plan still verifies."""
    from models import Instance, SolveConfig
    from optimizer.validate import verify

    done = []  # the tiers' results so far
    plain_solver, plain_result = S._solver, S.TierResult

    def starved(config, seconds, work):  # every CP-SAT solve after the first tier's gets no time
        solver = plain_solver(config, seconds, work)
        if done:
            solver.parameters.max_time_in_seconds = 0.0
        return solver

    def recorded(*args, **kw):
        done.append(plain_result(*args, **kw))
        return done[-1]

    monkeypatch.setattr(S, "_solver", starved)
    monkeypatch.setattr(S, "TierResult", recorded)
    monkeypatch.setattr(S, "polish", lambda *a, **k: None)
    inst = Instance.model_validate(tiny)
    result = solve(inst, SolveConfig(time_limit_s=10, workers=1))
    assert result.plan is not None and verify(inst, result.plan) == []
    first, second = result.tiers[0], result.tiers[1]
    assert first.status in ("OPTIMAL", "FEASIBLE") and second.status == "KEPT"
    ctx = S.BuildContext.new(inst)
    for _, module in S.MODULES:
        module.build(ctx)
    assert second.value == sum(result.objective_terms[k] for k in ctx.terms[second.name]) > 0
    assert result.plan.meta.tiers[1]["status"] == "KEPT" and result.plan.meta.gap == second.gap
    assert len(result.tiers) == 2  # the tiers below are not attempted


def test_the_last_tiers_lp_floor_runs_beside_and_bounds_it(tiny, monkeypatch):
    """With two workers the last tier's LP floor is solved in a thread of its own (beside the
    tier's search and the plan's read-out), and the tier's reported bound takes it."""
    import threading

    from models import Instance, SolveConfig
    from optimizer.validate import verify

    calls = []
    plain = LinearFloor.solve

    def recorded(self, costs, seconds):
        floor = plain(self, costs, seconds)
        calls.append((threading.current_thread() is threading.main_thread(), floor))
        return floor

    monkeypatch.setattr(LinearFloor, "solve", recorded)
    inst = Instance.model_validate(tiny)
    result = solve(inst, SolveConfig(time_limit_s=20, workers=2))
    assert result.plan is not None and verify(inst, result.plan) == []
    assert len(result.tiers) >= 2 and len(calls) == len(result.tiers)
    assert all(main for main, _ in calls[:-1])
    in_main, floor = calls[-1]
    assert not in_main
    assert floor is not None and floor <= result.tiers[-1].value
    assert result.tiers[-1].bound is not None and result.tiers[-1].bound >= floor


def test_progress_reports_the_tiers_floor_when_cp_sat_knows_less(caplog):
    """The progress line's bound is the larger of CP-SAT's and the tier's floor (never above the
    incumbent), as the summary reports it."""
    import logging

    class Seen(S._Progress):
        objective_value, best_objective_bound, wall_time = 1_446_156.0, -155_956.0, 1.0

    with caplog.at_level(logging.INFO, logger="optimizer.solve"):
        Seen("critical", 1, 1_446_057).on_solution_callback()
        Seen("critical", 1, None).on_solution_callback()
    first, second = [r.getMessage() for r in caplog.records]
    assert "bound 1446057" in first and "gap 0.01%" in first
    assert "bound -155956" in second
