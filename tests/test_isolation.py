"""Isolation rules on the tiny county: each rule satisfied, and broken only by a shortage line.

The tiny county (tests/conftest.py) without its grids, plus one hotel 城关宾馆 (H1) in 柳河乡,
8 km from 城关镇: 30 rooms, its closed-loop crew (per shift 2 doctors, 2 nurses and 4 others:
enough for 50 isolated), one 45-seat transfer bus. Under the default edition 9 a close contact
stays 7 days. Transfers: 城关镇 → H1 is 8 min one way; a trip is planned at 2 × 60 + 30 min,
so a bus makes 4 trips in its 10-h shift. Cohorts arrive on day 1 unless a test says otherwise, so that day-0 staff
play no part where they are not the subject.
"""

from __future__ import annotations

import pytest

from exports import plan_frames
from models import Instance, SolveConfig
from optimizer import solve
from optimizer.validate import verify

CFG = SolveConfig(time_limit_s=20, workers=1, seed=1)


def crew(site: str, per_shift_medical: int = 2, per_shift_other: int = 4) -> list[dict]:
    """Closed-loop staff of a site, rested, one shift each: doctors, nurses and others per shift × 3."""
    people = []
    for skill, n in (("doctor", per_shift_medical), ("nurse", per_shift_medical), ("grid_worker", per_shift_other)):
        for k in range(3 * n):
            people.append({"id": f"{site}-{skill}{k}", "name": f"{site}{skill}{k}", "skills": [skill],
                           "home_township": "T2", "hours_per_day": 8, "closed_loop_site": site})
    return people


def cohort(cid: str, people: int, day: int = 1, category: str = "close_contact", origin: str = "T1",
           carers: int = 0) -> dict:
    return {"id": cid, "day": day, "origin": origin, "category": category, "people": people, "carers": carers}


def site(sid: str, rooms: int, x: float = 4.0, **kw) -> dict:
    return {"id": sid, "name": f"{sid}宾馆", "township": "T2", "location": {"x": x, "y": 1.0}, "rooms": rooms, **kw}


@pytest.fixture
def county(tiny) -> dict:
    tiny["grids"] = []  # sampling out of the way
    tiny["isolation_sites"] = [site("H1", 30)]
    tiny["staff"] = crew("H1")
    tiny["vehicles"] = [{"id": "B1", "plate": "豫A00001", "kind": "transfer_bus", "depot": "H1", "seats": 45}]
    tiny["cohorts"] = []
    return tiny


def run(data: dict):
    inst = Instance.model_validate(data)
    result = solve(inst, CFG)
    assert result.plan is not None, result.status
    assert all(t["status"] == "OPTIMAL" for t in result.plan.meta.tiers), result.summary()
    assert verify(inst, result.plan) == []
    return inst, result.plan, result.objective_terms


def short_lines(plan, unit: str = "people") -> dict:
    return {x.entity: x for x in plan.shortages if x.module == "isolation" and x.unit == unit}


def placed(plan, cid: str) -> int:
    return sum(p.people for p in plan.isolation.placements if p.cohort == cid)


# ------------------------------------------------------------------ rooms

def test_every_cohort_housed_when_rooms_suffice(county):
    county["cohorts"] = [cohort("K1", 12), cohort("K2", 10)]
    inst, plan, terms = run(county)
    assert placed(plan, "K1") == 12 and placed(plan, "K2") == 10
    assert short_lines(plan) == {}
    assert terms["isolation.unhoused_person_days"] == 0
    p = next(p for p in plan.isolation.placements if p.cohort == "K1")
    assert (p.site, p.admit_day, p.release_day) == ("H1", 1, 8)  # edition 9: 7 days
    assert terms["isolation.rooms"] == 22 * 7 * 200


