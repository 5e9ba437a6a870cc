"""Every workbook the product writes, opened by a real spreadsheet program (#8 item 6).

LibreOffice (headless) opens each workbook and saves it again as .xlsx, with the values it
computed for every formula. pandas reads both files, the product's and Calc's, and they must
hold the same sheets, the same non-empty rows, every text and number in the same cell, and
every =SUM()/=COUNTA() of a 合计 row computed by Calc to the total of its column; openpyxl
shows that the layout survives (merged title and every merged range, data validation).

Workbooks: the plan workbook (`solve --xlsx`, here a re-plan against a baseline, explained, so it
has the 变更 and 瓶颈 sheets; zh and en), the dispatch workbook (`dispatch`), the input workbook
(`template`, empty and --from), the what-if comparison (`whatif`) and the reserve table
(`reserve`). Fixture: a three-township county with every allocation, solved once per module
(about 1.5 s), re-planned and explained once; one LibreOffice call converts every workbook.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import cli
from models import Instance, SolveConfig
from models.io import save
from optimizer import solve
from optimizer.validate import verify

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (soffice not on PATH); .ci/run installs "
                            "libreoffice-calc-nogui with apt-get where it can")
CFG = SolveConfig(time_limit_s=10, workers=1, seed=0)
FORMULA = re.compile(r"^=(SUM|COUNTA)\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)$")
BOOKS = ["plan_zh", "plan_en", "dispatch", "template_empty", "template_from", "compare", "reserve"]
FRAMED = {"plan_zh", "plan_en", "dispatch", "compare", "reserve"}  # the house frame (WORKBOOKS.md §3.0)


def small_county() -> dict:
    """Three townships (城关镇; 石门乡 sealed, high risk; 柳河乡), every allocation: six grids and
    three sites, a lab, two cases, a hotel with occupants, two cohorts and a bus, a rice depot
    with a truck and three demands, six road nodes with the seal's exits and a lifeline."""
    def node(i, town, x, y):
        return {"id": f"N{i}", "township": town, "location": {"x": x, "y": y}}

    roads = [(1, 2, "national"), (2, 6, "county"), (6, 5, "county"), (2, 4, "provincial"), (4, 3, "village"),
             (6, 4, "village")]
    arcs = [{"id": f"A{a}{b}", "tail": f"N{a}", "head": f"N{b}", "length_km": 3.0, "free_flow_min": 5.0,
             "road_class": cls, "section": f"R{k}", "direction": d}
            for k, (u, v, cls) in enumerate(roads) for d, (a, b) in (("forward", (u, v)), ("backward", (v, u)))]
    people = [("sampler", "T1", 6), ("registrar", "T1", 4), ("sampler", "T2", 6), ("registrar", "T2", 4),
              ("epidemiologist", "T1", 5), ("police", "T1", 5), ("it", "T1", 2), ("checkpoint_guard", "T2", 9),
              ("delivery", "T2", 4), ("doctor", "T1", 6), ("nurse", "T1", 6), ("grid_worker", "T1", 12)]
    staff = [{"id": f"P{skill[:3]}{town}{k}", "name": f"{skill}{town}{k}", "skills": [skill], "home_township": town,
              "hours_per_day": 10} for skill, town, n in people for k in range(n)]
    grids = [{"id": f"G{t}{k}", "township": t, "population": 400 + 100 * k, "households": 150,
              "location": {"x": x + 0.3 * k, "y": 0.2}} for t, x in (("T1", 0), ("T2", 10), ("T3", 5)) for k in range(2)]
    return {
        "name": "三镇小县", "issuing_office": "清河县疫情防控指挥部办公室", "plan_date": "2022-11-28",
        "townships": [
            {"id": "T1", "name": "城关镇", "district": "D1", "risk_level": "low", "population": 1200,
             "terrain": "urban", "center": {"x": 0, "y": 0}},
            {"id": "T2", "name": "石门乡", "district": "D1", "risk_level": "high", "population": 1000,
             "terrain": "mountain", "sealed": True, "center": {"x": 10, "y": 0}},
            {"id": "T3", "name": "柳河乡", "district": "D1", "risk_level": "medium", "population": 1000,
             "terrain": "rural", "center": {"x": 5, "y": 8}},
        ],
        "grids": grids,
        "sampling_sites": [
            {"id": "S1", "name": "城关镇文化广场", "township": "T1", "location": {"x": 0.3, "y": 0.3}, "max_desks": 3},
            {"id": "S2", "name": "石门村委会", "township": "T2", "location": {"x": 10.2, "y": 0.2}, "max_desks": 2},
            {"id": "S3", "name": "柳河卫生院", "township": "T3", "location": {"x": 5.2, "y": 0.2}, "max_desks": 2},
        ],
        "labs": [{"id": "L1", "name": "县疾控实验室", "township": "T1", "location": {"x": 1, "y": 0},
                  "daily_tube_capacity": 2000, "turnaround_hours": 4}],
        "staff": staff,
        "cases": [{"id": "C1", "township": "T1", "report_hour": -2, "estimated_contacts": 6},
                  {"id": "C2", "township": "T2", "report_hour": 3, "estimated_contacts": 4}],
        "isolation_sites": [{"id": "H1", "name": "城关宾馆", "township": "T1", "location": {"x": 1, "y": -1},
                             "rooms": 40, "occupants": [{"category": "close_contact", "people": 5, "release_day": 2}]}],
        "cohorts": [{"id": "K1", "day": 0, "origin": "T2", "category": "close_contact", "people": 8},
                    {"id": "K2", "day": 1, "origin": "T1", "category": "close_contact", "people": 4}],
        "commodities": [{"id": "rice", "name": "大米", "unit": "kg", "tier": "food_floor", "per_capita_daily": 0.5}],
        "sources": [{"id": "DEP1", "name": "县储备库", "kind": "depot", "township": "T1", "node": "N1",
                     "stock": [{"commodity": "rice", "quantity": 20000}]}],
        "demands": [{"township": t, "commodity": "rice", "day": 0, "quantity": 500} for t in ("T1", "T2", "T3")],
        "vehicles": [{"id": "V1", "plate": "冀A00001", "kind": "truck", "depot": "DEP1", "capacity_kg": 3000},
                     {"id": "B1", "plate": "冀A00009", "kind": "transfer_bus", "depot": "H1", "seats": 30}],
        "road_nodes": [node(1, "T1", 0, 0), node(2, "T1", 3, 1), node(3, "T2", 10, 0), node(4, "T2", 8, 1),
                       node(5, "T3", 5, 8), node(6, "T3", 5, 5)],
        "road_arcs": arcs,
        "lifelines": [{"id": "L1", "source": "DEP1", "township": "T2", "time_budget_min": 60}],
    }


