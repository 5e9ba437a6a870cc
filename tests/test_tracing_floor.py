"""The tracing floor (optimizer/tracing_floor.py): never above a plan's hours late, and above
the naive bound (each case at its earliest start) where people are too few.

On the tiny county (tests/test_tracing.py has the arithmetic): a 10-contact case is 190 min of
work, its core information due 4 h after the report.
"""

from __future__ import annotations

import random

import pytest

from models import Instance, SolveConfig
from optimizer import solve, tracing
from optimizer.context import BuildContext
from optimizer.tracing_floor import relax
from optimizer.tracing_rules import earliest_start_min, lateness
from optimizer.validate import verify
from tests.test_tracing import TEAM, case, county, person


def random_day(tiny: dict, seed: int, *, reported: tuple[int, int], count: tuple[int, int], rested: float,
               on_call: int = 0) -> Instance:
    """Cases reported at random hours (`reported`, from midnight) in the two townships, and one to
    three teams of people with 6- or 10-hour days, a share of them (`rested`) still resting from
    yesterday's shift."""
    rng = random.Random(seed)
    cases = [case(f"C{k}", rng.randint(*reported), rng.choice([5, 10, 30]), rng.choice(["T1", "T2"]))
             for k in range(rng.randint(*count))]
    staff = [TEAM[2]]
    for k in range(rng.randint(1, 3)):
        for role, tag in (("epidemiologist", "E"), ("police", "Q")):
            extra = {"last_shift_end_hour": -rng.choice([2, 6]), "days_in_row": 1} \
                if rested and rng.random() < rested else {}
            staff.append(person(f"{tag}{k}", role, rng.choice(["T1", "T2"]), hours_per_day=rng.choice([6, 10]),
                                **extra))
    return Instance.model_validate(county(tiny, cases, staff, on_call))


def floor_of(inst: Instance) -> int:
    return relax(inst, sorted(inst.cases, key=lambda c: c.id), 10.0).floor


def floor_in_model(inst: Instance) -> int:
    """The floor as the shared model takes it: with the on-call rota, of hours late + on-call gap."""
    ctx = BuildContext.new(inst, 0, warm_seconds=5.0)
    tracing.build(ctx)
    return ctx.floors["critical"]


def test_one_team_three_cases_the_floor_sees_the_queue(tiny):
    # Three cases at 00:00, one team: by hand the best plan starts them at 0, 190 and 380 min,
    # core information 1 h and 4 h late for the second and third: 5 hours. Each case at its
    # earliest start would be 0 hours: the floor must see that one team cannot take all three.
    inst = Instance.model_validate(county(tiny, [case(f"C{k}", 0) for k in range(3)], TEAM))
    naive = sum(sum(lateness(inst, c, earliest_start_min(c))) for c in inst.cases)
    floor = floor_of(inst)
    assert naive == 0
    assert 1 <= floor <= 5
    result = solve(inst, SolveConfig(time_limit_s=20, workers=1, seed=1))
    assert result.objective_terms["tracing.late_hours"] == 5  # the plan is the hand-made one
    assert result.tiers[0].bound >= floor  # the model keeps the floor as a row
    # the routine terms: the hand-made plan's minutes late (40 + 230) and waited (190 + 380),
    # where each case at its earliest start would have none; the floor sees the queue there too
    routine = relax(inst, sorted(inst.cases, key=lambda c: c.id), 10.0).routine
    terms = result.objective_terms
    assert terms["tracing.late_minutes"] + terms["tracing.wait_minutes"] == 840
    assert 0 < routine <= 840


def test_more_teams_lower_floor(tiny):
    cases = [case(f"C{k}", 0) for k in range(3)]
    one = floor_of(Instance.model_validate(county(tiny, cases, TEAM)))
    staff = [*TEAM, person("E2", "epidemiologist"), person("Q2", "police"), person("E3", "epidemiologist"),
             person("Q3", "police")]
    assert floor_of(Instance.model_validate(county(tiny, cases, staff))) == 0 < one


@pytest.mark.parametrize("seed", range(4))
def test_floor_never_above_a_verified_plan(tiny, seed):
    # Random small days: cases reported yesterday or today, a few people with rest and short
    # days. The floor is a lower bound of every plan, so of the one the solver returns too.
    inst = random_day(tiny, seed, reported=(-20, 10), count=(3, 6), rested=0.4)
    floor = floor_of(inst)
    result = solve(inst, SolveConfig(time_limit_s=20, workers=1, seed=1))
    assert result.plan is not None and verify(inst, result.plan) == []
    assert 0 <= floor <= result.objective_terms["tracing.late_hours"]
    routine = relax(inst, sorted(inst.cases, key=lambda c: c.id), 10.0).routine
    terms = result.objective_terms
    assert 0 <= routine <= terms["tracing.late_minutes"] + terms["tracing.wait_minutes"]


def test_the_floor_sees_who_stands_by(tiny):
    # Two cases at 00:00; four epidemiologists and four police officers with 10-hour days; one
    # on-call team asked for in each of the three 8-hour shifts. A person on call traces nothing
    # that day, so two teams tracing leave a shift uncovered (400 units), and one team takes the
    # cases at 0 and 190 min: the second's core information (due at 240) in at 280, 1 hour late.
    # Counting everyone as free to trace, the floor was 0.
    staff = [person(f"E{k}", "epidemiologist") for k in range(4)] + [person(f"Q{k}", "police") for k in range(4)]
    inst = Instance.model_validate(county(tiny, [case("C1", 0), case("C2", 0)], [*staff, TEAM[2]], on_call=1))
    assert floor_of(inst) == 0
    assert floor_in_model(inst) == 1
    result = solve(inst, SolveConfig(time_limit_s=20, workers=1, seed=1))
    assert result.plan is not None and verify(inst, result.plan) == []
    terms = result.objective_terms
    assert (terms["tracing.late_hours"], terms["tracing.on_call_gap"]) == (1, 0)
    assert result.tiers[0].bound == 1  # the floor proves the plan optimal


@pytest.mark.parametrize("seed", range(4))
def test_floor_with_the_rota_never_above_a_verified_plan(tiny, seed):
    inst = random_day(tiny, seed, reported=(-20, 10), count=(2, 5), rested=0.4, on_call=1)
    floor = floor_in_model(inst)
    result = solve(inst, SolveConfig(time_limit_s=20, workers=1, seed=1))
    assert result.plan is not None and verify(inst, result.plan) == []
    terms = result.objective_terms
    assert 0 <= floor <= terms["tracing.late_hours"] + terms["tracing.on_call_gap"]