def test_too_few_rooms_leave_people_short_with_rooms_binding(county):
    county["cohorts"] = [cohort("K1", 20), cohort("K2", 16, day=2)]
    inst, plan, terms = run(county)
    # 36 people for 30 rooms on days 2–7: 6 cannot be housed, each for a 7-day stay
    assert terms["isolation.unhoused_person_days"] == 6 * 7
    lines = short_lines(plan).values()
    assert sum(x.quantity for x in lines) == 6
    assert all(x.tier == "critical" and x.binding_resource == "rooms: H1 full" for x in lines)


def test_current_occupants_hold_rooms_until_their_release(county):
    county["isolation_sites"][0]["occupants"] = [{"release_day": 3, "people": 25, "category": "close_contact"}]
    county["cohorts"] = [cohort("K1", 10, day=1), cohort("K2", 10, day=3)]
    inst, plan, terms = run(county)
    assert placed(plan, "K1") == 5  # 5 rooms free on days 1–2
    assert placed(plan, "K2") == 10  # the 25 leave on day 3
    occ = {r.day: r for r in plan.isolation.occupancy}
    assert occ[1].occupied_rooms == 30 and occ[3].occupied_rooms == 15 and occ[3].free_rooms == 15


# ------------------------------------------------------------------ stays and the edition switch

def test_edition_switch_shortens_stays_and_frees_rooms(county):
    county["cohorts"] = [cohort("K1", 12), cohort("K2", 8, category="secondary_contact"),
                         cohort("K3", 6, category="inbound", origin="T2")]
    county["policy"] = {"preset": "edition8", "isolation": {"no_mix": []}}
    _, plan8, _ = run(county)
    county["policy"] = {"preset": "twenty-measures", "isolation": {"no_mix": []}}
    _, plan20, _ = run(county)
    release8 = {p.cohort: p.release_day for p in plan8.isolation.placements}
    release20 = {p.cohort: p.release_day for p in plan20.isolation.placements}
    assert release8 == {"K1": 15, "K2": 8, "K3": 15}  # 14 / 7 / 14 days from day 1
    assert release20 == {"K1": 6, "K3": 6}  # 5 days; secondary contacts are not isolated
    free8 = sum(r.free_rooms for r in plan8.isolation.occupancy)
    free20 = sum(r.free_rooms for r in plan20.isolation.occupancy)
    assert free20 - free8 == (12 + 6) * (13 - 5) + 8 * 7  # room-days given back
    sheet = plan_frames(Instance.model_validate(county), plan20, "en")["Room occupancy"]
    assert sheet.iloc[0]["Free 12-05"] == 30  # day 7: everyone has gone home under twenty measures


def test_stay_override_by_the_planner(county):
    county["policy"] = {"preset": "edition9", "isolation": {"stays": {"close_contact": {"centralized_days": 10}}}}
    county["cohorts"] = [cohort("K1", 5)]
    _, plan, _ = run(county)
    assert plan.isolation.placements[0].release_day == 11


# ------------------------------------------------------------------ carers

def test_carers_share_rooms(county):
    county["isolation_sites"][0]["rooms"] = 10
    county["cohorts"] = [cohort("K1", 12, carers=2)]  # 10 rooms: two carers with the ones they care for
    _, plan, _ = run(county)
    assert placed(plan, "K1") == 12
    assert sum(p.rooms for p in plan.isolation.placements) == 10


def test_one_room_short_leaves_a_carer_with_the_one_cared_for(county):
    county["isolation_sites"][0]["rooms"] = 9
    county["cohorts"] = [cohort("K1", 12, carers=2)]
    _, plan, terms = run(county)
    # 9 rooms: both pairs and 7 of the 8 alone are housed; one person alone waits
    assert placed(plan, "K1") == 11 and short_lines(plan)["K1"].quantity == 1
    assert sum(p.carers for p in plan.isolation.placements) == 2


# ------------------------------------------------------------------ categories

