"""The dispatch workbook (`fangkong dispatch`): a leader summary, a sheet per township, per
isolation site, the tracing teams and the reused 派送单 sheets, in Chinese and English.

Fixture: test_xlsx's two townships (城关镇, sealed 石门乡) with every module added: three
tracing cases (two for one team, one not traced), an isolation site whose name is longer than
Excel's 31 characters, a cohort leaving 石门乡, a closed exit arc and a checkpoint, a shipment,
a transfer-station hand-over, one truck route, and critical shortages of different sizes.
"""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner

from cli import main
from exports.dispatch import build_dispatch, critical_shortages, write_dispatch
from exports.xlsx import safe_sheet_name
from models.instance import Instance
from models.io import dump_json
from models.plan import Plan
from tests.test_xlsx import instance, plan  # noqa: F401  (the fixtures this file builds on)

LONG_SITE = "清河县城关镇人民路与建设路交叉口东北角县委党校集中隔离点"  # > 31 characters


@pytest.fixture
def full_instance(instance) -> Instance:  # noqa: F811
    data = instance.model_dump(mode="json")
    data.update({
        "isolation_sites": [
            {"id": "I1", "name": LONG_SITE, "township": "T1", "location": {"x": 0.5, "y": 0.5}, "rooms": 60},
            {"id": "I2", "name": "石门备用隔离点", "township": "T2", "location": {"x": 10, "y": 1}, "rooms": 20,
             "reserve": True},
        ],
        "cohorts": [{"id": "K1", "day": 0, "origin": "T2", "category": "close_contact", "people": 12},
                    {"id": "K2", "day": 0, "origin": "T1", "category": "secondary_contact", "people": 5}],
        "cases": [{"id": "C1", "township": "T1", "report_hour": -2, "estimated_contacts": 8},
                  {"id": "C2", "township": "T1", "report_hour": 3, "estimated_contacts": 4},
                  {"id": "C3", "township": "T2", "report_hour": 5, "estimated_contacts": 6}],
        "road_nodes": [{"id": "N1", "township": "T1", "location": {"x": 0, "y": 0}},
                       {"id": "N2", "township": "T2", "location": {"x": 10, "y": 0}}],
        "road_arcs": [{"id": "A1", "tail": "N2", "head": "N1", "length_km": 10, "free_flow_min": 15,
                       "road_class": "county", "section": "R1"},
                      {"id": "A2", "tail": "N1", "head": "N2", "length_km": 10, "free_flow_min": 15,
                       "road_class": "county", "section": "R1", "direction": "backward"}],
    })
    return Instance.model_validate(data)


def _member(staff, name, role, home="T1"):
    return {"staff": staff, "name": name, "role": role, "home_township": home}


