"""Staff-pool rules on the tiny county: each rule satisfied in a solved plan, and a plan
that breaks it caught by `verify`.

In the tiny county, 2 desk-shifts can be staffed (5 medical, 3 registrar-capable people);
the tests below remove or restrict people and check the plan loses exactly that staff.
"""

from __future__ import annotations

import pytest

from models import Instance, SolveConfig
from optimizer import solve
from optimizer.validate import verify

CFG = SolveConfig(time_limit_s=20, workers=1, seed=3)


def solved(data):
    inst = Instance.model_validate(data)
    res = solve(inst, CFG)
    assert res.plan is not None
    assert verify(inst, res.plan) == []
    return inst, res


def staffed_desk_shifts(res) -> int:
    return sum(sum(o.desks_by_shift.values()) for o in res.plan.sampling.sites)


def test_baseline_two_desk_shifts(tiny):
    _, res = solved(tiny)
    assert staffed_desk_shifts(res) == 2


def test_rest_keeps_late_worker_out_of_the_morning(tiny):
    # P1 ended at 02:00 today: with 12 h rest, available from 14:00 — too late for any shift
    # starting at 07:00 or 13:00, but the 19:00 shift is fine.
    tiny["staff"][0]["last_shift_end_hour"] = 2
    inst, res = solved(tiny)
    for r in res.plan.roster:
        if r.staff == "P1":
            assert r.start_hour >= 14


def test_closed_loop_staff_do_nothing_else(tiny):
    tiny["isolation_sites"] = [{"id": "I1", "name": "隔离酒店", "township": "T2", "location": {"x": 5, "y": 1},
                                "rooms": 10}]
    for p in tiny["staff"][:3]:
        p["closed_loop_site"] = "I1"  # P1..P3: three of five medical people
    inst, res = solved(tiny)
    assert not {"P1", "P2", "P3"} & {r.staff for r in res.plan.roster if r.module == "sampling"}
    assert staffed_desk_shifts(res) == 1  # 2 medical left: one desk-shift


def test_hours_per_day_include_travel(tiny):
    # T2 people with 6 h a day can work a 6 h shift at home, but in T1 (10 min each way)
    # only the 4 h evening shift.
    for p in tiny["staff"]:
        if p["home_township"] == "T2":
            p["hours_per_day"] = 6
    inst, res = solved(tiny)
    for r in res.plan.roster:
        if r.staff in {"P6", "P7", "P8"}:
            assert r.township == "T2" or r.end_hour - r.start_hour == 4


def test_commute_limit(tiny):
    tiny["policy"] = {"staff": {"max_commute_min": 5}}  # T1-T2 is 10 min: nobody crosses
    inst, res = solved(tiny)
    for r in res.plan.roster:
        home = inst.by_id("staff")[r.staff].home_township
        assert r.township == home


@pytest.mark.parametrize("rule,mutate", [
    ("rest", lambda p, inst: setattr(inst.by_id("staff")[p.roster[0].staff], "last_shift_end_hour",
                                     p.roster[0].start_hour - 2)),
    ("day_off", lambda p, inst: setattr(inst.by_id("staff")[p.roster[0].staff], "days_in_row", 9)),
    ("closed_loop", lambda p, inst: setattr(inst.by_id("staff")[p.roster[0].staff], "closed_loop_site", "I9")),
    ("hours_per_day", lambda p, inst: setattr(p.roster[0], "end_hour", p.roster[0].start_hour + 11)),
    ("commute", lambda p, inst: setattr(inst.policy.staff, "max_commute_min", 1)),
])
def test_verify_catches_staff_rule(tiny, rule, mutate):
    for k in range(9, 16):
        tiny["staff"].append({"id": f"P{k}", "name": f"员工{k}", "skills": ["sampler", "registrar"],
                              "home_township": "T2", "hours_per_day": 10})
    inst, res = solved(tiny)
    plan = res.plan.model_copy(deep=True)
    plan.roster.sort(key=lambda r: r.township != "T1")  # a T1 duty first: commuters are there
    t2_people = {p.id for p in inst.staff if p.home_township == "T2"}
    if rule == "commute":
        plan.roster.sort(key=lambda r: r.staff not in t2_people or r.township == "T2")
    mutate(plan, inst)
    assert rule in {v.rule for v in verify(inst, plan)}


def test_lab_turnaround_deadline(tiny):
    tiny["labs"][0]["turnaround_hours"] = 8  # high-risk results are due in 6 h: T1 tubes cannot go
    inst, res = solved(tiny)
    assert res.objective_terms["sampling.high_risk_unsampled"] == 1500
    assert all("labs" in x.binding_resource for x in res.plan.shortages if x.tier == "critical")
