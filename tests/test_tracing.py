"""Tracing rules on the tiny county: each rule satisfied, violated only at a price, and caught by
`verify` when a plan breaks it.

The tiny county (tests/conftest.py) without its grids, so only tracing is planned. By hand,
with the default policy: a case with 10 contacts is 90 min of interview + 10 × 10 min of
notifications = 190 min; core information is due 4 h after the report, the full report 24 h
after. 城关镇 (T1) and 柳河乡 (T2) are 5 km apart: 10 min at 30 km/h. Lateness is counted
per deadline in whole hours, rounded up; a case not traced today counts as started at 24:00.
"""

from __future__ import annotations

import pytest

from models import Instance, SolveConfig
from optimizer import solve, tracing
from optimizer.context import BuildContext
from optimizer.validate import verify

CFG = SolveConfig(time_limit_s=20, workers=1, seed=1)


def person(pid: str, skill: str, home: str = "T1", **kw) -> dict:
    return {"id": pid, "name": f"员工{pid}", "skills": [skill], "home_township": home, "hours_per_day": 10, **kw}


def case(cid: str, hour: int, contacts: int = 10, town: str = "T1") -> dict:
    return {"id": cid, "township": town, "report_hour": hour, "estimated_contacts": contacts}


def county(tiny: dict, cases: list[dict], staff: list[dict], on_call: int = 0) -> dict:
    tiny["grids"] = []
    tiny["cases"] = cases
    tiny["staff"] = staff
    tiny["policy"] = {"tracing": {"on_call_teams": on_call}}
    return tiny


TEAM = [person("E1", "epidemiologist"), person("Q1", "police"), person("I1", "it")]


def run(data: dict):
    inst = Instance.model_validate(data)
    result = solve(inst, CFG)
    assert result.plan is not None, result.status
    assert verify(inst, result.plan) == []
    return inst, result


def rows(result) -> dict:
    return {a.case: a for a in result.plan.tracing.assignments}


def test_team_traces_a_case_on_time(tiny):
    inst, result = run(county(tiny, [case("C1", 2)], TEAM))
    a = rows(result)["C1"]
    assert {m.role: m.staff for m in a.members} == {"epidemiologist": "E1", "police": "Q1", "it": "I1"}
    assert (a.start_hour, a.core_info_hour, a.end_hour) == (2, 3.5, pytest.approx(2 + 190 / 60))
    assert (a.core_due_hour, a.report_due_hour) == (6, 26)
    assert result.objective_terms["tracing.late_hours"] == 0
    assert result.plan.shortages == []
    duty = {r.staff: r for r in result.plan.roster}
    assert duty["E1"].module == "tracing" and duty["E1"].location == "C1"


def test_case_reported_yesterday_is_late_by_the_exact_hours(tiny):
    # Reported 18:00 yesterday: core information due 22:00 yesterday; the plan starts at 00:00,
    # so it comes in at 01:30, 3.5 h late -> 4 h. The full report (due 18:00) is on time.
    inst, result = run(county(tiny, [case("C1", -6)], TEAM))
    a = rows(result)["C1"]
    assert a.start_hour == 0 and (a.core_late_hours, a.report_late_hours) == (4, 0)
    assert result.objective_terms["tracing.late_hours"] == 4
    assert result.objective_terms["tracing.late_minutes"] == 210
    (line,) = result.plan.shortages
    assert (line.entity, line.quantity, line.tier) == ("C1", 4, "critical")
    assert "before the plan's day" in line.binding_resource


def test_one_team_takes_two_cases_one_after_the_other(tiny):
    # Both reported at 00:00: the second starts at 03:10 when the first ends; its core
    # information comes at 04:40, 40 min after 04:00 -> 1 h late. Never both at once.
    inst, result = run(county(tiny, [case("C1", 0), case("C2", 0)], TEAM))
    starts = sorted(a.start_hour for a in result.plan.tracing.assignments)
    assert starts == [0, pytest.approx(190 / 60)]
    assert result.objective_terms["tracing.late_hours"] == 1
    assert result.objective_terms["tracing.late_minutes"] == 40
    (line,) = result.plan.shortages
    assert line.binding_resource == ("epidemiologists within commuting range of T1; "
                                     "police officers within commuting range of T1")


def test_no_police_officer_no_team(tiny):
    # Composition: without a police officer the case cannot be traced today. Reported at 20:00:
    # counted as started at 24:00, core information at 01:30 (due 00:00) -> 2 h; report on time.
    inst, result = run(county(tiny, [case("C1", 20)], [person("E1", "epidemiologist"), person("I1", "it")]))
    a = rows(result)["C1"]
    assert a.start_hour is None and a.members == []
    assert result.objective_terms["tracing.late_hours"] == 2
    (line,) = result.plan.shortages
    assert line.what == "case not traced today" and line.quantity == 2
    assert line.binding_resource == "police officers within commuting range of T1"


