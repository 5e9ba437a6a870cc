"""Supply rules on a tiny county: each rule satisfied, broken only by a shortage, and caught by
`verify` when a plan breaks it.

The county, by hand: 城关镇 T1 (1,500 people, sealed, high risk), 柳河乡 T2 (2,000, low) with the
depot DEP at node N4, 石桥镇 T3 (1,000, medium risk). Roads (minutes): N4-N2 10, N2-N1 5 (into
the seal), N2-N3 15, N4-N3 20, each way. T1's transfer station is N2, the one node outside
the seal next to it. Trucks: V1 3,000 kg ambient, V2 1,000 kg cold, 10 h shifts.
Per-capita needs: masks 0.3/day (4 g), rice 0.25 kg, meat 0.1 kg (cold chain). T1 asks for
7 days of rice (2,625 kg) and one day of masks (450) but must hold 10 days of masks (4,500).
"""

from __future__ import annotations

import copy

import pytest

from models import Instance, SolveConfig
from models.plan_roads import ArcStatus, RoadSection
from optimizer import solve
from optimizer.checks import staff
from optimizer.checks import supply as checks
from optimizer.routing import RoutingProblem, VehicleType, solve_routes
from optimizer.supply_stage import solve_supply
from optimizer.validate import verify


def supply_verify(inst, plan):
    """The supply and staff rules (the stage alone plans no grids or road statuses)."""
    return [v for check in (*staff.CHECKS, *checks.CHECKS) for v in check(inst, plan)]


def arc(aid, tail, head, minutes, cls="county"):
    return {"id": aid, "tail": tail, "head": head, "length_km": minutes / 2, "free_flow_min": minutes,
            "road_class": cls, "section": f"R{aid}"}


def county(**policy) -> dict:
    def town(tid, name, risk, pop, x, sealed=False):
        return {"id": tid, "name": name, "district": "D1", "risk_level": risk, "population": pop, "terrain": "urban",
                "sealed": sealed, "center": {"x": x, "y": 0.0}}

    def node(nid, town_id, x):
        return {"id": nid, "township": town_id, "location": {"x": x, "y": 0.0}}

    pairs = [("N4", "N2", 10), ("N2", "N1", 5), ("N2", "N3", 15), ("N4", "N3", 20)]
    arcs = []
    for k, (a, b, m) in enumerate(pairs):
        arcs += [arc(f"A{2 * k + 1}", a, b, m), arc(f"A{2 * k + 2}", b, a, m)]
    return {
        "name": "物资测试县", "plan_date": "2022-11-28", "policy": {"supply": policy},
        "townships": [town("T1", "城关镇", "high", 1500, 0.0, sealed=True), town("T2", "柳河乡", "low", 2000, 5.0),
                      town("T3", "石桥镇", "medium", 1000, 10.0)],
        "grids": [{"id": f"G{k}", "township": "T3", "population": 250, "households": 100 - 10 * k,
                   "location": {"x": 10.0, "y": 0.0}} for k in range(1, 5)],
        "road_nodes": [node("N1", "T1", 0.0), node("N2", "T2", 4.0), node("N4", "T2", 5.5), node("N3", "T3", 10.0)],
        "road_arcs": arcs,
        "commodities": [
            {"id": "mask", "name": "口罩", "unit": "只", "tier": "medical_critical", "per_capita_daily": 0.3,
             "unit_weight_kg": 0.004},
            {"id": "rice", "name": "大米", "unit": "kg", "tier": "food_floor", "per_capita_daily": 0.25},
            {"id": "meat", "name": "猪肉", "unit": "kg", "tier": "routine", "cold_chain": True, "per_capita_daily": 0.1},
        ],
        "sources": [{"id": "DEP", "name": "县储备库", "kind": "depot", "township": "T2", "node": "N4",
                     "stock": [{"commodity": "mask", "quantity": 10000}, {"commodity": "rice", "quantity": 20000},
                               {"commodity": "meat", "quantity": 1000}]}],
        "demands": [{"township": "T1", "commodity": "mask", "quantity": 450},
                    {"township": "T1", "commodity": "rice", "quantity": 2625},
                    {"township": "T2", "commodity": "rice", "quantity": 500},
                    {"township": "T2", "commodity": "meat", "quantity": 200},
                    {"township": "T3", "commodity": "rice", "quantity": 250},
                    {"township": "T3", "commodity": "mask", "quantity": 300}],
        "vehicles": [{"id": "V1", "plate": "豫A00001", "kind": "truck", "depot": "DEP", "capacity_kg": 3000},
                     {"id": "V2", "plate": "豫A00002", "kind": "truck", "depot": "DEP", "capacity_kg": 1000,
                      "cold_chain": True}],
        "staff": [{"id": f"D{k}", "name": f"配送员{k}", "skills": ["delivery"], "home_township": "T2",
                   "hours_per_day": 10} for k in range(1, 11)],
    }


