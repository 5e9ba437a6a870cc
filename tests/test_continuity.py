"""Re-plans against a published plan (`solve --baseline`, `--max-changes`) on a tiny county.

The tiny county (tests/conftest.py) with two cases in 城关镇 (T1) reported at 02:00 and 03:00,
two epidemiologists and two police officers at home there, one of each in 柳河乡 (T2), an IT
supporter, and one hotel with a cohort of 10 arriving on day 1. Each case takes 190 minutes, so
a third case reported at 04:00 in T1 needs a third team: the T1 people are busy until 05:10 and
06:10, and its core information is due at 08:00 (an interview of 90 minutes).
"""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from cli import main
from models import Instance, SolveConfig
from models.choices import arc_choices
from models.io import dump_json
from optimizer import solve
from optimizer.validate import verify
from tests.conftest import tiny_data
from tests.test_isolation import cohort, crew, site

CFG = SolveConfig(time_limit_s=20, workers=1, seed=1)


def person(pid: str, skill: str, home: str = "T1") -> dict:
    return {"id": pid, "name": f"员工{pid}", "skills": [skill], "home_township": home, "hours_per_day": 10}


def case(cid: str, hour: int, town: str = "T1") -> dict:
    return {"id": cid, "township": town, "report_hour": hour, "estimated_contacts": 10}


@pytest.fixture
def county() -> dict:
    d = tiny_data()
    d["staff"] += [person("E1", "epidemiologist"), person("E2", "epidemiologist"), person("E3", "epidemiologist", "T2"),
                   person("Q1", "police"), person("Q2", "police"), person("Q3", "police", "T2"), person("I1", "it")]
    d["staff"] += crew("H1")
    d["cases"] = [case("C1", 2), case("C2", 3)]
    d["isolation_sites"] = [site("H1", 30)]
    d["vehicles"] = [{"id": "B1", "plate": "豫A00001", "kind": "transfer_bus", "depot": "H1", "seats": 45}]
    d["cohorts"] = [cohort("K1", 10)]
    d["policy"] = {"tracing": {"on_call_teams": 0}}
    return d


def run(data: dict, **kw):
    inst = Instance.model_validate(data)
    result = solve(inst, CFG, **kw)
    if result.plan is not None:
        assert verify(inst, result.plan) == []
    return inst, result


def teams(plan) -> dict:
    return {a.case: sorted((m.role, m.staff) for m in a.members) for a in plan.tracing.assignments}


def test_one_new_case_changes_only_its_team(county):
    _, base = run(county)
    assert base.plan.changes == []
    county["cases"].append(case("C3", 4))
    _, again = run(county, baseline=base.plan)
    changes = [c for c in again.plan.changes if c.stakeholder != "vehicle"]
    assert sorted(c.decision for c in changes) == ["case|C3|epidemiologist", "case|C3|police"]
    assert {c.reason for c in changes} == {"new_case"} and {c.old for c in changes} == {""}
    assert again.objective_terms["tracing.changes"] == 2  # the model counts what the plan shows
    for cid in ("C1", "C2"):
        assert teams(again.plan)[cid] == teams(base.plan)[cid]
    assert again.plan.isolation.placements == base.plan.isolation.placements
    assert again.plan.sampling == base.plan.sampling


def test_zero_budget_keeps_every_decision_and_leaves_the_new_case_short(county):
    _, base = run(county)
    county["cases"].append(case("C3", 4))
    _, again = run(county, baseline=base.plan, max_changes=0)
    assert again.plan is not None, again.summary()
    assert again.plan.changes == []
    assert teams(again.plan)["C3"] == []
    assert any(s.entity == "C3" and s.what == "case not traced today" for s in again.plan.shortages)
    assert {k: v for k, v in teams(again.plan).items() if k != "C3"} == teams(base.plan)


