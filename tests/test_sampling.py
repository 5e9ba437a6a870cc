"""Sampling rules on the tiny county: each hard rule satisfied, and violated only by a shortage.

The tiny county (tests/conftest.py) by hand: 城关镇 is sealed and high-risk, so its grids
G1 (600) and G2 (900) are sampled daily in-zone, one tube per household; 柳河乡's G3 has
100 key-group residents (daily) and 1,900 sampled every 2 days: 100 + 950 = 1,050 people.
A desk-shift of 6 h samples floor(120 × 6 × 20/20.5) = 702 people within the 20-min wait.
Staff: 5 medical and 3 registrar-capable people, one block a day each, crews 2+1 per desk,
so at most 2 desk-shifts can be staffed.
"""

from __future__ import annotations

import pytest

from models import Instance, SolveConfig
from optimizer import solve
from optimizer.validate import verify

CFG = SolveConfig(time_limit_s=20, workers=1, seed=1)


def run(data: dict):
    inst = Instance.model_validate(data)
    result = solve(inst, CFG)
    assert result.plan is not None, result.status
    assert verify(inst, result.plan) == []
    return inst, result


def test_scarce_staff_serve_critical_grids_first(tiny):
    inst, result = run(tiny)
    terms = result.objective_terms
    # Two desk-shifts (1,404 people) cannot serve G2 (900) and G1 (600) both in-zone,
    # nor G3 (1,050) besides: the critical tier keeps G2, leaving 600 critical unsampled.
    assert terms["sampling.high_risk_unsampled"] == 600
    assert terms["sampling.routine_unsampled"] == 1050
    assert [t["status"] for t in result.plan.meta.tiers] == ["OPTIMAL"] * 3
    short = {x.entity: x for x in result.plan.shortages}
    assert set(short) == {"G1", "G3"}
    assert short["G1"].tier == "critical" and short["G3"].tier == "routine"
    assert "samplers" in short["G1"].binding_resource


def test_enough_staff_serves_everyone_and_cost_is_minimal(tiny):
    # 5 desk-shifts need 10 medical + 5 registrars = 15 people, one block each: 8 + 7.
    for k in range(9, 16):
        tiny["staff"].append({"id": f"P{k}", "name": f"员工{k}", "skills": ["sampler", "registrar"],
                              "home_township": "T2", "hours_per_day": 10})
    inst, result = run(tiny)
    assert result.plan.shortages == []
    assert result.objective_terms["sampling.high_risk_unsampled"] == 0
    # G1+G2 need 1,500 in-zone: 3 desk-shifts; G3 needs 1,050: 2 desk-shifts.
    assert sum(sum(o.desks_by_shift.values()) for o in result.plan.sampling.sites) == 5


def test_sealed_residents_sampled_inside_the_zone(tiny):
    # Remove the in-zone sites: the sealed grids may not walk to 柳河乡 even with staff to spare.
    tiny["sampling_sites"] = [s for s in tiny["sampling_sites"] if s["township"] != "T1"]
    tiny["sampling_sites"][0]["location"] = {"x": 0.5, "y": 0.0}  # close enough to walk, but outside
    tiny["sampling_sites"][0]["township"] = "T2"
    inst, result = run(tiny)
    assert {x.entity for x in result.plan.shortages if x.tier == "critical"} == {"G1", "G2"}
    assert all("sealed zone" in x.binding_resource for x in result.plan.shortages if x.tier == "critical")


def test_walk_limit_leaves_far_grid_unserved(tiny):
    tiny["grids"][2]["location"] = {"x": 9.0, "y": 0.0}  # 4 km from S3: 69 min on foot > 30
    inst, result = run(tiny)
    g3 = next(x for x in result.plan.shortages if x.entity == "G3")
    assert "walk" in g3.binding_resource


def test_lab_capacity_limits_tubes(tiny):
    for k in range(9, 15):
        tiny["staff"].append({"id": f"P{k}", "name": f"员工{k}", "skills": ["sampler", "registrar"],
                              "home_township": "T2", "hours_per_day": 10})
    tiny["labs"][0]["daily_tube_capacity"] = 400  # G2 alone needs 350 tubes, G1 230
    inst, result = run(tiny)
    assert sum(f.tubes for f in result.plan.sampling.tube_flows) <= 400
    assert result.objective_terms["sampling.high_risk_unsampled"] == 600  # G1 (230 tubes) no longer fits
    assert any("lab" in x.binding_resource for x in result.plan.shortages if x.entity == "G1")


def test_day_off_and_rest_remove_people(tiny):
    for k in range(9, 15):
        tiny["staff"].append({"id": f"P{k}", "name": f"员工{k}", "skills": ["sampler", "registrar"],
                              "home_township": "T2", "hours_per_day": 10, "days_in_row": 6})
    inst, result = run(tiny)  # all six new people are due a day off: same as without them
    assert result.objective_terms["sampling.high_risk_unsampled"] == 600
    assert not {r.staff for r in result.plan.roster} & {f"P{k}" for k in range(9, 15)}


def test_relief_staff_only_register(tiny):
    inst, result = run(tiny)
    for r in result.plan.roster:
        if r.staff == "P5":
            assert r.role == "registrar"


def test_same_seed_one_worker_same_plan(tiny):
    inst = Instance.model_validate(tiny)
    a = solve(inst, CFG).plan
    b = solve(inst, CFG).plan
    strip = lambda p: p.model_dump(exclude={"meta"})  # noqa: E731 - wall times differ
    assert strip(a) == strip(b)
    assert a.meta.deterministic


@pytest.mark.parametrize("rule", ["walk_limit", "site_capacity", "desk_crew", "staff_skill", "one_block_per_day"])
def test_verify_catches_a_broken_plan(tiny, rule):
    for k in range(9, 15):
        tiny["staff"].append({"id": f"P{k}", "name": f"员工{k}", "skills": ["sampler", "registrar"],
                              "home_township": "T2", "hours_per_day": 10})
    inst, result = run(tiny)
    plan = result.plan.model_copy(deep=True)
    if rule == "walk_limit":
        row = next(g for g in plan.sampling.grids if g.grid == "G3")
        row.site = next(o.site for o in plan.sampling.sites if o.township == "T1")
    elif rule == "site_capacity":
        plan.sampling.sites[0].desks_by_shift = {k: 0 for k in plan.sampling.sites[0].desks_by_shift}
    elif rule == "desk_crew":
        plan.roster = [r for r in plan.roster if r.role != "registrar"]
    elif rule == "staff_skill":
        reg = next(r for r in plan.roster if r.role == "registrar")
        reg.role = "sampler"
        reg.staff = "P5"
    elif rule == "one_block_per_day":
        plan.roster.append(plan.roster[0].model_copy(update={"start_hour": 19, "end_hour": 23}))
    assert rule in {v.rule for v in verify(inst, plan)}
