"""Road rules on a line of three townships, each rule satisfied, broken only by a shortage, and
caught by `verify` when a plan breaks it.

The line, west to east: 东岭乡 T3 (seat E, x = -10) — 城关镇 T1, sealed (seat A, x = 0) —
柳河乡 T2 (seat C, x = 10). Roads C–A and A–E, 12 min each way; the depot DEP sits at C.
Lifeline L1 DEP → T1 (budget 20): one arc, 12 min, into the sealed zone it serves.
Lifeline L2 DEP → T3 (budget 30): the only road crosses the sealed T1, which L2 does not
serve, so without a bypass it is cut. With `bypass`, C–F–E (13 + 13 = 26 min) keeps it.
T1's exits are A→C and A→E; with the default one guarded exit, one of them is a checkpoint
of 3 shifts × 3 guards = 9 guards, the other closed.
"""

from __future__ import annotations

import itertools
import random

import pytest

from models import Instance, SolveConfig
from models.plan import Plan
from optimizer import roads as roads_module
from optimizer import solve
from optimizer.roads_routes import lifeline_routes, shortest_route
from optimizer.roads_rules import road_rules
from optimizer.validate import verify

CFG = SolveConfig(time_limit_s=10, workers=1, seed=1)


def town(tid: str, name: str, x: float, sealed: bool = False) -> dict:
    return {"id": tid, "name": name, "district": "D1", "risk_level": "high" if sealed else "low",
            "population": 1000, "terrain": "rural", "sealed": sealed, "center": {"x": x, "y": 0.0}}


def node(nid: str, township: str, x: float, y: float = 0.0) -> dict:
    return {"id": nid, "township": township, "location": {"x": x, "y": y}}


def road(arcs: list, a: str, b: str, minutes: float, cls: str = "county", toll_exit: bool = False) -> None:
    section = f"R{len(arcs) // 2 + 1}"
    for tail, head, direction in ((a, b, "forward"), (b, a, "backward")):
        arcs.append({"id": f"{tail}>{head}", "tail": tail, "head": head, "length_km": minutes / 2,
                     "free_flow_min": minutes, "road_class": cls, "section": section, "direction": direction,
                     "toll_exit": toll_exit})


def guards(n: int, home: str = "T2") -> list[dict]:
    return [{"id": f"G{k}", "name": f"卡口员{k}", "skills": ["checkpoint_guard"], "home_township": home,
             "hours_per_day": 10} for k in range(1, n + 1)]


def county(bypass: bool = False, n_guards: int = 9, requests: list | None = None, policy: dict | None = None,
           l2_budget: int = 30) -> dict:
    nodes = [node("A", "T1", 0), node("C", "T2", 10), node("E", "T3", -10)]
    arcs: list = []
    road(arcs, "C", "A", 12)
    road(arcs, "A", "E", 12)
    if bypass:
        nodes.append(node("F", "T2", 0, 8))
        road(arcs, "C", "F", 13)
        road(arcs, "F", "E", 13)
    return {
        "name": "道路测试县", "plan_date": "2022-11-28",
        "policy": {"tracing": {"on_call_teams": 0}, "roads": policy or {}},
        "townships": [town("T1", "城关镇", 0, sealed=True), town("T2", "柳河乡", 10), town("T3", "东岭乡", -10)],
        "staff": guards(n_guards),
        "sources": [{"id": "DEP", "name": "县应急物资储备库", "kind": "depot", "township": "T2", "node": "C"}],
        "vehicles": [{"id": "V1", "plate": "豫A·00001", "kind": "truck", "depot": "DEP", "capacity_kg": 5000,
                      "has_pass": True}],
        "road_nodes": nodes, "road_arcs": arcs,
        "lifelines": [{"id": "L1", "source": "DEP", "township": "T1", "time_budget_min": 20},
                      {"id": "L2", "source": "DEP", "township": "T3", "time_budget_min": l2_budget}],
        "closure_requests": requests or [],
    }


def run(data: dict):
    inst = Instance.model_validate(data)
    result = solve(inst, CFG)
    assert result.plan is not None, result.status
    assert result.status == "OPTIMAL"
    assert verify(inst, result.plan) == []
    return inst, result


def status(result, day: int = 0) -> dict[str, str]:
    return {a.arc: a.status for a in result.plan.roads.arcs if a.day == day}


def line(result, lid: str):
    return next(x for x in result.plan.roads.lifelines if x.lifeline == lid)