@pytest.fixture
def full_plan(plan) -> Plan:  # noqa: F811
    data = plan.model_dump(mode="json")
    team = [_member("P9", "刘洋", "epidemiologist"), _member("P3", "赵强", "police", "T2")]
    data["tracing"] = {"assignments": [
        {"case": "C2", "township": "T1", "district": "D1", "report_hour": 3, "contacts": 4, "members": team,
         "start_hour": 11, "core_info_hour": 12, "end_hour": 14, "core_due_hour": 5, "report_due_hour": 27},
        {"case": "C1", "township": "T1", "district": "D1", "report_hour": -2, "contacts": 8, "members": team,
         "start_hour": 1, "core_info_hour": 2, "end_hour": 6, "core_due_hour": 0, "report_due_hour": 22},
        {"case": "C3", "township": "T2", "district": "D1", "report_hour": 5, "contacts": 6,
         "core_due_hour": 7, "report_due_hour": 29},
    ]}
    data["isolation"] = {
        "placements": [{"cohort": "K1", "site": "I1", "origin": "T2", "category": "close_contact", "people": 12,
                        "rooms": 12, "admit_day": 0, "release_day": 5, "transfer_min": 20},
                       {"cohort": "K2", "site": "I1", "origin": "T1", "category": "secondary_contact", "people": 5,
                        "rooms": 5, "admit_day": 0, "release_day": 3, "transfer_min": 5}],
        "occupancy": [{"site": "I1", "day": 0, "usable_rooms": 60, "occupied_rooms": 17, "free_rooms": 43,
                       "people": 17, "admitted": 17, "doctors_per_shift": 1, "nurses_per_shift": 1,
                       "nonmedical_per_shift": 2}],
        "transfers": [{"day": 0, "vehicle": "B1", "origin": "T2", "site": "I1", "trips": 1, "people": 12,
                       "one_way_min": 20, "depart_hour": 9.5}],
    }
    data["roads"] = {
        "arcs": [{"arc": "A1", "status": "closed", "reason": "seal_exit", "seal": "T2"},
                 {"arc": "A2", "status": "checkpoint", "reason": "seal_exit", "seal": "T2"}],
        "checkpoints": [{"arc": "A2", "township": "T1", "seal": "T2", "section": "R1", "direction": "backward",
                         "shifts": 2, "crew_per_shift": 1, "staff": [["P1"], ["P2"]]}],
    }
    data["supply"] = {
        "shipments": [{"source": "W1", "destination": "T1", "township": "T1", "commodity": "rice", "quantity": 500,
                       "tier": "food_floor"},
                      {"source": "W1", "destination": "TS2", "destination_kind": "transfer_station",
                       "township": "T2", "commodity": "masks", "quantity": 200, "tier": "medical_critical"}],
        "routes": [{"vehicle": "V1", "source": "W1", "start_hour": 6, "end_hour": 10, "trips": 1, "stops": [
            {"kind": "deliver", "trip": 1, "node": "N1", "destination": "T1", "arrival_hour": 7, "depart_hour": 7.5,
             "items": [{"commodity": "rice", "township": "T1", "quantity": 500}], "load_kg": 500}]}],
        "handovers": [{"station": "TS2", "township": "T2", "vehicle": "V1", "arrival_hour": 8.5,
                       "items": [{"commodity": "masks", "township": "T2", "quantity": 200}], "load_kg": 20}],
        "last_mile": [{"township": "T2", "workers": 3, "kg": 20, "start_hour": 9, "end_hour": 11}],
    }
    data["roster"] += [{"staff": "P10", "name": "王芳", "role": "nurse", "module": "isolation", "location": "I1",
                        "township": "T1", "start_hour": 8, "end_hour": 20}]
    shortage = {"module": "sampling", "tier": "critical", "what": "residents not sampled", "unit": "people",
                "binding_resource": "desks: every site in walking range is at its maximum (S3)"}
    data["shortages"] += [{**shortage, "township": "T1", "entity": "G9", "quantity": 40},
                          {**shortage, "township": "T2", "entity": "G3", "quantity": 700},
                          {**shortage, "township": "T1", "entity": "G2", "tier": "routine", "quantity": 9000},
                          {"module": "tracing", "tier": "critical", "what": "case not traced today", "township": "T2",
                           "entity": "C3", "quantity": 1, "unit": "cases",
                           "binding_resource": "epidemiologists within commuting range of T2"}]
    return Plan.model_validate(data)


@pytest.fixture(params=["zh", "en"])
def lang(request) -> str:
    return request.param


@pytest.fixture
def book(tmp_path, full_instance, full_plan, lang):
    path = tmp_path / f"dispatch-{lang}.xlsx"
    write_dispatch(full_instance, full_plan, path, lang=lang)
    return openpyxl.load_workbook(path)


def _values(ws) -> list:
    return [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]


def test_sheet_names(book, full_instance, lang):
    used: set[str] = set()
    leader = "指挥长摘要" if lang == "zh" else "Leader summary"
    teams = "流调队伍" if lang == "zh" else "Tracing teams"
    expected = [safe_sheet_name(n, used) for n in
                [leader, "城关镇", "石门乡", LONG_SITE, teams,
                  "V1" if lang == "zh" else "Vehicle V1"]]  # no vehicle in the instance: the id stands in
    assert book.sheetnames == expected
    assert all(len(n) <= 31 for n in book.sheetnames)
    assert book.sheetnames[3] == LONG_SITE[:31]
    assert len({n.lower() for n in book.sheetnames}) == len(book.sheetnames)
    ws = book[book.sheetnames[1]]
    assert ws["A1"].value.endswith("城关镇明日任务单" if lang == "zh" else "Tomorrow's orders for 城关镇")
    assert any(str(r).startswith("A1:") for r in ws.merged_cells.ranges)  # the house frame
    assert ws["A3"].value in ("序号", "No.")


def test_clashing_names_stay_unique(full_instance, full_plan, tmp_path):
    data = full_instance.model_dump(mode="json")
    data["isolation_sites"][0]["name"] = "城关镇"  # same as a township
    inst = Instance.model_validate(data)
    path = tmp_path / "d.xlsx"
    write_dispatch(inst, full_plan, path)
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    assert names[1] == "城关镇" and names[3] == "城关镇(2)"