def test_no_it_support_no_team(tiny):
    inst, result = run(county(tiny, [case("C1", 20)], TEAM[:2]))
    (line,) = result.plan.shortages
    assert line.binding_resource == "IT support on duty in district D1"


def test_rest_delays_the_start(tiny):
    # E1 came off duty at 20:00 yesterday: 12 h of rest, so free from 08:00. Core information
    # at 09:30 for a 04:00 deadline: 5.5 h -> 6 h late.
    staff = [person("E1", "epidemiologist", last_shift_end_hour=-4, days_in_row=1), *TEAM[1:]]
    inst, result = run(county(tiny, [case("C1", 0)], staff))
    assert rows(result)["C1"].start_hour == 8
    assert result.objective_terms["tracing.late_hours"] == 6
    (line,) = result.plan.shortages
    assert line.binding_resource == "investigators rested only from 08:00 within commuting range of T1"


def test_hours_per_day_leave_the_second_case(tiny):
    # Six-hour days: two 190-min cases do not fit one duty, so one waits for tomorrow.
    staff = [person("E1", "epidemiologist", hours_per_day=6), person("Q1", "police", hours_per_day=6), TEAM[2]]
    inst, result = run(county(tiny, [case("C1", 0), case("C2", 0)], staff))
    assert sum(a.traced for a in result.plan.tracing.assignments) == 1


def test_home_team_first_then_lending_at_its_price(tiny):
    cases = [case("C1", 2, town="T2")]
    staff = [*TEAM, person("E2", "epidemiologist", "T2")]
    inst, result = run(county(tiny, cases, staff))
    assert result.objective_terms["tracing.lending"] == 500  # Q1 must go; E2 lives there
    members = {m.staff: m for m in rows(result)["C1"].members}
    assert not members["E2"].lent and members["Q1"].lent
    duty = {r.staff: r for r in result.plan.roster}
    assert duty["Q1"].township == "T2" and duty["Q1"].travel_min == 10


def test_on_call_rota_covers_the_day(tiny):
    staff = [person(f"E{k}", "epidemiologist") for k in range(3)] + [person(f"Q{k}", "police") for k in range(3)]
    inst, result = run(county(tiny, [], staff, on_call=1))
    assert [len(s.teams) for s in result.plan.tracing.on_call] == [1, 1, 1]
    assert result.objective_terms["tracing.on_call_gap"] == 0
    assert result.plan.shortages == []


def test_on_call_short_by_one_shift_is_declared(tiny):
    staff = [person(f"E{k}", "epidemiologist") for k in range(2)] + [person(f"Q{k}", "police") for k in range(3)]
    inst, result = run(county(tiny, [], staff, on_call=1))
    assert result.objective_terms["tracing.on_call_gap"] == 50 * 8
    (line,) = result.plan.shortages
    assert line.what.startswith("on-call teams short") and line.quantity == 1


def test_same_seed_one_worker_same_plan(tiny):
    inst = Instance.model_validate(county(tiny, [case("C1", 0), case("C2", 1, 30), case("C3", -3, 5)],
                                          [*TEAM, person("E2", "epidemiologist", "T2"), person("Q2", "police")],
                                          on_call=1))
    a, b = solve(inst, CFG).plan, solve(inst, CFG).plan
    strip = lambda p: p.model_dump(exclude={"meta"})  # noqa: E731 - wall times differ
    assert strip(a) == strip(b)


@pytest.mark.parametrize("rule", ["tracing_team", "tracing_deadline", "tracing_overlap", "tracing_rest",
                                  "tracing_hours", "on_call_cover", "tracing_lending", "shortage_declared"])