def test_categories_kept_apart_per_day(county):
    county["isolation_sites"][0]["occupants"] = [{"release_day": 4, "people": 5, "category": "inbound"}]
    county["cohorts"] = [cohort("K1", 10, day=1), cohort("K2", 10, day=4)]
    _, plan, _ = run(county)
    assert placed(plan, "K1") == 0 and placed(plan, "K2") == 10  # after the inbound travellers leave
    assert short_lines(plan)["K1"].binding_resource == "categories kept apart: H1 hold other categories"


def test_categories_may_mix_when_the_policy_allows(county):
    county["isolation_sites"][0]["occupants"] = [{"release_day": 4, "people": 5, "category": "inbound"}]
    county["policy"] = {"isolation": {"no_mix": []}}
    county["cohorts"] = [cohort("K1", 10, day=1)]
    _, plan, _ = run(county)
    assert placed(plan, "K1") == 10


def test_site_takes_only_its_allowed_categories(county):
    county["isolation_sites"][0]["allowed_categories"] = ["inbound"]
    county["cohorts"] = [cohort("K1", 10)]
    _, plan, _ = run(county)
    assert short_lines(plan)["K1"].binding_resource == "no isolation site takes close contacts within 60 min transfer"


# ------------------------------------------------------------------ reserves

def test_reserve_usable_after_lag_by_ready_fractions(county):
    county["isolation_sites"][0]["rooms"] = 5
    county["isolation_sites"].append(site("R1", 60, x=6.0, reserve=True, activation_lag_days=1,
                                          activation_cost=9000))
    # day 1: a third of 60 = 20 rooms, day 2: half = 30, day 3 on: all 60
    county["cohorts"] = [cohort("K1", 30, day=1), cohort("K2", 20, day=3)]
    inst, plan, terms = run(county)
    assert plan.isolation.activated_sites == ["R1"]
    assert terms["isolation.activations"] == 9000
    assert placed(plan, "K1") == 25  # 5 at H1 and 20 at R1 (its day-1 share)
    usable = {(r.site, r.day): r.usable_rooms for r in plan.isolation.occupancy}
    assert [usable["R1", d] for d in range(4)] == [0, 20, 30, 60]


def test_reserve_not_ready_in_time_is_the_binding_resource(county):
    county["isolation_sites"][0]["rooms"] = 5
    county["isolation_sites"].append(site("R1", 60, x=6.0, reserve=True, activation_lag_days=3))
    county["cohorts"] = [cohort("K1", 10, day=1)]
    _, plan, _ = run(county)
    assert plan.isolation.activated_sites == []
    assert short_lines(plan)["K1"].binding_resource == "rooms: H1 full (reserves ready too late: R1)"


# ------------------------------------------------------------------ transfers

def test_transfer_seats_and_trips(county):
    county["vehicles"][0]["seats"] = 14
    county["cohorts"] = [cohort("K1", 14), cohort("K2", 14)]
    inst, plan, _ = run(county)
    trips = sum(t.trips for t in plan.isolation.transfers)
    assert trips == 2 and sum(t.people for t in plan.isolation.transfers) == 28
    assert all(t.people <= 14 * t.trips for t in plan.isolation.transfers)


def test_transfer_capacity_binds(county):
    # 4 trips × 14 seats = 56 seat-trips; each run keeps 13 seats for its last trip: at most 43 people
    county["vehicles"][0]["seats"] = 14
    county["isolation_sites"][0]["rooms"] = 100
    county["staff"] = crew("H1")
    county["cohorts"] = [cohort("K1", 60)]
    _, plan, _ = run(county)
    assert placed(plan, "K1") == 43
    assert short_lines(plan)["K1"].binding_resource == "transfer capacity: bus seat-trips of 2022-11-29 used up"


def test_no_site_within_transfer_reach(county):
    county["isolation_sites"][0]["location"] = {"x": 60.0, "y": 0.0}  # 60 km: 117 min one way
    county["cohorts"] = [cohort("K1", 5)]
    _, plan, _ = run(county)
    assert short_lines(plan)["K1"].binding_resource.startswith("no isolation site takes close contacts")