@pytest.fixture(scope="module")
def plans():
    """Yesterday's plan, and today's (one cohort grew) re-planned against it and explained."""
    from optimizer.explain import explain

    first = Instance.model_validate(small_county())
    yesterday = solve(first, CFG).plan
    assert yesterday is not None and verify(first, yesterday) == []
    data = small_county()
    data["cohorts"][0]["people"] = 12
    today = Instance.model_validate(data)
    result = solve(today, CFG, baseline=yesterday)
    assert result.plan is not None and verify(today, result.plan) == []
    explained = explain(today, result.plan, 8, processes=1).plan
    assert verify(today, explained) == []
    assert explained.changes and explained.bottlenecks and explained.shortages  # every sheet has rows
    return first, yesterday, today, explained


@pytest.fixture(scope="module")
def workbooks(plans, tmp_path_factory) -> dict[str, Path]:
    """Each workbook the product writes, through the function or command that writes it."""
    from exports import write_workbook
    from exports.sheets_compare import (
        Column,
        ReserveCheck,
        ReserveLine,
        write_comparison,
        write_reserve,
    )

    first, yesterday, today, plan = plans
    d = tmp_path_factory.mktemp("books")
    save(today, d / "today.json")
    save(plan, d / "plan.json")
    books = {name: d / f"{name}.xlsx" for name in BOOKS}  # no name begins another: Calc's CSVs are <name>-<sheet>
    write_workbook(today, plan, books["plan_zh"])  # as `solve --xlsx` and `explain --xlsx` do
    write_workbook(today, plan, books["plan_en"], lang="en")
    run = CliRunner().invoke
    for args in (["dispatch", d / "today.json", d / "plan.json", "-o", books["dispatch"]],
                 ["template", books["template_empty"]],
                 ["template", books["template_from"], "--from", d / "today.json"]):
        out = run(cli.main, [str(a) for a in args])
        assert out.exit_code == 0, out.output
    write_comparison(books["compare"], [Column("base", "昨日情况", first, yesterday),
                                        Column("more-contacts", "K1 多4人", today, plan)])
    write_reserve(books["reserve"], today, [ReserveLine("rooms", "城关宾馆", 10, 120, ["more-contacts"])],
                  [ReserveCheck("more-contacts", 2, 0, 0, [])])
    return books


