"""What-if scenarios (models/scenario*.py): every patch kind on the tiny county, satisfied and
broken, the presets on the demo county, and the CLI's exit 2 with `path: message` lines.

The tiny county of tests/conftest.py gets an isolation hotel H1 in 柳河乡 (T2) with a
closed-loop crew and a bus, a port, two cohorts, a depot with a truck and two road arcs,
so that every kind of patch has something to act on.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from models import Instance
from models.io import InputError, load_instance
from models.scenario import Scenario, load_scenario, parse_scenario, preset_names
from models.scenario_apply import apply_scenario
from tests.conftest import REPO


def county_data(tiny) -> dict:
    tiny["isolation_sites"] = [
        {"id": "H1", "name": "柳河宾馆", "township": "T2", "location": {"x": 4.0, "y": 1.0}, "rooms": 30,
         "occupants": [{"release_day": 3, "people": 4, "category": "close_contact"},
                       {"release_day": 0, "people": 2, "category": "close_contact"}]},
        {"id": "H2", "name": "城关旅馆", "township": "T2", "location": {"x": 4.5, "y": 1.0}, "rooms": 10},
    ]
    tiny["staff"].append({"id": "C1", "name": "闭环医生", "skills": ["doctor"], "home_township": "T2",
                          "hours_per_day": 8, "closed_loop_site": "H1"})
    tiny["ports"] = ["PORT"]
    tiny["cohorts"] = [
        {"id": "K1", "day": 1, "origin": "T1", "category": "close_contact", "people": 10, "carers": 2},
        {"id": "K2", "day": 9, "origin": "T1", "category": "close_contact", "people": 10},
        {"id": "I1", "day": 2, "origin": "PORT", "category": "inbound", "people": 7},
    ]
    tiny["road_nodes"] = [{"id": "N1", "township": "T1", "location": {"x": 0.0, "y": 0.0}},
                          {"id": "N2", "township": "T2", "location": {"x": 5.0, "y": 0.0}}]
    tiny["road_arcs"] = [
        {"id": "A1", "tail": "N1", "head": "N2", "length_km": 5, "free_flow_min": 8, "road_class": "county",
         "section": "S1"},
        {"id": "A2", "tail": "N2", "head": "N1", "length_km": 5, "free_flow_min": 8, "road_class": "county",
         "section": "S1", "direction": "backward"}]
    tiny["closure_requests"] = [{"arc": "A1", "requested_by": "T1"}]
    tiny["commodities"] = [{"id": "rice", "name": "大米", "unit": "kg", "tier": "food_floor", "per_capita_daily": 0.4}]
    tiny["sources"] = [{"id": "D1", "name": "县粮库", "kind": "depot", "township": "T2", "node": "N2",
                        "stock": [{"commodity": "rice", "quantity": 5000}]}]
    tiny["demands"] = [{"township": "T1", "commodity": "rice", "quantity": 600},
                       {"township": "T2", "commodity": "rice", "quantity": 800}]
    tiny["vehicles"] = [{"id": "B1", "plate": "豫A00001", "kind": "transfer_bus", "depot": "H1", "seats": 45},
                        {"id": "V1", "plate": "豫A00002", "kind": "truck", "depot": "D1", "capacity_kg": 3000}]
    return tiny


@pytest.fixture
def county(tiny) -> Instance:
    return Instance.model_validate(county_data(tiny))


def patched(inst: Instance, yaml_text: str) -> Instance:
    return apply_scenario(inst, parse_scenario(yaml_text, "test.yaml"))


def problems(inst: Instance, yaml_text: str) -> list[str]:
    with pytest.raises(InputError) as err:
        patched(inst, yaml_text)
    return err.value.problems


# ------------------------------------------------------------------ patches that apply

def test_protocol_edition_switch(county):
    assert patched(county, "policy_preset: edition8").policy.preset == "edition8"
    assert county.policy.preset == "edition9"  # the input is never changed


def test_risk_levels_and_seals(county):
    out = patched(county, "risk_levels: {T2: medium}\nseal: [T2]\nunseal: [T1]")
    t = out.by_id("townships")
    assert (t["T2"].risk_level, t["T2"].sealed, t["T1"].sealed) == ("medium", True, False)


def test_seal_by_pick_takes_the_most_populous_unsealed(county):
    out = patched(county, "seal: [{pick: most_populous, sealed: false}]")
    assert out.by_id("townships")["T2"].sealed  # 2,000 people, the only unsealed township


def test_arrivals_scaled_by_origin_kind_and_days(county):
    out = patched(county, "arrivals: [{factor: 3, origin_kind: port}, {factor: 2, origins: [T1], days: {last: 5}}]")
    people = {c.id: (c.people, c.carers) for c in out.cohorts}
    assert people == {"K1": (20, 4), "K2": (10, 0), "I1": (21, 0)}  # K2 arrives on day 9, outside days 0–5


def test_arrivals_scaled_to_nobody_are_dropped(county):
    out = patched(county, "arrivals: [{factor: 0, categories: [inbound]}]")
    assert [c.id for c in out.cohorts] == ["K1", "K2"]


def test_residents_scale_grids_townships_and_demands(county):
    out = patched(county, "residents: [{factor: 1.5, townships: [T2]}]")
    assert out.by_id("grids")["G3"].population == 3000 and out.by_id("grids")["G3"].key_group == 150
    assert out.by_id("townships")["T2"].population == 3000
    assert [d.quantity for d in out.demands] == [600, 1200]
    assert out.by_id("grids")["G1"].population == 600


def test_cluster_adds_cases_contacts_and_raises_risk(county):
    out = patched(county, "name: c\nclusters: [{township: T2, cases: 3, contacts_per_case: 10, contact_days: 2, "
                          "secondary_per_contact: 0.5}]")
    cases = [c for c in out.cases if c.id.startswith("c-")]
    assert [c.report_hour for c in cases] == [-8, -6, -4]  # up to the as-of hour 20:00 of the evening before
    close = {c.day: c.people for c in out.cohorts if c.id.startswith("c-K")}
    secondary = {c.day: c.people for c in out.cohorts if c.id.startswith("c-S")}
    assert close == {0: 15, 1: 15} and secondary == {1: 8, 2: 8}
    t2 = out.by_id("townships")["T2"]
    assert (t2.risk_level, t2.sealed) == ("high", True)


def test_cases_and_cohorts_added_as_given(county):
    out = patched(county, "cases: [{id: X1, township: T2, report_hour: -3, estimated_contacts: 4}]\n"
                          "cohorts: [{id: X2, day: 0, origin: PORT, category: inbound, people: 5}]")
    assert out.by_id("cases")["X1"].estimated_contacts == 4 and out.by_id("cohorts")["X2"].people == 5


def test_rooms_changed_by_delta_set_and_pick(county):
    out = patched(county, "rooms: [{site: H2, delta: -4}, {site: {pick: largest}, set: 50}]")
    sites = out.by_id("isolation_sites")
    assert (sites["H1"].rooms, sites["H2"].rooms) == (50, 6)


def test_removed_hotel_rehouses_occupants_frees_its_crew_and_buses(county):
    out = patched(county, "name: lost\nremove: {isolation_sites: [{pick: largest}]}")
    assert list(out.by_id("isolation_sites")) == ["H2"]
    moved = out.by_id("cohorts")["lost-H1-close_contact"]
    assert (moved.day, moved.origin, moved.people) == (0, "T2", 4)  # those released on day 0 are gone already
    assert out.by_id("staff")["C1"].closed_loop_site is None
    assert out.by_id("vehicles")["B1"].depot == "T2"


def test_removed_sites_staff_and_vehicles(county):
    out = patched(county, "remove: {sampling_sites: [S3], vehicles: [V1], staff: [{ids: [P1]}, "
                          "{skill: sampler, count: 1, township: T2}]}")
    assert "S3" not in out.by_id("sampling_sites") and "V1" not in out.by_id("vehicles")
    assert set(out.by_id("staff")) == {p.id for p in county.staff} - {"P1", "P7"}  # the highest id of T2's samplers


def test_added_sites_staff_and_vehicles(county):
    out = patched(county, """