def run(data: dict, roads: RoadSection | None = None):
    inst = Instance.model_validate(data)
    stage = solve_supply(inst, time_limit=5, routing_s=3, workers=1, roads=roads if roads is not None else RoadSection())
    plan = stage.plan(inst, roads)
    return inst, stage, plan


def short(plan, tier=None, commodity=None, township=None):
    return [s for s in plan.shortages if s.module == "supply" and (tier is None or s.tier == tier)
            and (commodity is None or s.entity == commodity) and (township is None or s.township == township)]


def test_every_request_and_target_met_and_verified():
    inst, stage, plan = run(county())
    assert plan.shortages == []
    got = {(s.township, s.commodity): s.quantity for s in plan.supply.shipments}
    assert got == {("T1", "mask"): 4500, ("T1", "rice"): 2625, ("T2", "rice"): 500, ("T2", "meat"): 200,
                   ("T3", "rice"): 250, ("T3", "mask"): 300}  # T1 masks: the 10-day target covers the request
    assert {s.destination for s in plan.supply.shipments if s.township == "T1"} == {"TS-T1"}
    assert {h.station for h in plan.supply.handovers} == {"TS-T1"}
    # 2,625 kg of rice and 18 kg of masks carried in at 400 kg a worker: 7 people from the pool
    assert [(m.township, m.workers) for m in plan.supply.last_mile] == [("T1", 7)]
    assert sum(1 for e in plan.roster if e.role == "delivery") == 7
    assert supply_verify(inst, plan) == []


def test_no_truck_enters_the_sealed_township():
    inst, stage, plan = run(county())
    arcs = {a for r in plan.supply.routes for s in r.stops for a in s.roads} | \
        {a for r in plan.supply.routes for a in r.roads_home}
    assert not arcs & {"A3", "A4"}  # N2 <-> N1, into the seal
    assert all(s.node != "N1" for r in plan.supply.routes for s in r.stops)


def test_cold_chain_goods_only_on_cold_trucks():
    inst, stage, plan = run(county())
    meat = {r.vehicle for r in plan.supply.routes for s in r.stops for it in s.items if it.commodity == "meat"}
    assert meat == {"V2"}
    data = county()
    data["vehicles"] = data["vehicles"][:1]  # no cold-chain truck
    inst, stage, plan = run(data)
    assert [(s.tier, s.quantity) for s in short(plan, commodity="meat")] == [("routine", 200)]
    assert "none holding meat" in short(plan, commodity="meat")[0].binding_resource
    assert supply_verify(inst, plan) == []


