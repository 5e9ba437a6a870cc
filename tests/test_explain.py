"""fangkong explain on tiny counties whose answer is known by construction.

- rooms: 城关宾馆 (H1) has 30 rooms and a cohort of 35 close contacts arrives on day 1, so
  exactly 5 go without a room: the counterfactual must be "+5 rooms at H1", verified by its
  re-solve, and one more room there is worth one close contact's stay in person-days (LP relaxation).
  A second hotel (H2) takes inbound travellers only and has rooms to spare: a room there buys
  nothing, and it must rank last.
- staff: one case in 城关镇 with a police officer and IT support but no epidemiologist: the case
  cannot be traced, and "+1 epidemiologist living in T1" must clear its late hours.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from exports import write_workbook
from models import Instance, SolveConfig
from models.io import save
from optimizer import solve
from optimizer.explain import explain
from optimizer.isolation_rules import stay_days
from optimizer.validate import verify

CFG = SolveConfig(time_limit_s=10, workers=1, seed=1)
BUDGET, RESOLVE_S = 60.0, 6.0  # in-process re-solves (processes=1); the CLI test runs the process pool


def person(pid: str, skill: str, home: str = "T1", **kw) -> dict:
    return {"id": pid, "name": f"员工{pid}", "skills": [skill], "home_township": home, "hours_per_day": 10, **kw}


@pytest.fixture
def rooms_short(tiny) -> dict:
    tiny["grids"] = []
    tiny["policy"] = {"tracing": {"on_call_teams": 0}}
    hotel = {"township": "T2", "location": {"x": 4.0, "y": 1.0}}
    tiny["isolation_sites"] = [{"id": "H1", "name": "城关宾馆", "rooms": 30, **hotel},
                               {"id": "H2", "name": "入境宾馆", "rooms": 20, "allowed_categories": ["inbound"], **hotel}]
    tiny["staff"] = []
    tiny["vehicles"] = [{"id": "B1", "plate": "豫A00001", "kind": "transfer_bus", "depot": "H1", "seats": 45}]
    tiny["cohorts"] = [{"id": "K1", "day": 1, "origin": "T1", "category": "close_contact", "people": 35},
                       {"id": "K2", "day": 1, "origin": "T2", "category": "inbound", "people": 3}]
    return tiny


@pytest.fixture
def staff_short(tiny) -> dict:
    tiny["grids"] = []
    tiny["policy"] = {"tracing": {"on_call_teams": 0}}
    tiny["cases"] = [{"id": "C1", "township": "T1", "report_hour": 6, "estimated_contacts": 3}]
    tiny["staff"] = [person("Q1", "police"), person("I1", "it")]
    return tiny


def planned(data: dict):
    inst = Instance.model_validate(data)
    result = solve(inst, CFG)
    assert result.plan is not None, result.status
    assert verify(inst, result.plan) == []
    return inst, result.plan


def test_rooms_short_by_five_get_plus_five_rooms_verified(rooms_short):
    inst, plan = planned(rooms_short)
    short = [x for x in plan.shortages if x.module == "isolation"]
    assert [(x.entity, x.quantity) for x in short] == [("K1", 5)]
    done = explain(inst, plan, BUDGET, resolve_s=RESOLVE_S, processes=1)
    by = {b.resource: b for b in done.plan.bottlenecks}
    b = by["rooms at H1"]
    assert (b.relief, b.outcome, b.shortage_before, b.shortage_after) == (5, "verified", 5, 0)
    assert b.method == "lp" and b.marginal_value == pytest.approx(stay_days(inst, "close_contact"))
    assert "+5 rooms at H1" in b.counterfactual and "verified" in b.counterfactual
    line = done.plan.shortages[b.lines[0]]
    assert line.entity == "K1" and line.counterfactual == b.counterfactual
    # a room at the inbound hotel buys nothing, and ranks last
    assert by["rooms at H2"].marginal_value == 0 and by["rooms at H2"].outcome == "no_lines"
    assert done.plan.bottlenecks[-1].resource == "rooms at H2"
    assert [x.rank for x in done.plan.bottlenecks] == list(range(1, len(done.plan.bottlenecks) + 1))
    assert (done.tried, done.cleared, done.not_tried) == (1, 1, [])
    assert verify(inst, done.plan) == []  # an explained plan is still the same plan


def test_rooms_that_need_staff_come_with_the_staff_the_re_solve_found_binding(rooms_short):
    """45 people already fill 45 of H1's 50 rooms and its crew staffs one unit of 50: 8 arrive on
    day 0, 3 go without a room. Three more rooms alone house no one (53 people need a second unit
    of day-0 staff), so the counterfactual adds the staff its re-solve found binding."""
    from tests.test_isolation import crew

    rooms_short["isolation_sites"] = [dict(rooms_short["isolation_sites"][0], rooms=50, occupants=[
        {"release_day": 5, "people": 45, "category": "close_contact"}])]
    rooms_short["staff"] = crew("H1")
    rooms_short["cohorts"] = [{"id": "K1", "day": 0, "origin": "T1", "category": "close_contact", "people": 8}]
    inst, plan = planned(rooms_short)
    assert [(x.entity, x.quantity, x.binding_resource) for x in plan.shortages] == [("K1", 3, "rooms: H1 full")]
    done = explain(inst, plan, BUDGET, resolve_s=RESOLVE_S, processes=1)
    (b,) = done.plan.bottlenecks
    assert (b.resource, b.relief, b.outcome, b.shortage_after) == ("rooms at H1", 3, "verified", 0)
    (staff,) = b.companions
    assert staff.kind == "staff" and {"doctor", "nurse"} <= set(staff.skill.split(", "))
    assert b.marginal_value == 0  # the LP agrees: a room alone buys nothing while staff bind
    assert verify(inst, done.plan) == []


def test_missing_epidemiologist_is_one_more_epidemiologist(staff_short):
    inst, plan = planned(staff_short)
    (line,) = [x for x in plan.shortages if x.module == "tracing"]
    assert line.entity == "C1" and line.binding_resource.startswith("epidemiologists within commuting range of T1")
    done = explain(inst, plan, BUDGET, resolve_s=RESOLVE_S, processes=1)
    (b,) = done.plan.bottlenecks
    assert (b.kind, b.target, b.skill, b.relief) == ("staff", "T1", "epidemiologist", 1)
    assert b.outcome == "verified" and b.shortage_before == line.quantity and b.shortage_after == 0
    assert b.method == "re_solve" and b.marginal_value == pytest.approx(line.quantity)  # late hours per person
    assert "+1 epidemiologist living in T1 clears" in done.plan.shortages[0].counterfactual
    assert verify(inst, done.plan) == []


def test_no_time_for_a_re_solve_is_said_not_invented(staff_short):
    inst, plan = planned(staff_short)
    done = explain(inst, plan, 2.0, resolve_s=RESOLVE_S, processes=1)  # less than one re-solve
    (b,) = done.plan.bottlenecks
    assert b.outcome == "not_tried" and b.marginal_value is None and b.shortage_after is None
    assert "not tried" in done.plan.shortages[0].counterfactual and "verified" not in b.counterfactual
    assert done.not_tried == [b.resource]


def test_bottlenecks_sheet_written_and_read_back(rooms_short, tmp_path):
    inst, plan = planned(rooms_short)
    done = explain(inst, plan, BUDGET, resolve_s=RESOLVE_S, processes=1)
    for lang, sheet, verified in (("zh", "瓶颈", "已验证：消除"), ("en", "Bottlenecks", "Verified: cleared")):
        path = tmp_path / f"x-{lang}.xlsx"
        write_workbook(inst, done.plan, path, lang=lang)
        rows = pd.read_excel(path, sheet_name=sheet, header=2, nrows=len(done.plan.bottlenecks))
        assert list(rows.iloc[:, 0]) == [1, 2]  # 序号 is the rank: the two hotels
        assert list(rows.iloc[:, 2]) == ["城关宾馆", "入境宾馆"] and verified == rows.iloc[0, 7]
    # a plan that was not explained has no such sheet
    write_workbook(inst, plan, tmp_path / "plain.xlsx")
    assert "瓶颈" not in pd.ExcelFile(tmp_path / "plain.xlsx").sheet_names
    # the dispatch workbook's leader summary shows the top bottlenecks of an explained plan only
    from exports.dispatch import build_dispatch

    leader = build_dispatch(inst, done.plan)[0]
    assert "瓶颈" in leader.tables[-1].caption and len(leader.tables[-1].frame) == len(done.plan.bottlenecks)
    assert all("瓶颈" not in (t.caption or "") for t in build_dispatch(inst, plan)[0].tables)


def test_cli_explain_writes_the_explained_plan_and_refuses_another_instance(rooms_short, tmp_path):
    from cli import main

    inst, plan = planned(rooms_short)
    save(inst, tmp_path / "i.json")
    save(plan, tmp_path / "p.json")
    out = CliRunner().invoke(main, ["explain", str(tmp_path / "i.json"), str(tmp_path / "p.json"),
                                    "-o", str(tmp_path / "x.json"), "--time-limit", "60", "--lang", "en",
                                    "--xlsx", str(tmp_path / "x.xlsx")])
    assert out.exit_code == 0, out.output
    data = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert data["bottlenecks"] and data["shortages"][0]["counterfactual"]
    other = dict(rooms_short, name="另一个县")
    save(Instance.model_validate(other), tmp_path / "other.json")
    bad = CliRunner().invoke(main, ["explain", str(tmp_path / "other.json"), str(tmp_path / "p.json"),
                                    "-o", str(tmp_path / "y.json")])
    assert bad.exit_code == 2 and "not of 另一个县" in bad.output


def test_re_solves_take_every_area_in_turn():
    """Goods' units dwarf rooms': a short budget must still reach the top relief of every area."""
    from optimizer.explain import _job_order

    goods, rooms, cases = frozenset({"supply", "roads"}), frozenset({"isolation"}), frozenset({"tracing"})
    order = _job_order([goods, goods, rooms, goods, cases, rooms])
    assert order[:6] == [(goods, None), (0, None), (rooms, None), (2, None), (cases, None), (4, None)]
    assert sorted(k for k, _ in order if isinstance(k, int)) == list(range(6))


@pytest.mark.slow  # two process pools' start-up on top of test_cli_explain_…: ~30 s on a busy machine
def test_solve_explain_writes_an_explained_plan(rooms_short, tmp_path):
    from cli import main

    save(Instance.model_validate(rooms_short), tmp_path / "i.json")
    out = CliRunner().invoke(main, ["solve", str(tmp_path / "i.json"), "-o", str(tmp_path / "p.json"),
                                    "--time-limit", "15", "--workers", "1", "--explain"])
    assert out.exit_code == 0, out.output
    data = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert [b["outcome"] for b in data["bottlenecks"]] == ["verified", "no_lines"]
    assert "+5 rooms at H1" in data["shortages"][0]["counterfactual"]
