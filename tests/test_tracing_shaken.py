"""The tracing greedy in shaken orders (optimizer/tracing_greedy.shaken_schedule): never later
than the greedy in the order it starts from, the same plan for the same seed, and the staff
ledger used as by one greedy run."""

from __future__ import annotations

import copy
import time

from models import Instance
from optimizer import tracing
from optimizer.context import BuildContext
from optimizer.tracing_greedy import greedy_schedule, shaken_schedule
from tests.test_tracing_floor import random_day


def crowded_day(tiny: dict, seed: int) -> Instance:
    """Five to nine cases reported over a day, one to three teams with short days."""
    return random_day(tiny, seed, reported=(-12, 10), count=(5, 9), rested=0.0)


def schedules(inst: Instance, seed: int = 0):
    ctx = BuildContext.new(inst, seed, warm_seconds=1.0)
    v = tracing.build(ctx)
    window, cands, it_people, aside, order = v.greedy_inputs
    args = (inst, v.cases, v.work, window, cands, v.shifts, it_people, aside)
    return v, args, order


def test_shaken_never_later_and_repeats(tiny):
    better = 0
    for seed in range(8):
        inst = crowded_day(copy.deepcopy(tiny), seed)
        v, args, order = schedules(inst)
        plain = greedy_schedule(*args, priority=order).late_hours(inst, v.cases)
        first, _ = shaken_schedule(*args, None, order, 0, time.perf_counter() + 60)
        again, _ = shaken_schedule(*args, None, order, 0, time.perf_counter() + 60)
        assert first.late_hours(inst, v.cases) <= plain
        assert (first.start, first.team) == (again.start, again.team)  # one seed, one plan
        better += first.late_hours(inst, v.cases) < plain
    assert better >= 1, better  # the shaking finds a better order on some of these days


def test_shaken_uses_the_ledger_as_one_run(tiny):
    inst = crowded_day(copy.deepcopy(tiny), 3)
    _, args, order = schedules(inst)
    room = {p.id: [1] for p in inst.staff}  # each person's group can spare one person
    plan, best = shaken_schedule(*args, room, order, 0, time.perf_counter() + 60)
    again = {p.id: [1] for p in inst.staff}
    replay = greedy_schedule(*args, again, priority=best)
    assert (plan.start, plan.team) == (replay.start, replay.team)
    assert room == again  # the tries took copies; only the plan kept used the cells
