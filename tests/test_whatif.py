"""What-if sweeps and reserves (optimizer/whatif.py, optimizer/reserve.py, exports/sheets_compare.py).

The isolation county of tests/test_isolation.py: the tiny county without grids, hotel H1 (30
rooms, closed-loop crew, one 45-seat bus) in 柳河乡; close contacts from 城关镇 arrive on
day 1 (20 people) and day 2 (16), each for a 7-day stay, so 6 people are short of a room
on days 2–7 — by construction the reserve is exactly 6 rooms.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from exports import labels as L
from exports.sheets_compare import Column, comparison_sheet
from models import Instance, SolveConfig
from models.scenario import parse_scenario
from models.scenario_apply import apply_scenario
from optimizer.reserve import reserve_used, size_reserve, with_reserve
from optimizer.validate import verify
from optimizer.whatif import OUTPUT_SHARE, STARTUP_S, Run, run_limit, sweep
from tests.conftest import REPO
from tests.test_isolation import cohort, crew, site

CFG = SolveConfig(time_limit_s=20, workers=1, seed=1)
SURGE = "name: surge\ndescription: 城关镇密接翻倍\narrivals: [{factor: 2, origins: [T1]}]\n"


@pytest.fixture
def county(tiny) -> dict:
    tiny["grids"] = []
    tiny["isolation_sites"] = [site("H1", 30)]
    tiny["staff"] = crew("H1")
    tiny["vehicles"] = [{"id": "B1", "plate": "豫A00001", "kind": "transfer_bus", "depot": "H1", "seats": 45}]
    tiny["cohorts"] = [cohort("K1", 20), cohort("K2", 16, day=2)]
    return tiny


def runs_of(data: dict) -> list[Run]:
    base = Instance.model_validate(data)
    return [Run("base", base), Run("surge", apply_scenario(base, parse_scenario(SURGE, "surge.yaml")))]


def unhoused(plan) -> float:
    return sum(x.quantity for x in plan.shortages if x.module == "isolation" and x.unit == "people")


def check_sweep(runs: list[Run], results) -> None:
    assert [r.name for r in results] == ["base", "surge"]
    for run, r in zip(runs, results):
        assert r.plan is not None, r.error
        assert verify(run.instance, r.plan) == []
    # 36 people for 30 rooms; doubled, 72 people, so 42 are short
    assert unhoused(results[0].plan) == 6 and unhoused(results[1].plan) == 42


def test_run_limit_fits_the_waves_in_the_budget():
    # 9 runs on 2 processes go in 5 waves: each gets a fifth of what start-up and output leave
    assert run_limit(62, 9, 2, floor=1) == pytest.approx((62 * (1 - OUTPUT_SHARE) - STARTUP_S) / 5)
    assert run_limit(62, 3, 2) == pytest.approx((62 * (1 - OUTPUT_SHARE) - STARTUP_S) / 2)
    assert run_limit(40, 9, 2) == 10.0  # never below the floor where a run may end without a plan


def test_sweep_on_the_local_process_pool(county):
    runs = runs_of(county)
    check_sweep(runs, sweep(runs, CFG, jobs=2))


def test_comparison_sheet_shows_the_surge_side_by_side(county):
    runs = runs_of(county)
    results = sweep(runs, CFG, jobs=1)
    assert all(verify(run.instance, r.plan) == [] for run, r in zip(runs, results))
    sheet = comparison_sheet([Column(r.name, "", run.instance, r.plan) for run, r in zip(runs, results)], "en")
    frame = sheet.tables[0].frame.set_index("Indicator")
    assert list(frame.columns[-3:]) == ["base", "surge", "Notes"]
    assert frame.loc["People not housed", ["base", "surge"]].tolist() == [6, 42]
    assert frame.loc["People to isolate", ["base", "surge"]].tolist() == [36, 72]
    assert frame.loc["Isolation rooms at peak", ["base", "surge"]].tolist() == [30, 30]
    assert frame.loc["Critical shortage, Isolation", "surge"] == 42


def inputs(county: dict, tmp_path) -> tuple:
    """The county and the surge scenario as files, as a planner hands them to the CLI."""
    base = tmp_path / "base.json"
    base.write_text(json.dumps(county, ensure_ascii=False), encoding="utf-8")
    surge = tmp_path / "surge.yaml"
    surge.write_text(SURGE, encoding="utf-8")
    return base, surge


def test_whatif_cli_writes_the_workbook_plans_and_report(county, tmp_path):
    base, surge = inputs(county, tmp_path)
    out = tmp_path / "compare.xlsx"
    done = subprocess.run([sys.executable, "cli.py", "whatif", str(base), str(surge), "-o", str(out), "--workers", "1",
                           "--time-limit", "30", "--report", str(tmp_path / "compare.html")],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    sheet = pd.read_excel(out, sheet_name=L.compare("sheet", "zh"), header=2)
    assert list(sheet.columns[4:6]) == [L.compare("base", "zh"), "surge"]
    plan = tmp_path / "compare.surge.plan.json"
    patched = tmp_path / "compare.surge.instance.json"
    assert plan.exists() and patched.exists() and (tmp_path / "compare.base.plan.json").exists()
    for instance_file, plan_file in ((patched, plan), (base, tmp_path / "compare.base.plan.json")):
        done = subprocess.run([sys.executable, "cli.py", "verify", str(instance_file), str(plan_file)], cwd=REPO,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout
    assert "surge" in (tmp_path / "compare.html").read_text(encoding="utf-8")


def test_whatif_base_plan_is_the_base_column_without_solving_it_again(county, tmp_path):
    base, surge = inputs(county, tmp_path)
    plan = tmp_path / "tonight.json"
    cli = [sys.executable, "cli.py"]
    assert subprocess.run([*cli, "solve", str(base), "-o", str(plan), "--time-limit", "10", "--workers", "1"],
                          cwd=REPO, capture_output=True).returncode == 0
    out = tmp_path / "compare.xlsx"
    done = subprocess.run([*cli, "whatif", str(base), str(surge), "-o", str(out), "--workers", "1",
                           "--time-limit", "30", "--base-plan", str(plan), "--lang", "en"],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "1 runs" in done.stderr  # only the scenario was solved
    frame = pd.read_excel(out, sheet_name=L.compare("sheet", "en"), header=2).set_index("Indicator")
    assert frame.loc["People not housed", ["Base", "surge"]].tolist() == [6, 42]
    # the base column is the given plan itself (its wall time, not a new solve's)
    given = json.loads(plan.read_text(encoding="utf-8"))
    assert json.loads((tmp_path / "compare.base.plan.json").read_text(encoding="utf-8"))["meta"] == given["meta"]

    # a plan of another instance is bad input: exit 2, one path: message line, nothing written
    county["isolation_sites"][0]["rooms"] = 29
    other = tmp_path / "other.json"
    other.write_text(json.dumps(county, ensure_ascii=False), encoding="utf-8")
    out2 = tmp_path / "other.xlsx"
    done = subprocess.run([*cli, "whatif", str(other), str(surge), "-o", str(out2), "--base-plan", str(plan)],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith(f"{plan}: not a plan of this instance"), done.stderr
    assert "Traceback" not in done.stderr and not out2.exists()


def test_sweep_through_a_local_dask_cluster(county):
    distributed = pytest.importorskip("dask.distributed", reason="the cluster extra (dask[distributed]) is not installed")
    runs = runs_of(county)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        results = sweep(runs, CFG, backend="dask", scheduler=cl.scheduler_address)
    check_sweep(runs, results)


def test_sweep_through_a_local_ray_cluster(county):
    ray = pytest.importorskip("ray", reason="the cluster extra (ray) is not installed")
    runs = runs_of(county)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)  # the cluster the sweep then joins
    try:
        results = sweep(runs, CFG, backend="ray")
    finally:
        ray.shutdown()
    check_sweep(runs, results)


def test_reserve_is_the_rooms_short_by_construction(county):
    county["policy"] = {"tracing": {"on_call_teams": 0}}  # no tracer in the county: keep the rota out of it
    runs = runs_of(county)[:1]
    found = size_reserve(runs, CFG, jobs=1)
    assert found.reserve.amounts == {("rooms", "H1"): 6}
    assert found.unit_costs["rooms", "H1"] == 200 * 14  # the site's room-day for the 14-day horizon
    (before,), (confirmed,) = found.before, found.confirmed
    assert unhoused(before.plan) == 6 and unhoused(confirmed.plan) == 0
    assert not [s for s in confirmed.plan.shortages if s.tier == "critical"]
    assert verify(with_reserve(runs[0].instance, found.reserve.amounts), confirmed.plan) == []


def test_reserve_covers_the_worst_scenario_and_the_on_call_rota(county):
    found = size_reserve(runs_of(county), CFG, jobs=1)  # in this process: the pool has its own test
    amounts = found.reserve.amounts
    assert amounts["rooms", "H1"] == 42 and found.reserve.needed_by["rooms", "H1"] == ["base", "surge"]
    # the county has no epidemiologist or police officer: one on-call team per 8-h shift needs 3 of each
    for skill in ("epidemiologist", "police"):
        assert sum(n for (r, _), n in amounts.items() if r == f"staff:{skill}") == 3
    assert set(r for r, _ in amounts) == {"rooms", "staff:epidemiologist", "staff:police"}
    for run, r in zip(runs_of(county), found.confirmed):
        assert [s for s in r.plan.shortages if s.tier == "critical"] == []
        assert verify(with_reserve(run.instance, amounts), r.plan) == []


def test_reserve_people_swapped_back_for_idle_standing_people(county):
    """The pool rosters a merged group in id order, so a plan may name a reserve person where a
    standing one of the same home and skill sat idle: that person is not counted as reserve."""
    from models.plan import Plan, RosterEntry, SolveMeta

    county["staff"].append({"id": "E1", "name": "流调员", "skills": ["epidemiologist"], "home_township": "T1",
                            "hours_per_day": 10})
    amounts = {("staff:epidemiologist", "T1"): 2}
    inst = with_reserve(Instance.model_validate(county), amounts)

    def on_duty(*ids):
        roster = [RosterEntry(staff=i, name=i, role="epidemiologist", module="tracing", location="C1", township="T1",
                              start_hour=8, end_hour=16) for i in ids]
        return Plan(instance=inst.name, plan_date="2022-11-28", roster=roster, meta=SolveMeta(
            status="OPTIMAL", deterministic=True, time_limit_s=1, wall_seconds=1, instance_hash=""))

    named = on_duty("RSV-epidemiologist-T1-1")
    assert reserve_used(named, amounts, inst) == {}  # E1 was idle: no reserve needed
    assert reserve_used(named, amounts, swap_back=False) == {("staff:epidemiologist", "T1"): 1}
    both = on_duty("RSV-epidemiologist-T1-1", "RSV-epidemiologist-T1-2")
    assert reserve_used(both, amounts, inst) == {("staff:epidemiologist", "T1"): 1}
    busy = on_duty("RSV-epidemiologist-T1-1", "E1")
    assert reserve_used(busy, amounts, inst) == {("staff:epidemiologist", "T1"): 1}