def test_medical_first_when_trucks_run_short():
    # one 1,000 kg trip: masks (18 kg + 1.2 kg) first, then the food floor, the rest is short
    data = county(max_trips_per_shift=1, fleet_utilisation=1.0)
    data["vehicles"] = [dict(data["vehicles"][0], capacity_kg=1000)]
    inst, stage, plan = run(data)
    assert short(plan, commodity="mask", tier="critical") == []
    crit = sum(s.quantity for s in short(plan, tier="critical"))
    routine = sum(s.quantity for s in short(plan, tier="routine") if "cover" not in s.what)
    # rice: T1 floor 375 + T2 500 + T3 250 = 1,125 kg of critical food; less than 1,000 - 20 fits
    assert crit > 0 and routine >= 2250
    assert all("DEP" in s.binding_resource for s in short(plan, tier="critical"))
    assert supply_verify(inst, plan) == []


def test_source_stock_binds():
    data = county()
    data["sources"][0]["stock"][0]["quantity"] = 600  # masks: 750 requested, 4,500 + 300 wanted
    inst, stage, plan = run(data)
    lines = short(plan, commodity="mask", tier="critical")
    assert sum(s.quantity for s in lines) == 150
    assert all(s.binding_resource == "stock of mask used up at DEP" for s in lines)
    assert sum(s.quantity for s in plan.supply.shipments if s.commodity == "mask") == 600
    assert supply_verify(inst, plan) == []


def test_last_mile_staff_bind_the_sealed_township():
    data = county()
    data["staff"] = data["staff"][:1]  # one delivery worker: 400 kg a shift
    inst, stage, plan = run(data)
    kg_in = sum(h.load_kg for h in plan.supply.handovers)
    assert 376.8 <= kg_in <= 400  # the critical part fits: 450 masks (1.8 kg) and a day's rice (375 kg)
    assert short(plan, tier="critical", township="T1") == []
    rice = short(plan, tier="routine", township="T1", commodity="rice")
    assert rice and all("last-mile" in s.binding_resource for s in rice)
    data["staff"] = []  # nobody to carry goods in: the critical part is short too
    inst, stage, plan = run(data)
    assert plan.supply.handovers == []
    crit = short(plan, tier="critical", township="T1")
    assert {s.entity for s in crit} == {"mask", "rice"} and all("last-mile" in s.binding_resource for s in crit)
    assert supply_verify(inst, plan) == []


def test_cover_target_short_is_routine():
    data = county()
    data["sources"][0]["stock"][0]["quantity"] = 750  # just the requests
    inst, stage, plan = run(data)
    cover = [s for s in short(plan, commodity="mask") if "days of cover" in s.what]
    assert [(s.tier, s.township, s.quantity) for s in cover] == [("routine", "T1", 4050)]
    assert short(plan, tier="critical") == []


def test_closed_arc_never_used_and_caught_by_verify():
    roads = RoadSection(arcs=[ArcStatus(arc="A1", day=0, status="closed")])  # N4 -> N2 closed: via N3
    inst, stage, plan = run(county(), roads)
    legs = [a for r in plan.supply.routes for s in r.stops for a in s.roads]
    assert "A1" not in legs and "A7" in legs  # N4 -> N3 -> N2
    assert supply_verify(inst, plan) == []
    bad = copy.deepcopy(plan)
    stop = next(s for r in bad.supply.routes for s in r.stops if s.node == "N2")
    stop.roads = ["A1"]
    assert any(v.rule == "supply_roads" and "closed" in v.message for v in checks.check_supply_roads(inst, bad))


def test_verify_catches_overload_and_window_and_stock():
    inst, stage, plan = run(county())
    bad = copy.deepcopy(plan)
    route = next(r for r in bad.supply.routes if r.vehicle == "V1")
    route.stops[0].items[0].quantity += 10**6
    assert any("over capacity" in v.message for v in checks.check_supply_loads(inst, bad))
    assert any(v.rule == "supply_loads" and "delivered by routes" in v.message for v in checks.check_supply_loads(inst, bad))
    late = copy.deepcopy(plan)
    stop = next(s for r in late.supply.routes for s in r.stops if s.kind == "deliver")
    stop.arrival_hour, stop.depart_hour = 23.0, 23.5
    assert checks.check_supply_time_windows(inst, late)
    assert checks.check_supply_roads(inst, late)  # the arrival no longer follows from the roads
    over = copy.deepcopy(plan)
    over.supply.shipments[0].quantity = 10**7
    assert any(v.rule == "supply_stock" for v in checks.check_supply_stocks(inst, over))
    lines = copy.deepcopy(plan)
    lines.supply.routes, lines.supply.shipments = [], []
    assert any(v.rule == "supply_tiers" for v in checks.check_supply_tiers(inst, lines))


