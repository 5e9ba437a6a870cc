"""Cohorts kept together (DOMAIN.md §3): the split term counts cohorts cut over sites, not runs.

The county of tests/test_isolation.py. `isolation.cohort_splits` is `split_penalty` (2,000) per
site a cohort uses beyond its first; a group's cohorts (same pick-up point, category and day)
sent whole to different sites are not split. Also: `isolation_extract.hand_out` never cuts more
than the model prices, and the warm start's cost cuts hold at the module's cost optimum.
"""

from __future__ import annotations

import random

from models import Instance
from models.instance import Cohort
from optimizer.isolation_extract import hand_out
from tests.test_isolation import cohort, county, run, site  # noqa: F401 (county: the fixture)


def sites_of(plan) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p in plan.isolation.placements:
        out.setdefault(p.cohort, set()).add(p.site)
    return out


def test_cohorts_of_one_group_whole_at_two_sites_are_not_split(county):
    # one group (T1, close contacts, day 1) of 40 people; neither hotel takes 40, each takes 20
    county["isolation_sites"] = [site("H1", 25), site("H2", 25, x=4.5, room_cost_per_day=200)]
    county["staff"] = []
    county["cohorts"] = [cohort("K1", 20), cohort("K2", 20)]
    _, plan, terms = run(county)
    where = sites_of(plan)
    assert len(where["K1"]) == 1 and len(where["K2"]) == 1 and where["K1"] != where["K2"]
    assert terms["isolation.cohort_splits"] == 0  # per run beyond the group's first it was 2,000


def test_a_cohort_over_three_sites_costs_two_splits(county):
    county["isolation_sites"] = [site("H1", 25), site("H2", 25, x=4.5), site("H3", 25, x=5.0)]
    county["staff"] = []
    county["vehicles"] += [dict(county["vehicles"][0], id=f"B{k}", plate=f"豫A0000{k}") for k in (2, 3)]
    county["cohorts"] = [cohort("K1", 60), cohort("K2", 5)]
    _, plan, terms = run(county)
    where = sites_of(plan)
    assert len(where["K1"]) == 3 and len(where["K2"]) == 1  # K2 whole into what K1 leaves
    assert terms["isolation.cohort_splits"] == 2 * 2000


def _kind(c: Cohort) -> tuple[int, int]:
    return c.people, 0


def test_hand_out_cuts_at_most_the_parts_less_one():
    """Random groups without carers: the model's whole cohorts go where it says, and the rest,
    dealt over the quotas they leave (the parts), use at most parts − 1 extra sites."""
    rng = random.Random(7)
    checked = 0
    for trial in range(300):
        cohorts = [Cohort(id=f"K{k}", day=1, origin="T1", category="close_contact", people=rng.randint(1, 12))
                   for k in range(rng.randint(1, 7))]
        need = sum(c.people for c in cohorts)
        # whole placements the model chose, then quotas: those plus random parts
        whole: dict[str, dict[tuple[int, int], int]] = {}
        quotas: dict[str, list[int]] = {f"S{j}": [0, 0] for j in range(rng.randint(1, 5))}
        rest = []
        for c in cohorts:
            if rng.random() < 0.4:
                s = rng.choice(sorted(quotas))
                whole.setdefault(s, {}).setdefault(_kind(c), 0)
                whole[s][_kind(c)] += 1
                quotas[s][0] += c.people
            else:
                rest.append(c)
        left = sum(c.people for c in rest) - rng.randint(0, 3)  # a few may go without a room
        parts = 0
        names = sorted(quotas)
        for j, s in enumerate(names):
            give = left if j == len(names) - 1 else rng.randint(0, max(0, left))
            give = max(0, give)
            quotas[s][0] += give
            left -= give
            parts += give > 0
        rows, unhoused = hand_out(cohorts, {s: tuple(q) for s, q in quotas.items()}, whole)
        used: dict[str, set[str]] = {}
        for c, s, people, _ in rows:
            used.setdefault(c.id, set()).add(s)
        # every room handed out at most once, people conserved
        for s, (a, _) in quotas.items():
            assert sum(p for _, t, p, _ in rows if t == s) <= a
        assert sum(p for *_, p, _ in rows) + sum(unhoused.values()) == need
        assert sum(len(x) - 1 for x in used.values()) <= max(0, parts - 1), trial
        checked += 1
    assert checked == 300


def test_cost_cuts_hold_at_the_cost_optimum(county):
    """w × critical + placing ≥ b for each of the warm start's cuts, at the module's optimum
    (critical first, then cost with the critical total locked), solved without the cuts."""
    from ortools.sat.python import cp_model

    from optimizer import isolation
    from optimizer.context import BuildContext
    from optimizer.isolation_warm import plan_alone

    county["isolation_sites"] = [site("H1", 30, occupants=[{"release_day": 3, "people": 12,
                                                             "category": "close_contact"}]),
                                 site("H2", 20, x=4.5, room_cost_per_day=260),
                                 site("R1", 40, x=5.0, reserve=True, activation_lag_days=1, activation_cost=9000)]
    county["cohorts"] = [cohort("K1", 20, day=1), cohort("K2", 15, day=1), cohort("K3", 40, day=2),
                         cohort("K4", 25, day=3, origin="T2"), cohort("K5", 10, day=4)]  # 110 for ~90 rooms
    inst = Instance.model_validate(county)
    alone = plan_alone(BuildContext.new(inst, 1, 5.0))
    assert alone is not None and alone.cuts
    ctx = BuildContext.new(inst, 1, 5.0)
    v = isolation.build(ctx)
    ctx.pool.finalize()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    ctx.model.minimize(ctx.tier_objective("critical"))
    assert solver.solve(ctx.model) == cp_model.OPTIMAL
    critical = round(solver.objective_value)
    ctx.model.add(v.critical <= critical)
    ctx.model.minimize(v.placing)
    assert solver.solve(ctx.model) == cp_model.OPTIMAL
    placing = round(solver.objective_value)
    assert critical > 0  # the rooms are short: the cuts trade person-days against cost
    for w, b in alone.cuts:
        assert w * critical + placing >= b, (w, b, critical, placing)
    # and the tightest of them is close: within 5 % of the optimum here
    assert max(b - w * critical for w, b in alone.cuts) >= 0.95 * placing