def test_a_kept_choice_that_is_no_longer_possible_needs_a_bigger_budget(county):
    _, base = run(county)
    gone = teams(base.plan)["C1"][0][1]  # C1's epidemiologist leaves the pool
    county["staff"] = [p for p in county["staff"] if p["id"] != gone]
    _, none = run(county, baseline=base.plan, max_changes=0)
    assert none.plan is None and none.status == "INFEASIBLE"
    assert none.diagnosis == ["--max-changes 0 is too small: no plan keeps that many decisions of the baseline; "
                              "the fewest changes any plan needs is 1"]
    _, one = run(county, baseline=base.plan, max_changes=1)
    assert [c.decision for c in one.plan.changes if c.stakeholder != "vehicle"] == ["case|C1|epidemiologist"]
    assert (one.plan.changes[0].old, one.plan.changes[0].reason) == (gone, "not_possible")


def test_changes_sheet_lists_old_and_new_per_stakeholder(county):
    from exports import plan_frames

    _, base = run(county)
    county["cases"].append(case("C3", 4))
    inst, again = run(county, baseline=base.plan)
    zh = plan_frames(inst, again.plan, "zh")
    teams_zh = zh["变更（流调队伍）"]
    assert list(teams_zh["变更原因"]) == ["新增病例C3", "新增病例C3"]
    assert list(teams_zh["原方案"]) == ["—", "—"]
    en = plan_frames(inst, again.plan, "en")
    assert set(en["Changes（Tracing teams）"]["New plan"]) == {
        p.name for p in inst.staff if p.id in {c.new for c in again.plan.changes}}
    assert "变更" not in plan_frames(inst, base.plan, "zh")  # no baseline, no sheet


def test_day_indexed_decisions_match_by_date(county):
    """Yesterday's day 1 is today's day 0: keys carry the date, not the position."""
    from models.plan_roads import ArcStatus

    _, base = run(county)
    yesterday = base.plan.model_copy(update={"plan_date": "2022-11-27"})
    yesterday.roads.arcs = [ArcStatus(arc="A1", day=1, status="closed")]
    assert arc_choices(yesterday) == {("arc", "A1", "2022-11-28"): "closed"}


@pytest.fixture
def files(county, tmp_path):
    _, base = run(county)
    plan = tmp_path / "base.json"
    plan.write_text(dump_json(base.plan), encoding="utf-8")
    county["cases"].append(case("C3", 4))
    inst = tmp_path / "today.json"
    inst.write_text(json.dumps(county, ensure_ascii=False), encoding="utf-8")
    return inst, plan, tmp_path


def cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_cli_replans_with_a_changes_sheet(files):
    inst, plan, tmp = files
    r = cli("solve", inst, "--baseline", plan, "--time-limit", 20, "--workers", 1, "-o", tmp / "new.json",
            "--xlsx", tmp / "new.xlsx")
    assert r.exit_code == 0, r.output
    assert "changes from the baseline: 2 decisions; tracing 2" in r.output
    import openpyxl

    assert "变更" in openpyxl.load_workbook(tmp / "new.xlsx").sheetnames


def test_cli_baseline_of_another_instance_is_bad_input(files):
    inst, plan, tmp = files
    other = json.loads(plan.read_text(encoding="utf-8"))
    other["instance"] = "别的县"
    bad = tmp / "other.json"
    bad.write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    r = cli("solve", inst, "--baseline", bad, "-o", tmp / "new.json")
    assert r.exit_code == 2
    assert f"{bad}: the baseline is a plan of instance '别的县', not '微型测试县'" in r.output
    later = copy.deepcopy(other)
    later.update(instance="微型测试县", plan_date="2022-11-29")
    bad.write_text(json.dumps(later, ensure_ascii=False), encoding="utf-8")
    r = cli("solve", inst, "--baseline", bad, "-o", tmp / "new.json")
    assert r.exit_code == 2 and "after this plan's date" in r.output
    r = cli("solve", inst, "--max-changes", 3, "-o", tmp / "new.json")
    assert r.exit_code == 2 and "--max-changes: needs --baseline" in r.output
    r = cli("solve", inst, "--stability", "after-critical", "-o", tmp / "new.json")
    assert r.exit_code == 2 and "--stability after-critical: needs --baseline" in r.output