def broken(inst: Instance, plan: Plan) -> set[str]:
    return {v.rule for v in verify(inst, plan)}


# ---------------------------------------------------------------- seal exits and checkpoints

def test_seal_exits_are_closed_or_checkpointed_with_a_full_crew():
    inst, result = run(county(bypass=True))
    st = status(result)
    assert {st["A>C"], st["A>E"]} == {"closed", "checkpoint"}
    assert st["C>A"] == st["E>A"] == "open"  # entering a sealed zone is not an exit
    (cp,) = result.plan.roads.checkpoints
    assert cp.seal == "T1" and [len(s) for s in cp.staff] == [3, 3, 3]
    guards_on = {r.staff for r in result.plan.roster if r.module == "roads"}
    assert len(guards_on) == 9
    assert result.plan.shortages == []


def test_seal_with_a_missing_checkpoint_is_caught_by_verify():
    inst, result = run(county(bypass=True))
    plan = result.plan.model_copy(deep=True)
    for a in plan.roads.arcs:
        if a.arc in ("A>C", "A>E"):
            a.status = "open"
    plan.roads.checkpoints = []
    assert "seal_exit" in broken(inst, plan)
    assert "seal_exit_checkpoints" in broken(inst, plan)


def test_no_guards_close_the_seal_and_declare_the_missing_checkpoint():
    inst, result = run(county(bypass=True, n_guards=8))  # one short of 3 shifts × 3
    st = status(result)
    assert st["A>C"] == st["A>E"] == "closed"
    (short,) = [s for s in result.plan.shortages if s.module == "roads"]
    assert short.tier == "critical" and short.entity == "T1" and short.quantity == 1
    assert short.binding_resource == "checkpoint guards within commuting range of T1: 8 eligible, 9 needed a day"
    assert result.objective_terms["roads.seal_checkpoint_gap"] == inst.policy.roads.seal_checkpoint_gap_weight


def test_one_checkpoint_per_section_and_direction():
    data = county(bypass=True, policy={"seal_exit_checkpoints": 2}, n_guards=18)
    for a in data["road_arcs"]:  # both exits of T1 on one road section, one direction
        if a["id"] in ("A>C", "A>E"):
            a["section"], a["direction"] = "G207", "forward"
    inst, result = run(data)
    st = status(result)
    assert sorted([st["A>C"], st["A>E"]]) == ["checkpoint", "closed"]
    assert [s.entity for s in result.plan.shortages] == ["T1"]  # the second guarded exit is short
    plan = result.plan.model_copy(deep=True)
    for a in plan.roads.arcs:
        if a.arc in ("A>C", "A>E"):
            a.status = "checkpoint"
    assert "checkpoint_per_section" in broken(inst, plan)


# ---------------------------------------------------------------- expressway mainline

def expressway_county() -> dict:
    """T1's seat A reaches the expressway at AE over a toll exit; the mainline AE–XE runs on to
    T2's toll exit at C. The mainline node AE lies in T1 but outside its zone."""
    data = county(bypass=True)
    data["road_nodes"] += [node("AE", "T1", 0, 0.25), node("XE", "T2", 10, 0.25)]
    arcs = data["road_arcs"]
    road(arcs, "A", "AE", 1.2, "expressway", toll_exit=True)
    road(arcs, "AE", "XE", 6, "expressway")
    road(arcs, "XE", "C", 1.2, "expressway", toll_exit=True)
    return data


def test_expressway_mainline_stays_open_and_the_toll_exit_is_sealed():
    inst, result = run(expressway_county())
    st = status(result)
    assert st["AE>XE"] == st["XE>AE"] == "open"
    assert st["A>AE"] in ("closed", "checkpoint")  # the toll exit leaves the zone
    assert road_rules(inst).exits.keys() == {"A>C", "A>E", "A>AE"}


def test_expressway_mainline_checkpoint_is_caught_by_verify():
    inst, result = run(expressway_county())
    plan = result.plan.model_copy(deep=True)
    for a in plan.roads.arcs:
        if a.arc == "AE>XE":
            a.status = "checkpoint"
    assert "expressway_mainline" in broken(inst, plan)


def test_closure_request_on_a_mainline_is_bad_input():
    data = expressway_county()
    data["closure_requests"] = [{"arc": "AE>XE", "requested_by": "T2"}]
    with pytest.raises(ValueError, match=r"closure_requests\[0\]\.arc: 'AE>XE' is an expressway mainline"):
        Instance.model_validate(data)


