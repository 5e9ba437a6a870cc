"""Diagnosis of impossible inputs (#8 item 2): rule groups, the smallest conflict, the CLI's exit 1.

On validated input the rules alone always leave a plan (shortages are soft), so the conflicts
here come from decisions fixed from outside: pinned workbook rows (`--pin`, optimizer.pins), and
`pin_rooms`, a decision added through `diagnose(extra=)` that guards itself with `ctx.guard`
like the rule families.
The county is tests/test_isolation.py's: hotel H1 (30 rooms, its closed-loop crew, one bus).
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

import cli
from models import Instance, SolveConfig
from models.io import load_plan
from optimizer import solve
from optimizer.context import BuildContext
from optimizer.diagnose import diagnose
from optimizer.modules import MODULES
from optimizer.precheck import rule_conflicts
from optimizer.validate import verify
from tests.test_isolation import cohort, county  # noqa: F401  (fixture)

CFG = SolveConfig(time_limit_s=10, workers=1, seed=1)


def occupants(category: str, people: int, release_day: int) -> dict:
    return {"category": category, "people": people, "release_day": release_day}


def pin_rooms(cohort_index: int, site_id: str, rooms: int):
    """A pinned placement: the cohort's arrival group takes `rooms` rooms at the site."""
    def extra(ctx: BuildContext, built: dict) -> None:
        v = built["isolation"]
        c = ctx.instance.cohorts[cohort_index]
        g = next(k for k, grp in enumerate(v.groups) if c in grp.cohorts)
        s = next(k for k, site in enumerate(v.sites) if site.id == site_id)
        lit = ctx.guard(lambda: (f"pin cohorts[{cohort_index}] at {site_id}",
                                 [f"plan row: {c.id} → {site_id}, {rooms} rooms"]))
        ct = ctx.model.add(v.rooms[g, s] >= rooms)
        if lit is not None:
            ct.only_enforce_if(lit)
    return extra


@pytest.fixture
def full_hotel(county):  # noqa: F811
    """H1 holds 20 close contacts until day 3; 15 more arrive on day 1 (10 rooms left)."""
    county["isolation_sites"][0]["occupants"] = [occupants("close_contact", 20, 3)]
    county["cohorts"] = [cohort("C1", 15, day=1)]
    return county


def test_a_normal_build_has_no_rule_groups(full_hotel):
    ctx = BuildContext.new(Instance.model_validate(full_hotel))
    for _, module in MODULES:
        module.build(ctx)
    ctx.pool.finalize()
    assert ctx.guard(lambda: ("x", [])) is None and ctx.groups == {}
    assert not any(c.enforcement_literal for c in ctx.model.proto.constraints)


@pytest.mark.parametrize("day", [0, 1])  # day 0: the site staff's bounds must not hide the rooms rule
def test_pin_beyond_the_rooms_left_names_the_site_day_and_its_rows(full_hotel, day):
    full_hotel["cohorts"][0]["day"] = day
    inst = Instance.model_validate(full_hotel)
    d = diagnose(inst, CFG, extra=pin_rooms(0, "H1", 15))
    assert d.verdict == "conflict" and d.minimal
    names = [g.name for g in d.groups]
    assert len(names) == 2 and "pin cohorts[0] at H1" in names
    rooms = next(g for g in d.groups if g.name.startswith("isolation.rooms"))
    assert rooms.name in (f"isolation.rooms site H1 day {d}" for d in range(day, 3))  # full until day 3
    assert rooms.rows == ["isolation_sites[0].rooms = 30, usable 30, occupants 20"]
    text = "\n".join(d.lines())
    assert "隔离点房间容量" in text and "锁定的决定" in text