def test_verify_catches_a_broken_plan(tiny, rule):
    staff = [*TEAM, person("E2", "epidemiologist", last_shift_end_hour=-4, days_in_row=1),
             person("Q2", "police", "T2"), person("E3", "epidemiologist"), person("Q3", "police"),
             person("E4", "epidemiologist"), person("Q4", "police"), person("E5", "epidemiologist"),
             person("Q5", "police")]
    inst, result = run(county(tiny, [case("C1", 0), case("C2", 0), case("C3", -6)], staff, on_call=1))
    plan = result.plan.model_copy(deep=True)
    a = {r.case: r for r in plan.tracing.assignments}
    if rule == "tracing_team":
        a["C1"].members = [m for m in a["C1"].members if m.role != "police"]
    elif rule == "tracing_deadline":
        a["C1"].core_late_hours = 0
        a["C1"].report_due_hour += 1
    elif rule == "tracing_overlap":
        other = next(c for c in ("C2", "C3") if a[c].traced)
        a[other].members = a["C1"].members
        for k in ("start_hour", "core_info_hour", "end_hour"):
            setattr(a[other], k, getattr(a["C1"], k) + 0.5)
    elif rule == "tracing_rest":
        epi = next(m for m in a["C1"].members if m.role == "epidemiologist")
        epi.staff = "E2"  # off duty at 20:00 yesterday: not free before 08:00
    elif rule == "tracing_hours":
        plan.roster = [r for r in plan.roster if not (r.module == "tracing" and "C1" in r.location.split(","))]
    elif rule == "on_call_cover":
        plan.tracing.on_call[1].teams = []
    elif rule == "tracing_lending":
        a["C1"].members[0].lent = True
    elif rule == "shortage_declared":
        plan.shortages = [x for x in plan.shortages if x.entity != "C3"]
    assert rule in {v.rule for v in verify(inst, plan)}


def test_one_pool_a_person_samples_or_traces_not_both(tiny):
    # The tiny county with its grids: sampling wants every medical person, and P1 could also
    # trace. Whatever the plan does, P1 has one duty at most, and the plan verifies.
    tiny["staff"][0]["skills"] = ["sampler", "epidemiologist"]
    tiny["staff"] += [person("Q1", "police"), person("I1", "it")]
    tiny["cases"] = [case("C1", 2)]
    tiny["policy"] = {"tracing": {"on_call_teams": 0}}
    inst, result = run(tiny)
    assert sum(r.staff == "P1" for r in result.plan.roster) <= 1
    assert rows(result)["C1"].traced == any(r.staff == "P1" and r.module == "tracing" for r in result.plan.roster)


@pytest.mark.slow
def test_stress_day_returns_a_verified_plan_with_lateness():
    from benchmarks.tracing_stress import PATH
    from models.io import load_instance

    inst = load_instance(PATH)
    result = solve(inst, SolveConfig(time_limit_s=50, workers=2))
    assert result.plan is not None and verify(inst, result.plan) == []
    assert result.objective_terms["tracing.late_hours"] > 0
    assert sum(x.module == "tracing" for x in result.plan.shortages) > 100


def test_greedy_takes_no_it_supporter_their_pool_group_cannot_spare(tiny):
    # The warm start's greedy names IT supporters the pool must then give: one whose counted
    # group has no one left that day (others of the group already on duty) cannot be named.
    from optimizer.tracing_greedy import _ITLedger

    inst = Instance.model_validate(county(tiny, [case("C1", 2)], TEAM))
    district = inst.by_id("townships")["T1"].district
    shifts = [(0, 480), (480, 960), (960, 1440)]
    people = {district: [("I1", frozenset({0, 1, 2}))]}
    assert not _ITLedger(inst, shifts, people, {"I1": [0]}).can_add("T1", 60)
    ledger = _ITLedger(inst, shifts, people, {"I1": [1]})
    assert ledger.can_add("T1", 60)
    ledger.add("T1", 60)
    assert ledger.room["I1"] == [0]  # the group's cell, shared with the investigators, is spent


def test_night_on_call_team_set_aside_from_people_who_commute(tiny):
    # No township's residents form a pair free from 00:00: in 城关镇 (T1) only the police officer
    # Q9 is (three pairs rested only from 08:00: two for the later on-call shifts, one for the
    # case), in 柳河乡 (T2, 10 min away) only the epidemiologist E9. Together at either base they
    # can stand by for the night. The greedy warm start must keep them for the night's on-call
    # shift rather than spend them on the case reported at 00:00, which a rested pair can take
    # at 08:00: the night uncovered costs 8 h × 50 = 400, the case's lateness from 08:00 is 5 h
    # (core information due 04:00, in at 09:30). Before, only pairs of one base's residents
    # were set aside, and the night went without.
    rested = {"last_shift_end_hour": -4, "days_in_row": 1}
    staff = [person("E1", "epidemiologist", **rested), person("Q1", "police", **rested),
             person("E2", "epidemiologist", **rested), person("Q2", "police", **rested),
             person("E3", "epidemiologist", **rested), person("Q3", "police", **rested),
             person("Q9", "police"), person("E9", "epidemiologist", "T2"), TEAM[2]]
    data = county(tiny, [case("C1", 0)], staff, on_call=1)
    v = tracing.build(BuildContext.new(Instance.model_validate(data)))
    assert {"E9", "Q9"} <= v.greedy.set_aside
    assert v.greedy.start[0] == 8 * 60 and not {"E9", "Q9"} & set(v.greedy.team[0].values())
    _, result = run(data)
    assert result.objective_terms["tracing.on_call_gap"] == 0