def test_medium_risk_township_picks_up_in_staggered_slots():
    inst, stage, plan = run(county())
    slots = sorted((p.start_hour, p.grid, p.households) for p in plan.supply.pickups)
    assert [g for _, g, _ in slots] == ["G1", "G2", "G3", "G4"]  # largest grid first, one slot each
    assert [h for h, _, _ in slots] == [14.0, 15.0, 16.0, 17.0]
    arrival = max(s.arrival_hour for r in plan.supply.routes for s in r.stops if s.destination == "T3")
    assert arrival <= 14.0
    bad = copy.deepcopy(plan)
    bad.supply.pickups = bad.supply.pickups[1:]
    assert any(v.rule == "supply_pickup" for v in checks.check_supply_time_windows(inst, bad))


def test_townships_share_masks_with_a_lead_time():
    data = county()
    data["sources"][0]["stock"] = data["sources"][0]["stock"][1:]  # the depot has no masks
    data["township_stocks"] = [{"township": "T2", "commodity": "mask", "quantity": 6000}]
    inst, stage, plan = run(data)
    lent = {(x.from_township, x.to_township): x for x in plan.supply.sharing}
    assert sum(x.quantity for x in lent.values()) >= 750
    assert all(x.arrival_hour >= 6 + 6 for x in lent.values())  # trucks' start + 6 h lead time
    assert short(plan, tier="critical") == []
    assert supply_verify(inst, plan) == []
    bad = copy.deepcopy(plan)
    bad.supply.sharing[0].quantity = 10**6
    assert any("lends" in v.message for v in checks.check_supply_stocks(inst, bad))


def test_full_solve_carries_routes_that_verify():
    inst = Instance.model_validate(county())
    result = solve(inst, SolveConfig(time_limit_s=8, workers=1, seed=1))
    assert result.plan is not None
    assert result.plan.supply.routes and result.plan.supply.handovers
    assert verify(inst, result.plan) == []


@pytest.mark.parametrize("station, message", [
    ({"id": "S1", "name": "接驳点", "township": "T1", "serves": "T1", "node": "N1"}, "outside every sealed"),
    ({"id": "S1", "name": "接驳点", "township": "T2", "serves": "T9", "node": "N2"}, "unknown township 'T9'"),
])
def test_transfer_station_references(station, message):
    data = county()
    data["transfer_stations"] = [station]
    with pytest.raises(ValueError, match=message):
        Instance.model_validate(data)


def test_routing_leaves_out_optional_clients_that_do_not_fit():
    problem = RoutingProblem(demands=[0, 6, 6], travel=[[0, 1, 1], [1, 0, 1], [1, 1, 0]],
                             vehicles=(VehicleType(capacity=10, count=1),), prizes=[0, 100, 50])
    result = solve_routes(problem, time_limit=1, max_iterations=200)
    assert result.feasible and result.unvisited == [2] and result.routes == [[1]]