def test_cli_budget_too_small_exits_1_with_the_smallest_budget(files, county):
    inst, plan, tmp = files
    data = json.loads(inst.read_text(encoding="utf-8"))
    base = json.loads(plan.read_text(encoding="utf-8"))
    gone = next(m["staff"] for a in base["tracing"]["assignments"] if a["case"] == "C1" for m in a["members"]
                if m["role"] == "epidemiologist")
    data["staff"] = [p for p in data["staff"] if p["id"] != gone]
    inst.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    r = cli("solve", inst, "--baseline", plan, "--max-changes", 0, "--workers", 1, "-o", tmp / "new.json")
    assert r.exit_code == 1
    assert "--max-changes 0 is too small" in r.output and "needs is 1" in r.output
    assert not (tmp / "new.json").exists()


def test_a_person_taken_by_the_new_case_makes_way(county):
    """Reasons come from the two plans: C1's epidemiologist moved to the new case C3 reads
    'makes way for C3'; the new case's own rows read 'new case'."""
    from models.choices import plan_choices
    from optimizer.context import BuildContext
    from optimizer.continuity import plan_changes
    from optimizer.decisions import decisions
    from optimizer.modules import MODULES

    _, base = run(county)
    county["cases"].append(case("C3", 4))
    inst = Instance.model_validate(county)
    ctx = BuildContext.new(inst)
    built = [(s, m, m.build(ctx)) for s, m in MODULES]
    ds = decisions(ctx, built, plan_choices(base.plan), every=True)
    old = next(a for a in base.plan.tracing.assignments if a.case == "C1")
    epi = next(m for m in old.members if m.role == "epidemiologist")
    new = base.plan.model_copy(deep=True)
    a1 = next(a for a in new.tracing.assignments if a.case == "C1")
    a1.members = [m if m.role != "epidemiologist" else m.model_copy(update={"staff": "E3"}) for m in a1.members]
    a3 = old.model_copy(update={"case": "C3", "members": [epi]})
    new.tracing.assignments.append(a3)
    got = {c.decision: (c.old, c.new, c.reason, c.reason_detail) for c in plan_changes(inst, base.plan, new, ds)}
    assert got["case|C1|epidemiologist"] == (epi.staff, "E3", "makes_way", "C3")
    assert got["case|C3|epidemiologist"] == ("", epi.staff, "new_case", "C3")


def far_epidemiologist_for_c1(county):
    """The county's plan with C1's epidemiologist replaced by E3 from 柳河乡: as good in every
    tier but cost (E3 is lent from another township and travels), so the cost tier would change
    it back to the idle T1 epidemiologist and the stability tier would keep it."""
    _, base = run(county)
    plan = base.plan.model_copy(deep=True)
    team = next(a for a in plan.tracing.assignments if a.case == "C1")
    team.members = [m if m.role != "epidemiologist" else m.model_copy(update={"staff": "E3"}) for m in team.members]
    return plan  # only its decisions matter to a re-plan (its roster still names E2)


def test_stability_last_changes_a_decision_for_a_cheaper_plan(county):
    baseline = far_epidemiologist_for_c1(county)
    _, again = run(county, baseline=baseline)
    assert [(c.decision, c.old, c.reason) for c in again.plan.changes if c.stakeholder != "vehicle"] == [
        ("case|C1|epidemiologist", "E3", "cheaper")]
    tiers = [(t["name"], t["status"]) for t in again.plan.meta.tiers]
    assert tiers == [(t, "OPTIMAL") for t in ("critical", "routine", "cost", "stability")]
    # each tier reports its own value, not the changes that broke its ties: the terms add up
    assert sum(t["value"] for t in again.plan.meta.tiers) == sum(again.objective_terms.values())
    assert again.plan.meta.tiers[-1]["value"] == again.objective_terms["tracing.changes"] == 1