# ------------------------------------------------------------------ cohorts kept together

def test_cohort_split_only_when_needed(county):
    county["isolation_sites"] = [site("H1", 25), site("H2", 25, x=4.5, room_cost_per_day=200)]
    county["staff"] = []
    county["cohorts"] = [cohort("K1", 20), cohort("K2", 30)]
    _, plan, terms = run(county)
    sites_of = {}
    for p in plan.isolation.placements:
        sites_of.setdefault(p.cohort, set()).add(p.site)
    assert len(sites_of["K1"]) == 1 and len(sites_of["K2"]) == 2  # 30 fits nowhere whole
    assert terms["isolation.cohort_splits"] == 2000


# ------------------------------------------------------------------ site staff on day 0

def test_day0_admission_needs_site_staff(county):
    county["staff"] = []
    county["cohorts"] = [cohort("K1", 10, day=0), cohort("K2", 10, day=1)]
    _, plan, _ = run(county)
    assert placed(plan, "K1") == 0 and placed(plan, "K2") == 10  # day 1 is a requirement, not a roster
    assert short_lines(plan)["K1"].binding_resource.startswith("site staff on the plan date")


def test_day0_site_staff_rostered_closed_loop_first(county):
    county["isolation_sites"].append(site("H9", 10, allowed_categories=["inbound"]))
    county["staff"] += crew("H9")  # another site's rotation: never at H1
    county["cohorts"] = [cohort("K1", 10, day=0)]
    _, plan, _ = run(county)
    rows = [r for r in plan.roster if r.module == "isolation"]
    assert {r.location for r in rows} == {"H1"} and all(r.staff.startswith("H1-") for r in rows)
    per_shift = {}
    for r in rows:
        per_shift.setdefault(r.start_hour, []).append(r.role)
    assert sorted(per_shift) == [0, 8, 16]
    assert all(roles.count("doctor") == 2 and roles.count("nurse") == 2 for roles in per_shift.values())


def test_pool_tops_up_site_staff(county):
    county["staff"] = crew("H1", per_shift_medical=1) + [
        {"id": f"D{k}", "name": f"医{k}", "skills": ["doctor", "nurse"][k % 2:k % 2 + 1], "home_township": "T2",
         "hours_per_day": 8} for k in range(6)]
    county["cohorts"] = [cohort("K1", 10, day=0)]
    _, plan, _ = run(county)
    assert placed(plan, "K1") == 10
    assert {r.staff for r in plan.roster if r.module == "isolation" and r.staff.startswith("D")} == {
        f"D{k}" for k in range(6)}


def test_occupants_without_staff_are_a_declared_shortage(county):
    county["staff"] = crew("H1", per_shift_medical=1)  # one doctor and one nurse per shift
    county["isolation_sites"][0]["rooms"] = 100
    county["isolation_sites"][0]["occupants"] = [{"release_day": 5, "people": 45, "category": "close_contact"}]
    county["cohorts"] = [cohort("K1", 20, day=0)]
    _, plan, _ = run(county)
    # 45 occupants need 2 doctors and 2 nurses per shift: 1 + 1 short in each of 3 shifts, declared;
    # K1 may only bring the site to 50 (no more staff needed), so 5 come in and 15 wait
    lines = [x for x in plan.shortages if x.unit == "person-shifts"]
    assert sum(x.quantity for x in lines) == 6 and all(x.tier == "critical" and x.entity == "H1" for x in lines)
    assert placed(plan, "K1") == 5
    assert short_lines(plan)["K1"].binding_resource.startswith("site staff on the plan date")


# ------------------------------------------------------------------ verify

@pytest.mark.parametrize("rule", ["room_balance", "stay", "categories_apart", "one_per_room", "allowed_category",
                                  "transfer_seats", "transfer", "site_staff", "cohort_housed", "transfer_shift"])