name: plus
add:
  sampling_sites: [{id: S9, name: 新点, township: T2, location: {x: 5, y: 1}, max_desks: 2}]
  isolation_sites: [{id: H9, name: 方舱, township: T1, location: {x: 1, y: 1}, rooms: 100}]
  staff: [{skill: epidemiologist, count: 2, township: T1}]
  vehicles: [{kind: truck, depot: D1, count: 2, capacity_kg: 5000}]
""")
    assert "S9" in out.by_id("sampling_sites") and out.by_id("isolation_sites")["H9"].rooms == 100
    added = [p for p in out.staff if p.id.startswith("plus-")]
    assert len(added) == 2 and all(p.skills == ["epidemiologist"] and p.home_township == "T1" for p in added)
    assert sum(1 for v in out.vehicles if v.id.startswith("plus-")) == 2


def test_closed_arcs_leave_the_network_and_their_requests_lapse(county):
    out = patched(county, "close_arcs: [A1]")
    assert list(out.by_id("road_arcs")) == ["A2"] and out.closure_requests == []


def test_empty_scenario_is_the_instance(county):
    out = patched(county, "")
    assert out.model_dump(exclude={"name"}) == county.model_dump(exclude={"name"})


# ------------------------------------------------------------------ bad scenarios: path: message

def test_unknown_township(county):
    assert problems(county, "residents: [{factor: 2, townships: [T1, T99]}]") == [
        "residents[0].townships[1]: unknown township 'T99'"]


def test_unknown_origin_names_ports_too(county):
    assert problems(county, "arrivals: [{factor: 2, origins: [NOPE]}]") == [
        "arrivals[0].origins[0]: unknown township or port 'NOPE'"]


def test_negative_factor_and_unknown_key_are_schema_errors():
    with pytest.raises(InputError) as err:
        parse_scenario("arrivals: [{factor: -1}]\nflood: true", "bad.yaml")
    lines = err.value.problems
    assert "bad.yaml: arrivals[0].factor: Input should be greater than or equal to 0" in lines
    assert "bad.yaml: flood: Extra inputs are not permitted" in lines


def test_not_yaml_and_not_a_mapping():
    with pytest.raises(InputError) as err:
        parse_scenario("arrivals: [", "x.yaml")
    assert err.value.problems[0].startswith("x.yaml: not valid YAML at line")
    with pytest.raises(InputError) as err:
        parse_scenario("- 1\n- 2", "x.yaml")
    assert err.value.problems == ["x.yaml: a scenario is a mapping of changes, not a list"]


def test_dangling_reference_after_the_patch(county):
    lines = problems(county, "add: {vehicles: [{kind: truck, depot: NOWHERE, capacity_kg: 100}]}")
    assert lines == ["after the patch: vehicles[2].depot: unknown source or isolation site or township "
                     "'NOWHERE'"]


def test_rooms_need_delta_or_set(county):
    with pytest.raises(InputError) as err:
        parse_scenario("rooms: [{site: H1}]", "r.yaml")
    assert err.value.problems == ["r.yaml: rooms[0]: give exactly one of delta or set"]


def test_removing_more_staff_than_exist(county):
    assert problems(county, "remove: {staff: [{skill: police, count: 3}]}") == [
        "remove.staff[0].count: only 0 holders of police to remove, not 3"]


# ------------------------------------------------------------------ presets and the CLI

def test_presets_load_and_patch_the_demo_county():
    demo = load_instance(REPO / "instances" / "demo-county.json")
    assert set(preset_names()) >= {"spring-festival-return", "national-day", "cluster-outbreak", "hotel-loss"}
    people = sum(c.people for c in demo.cohorts)
    for name in preset_names():
        scenario = load_scenario(name)
        assert isinstance(scenario, Scenario) and scenario.name == name and scenario.description
        out = apply_scenario(demo, scenario)
        if name in ("spring-festival-return", "national-day"):
            assert sum(c.people for c in out.cohorts) > people
        if name == "cluster-outbreak":
            assert len(out.cases) > len(demo.cases) and sum(t.sealed for t in out.townships) == 2
        if name == "hotel-loss":
            assert len(out.isolation_sites) == len(demo.isolation_sites) - 1


def test_cli_exit_2_with_one_line_per_problem(tmp_path, tiny):
    import json

    base = tmp_path / "base.json"
    base.write_text(json.dumps(county_data(tiny), ensure_ascii=False), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("arrivals: [{factor: 2, origins: [T99]}]\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "cli.py", "whatif", str(base), str(bad), "no-such-preset",
                           "-o", str(tmp_path / "c.xlsx")], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"{bad}: arrivals[0].origins[0]: unknown township or port 'T99'",
        "no-such-preset: neither a scenario file nor a preset (cluster-outbreak, hotel-loss, national-day, "
        "spring-festival-return)"]
    assert not (tmp_path / "c.xlsx").exists()