@pytest.fixture(scope="module")
def converted(workbooks, tmp_path_factory) -> Path:
    """Every workbook as LibreOffice saves it again (out/<name>.xlsx), in one call. A private
    profile per run, so parallel test runs and a planner's own LibreOffice never clash."""
    out = tmp_path_factory.mktemp("libreoffice")
    profile = Path(f"/tmp/lo-{uuid.uuid4().hex}")
    try:
        subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
                        "--outdir", str(out), *map(str, workbooks.values())],
                       check=True, capture_output=True, timeout=300)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return out


def _cell(frame: pd.DataFrame, r: int, c: int):
    return frame.iat[r, c] if r < frame.shape[0] and c < frame.shape[1] else ""


def _empty(value) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _col(letters: str) -> int:
    return openpyxl.utils.column_index_from_string(letters) - 1


def _expected_total(frame: pd.DataFrame, formula: str) -> float | None:
    """What Calc must compute for a =SUM()/=COUNTA() the product wrote, from pandas' cells."""
    m = FORMULA.match(formula)
    if m is None:
        return None
    kind, c0, r0, c1, r1 = m.groups()
    cells = frame.iloc[int(r0) - 1:int(r1), _col(c0):_col(c1) + 1].to_numpy().ravel()
    present = [v for v in cells if not _empty(v)]
    if kind == "COUNTA":
        return float(len(present))
    return float(sum(v for v in present if isinstance(v, (int, float)) and not isinstance(v, bool)))


def _read(book: Path) -> dict[str, pd.DataFrame]:
    # keep_default_na off: an empty table's English "None" is a word here, not a missing value
    return pd.read_excel(book, sheet_name=None, header=None, dtype=object, keep_default_na=False)


@pytest.mark.parametrize("name", BOOKS)
def test_every_sheet_reads_the_same_in_libreoffice(name, workbooks, converted):
    book, resaved = workbooks[name], converted / workbooks[name].name
    written = openpyxl.load_workbook(book)  # the formulas (pandas reads cached values: we write none)
    assert openpyxl.load_workbook(resaved, read_only=True).sheetnames == written.sheetnames
    formulas = 0
    read_ours, read_calc = _read(book), _read(resaved)
    for sheet in written.sheetnames:
        ours, calc = read_ours[sheet], read_calc[sheet]
        filled = [r for r in range(len(ours)) if any(not _empty(v) for v in ours.iloc[r])]
        assert [r for r in range(len(calc)) if any(not _empty(v) for v in calc.iloc[r])] == filled, sheet
        for row in written[sheet].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    where = f"{name}!{sheet}!{cell.coordinate}"
                    total = _expected_total(ours, cell.value)
                    assert total is not None, f"{where}: a formula this test does not know: {cell.value}"
                    seen = _cell(calc, cell.row - 1, cell.column - 1)
                    assert isinstance(seen, (int, float)) and math.isclose(seen, total, abs_tol=1e-6), \
                        (where, cell.value, seen)
                    formulas += 1
        for r in filled:
            for c, value in enumerate(ours.iloc[r]):
                if _empty(value):
                    continue
                seen, where = _cell(calc, r, c), f"{name}!{sheet}!{openpyxl.utils.get_column_letter(c + 1)}{r + 1}"
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert isinstance(seen, (int, float)) and math.isclose(seen, value, rel_tol=1e-9, abs_tol=1e-9), \
                        (where, value, seen)
                else:
                    assert seen == value, (where, value, seen)
    if name in ("plan_zh", "plan_en", "dispatch"):
        assert formulas, f"{name}: no 合计 row was checked"


@pytest.mark.parametrize("name", BOOKS)
def test_layout_survives_a_libreoffice_round_trip(name, workbooks, converted):
    ours = openpyxl.load_workbook(workbooks[name])
    calc = openpyxl.load_workbook(converted / workbooks[name].name)
    assert calc.sheetnames == ours.sheetnames
    for a, b in zip(ours.worksheets, calc.worksheets):
        assert {str(r) for r in b.merged_cells.ranges} == {str(r) for r in a.merged_cells.ranges}, a.title
        assert len(b.data_validations.dataValidation) == len(a.data_validations.dataValidation), a.title
        if name in FRAMED:
            last = openpyxl.utils.get_column_letter(a.max_column)
            assert f"A1:{last}1" in {str(r) for r in b.merged_cells.ranges}, a.title  # the merged title
            assert b["A1"].value == a["A1"].value and b["A3"].value in ("序号", "No."), a.title
            # (frozen panes are view settings, which a headless conversion does not write back)