def test_verify_catches_a_broken_plan(county, rule):
    county["isolation_sites"].append(site("H2", 20, x=4.5, allowed_categories=["inbound"]))
    county["staff"] += crew("H2")
    county["cohorts"] = [cohort("K1", 12, day=0, carers=2), cohort("K2", 6, day=1, category="inbound", origin="T2")]
    inst, plan, _ = run(county)
    plan = plan.model_copy(deep=True)
    iso = plan.isolation
    k1 = next(p for p in iso.placements if p.cohort == "K1")
    if rule == "room_balance":
        k1.people, k1.rooms = 45, 43
    elif rule == "stay":
        k1.release_day += 1
    elif rule == "categories_apart":
        next(p for p in iso.placements if p.cohort == "K2").site = "H1"
    elif rule == "one_per_room":
        k1.rooms -= 1
    elif rule == "allowed_category":
        k1.site = "H2"
    elif rule == "transfer_seats":
        iso.transfers[0].people += 50
    elif rule == "transfer":
        iso.transfers = iso.transfers[1:]
    elif rule == "site_staff":
        plan.roster = [r for r in plan.roster if r.role != "nurse"]
    elif rule == "cohort_housed":
        iso.placements = [p for p in iso.placements if p.cohort != "K2"]
    elif rule == "transfer_shift":
        iso.transfers[0].trips = 20
    found = {v.rule for v in verify(inst, plan)}
    assert rule in found, found


def test_workbook_sheets_in_english(county):
    county["cohorts"] = [cohort("K1", 12, carers=2), cohort("K2", 40)]
    inst, plan, _ = run(county)
    frames = plan_frames(inst, plan, "en")
    assert {"Isolation", "Room occupancy", "Transfers"} <= set(frames)
    cohorts = frames["Isolation"]
    assert set(cohorts["Cohort"]) == {"K1", "K2"}
    assert "no room: see Shortages" in set(cohorts["Notes"])  # 22 of K2 have no room
    assert frames["Transfers"]["People"].sum() == sum(p.people for p in plan.isolation.placements)


# ------------------------------------------------------------------ LP relaxation and warm start