def test_greedy_hint_shares_one_carrier_between_two_sealed_townships():
    """Two sealed townships, one delivery worker within reach of both: the greedy plan must not
    hand the worker to each (its hint would be no plan: more goods than carriers)."""
    from ortools.sat.python import cp_model

    from optimizer import supply
    from optimizer.context import BuildContext
    from optimizer.modules import MODULES

    data = county()
    data["townships"][2]["sealed"] = True
    data["staff"] = data["staff"][:1]
    ctx = BuildContext.new(Instance.model_validate(data))
    built = {name: module.build(ctx) for name, module in MODULES}
    ctx.pool.finalize()
    v = built["supply"]
    assert {t for t, _ in v.workers} == {"T1", "T3"}
    supply.greedy_hint(ctx, v)
    ctx.pool.ledger().add_hints()
    hint = dict(zip(ctx.model.proto.solution_hint.vars, ctx.model.proto.solution_hint.values))
    assert sum(hint[n.index] for n in v.workers.values()) == 1  # the one worker, once
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_time_in_seconds = 10
    assert solver.solve(ctx.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_a_shipment_the_routes_cut_keeps_its_allocation_for_re_plans():
    """The plan lists what the routes carry; where they carry less than the allocation sent,
    the row keeps the allocation, and a re-plan compares that (models.choices)."""
    from models.choices import shipment_choices
    from models.plan_supply import Shipment

    inst, stage, plan = run(county())
    assert plan.supply.shipments and all(s.allocated is None for s in plan.supply.shipments)  # all carried
    first = plan.supply.shipments[0]
    key = ("ship", first.source, first.township, first.commodity, "2022-11-28")
    assert shipment_choices(plan)[key] == first.quantity
    plan.supply.shipments[0] = Shipment(**{**first.model_dump(), "quantity": first.quantity // 2,
                                           "allocated": first.quantity})
    assert shipment_choices(plan)[key] == first.quantity  # the allocation, not the half carried


def _alone(data: dict, warm_seconds: float = 5.0):
    """The supply module built in a model of its own, as its warm start does."""
    from optimizer import supply
    from optimizer.context import BuildContext

    ctx = BuildContext.new(Instance.model_validate(data), warm_seconds=warm_seconds)
    v = supply.build(ctx)
    ctx.pool.finalize()
    return ctx, v


def test_greedy_hint_keeps_within_the_people_it_is_given():
    """Solved alone, the module may use only the last-mile people the shared model's ledger left:
    the greedy plan keeps within them and stays a whole plan of the module cut down to them."""
    from ortools.sat.python import cp_model

    from optimizer import supply

    ctx, v = _alone(county())
    people = {key: 1 for key in v.workers}  # ten delivery workers in the pool, one left to this module
    supply.greedy_hint(ctx, v, people)
    ctx.pool.ledger().add_hints()
    hint = dict(zip(ctx.model.proto.solution_hint.vars, ctx.model.proto.solution_hint.values))
    assert all(hint[n.index] <= 1 for n in v.workers.values())
    assert any(hint[n.index] == 1 for n in v.workers.values())
    for key, n in v.workers.items():
        ctx.model.add(n <= people[key])
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_time_in_seconds = 10
    assert solver.solve(ctx.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_supply_mip_warm_start_stopped_at_once_holds_the_greedy_plan():
    """The greedy plan is kept when HiGHS, stopped before it finds a plan of its own (a short
    what-if run), holds nothing better: the warm start's plans are at least as good as the
    greedy's critical terms (on the demo county HiGHS alone returns none in that time)."""
    from pathlib import Path

    from models.io import load_instance
    from optimizer import supply
    from optimizer.context import BuildContext
    from optimizer.cpsat_mip import objective_of
    from optimizer.supply_warm import _mip_values

    demo = Path(__file__).resolve().parents[1] / "instances" / "demo-county.json"
    ctx = BuildContext.new(load_instance(demo), warm_seconds=1e-3)
    v = supply.build(ctx)
    ctx.pool.finalize()
    supply.greedy_hint(ctx, v)
    ctx.pool.ledger().add_hints()
    terms, _ = objective_of(ctx.model, ctx.tier_objective("critical"))
    hint = dict(zip(ctx.model.proto.solution_hint.vars, ctx.model.proto.solution_hint.values))
    greedy = sum(a * hint[j] for j, a in terms)
    plans = _mip_values(ctx, ctx)  # the routine stage's plan first, then the critical stage's
    assert plans
    assert all(sum(a * values[j] for j, a in terms) <= greedy for values in plans)