def test_township_sheets_hold_that_townships_plan(full_instance, full_plan, lang):
    sheets = {s.key: s for s in build_dispatch(full_instance, full_plan, lang)}
    for t in full_instance.townships:
        s = sheets[f"township:{t.id}"]
        sampling, tracing, cohorts, roads, shipments, handovers, shortages = (tb.frame for tb in s.tables)
        assert sorted(sampling.iloc[:, 1]) == sorted(full_instance.by_id("sampling_sites")[x.site].name
                                                     for x in full_plan.sampling.sites if x.township == t.id)
        desks = [x.desks for x in full_plan.sampling.sites if x.township == t.id]
        assert sorted(sampling.iloc[:, 3]) == sorted(desks)
        mine = [a for a in full_plan.tracing.assignments if a.township == t.id]
        assert list(tracing.iloc[:, 1]) == [a.case for a in sorted(mine, key=lambda a: (a.start_hour is None,
                                                                                       a.start_hour or 0))]
        assert sorted(cohorts.iloc[:, 1]) == sorted(p.cohort for p in full_plan.isolation.placements
                                                    if p.origin == t.id)
        assert len(roads) == (sum(1 for a in full_plan.roads.arcs if a.status == "closed" and a.seal == t.id)
                              + sum(1 for c in full_plan.roads.checkpoints if c.township == t.id))
        assert list(shipments.iloc[:, 4]) == [x.quantity for x in full_plan.supply.shipments if x.township == t.id]
        assert len(handovers) == sum(1 for h in full_plan.supply.handovers if h.township == t.id)
        assert len(shortages) == sum(1 for x in full_plan.shortages if x.township == t.id)
    # the cohort leaving 石门乡: to the long-named site, departing 09:30 on bus B1
    row = sheets["township:T2"].tables[2].frame.iloc[0]
    assert row.iloc[4] == LONG_SITE and row.iloc[6] == "09:30" and row.iloc[7] == "B1"


def test_township_sheet_in_the_workbook(book, full_plan):
    ws = book["石门乡"]
    values = _values(ws)
    assert "石门村委会" in values and "城关镇文化广场" not in values  # its site only
    assert "C3" in values and "C1" not in values
    assert "K1" in values and "K2" not in values
    assert 700 in values and 40 not in values
    assert "A1" in values  # its sealed exit closed


def test_leader_summary_ranks_critical_shortages(book, full_plan, full_instance, lang):
    ranked = critical_shortages(full_plan)
    from exports.dispatch import PEOPLE_FIRST
    keys = [(PEOPLE_FIRST.get(s.unit, 2), -s.quantity) for s in ranked]
    assert keys == sorted(keys)  # people, then cases, then the rest; largest first within each
    assert all(s.tier == "critical" for s in ranked) and len(ranked) == 4
    leader = build_dispatch(full_instance, full_plan, lang)[0]
    solve, kpis, short = (t.frame for t in leader.tables)
    assert list(short.iloc[:, 4]) == [700, 300, 40, 1]
    assert len(solve) == 1 + len(full_plan.meta.tiers)
    assert len(kpis) == len(full_plan.kpis)
    ws = book.worksheets[0]
    values = _values(ws)
    header = "缺口数量" if lang == "zh" else "Quantity"
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 5).value == header)
    assert [ws.cell(r, 5).value for r in range(top + 1, top + 5)] == [700, 300, 40, 1]
    assert ws.cell(top + 1, 7).value.startswith("desks" if lang == "en" else "采样台")  # its binding resource
    assert 9000 not in values  # routine lines stay off the summary


def test_isolation_site_and_team_sheets(book, lang):
    ws = book[book.sheetnames[3]]
    values = _values(ws)
    assert {"K1", "K2", "王芳", 17, 43} <= set(values)
    teams = book[book.sheetnames[4]]
    values = _values(teams)
    cases = [v for v in values if v in ("C1", "C2", "C3")]
    assert cases == ["C1", "C2", "C3"]  # the team's cases in time order, the untraced case last
    assert "刘洋 / 赵强" in values


def test_cli_writes_and_refuses_bad_input(tmp_path, full_instance, full_plan):
    inst, plan_path, out = tmp_path / "inst.json", tmp_path / "plan.json", tmp_path / "out" / "d.xlsx"
    inst.write_text(dump_json(full_instance), encoding="utf-8")
    plan_path.write_text(dump_json(full_plan), encoding="utf-8")

    def run(*args):
        return CliRunner().invoke(main, ["dispatch", *map(str, args)])

    ok = run(inst, plan_path, "-o", out, "--lang", "en")
    assert ok.exit_code == 0, ok.output
    assert openpyxl.load_workbook(out, read_only=True).sheetnames[0] == "Leader summary"
    before = plan_path.read_bytes()
    refused = run(inst, plan_path, "-o", plan_path)
    assert refused.exit_code == 2 and "refusing to overwrite" in refused.output
    assert plan_path.read_bytes() == before
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert run(inst, bad, "-o", tmp_path / "x.xlsx").exit_code == 2
    other = full_plan.model_copy(update={"instance": "another"})
    plan_path.write_text(dump_json(other), encoding="utf-8")
    wrong = run(inst, plan_path, "-o", tmp_path / "y.xlsx")
    assert wrong.exit_code == 2 and "not of" in wrong.output
    assert not (tmp_path / "y.xlsx").exists()