def _random_model(rng) -> tuple:
    """A small CP-SAT model using every construct the isolation module's model has: linear rows
    (ranges, equalities), enforced rows with negated literals, implications, clauses, at-most-one."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    xs = [m.new_int_var(0, rng.randint(1, 9), f"x{k}") for k in range(6)]
    bs = [m.new_bool_var(f"b{k}") for k in range(5)]
    for _ in range(4):
        vs = rng.sample(xs + bs, 3)
        m.add(sum(rng.randint(-3, 4) * v for v in vs) <= rng.randint(2, 12))
    m.add(sum(xs[:3]) >= rng.randint(3, 8))
    m.add(xs[3] == xs[4] + bs[0])
    m.add(xs[5] >= 4).only_enforce_if(~bs[1])
    m.add(xs[0] + xs[1] <= 3).only_enforce_if([bs[2], ~bs[3]])
    m.add_implication(bs[3], bs[4])
    m.add_bool_or([bs[0], ~bs[2], bs[4]])
    m.add_at_most_one(bs[1], bs[2], ~bs[4])
    return m, sum(rng.randint(-5, 9) * v for v in xs + bs)


def test_mip_translation_has_the_cp_sat_optimum():
    import random

    from ortools.sat.python import cp_model

    from optimizer.cpsat_mip import objective_of, proto_of, to_highs

    rng = random.Random(5)
    compared = 0
    for _ in range(25):
        model, expr = _random_model(rng)
        terms, constant = objective_of(model, expr)
        solver = cp_model.CpSolver()
        code = solver.solve(model)
        mip = to_highs(proto_of(model), terms, integral=True)
        mip.run()
        lp = to_highs(proto_of(model), terms, integral=False)
        lp.run()
        if code == cp_model.INFEASIBLE:
            assert mip.modelStatusToString(mip.getModelStatus()) == "Infeasible"
            continue
        assert code == cp_model.OPTIMAL
        best = mip.getInfo().objective_function_value + constant
        assert abs(best - solver.objective_value) < 1e-6
        assert lp.getInfo().objective_function_value + constant <= solver.objective_value + 1e-6
        compared += 1
    assert compared >= 10


def test_critical_bound_from_the_lp_is_valid_and_reported(county):
    from optimizer import isolation
    from optimizer.context import BuildContext
    from optimizer.isolation_warm import plan_alone

    county["isolation_sites"][0]["occupants"] = [{"release_day": 4, "people": 45, "category": "close_contact"}]
    county["isolation_sites"][0]["rooms"] = 60
    county["staff"] = [p for p in crew("H1") if "nurse" not in p["id"] or p["id"][-1] in "0123"]  # 4 of 6 nurses
    county["cohorts"] = [cohort("K1", 20, day=0), cohort("K2", 30, day=2), cohort("K3", 12, day=5)]
    inst = Instance.model_validate(county)
    alone = plan_alone(BuildContext.new(inst, 1, 5.0))
    result = solve(inst, CFG)
    critical = result.tiers[0]
    assert critical.status == "OPTIMAL" and verify(inst, result.plan) == []
    assert alone.critical_bound is not None and alone.critical_bound <= critical.value
    assert critical.bound >= alone.critical_bound
    # the cut is in the shared model: the critical total's variable starts at the LP bound
    ctx = BuildContext.new(inst, 1, 5.0)
    v = isolation.build(ctx)
    ctx.pool.finalize()
    isolation.warm_start(ctx, v)
    floors = [c.linear.domain[0] for c in ctx.model.proto.constraints
              if c.has_linear() and list(c.linear.vars) == [v.critical.index] and list(c.linear.coeffs) == [1]]
    assert floors == [alone.critical_bound]
    assert alone.solver.value(alone.vars.critical) == critical.value  # the warm start is already optimal
    assert critical.value > 0  # the case is a real shortage, not a trivial zero


def test_flags_and_staff_counts_follow_the_rooms(county):
    """A run flag without rooms, an activation nobody uses, a spare unit of 50: each alone makes
    the model infeasible, so a solve of the critical tier cannot leave them for the cost tier."""
    from ortools.sat.python import cp_model

    from optimizer import isolation
    from optimizer.context import BuildContext

    county["isolation_sites"].append(site("R1", 40, x=5.0, reserve=True, activation_lag_days=1))
    county["cohorts"] = [cohort("K1", 10, day=0), cohort("K2", 10, day=2)]
    inst = Instance.model_validate(county)
    for force in ("run", "activation", "unit"):
        ctx = BuildContext.new(inst)
        v = isolation.build(ctx)
        ctx.pool.finalize()
        s1 = next(s for s, x in enumerate(v.sites) if x.id == "H1")
        g0 = next(g for g, grp in enumerate(v.groups) if grp.day == 0)
        if force == "run":
            ctx.model.add(v.used[g0, s1] == 1)
            ctx.model.add(v.rooms[g0, s1] == 0)
        elif force == "activation":
            reserve = next(iter(v.activated))
            ctx.model.add(v.activated[reserve] == 1)
            ctx.model.add(sum(v.used[g, s] for (g, s) in v.used if s == reserve) == 0)
        else:
            units = next(x for x in ctx.model.proto.variables if x.name == "units50[H1]")
            index = list(ctx.model.proto.variables).index(units)
            ctx.model.add(ctx.model.get_int_var_from_proto_index(index) == 2)
            ctx.model.add(v.rooms[g0, s1] == 10)  # 10 people need one unit of 50
        assert cp_model.CpSolver().solve(ctx.model) == cp_model.INFEASIBLE, force