def test_pin_far_beyond_the_rooms_on_day_0_still_names_the_rooms(county):  # noqa: F811
    """Neither the site staff's bound on the people of day 0 (from the rooms left, per 50) nor the
    category rule's bound (the site's rooms) may stand in for the rooms rule: 45 occupants in
    50 rooms, 56 more pinned on day 0 (without them the pin alone was named)."""
    county["isolation_sites"][0].update(rooms=50, occupants=[occupants("close_contact", 45, 3)])
    county["cohorts"] = [cohort("C1", 60, day=0)]
    d = diagnose(Instance.model_validate(county), CFG, extra=pin_rooms(0, "H1", 56))
    assert d.verdict == "conflict"
    assert len(d.groups) == 2 and sorted(g.name for g in d.groups)[0].startswith("isolation.rooms site H1 day ")


def test_pin_within_the_rooms_left_is_not_a_conflict(full_hotel):
    inst = Instance.model_validate(full_hotel)
    d = diagnose(inst, CFG, extra=pin_rooms(0, "H1", 10))
    assert d.verdict == "undecided" and d.groups == []  # feasible: never reported as a conflict


def test_pin_against_categories_kept_apart(county):  # noqa: F811
    county["isolation_sites"][0]["occupants"] = [occupants("close_contact", 5, 4)]
    county["cohorts"] = [cohort("C1", 3, day=1, category="inbound", origin="T1")]
    d = diagnose(Instance.model_validate(county), CFG, extra=pin_rooms(0, "H1", 3))
    assert d.verdict == "conflict"
    names = sorted(g.name for g in d.groups)
    assert names[0].startswith("isolation.categories_apart site H1 day ") and names[0].endswith(
        "close_contact/inbound")
    assert names[1] == "pin cohorts[0] at H1"


def test_mixed_occupants_take_no_one_more_of_either_category(county):  # noqa: F811
    """Hard: where close contacts and inbound travellers already share a site, no one more of
    either joins them (the model used to skip the rule there, and `verify` flagged the plan)."""
    county["isolation_sites"][0]["occupants"] = [occupants("close_contact", 5, 4), occupants("inbound", 5, 4)]
    county["cohorts"] = [cohort("C1", 3, day=1)]
    inst = Instance.model_validate(county)
    result = solve(inst, CFG)
    assert result.plan is not None
    assert not [p for p in result.plan.isolation.placements if p.site == "H1" and p.admit_day < 4]
    assert verify(inst, result.plan) == []
    assert any("isolation.categories_apart site H1 day 0 close_contact/inbound" in w for w in rule_conflicts(inst))


def test_validate_names_certain_conflicts_in_the_diagnosis_words(county, tmp_path):  # noqa: F811
    county["isolation_sites"][0]["occupants"] = [occupants("close_contact", 60, 4), occupants("inbound", 5, 2)]
    county["isolation_sites"][0]["rooms"] = 70
    county["isolation_sites"][0]["allowed_categories"] = ["close_contact"]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(county, ensure_ascii=False), encoding="utf-8")
    out = CliRunner().invoke(cli.main, ["validate", str(path)])
    assert out.exit_code == 0, out.output
    assert ("isolation_sites[0].occupants: 不同类别人员不混住 (isolation.categories_apart site H1 day 0 "
            "close_contact/inbound)") in out.output
    assert "隔离点收治类别 (isolation.allowed_categories): H1 holds inbound occupants" in out.output
    # 65 occupants need 2 units × 2 doctors a shift, 12 doctor-shifts; the crew has 6 doctors
    assert "isolation.site_staff site H1): the 65 occupants need 12 doctor person-shifts on day 0; at most 6" \
        in out.output