def test_stability_after_critical_keeps_the_published_choice_over_cost(county):
    baseline = far_epidemiologist_for_c1(county)
    _, last = run(county, baseline=baseline)
    _, kept = run(county, baseline=baseline, stability="after-critical")
    assert [c for c in kept.plan.changes if c.stakeholder != "vehicle"] == []
    assert teams(kept.plan)["C1"] == teams_of(baseline)["C1"]
    assert [t["name"] for t in kept.plan.meta.tiers] == ["critical", "stability", "routine", "cost"]
    value = {t["name"]: t["value"] for t in kept.plan.meta.tiers}
    cheaper = {t["name"]: t["value"] for t in last.plan.meta.tiers}
    assert value["critical"] == cheaper["critical"] and value["cost"] > cheaper["cost"]


def test_a_published_twin_is_kept_while_the_other_is_idle(county):
    """E1 and E2 are interchangeable, and the tracing module orders such twins (busiest first)
    to cut symmetric search; a published team naming E2 while E1 is idle (C2 closed since)
    must still be kept as it is, not changed for the ordering's sake."""
    _, base = run(county)
    baseline = base.plan.model_copy(deep=True)
    team = next(a for a in baseline.tracing.assignments if a.case == "C1")
    team.members = [m if m.role != "epidemiologist" else m.model_copy(update={"staff": "E2"}) for m in team.members]
    county["cases"] = [c for c in county["cases"] if c["id"] != "C2"]
    _, kept = run(county, baseline=baseline, max_changes=0)
    assert kept.plan is not None, kept.diagnosis
    assert dict(teams(kept.plan)["C1"])["epidemiologist"] == "E2"


def test_thinned_tracing_candidates_keep_the_published_person(county, monkeypatch):
    """On a crowded day each case keeps only a few candidates near the greedy schedule; the
    person a published plan names stays one of them, or a re-plan could not keep its team."""
    import optimizer.tracing_assign as ta

    county["staff"] += [person(f"E{k}", "epidemiologist") for k in range(4, 9)]
    _, base = run(county)
    baseline = base.plan.model_copy(deep=True)
    team = next(a for a in baseline.tracing.assignments if a.case == "C1")
    team.members = [m if m.role != "epidemiologist" else m.model_copy(update={"staff": "E8"}) for m in team.members]
    monkeypatch.setattr(ta, "PAIR_BUDGET", 1)  # crowded: 4 candidates per case, E8 last by every ranking
    _, again = run(county, baseline=baseline, max_changes=0)
    assert again.plan is not None, again.diagnosis
    assert dict(teams(again.plan)["C1"])["epidemiologist"] == "E8"


def teams_of(plan) -> dict:
    return {a.case: sorted((m.role, m.staff) for m in a.members) for a in plan.tracing.assignments}


def test_a_kept_shipment_the_routes_carry_differently_is_listed_not_counted(county):
    """A plan's shipments are what its routes carried: a shipment the solve kept (indicator 0)
    that tonight's routes cut back shows as changed, with reason routes_cut."""
    from models.plan_supply import Shipment
    from optimizer.continuity import plan_changes
    from optimizer.decisions import Decision

    inst, base = run(county)
    old, new = base.plan.model_copy(deep=True), base.plan.model_copy(deep=True)
    old.supply.shipments = [Shipment(source="DEP", destination="T1", township="T1", commodity="rice", quantity=50)]
    new.supply.shipments = [Shipment(source="DEP", destination="T1", township="T1", commodity="rice", quantity=30)]
    key = ("ship", "DEP", "T1", "rice", "2022-11-28")
    ship = Decision(key, "supply", ("township", "T1"), "rice DEP → T1", 0, 50, 50, lambda ch: ch.get(key, 0))
    cut = plan_changes(inst, old, new, [ship], kept={key})
    assert [(c.decision, c.old, c.new, c.reason) for c in cut] == [("|".join(key), "50", "30", "routes_cut")]
    assert plan_changes(inst, old, new, [ship], kept=set())[0].reason != "routes_cut"  # the solve moved it