def test_mainline_leaving_a_zone_without_a_toll_exit_is_declared():
    data = county(bypass=True)
    data["road_nodes"].append(node("Z", "T2", 5, 2))
    road(data["road_arcs"], "A", "Z", 5, "expressway")  # an expressway straight from the seat, no toll exit
    inst, result = run(data)
    assert status(result)["A>Z"] == "open"
    (short,) = [s for s in result.plan.shortages if s.what == "sealed zone exit on an expressway mainline"]
    assert short.entity == "A>Z" and short.township == "T1"


# ---------------------------------------------------------------- lifelines

def test_lifeline_forced_through_a_sealed_zone_is_cut_and_named():
    inst, result = run(county(bypass=False))
    l2 = line(result, "L2")
    assert not l2.kept and l2.cut_by_seals == ["T1"]
    (short,) = [s for s in result.plan.shortages if s.entity == "L2"]
    assert short.tier == "critical" and "sealed zones T1" in short.binding_resource
    assert result.objective_terms["roads.lifelines_cut"] == inst.policy.roads.lifeline_cut_weight
    assert line(result, "L1").kept  # L1 serves the sealed T1: it may enter


def test_lifeline_with_a_bypass_avoids_the_sealed_zone():
    inst, result = run(county(bypass=True))
    l2 = line(result, "L2")
    assert l2.kept and l2.nodes == ["C", "F", "E"] and l2.minutes == 26
    assert l2.critical_arcs == ["C>F", "F>E"] and l2.disjoint_routes == 1
    assert result.objective_terms["roads.lifelines_cut"] == 0


def test_lifeline_over_its_time_budget_is_cut():
    inst, result = run(county(bypass=True, l2_budget=25))
    l2 = line(result, "L2")
    assert not l2.kept
    (short,) = [s for s in result.plan.shortages if s.entity == "L2"]
    assert "sealed zones T1" in short.binding_resource  # 24 min through T1 would do


def test_lifeline_listed_kept_when_cut_is_caught_by_verify():
    inst, result = run(county(bypass=True))
    plan = result.plan.model_copy(deep=True)
    for a in plan.roads.arcs:
        if a.arc == "C>F":
            a.status = "closed"
    assert "lifeline" in broken(inst, plan)


def test_lifeline_out_of_a_sealed_zone_needs_a_checkpoint_not_a_closure():
    """A producer inside the sealed T1 ships to T2: its exit A→C must be the checkpoint."""
    data = county(bypass=True)
    data["sources"].append({"id": "FARM", "name": "城关镇蔬菜合作社", "kind": "producer", "township": "T1",
                            "node": "A"})
    data["lifelines"].append({"id": "L3", "source": "FARM", "township": "T2", "time_budget_min": 15})
    inst, result = run(data)
    assert status(result)["A>C"] == "checkpoint" and line(result, "L3").checkpoints == ["A>C"]


# ---------------------------------------------------------------- requested closures

def test_requested_closure_that_cuts_a_lifeline_is_lifted_and_a_harmless_one_kept():
    data = county(bypass=True, requests=[{"arc": "C>F", "requested_by": "T2"},  # L2's only route
                                         {"arc": "F>C", "requested_by": "T2"}])  # no lifeline uses it
    inst, result = run(data)
    st = status(result)
    assert st["C>F"] == "open" and st["F>C"] == "closed"
    (lifted,) = result.plan.roads.lifted
    assert (lifted.arc, lifted.lifeline, lifted.requested_by) == ("C>F", "L2", ["T2"])
    assert result.objective_terms["roads.lifted_requests"] == 1
    assert result.objective_terms["roads.unneeded_closures"] == inst.policy.roads.closure_penalty


def test_requested_closure_lifted_without_cause_is_caught_by_verify():
    data = county(bypass=True, requests=[{"arc": "F>C", "requested_by": "T2"}])
    inst, result = run(data)
    plan = result.plan.model_copy(deep=True)
    for a in plan.roads.arcs:
        if a.arc == "F>C":
            a.status = "open"
    assert "requested_closure" in broken(inst, plan)