def test_solve_exits_1_with_the_diagnosis_and_writes_no_plan(full_hotel, tmp_path):
    """The CLI path: yesterday's plan housed C1's 15 people at H1 and the planner pins that row;
    today H1 still holds 20 occupants, so 10 rooms are left. The first tier is proven INFEASIBLE,
    the diagnosis names the pinned row and the rooms rule with its data, exit 1, no plan."""
    from tests.test_pins import mark

    yesterday, today = dict(full_hotel), json.loads(json.dumps(full_hotel))
    yesterday["isolation_sites"] = [dict(full_hotel["isolation_sites"][0], occupants=[])]
    for name, data in (("yesterday", yesterday), ("today", today)):
        (tmp_path / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    run = CliRunner().invoke
    out = run(cli.main, ["solve", str(tmp_path / "yesterday.json"), "-o", str(tmp_path / "y.json"),
                         "--xlsx", str(tmp_path / "y.xlsx"), "--time-limit", "10", "--workers", "1"])
    assert out.exit_code == 0, out.output
    assert verify(Instance.model_validate(yesterday), load_plan(tmp_path / "y.json")) == []
    mark(tmp_path / "y.xlsx", tmp_path / "pins.xlsx", "集中隔离安置", {"C1": "是"})
    plan = tmp_path / "plan.json"
    out = run(cli.main, ["solve", str(tmp_path / "today.json"), "--pin", str(tmp_path / "pins.xlsx"), "-o", str(plan),
                         "--time-limit", "10", "--workers", "1"])
    assert out.exit_code == 1, out.output
    assert "no plan: INFEASIBLE" in out.output
    assert "these 2 hard rule groups cannot all hold" in out.output
    assert re.search(r"隔离点房间容量 \(.*\): isolation.rooms site H1 day [12]\n"
                     r" +isolation_sites\[0\].rooms = 30, usable 30, occupants 20\n", out.output), out.output
    assert re.search(r"锁定的决定 \(a pinned decision\): pin .*pins.xlsx!集中隔离安置!row \d+\n"
                     r" +pinned cohort C1 \(15 people\) → site H1 on day 1\n", out.output), out.output
    assert not plan.exists()


def test_real_pins_and_rule_groups_named_together(full_hotel):
    """A pinned workbook row (optimizer.pins) that asks for more rooms than H1 has left: the
    solve is proven impossible, and the diagnosis names the row with the rooms rule it meets."""
    from models.choices import Pin

    inst = Instance.model_validate(full_hotel)
    pin = Pin("plan.xlsx!隔离安排!row 4", ((("cohort", "C1", "H1"), 15),))
    assert solve(inst, CFG, pins=[pin]).status == "INFEASIBLE"
    d = diagnose(inst, CFG, pins=[pin])
    assert d.verdict == "conflict"
    names = sorted(g.name for g in d.groups)
    assert len(names) == 2 and names[0].startswith("isolation.rooms site H1 day ")
    assert names[1] == "pin plan.xlsx!隔离安排!row 4"
    assert d.groups[[g.name for g in d.groups].index(names[1])].rows[0] == \
        "pinned cohort C1 (15 people) → site H1 on day 1"


def test_validate_names_a_seal_exit_on_an_expressway_mainline(tiny):
    """Seal exits closed or checkpointed vs no closure on a mainline: the data decides, validate says so."""
    tiny["road_nodes"] = [{"id": f"N{k}", "township": t, "location": {"x": x, "y": 0}}
                          for k, t, x in ((1, "T1", 0), (2, "T2", 5))]
    tiny["road_arcs"] = [
        {"id": "E12", "tail": "N1", "head": "N2", "length_km": 5, "free_flow_min": 4, "road_class": "expressway",
         "section": "G1"},
        {"id": "C12", "tail": "N1", "head": "N2", "length_km": 6, "free_flow_min": 9, "road_class": "county",
         "section": "X1"},
        {"id": "C21", "tail": "N2", "head": "N1", "length_km": 6, "free_flow_min": 9, "road_class": "county",
         "section": "X1", "direction": "backward"}]
    lines = rule_conflicts(Instance.model_validate(tiny))  # T1 (城关镇) is sealed
    assert lines == ["road_arcs[0]: 封控区出口关闭或设卡 (roads.seal_exits T1): E12 leaves sealed T1 on an expressway "
                     "mainline, which may be neither closed nor checkpointed (roads.expressway_mainline): the seal "
                     "stays open there"]