def test_a_solve_stopped_before_the_routine_tier_still_keeps_harmless_requests():
    """Extraction closes again what the routine tier would have: a lifted request that cuts no
    lifeline (F>C); the one L2 needs (C>F) stays lifted."""
    from optimizer.context import BuildContext
    from optimizer.roads_extract import _keep_harmless_requests

    inst = Instance.model_validate(county(bypass=True, requests=[{"arc": "C>F", "requested_by": "T2"},
                                                                 {"arc": "F>C", "requested_by": "T2"}]))
    v = roads_module.build(BuildContext.new(inst))
    assert _keep_harmless_requests(BuildContext.new(inst), v, {"A>E"}) == {"A>E", "F>C"}


def test_flow_fallback_gives_the_same_plan(monkeypatch):
    data = county(bypass=True, requests=[{"arc": "C>F", "requested_by": "T2"}, {"arc": "F>C", "requested_by": "T2"}])
    monkeypatch.setattr(roads_module, "lifeline_routes",
                        lambda inst, rules, lf, b: lifeline_routes(inst, rules, lf, b, max_nodes=0))
    inst, result = run(data)
    assert status(result)["C>F"] == "open" and status(result)["F>C"] == "closed"
    assert result.objective_terms["roads.lifelines_cut"] == 0


# ---------------------------------------------------------------- the proof, by brute force

@pytest.mark.parametrize("seed", range(6))
def test_signatures_are_complete_on_random_networks(seed):
    """For every set of closed blockable arcs: some recorded signature is fully open exactly
    when a qualifying route within budget survives."""
    rng = random.Random(seed)
    data = county(bypass=True)
    nodes = data["road_nodes"]
    for k in range(6):
        nodes.append(node(f"X{k}", rng.choice(["T2", "T3", "T1"]), rng.uniform(-10, 10), rng.uniform(-5, 5)))
    ids = [n["id"] for n in nodes]
    for _ in range(10):
        a, b = rng.sample(ids, 2)
        if not any(x["tail"] == a and x["head"] == b for x in data["road_arcs"]):
            road(data["road_arcs"], a, b, rng.randint(3, 12))
    arc_ids = sorted(x["id"] for x in data["road_arcs"])
    data["closure_requests"] = [{"arc": a, "requested_by": "T2"} for a in rng.sample(arc_ids, 4)]
    inst = Instance.model_validate(data)
    rules = road_rules(inst)
    blockable = frozenset(rules.blockable())
    assert len(blockable) <= 12
    for lf in inst.lifelines:
        r = lifeline_routes(inst, rules, lf, blockable)
        for k in range(len(blockable) + 1):
            for closed in itertools.combinations(sorted(blockable), k):
                c = set(closed)
                truth = shortest_route(rules, r.source, r.target, r.served, c, lf.time_budget_min) is not None
                if r.kind == "free":
                    model = True
                elif r.kind == "impossible":
                    model = False
                else:
                    model = any(not (s & c) for s in r.signatures)
                assert model == truth, (lf.id, closed)


# ---------------------------------------------------------------- plan shape, days, workbook

def test_status_per_arc_per_day_and_pass_routes():
    inst, result = run(county(bypass=True, policy={"horizon_days": 2}, n_guards=9))
    plan = result.plan
    assert {(a.day) for a in plan.roads.arcs} == {0, 1}
    assert len(plan.roads.arcs) == 2 * len(inst.road_arcs)
    day1 = [p for p in plan.roads.passes if p.day == 1]
    assert {p.lifeline for p in day1} == {"L1", "L2"}
    assert sum(len(p.vehicles) for p in day1) == 1  # one truck, one pass, one route


def test_road_sheets_in_both_languages(tmp_path):
    from exports.frames import plan_frames

    inst, result = run(county(bypass=True, requests=[{"arc": "C>F", "requested_by": "T2"}]))
    zh = plan_frames(inst, result.plan, "zh")
    en = plan_frames(inst, result.plan, "en")
    for name in ("道路管控", "卡口设置", "保供通道", "解除封堵"):
        assert name in zh
    for name in ("Road status", "Checkpoints", "Lifelines", "Lifted closures"):
        assert name in en
    assert list(en["Road status"].columns)[2:9] == ["Arc", "Road section", "Direction", "From", "To", "Class",
                                                    "Status"]
    assert en["Lifted closures"]["Lifeline it would cut"].iloc[0].startswith("L2")
    assert en["Checkpoints"]["Crew per shift (people)"].iloc[0] == 3
    from exports.xlsx import write_workbook

    for lang in ("zh", "en"):
        write_workbook(inst, result.plan, tmp_path / f"plan-{lang}.xlsx", lang)
