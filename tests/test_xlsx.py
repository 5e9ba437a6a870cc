"""The dispatch workbook: frame, sheets, totals and values, in Chinese and English.

Tiny fixture ("Two townships"): 城关镇 (urban) and 石门乡 (mountain, sealed), three opened
sites, four grids whose ids sort numerically (G2 before G10), four roster rows (one
overnight) and one shortage.
"""

from __future__ import annotations

import shutil
import subprocess

import openpyxl
import pandas as pd
import pytest

from exports import build_sheets, plan_frames, write_workbook
from exports.frames import natural_key
from exports.xlsx import display_width, safe_sheet_name
from models.instance import Instance
from models.plan import Plan

ZH_SHEETS = ["总表", "采样点设置", "网格分配", "人员排班", "缺口"]
EN_SHEETS = ["Summary", "Sampling sites", "Grid assignment", "Staff roster", "Shortages"]


@pytest.fixture
def instance() -> Instance:
    return Instance.model_validate({
        "name": "two-townships",
        "issuing_office": "清河县疫情防控指挥部办公室",
        "plan_date": "2022-11-28",
        "as_of_hour": 20,
        "townships": [
            {"id": "T1", "name": "城关镇", "district": "D1", "risk_level": "medium", "population": 12000,
             "terrain": "urban", "center": {"x": 0, "y": 0}},
            {"id": "T2", "name": "石门乡", "district": "D1", "risk_level": "high", "population": 3500,
             "terrain": "mountain", "sealed": True, "center": {"x": 10, "y": 0}},
        ],
        "grids": [
            {"id": g, "township": t, "population": p, "households": p // 3, "location": {"x": x, "y": 0}}
            for g, t, p, x in [("G10", "T1", 3000, 0.5), ("G2", "T1", 4000, 0.2),
                               ("G3", "T2", 1800, 10.0), ("G9", "T1", 2500, 1.0)]
        ],
        "sampling_sites": [
            {"id": "S2", "name": "城关镇文化广场", "township": "T1", "location": {"x": 0.3, "y": 0}, "max_desks": 8},
            {"id": "S10", "name": "城关二小", "township": "T1", "location": {"x": 0.8, "y": 0},
             "kind": "convenience", "max_desks": 4},
            {"id": "S3", "name": "石门村委会", "township": "T2", "location": {"x": 10, "y": 0},
             "kind": "temporary", "max_desks": 3},
        ],
        "staff": [
            {"id": "P1", "name": "张伟", "skills": ["sampler"], "home_township": "T1", "hours_per_day": 10,
             "phone": "13800000001"},
            {"id": "P2", "name": "李娜", "skills": ["registrar"], "home_township": "T1", "hours_per_day": 10},
            {"id": "P10", "name": "王芳", "skills": ["nurse"], "home_township": "T2", "hours_per_day": 12,
             "phone": "13800000010"},
            {"id": "P3", "name": "赵强", "skills": ["police"], "home_township": "T2", "hours_per_day": 12},
        ],
    })


def _site(site, township, desks, people, **kw):
    return {"site": site, "township": township, "desks": desks, "desks_by_shift": kw.get("shifts", {"上午": desks}),
            "opening": "07:00-13:00", "people": people, "capacity": kw.get("capacity", people + 100), "tubes": people // 10,
            "samplers": 2 * desks, "registrars": desks}


@pytest.fixture
def plan() -> Plan:
    return Plan.model_validate({
        "instance": "two-townships", "plan_date": "2022-11-28",
        "sampling": {
            "sites": [_site("S10", "T1", 3, 2500, shifts={"上午": 3, "下午": 2}), _site("S2", "T1", 6, 7000),
                      _site("S3", "T2", 2, 1500)],
            "grids": [
                {"grid": "G10", "township": "T1", "site": "S2", "people": 3000, "served": 3000, "walk_min": 6.5, "tubes": 300},
                {"grid": "G2", "township": "T1", "site": "S2", "people": 4000, "served": 4000, "walk_min": 2.0, "tubes": 400},
                {"grid": "G9", "township": "T1", "site": "S10", "people": 2500, "served": 2500, "walk_min": 3.1, "tubes": 250},
                {"grid": "G3", "township": "T2", "site": "S3", "people": 1800, "served": 1500, "walk_min": 35.0, "tubes": 1500},
            ],
        },
        "roster": [
            {"staff": "P10", "name": "王芳", "role": "sampler", "module": "sampling", "location": "S3",
             "township": "T2", "start_hour": 7, "end_hour": 13, "travel_min": 20},
            {"staff": "P1", "name": "张伟", "role": "sampler", "module": "sampling", "location": "S2",
             "township": "T1", "start_hour": 7, "end_hour": 13},
            {"staff": "P2", "name": "李娜", "role": "registrar", "module": "sampling", "location": "S2",
             "township": "T1", "start_hour": 7, "end_hour": 13},
            {"staff": "P3", "name": "赵强", "role": "police", "module": "tracing", "location": "C1",
             "township": "T2", "start_hour": 20, "end_hour": 32},
        ],
        "shortages": [
            {"module": "sampling", "tier": "critical", "what": "residents not sampled", "township": "T2",
             "entity": "G3", "quantity": 300, "unit": "people",
             "binding_resource": "trained samplers/registrars within commuting range of T2, T1"},
        ],
        "kpis": {"sampling_sites_opened": 3, "sampling_desks": 11, "critical_people_unserved": 300.0,
                 "sampling_coverage_pct": 97.39, "cost_of_fuel_yuan": 10},
        "meta": {"status": "OPTIMAL", "objective": 28500.0, "best_bound": 28500.0, "gap": 0.0,
                 "objective_terms": {"sampling.high_risk_unsampled": 300.0, "staff.hours": 28500.0},
                 "tiers": [{"name": "critical", "status": "OPTIMAL", "value": 300.0, "bound": 300.0, "seconds": 0.4},
                           {"name": "cost", "status": "OPTIMAL", "value": 28500.0, "bound": 28500.0, "seconds": 0.8}],
                 "seed": 7, "workers": 1, "deterministic": True, "time_limit_s": 60, "wall_seconds": 1.234,
                 "versions": {"ortools": "9.10", "python": "3.11.9"}, "instance_hash": "ab" * 32},
    })


@pytest.fixture
def book(tmp_path, instance, plan):
    path = tmp_path / "plan.xlsx"
    write_workbook(instance, plan, path)
    return path


def _header(ws, col: int) -> str:
    """A header as the frames name it (the sheet may break the unit onto its own line)."""
    return str(ws.cell(3, col).value).replace("\n", "")


def _column(ws, header: str) -> int:
    return next(c for c in range(1, ws.max_column + 1) if _header(ws, c) == header)


def _data_rows(ws) -> list[int]:
    """Rows from 4 down to the one before 合计."""
    rows = []
    for r in range(4, ws.max_row + 1):
        if ws.cell(r, 1).value in ("合计", "Total"):
            return rows
        rows.append(r)
    raise AssertionError("no 合计 row")


def test_sheet_names_in_chinese_by_default(book):
    assert openpyxl.load_workbook(book).sheetnames == ZH_SHEETS
    assert not list(book.parent.glob(".*tmp"))  # the temporary file was renamed away


def test_sheet_names_in_english(tmp_path, instance, plan):
    path = tmp_path / "plan-en.xlsx"
    write_workbook(instance, plan, path, lang="en")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == EN_SHEETS
    ws = wb["Sampling sites"]
    assert ws["A1"].value == "清河县疫情防控指挥部办公室 dispatch plan — Sampling sites"
    assert ws["A2"].value.startswith("Issued by: ")
    assert ws["A3"].value == "No." and ws.cell(3, ws.max_column).value == "Notes"
    assert ws.cell(_data_rows(ws)[-1] + 1, 1).value == "Total"
    assert [ws.cell(r, 4).value for r in _data_rows(ws)] == ["Fixed", "Convenience", "Temporary"]
    roster = plan_frames(instance, plan, lang="en")["Staff roster"]
    assert roster["Shift"].tolist()[2] == "20:00-08:00 (+1d)" and roster["Role"].tolist()[2] == "Police (tracing)"
    assert ws.cell(ws.max_row, 1).value.startswith("Prepared by:")


def test_frame_of_every_sheet(book):
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        ncols = max(c for c in range(1, ws.max_column + 1) if ws.cell(3, c).value is not None)
        last = openpyxl.utils.get_column_letter(ws.max_column)  # the summary's widest table is Part B
        assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}
        assert ws["A1"].font.b and ws["A1"].font.sz > 12
        assert ws["A1"].value.startswith("清河县疫情防控指挥部资源调度方案——")
        assert ws["A2"].value == "制表单位：清河县疫情防控指挥部办公室"
        right = [ws.cell(2, c).value for c in range(2, ws.max_column + 1) if ws.cell(2, c).value]
        assert right == ["截至：2022年11月27日20时  执行日期：2022年11月28日"]
        assert ws["A3"].value == "序号" and ws.cell(3, ncols).value == "备注"
        assert ws["A3"].font.b and ws["A3"].alignment.wrap_text and ws["A3"].fill.fgColor.rgb.endswith("DDEBF7")
        assert ws.freeze_panes == "A4"
        assert ws.auto_filter.ref.startswith("A3:")
        assert ws.cell(ws.max_row, 1).value.startswith("制表人：")
        notes = [ws.cell(r, 1).value for r in range(4, ws.max_row) if str(ws.cell(r, 1).value).startswith("注：")]
        assert notes and notes[0].startswith("注：1.")


def test_title_merged_across_all_columns(book):
    ws = openpyxl.load_workbook(book)["采样点设置"]
    assert ws["A1"].value == "清河县疫情防控指挥部资源调度方案——核酸采样点设置一览表"
    last = openpyxl.utils.get_column_letter(ws.max_column)
    assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.cell(3, ws.max_column).value == "备注"


def test_totals_are_sums_over_exactly_the_data_rows(book):
    wb = openpyxl.load_workbook(book)
    summed: dict[str, set[int]] = {}
    for name in ["采样点设置", "网格分配", "人员排班"]:
        ws = wb[name]
        rows = _data_rows(ws)
        total = rows[-1] + 1
        assert f"A{total}:B{total}" in {str(r) for r in ws.merged_cells.ranges}
        formulas = {c: ws.cell(total, c).value for c in range(3, ws.max_column + 1) if ws.cell(total, c).value}
        assert formulas, name
        for c, formula in formulas.items():
            col = openpyxl.utils.get_column_letter(c)
            assert formula == f"=SUM({col}{rows[0]}:{col}{rows[-1]})", (name, _header(ws, c))
        summed[name] = set(formulas)
        assert ws.auto_filter.ref.endswith(f"{rows[-1]}")
    ws = wb["采样点设置"]
    desks = _column(ws, "采样台（个）")
    assert sum(ws.cell(r, desks).value for r in _data_rows(ws)) == 11
    assert summed["采样点设置"] == {_column(ws, h) for h in ["采样台（个）", "其中上午（台）", "其中下午（台）", "其中晚间（台）",
                                                      "覆盖网格（个）", "计划采样量（人次）", "采样能力（人次）",
                                                      "采样管（管）", "采样人员（人次）", "扫码登记员（人次）"]}


def test_sheets_read_back_with_pandas_equal_the_frames(book, instance, plan):
    frames = plan_frames(instance, plan)
    assert list(frames) == ["总表", "总表（分乡镇）", "采样点设置", "网格分配", "人员排班", "缺口"]
    for name in ZH_SHEETS[1:]:
        frame = frames[name]
        back = pd.read_excel(book, sheet_name=name, header=2, dtype=object).iloc[: len(frame)]
        back.columns = [c.replace("\n", "") for c in back.columns]
        assert list(back.columns) == list(frame.columns)
        for column in frame.columns:
            expect = [None if pd.isna(v) or v == "" else v for v in frame[column]]
            got = [None if pd.isna(v) else v for v in back[column]]
            assert got == expect, (name, column)


def test_frames_match_the_plan(instance, plan):
    frames = plan_frames(instance, plan)
    sites = frames["采样点设置"]
    assert sites.columns[0] == "序号" and sites.columns[-1] == "备注"
    assert sites["采样台（个）"].sum() == sum(s.desks for s in plan.sampling.sites) == 11
    assert sites["其中上午（台）"].tolist() == [6, 3, 2] and sites["其中下午（台）"].tolist() == [0, 2, 0]
    assert sites["采样点名称"].tolist() == ["城关镇文化广场", "城关二小", "石门村委会"]  # S2 before S10
    assert sites["点位类型"].tolist() == ["固定", "便民", "临时"]
    assert sites["备注"].tolist()[2] == "封控区内"

    grids = frames["网格分配"]
    assert grids["网格编号"].tolist() == ["G2", "G9", "G10", "G3"]  # township, then numeric id
    assert grids["未覆盖（人）"].sum() == 300
    assert "步行超过30分钟上限" in grids["备注"].iloc[3] and "未覆盖300人" in grids["备注"].iloc[3]

    roster = frames["人员排班"]
    # township, then post (C1 before S3), then shift and role
    assert roster["姓名"].tolist() == ["张伟", "李娜", "赵强", "王芳"]
    assert roster["岗位"].tolist() == ["采样", "扫码登记", "公安协查", "采样"]
    assert roster["工作点位"].tolist() == ["城关镇文化广场", "城关镇文化广场", "病例C1", "石门村委会"]
    assert roster["日期"].tolist() == ["2022-11-28"] * 4
    assert roster["班次"].tolist() == ["07:00-13:00"] * 2 + ["20:00-次日08:00", "07:00-13:00"]
    assert roster["联系电话"].tolist() == ["13800000001", "", "", "13800000010"]
    assert roster["备注"].tolist()[3] == "单程通勤约20分钟"
    assert roster["工时（小时）"].sum() == 30

    shortages = frames["缺口"]
    assert shortages.iloc[0][["缺口等级", "乡镇（街道）", "缺口数量", "单位"]].tolist() == ["紧急", "石门乡", 300, "人"]
    assert shortages.iloc[0]["缺口内容"] == "居民未安排核酸采样"
    assert shortages.iloc[0]["制约资源"] == "采样、扫码登记人员不足（通勤范围：石门乡、城关镇）"
    assert shortages.iloc[0]["备注"] == "涉及：G3"

    summary, townships = frames["总表"], frames["总表（分乡镇）"]
    values = dict(zip(summary["指标"], summary["数值"]))
    units = dict(zip(summary["指标"], summary["单位"]))
    assert values["设置核酸采样点"] == 3 and values["求解状态"] == "最优（已证明）" and values["随机种子"] == 7
    assert values["结果可复现"] == "是" and values["实例校验码（SHA-256）"] == "ab" * 8
    assert values["采样覆盖率"] == 97.39 and units["采样覆盖率"] == "%"
    assert values["cost of fuel"] == 10 and units["cost of fuel"] == "元"  # unknown key: unit from its suffix
    assert values["人员工时费用"] == 28500 and units["人员工时费用"] == "元"
    assert values["第一层：紧急需求"] == 300 and values["软件版本"] == "ortools 9.10, python 3.11.9"
    assert townships["乡镇（街道）"].tolist() == ["城关镇", "石门乡"]
    assert townships["采样台（个）"].tolist() == [9, 2] and townships["缺口（项）"].tolist() == [0, 1]


def test_summary_has_two_parts_with_a_township_total(book):
    ws = openpyxl.load_workbook(book)["总表"]
    column_a = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    caption = column_a.index("二、分乡镇（街道）汇总") + 1
    assert ws.cell(caption + 1, 2).value == "乡镇（街道）"
    total = column_a.index("合计") + 1
    assert total == caption + 4  # header, 城关镇, 石门乡, 合计
    assert ws.cell(total, 4).value == f"=SUM(D{caption + 2}:D{caption + 3})"


def test_empty_sections_give_no_sheet_and_shortages_say_none(tmp_path, instance, plan):
    bare = plan.model_copy(update={"sampling": type(plan.sampling)(), "roster": [], "shortages": []})
    assert [s.name for s in build_sheets(instance, bare)] == ["总表", "缺口"]
    path = tmp_path / "bare.xlsx"
    write_workbook(instance, bare, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["总表", "缺口"]
    ws = wb["缺口"]
    assert ws["B4"].value == "无" and ws["A5"].value.startswith("注：1.")
    assert plan_frames(instance, bare)["缺口"].empty


def test_missing_values_and_county_wide_shortages(tmp_path, instance, plan):
    """A solve without objective or bound, a grid without a site, a shortage of no township."""
    grids = plan.sampling.grids + [plan.sampling.grids[0].model_copy(
        update={"grid": "G1", "site": None, "served": 0, "walk_min": None, "tubes": 0})]
    shortages = plan.shortages + [plan.shortages[0].model_copy(
        update={"tier": "routine", "township": None, "entity": None, "quantity": 2.5, "unit": "lab-days",
                "what": "检测能力不足", "binding_resource": "labs: none returns results within 12 h"})]
    meta = plan.meta.model_copy(update={"status": "UNKNOWN", "objective": None, "best_bound": None, "gap": None,
                                        "tiers": [], "objective_terms": {}})
    odd = plan.model_copy(update={"sampling": plan.sampling.model_copy(update={"grids": grids}),
                                  "shortages": shortages, "meta": meta, "kpis": {}})
    frames = plan_frames(instance, odd)
    assert frames["网格分配"].iloc[0][["网格编号", "指定采样点", "备注"]].tolist() == ["G1", "", "未安排采样点"]
    assert pd.isna(frames["网格分配"].iloc[0]["步行时间（分钟）"])
    row = frames["缺口"].iloc[1]
    assert row[["缺口等级", "乡镇（街道）", "缺口数量", "单位", "制约资源"]].tolist() == \
        ["常规", "（不分乡镇）", 2.5, "lab-days", "检测机构：无一能在12小时内出结果"]
    townships = frames["总表（分乡镇）"]
    assert townships["乡镇（街道）"].tolist() == ["城关镇", "石门乡", "（不分乡镇）"]
    assert townships["缺口（项）"].tolist() == [0, 1, 1]
    values = dict(zip(frames["总表"]["指标"], frames["总表"]["数值"]))
    assert values["求解状态"] == "限时内未求得方案" and values["目标值"] is None
    path = tmp_path / "odd.xlsx"
    write_workbook(instance, odd, path, lang="en")
    assert openpyxl.load_workbook(path)["Shortages"]["F5"].number_format == "#,##0.0#"


def test_shortage_total_counts_the_items(book):
    ws = openpyxl.load_workbook(book)["缺口"]
    assert ws["A5"].value == "合计" and ws["D5"].value == "=COUNTA(D4:D4)"
    assert ws["D5"].number_format == '0"项"'


def test_layout_details(book):
    ws = openpyxl.load_workbook(book)["网格分配"]
    people = _column(ws, "应采人数（人）")
    cell = ws.cell(4, people)
    assert cell.number_format == "#,##0" and cell.alignment.horizontal == "right"
    assert cell.border.left.style == "thin" and ws.cell(4, 2).alignment.horizontal == "left"
    assert ws.cell(4, 1).alignment.horizontal == "center" and ws.cell(4, 1).number_format == "General"
    assert ws.cell(3, people).value == "应采人数\n（人）"  # a narrow column puts the unit on its own line
    site_col = openpyxl.utils.get_column_letter(_column(ws, "指定采样点"))
    assert ws.column_dimensions[site_col].width >= display_width("城关镇文化广场")
    roster = openpyxl.load_workbook(book)["人员排班"]
    assert roster["C4"].value == "2022-11-28" and roster["C4"].data_type == "s"  # dates stay text


def test_tracing_posts_in_planner_words(instance, plan):
    row = plan.roster[3]
    roster = plan.roster[:3] + [row.model_copy(update={"location": loc}) for loc in ("on_call", "it_support_D1", "C1,C2,+3")]
    frames = plan_frames(instance, plan.model_copy(update={"roster": roster}))
    assert set(frames["人员排班"]["工作点位"]) >= {"快反备勤", "大数据支撑（D1）", "病例C1、C2、+3"}


def test_helpers():
    assert sorted(["G10", "G9", "G2", "G1a"], key=natural_key) == ["G1a", "G2", "G9", "G10"]
    assert display_width("采样台（个）") == 12 and display_width("Desks") == 5
    used: set[str] = set()
    assert safe_sheet_name("a/b:c", used) == "a_b_c"
    assert safe_sheet_name("x" * 40, used) == "x" * 31
    assert safe_sheet_name("X" * 40, used) == "x" * 0 + "X" * 28 + "(2)"


def test_unknown_language_is_refused(instance, plan):
    with pytest.raises(ValueError):
        plan_frames(instance, plan, lang="fr")


def test_exporters_do_not_load_the_solver():
    """The workbook is written from a plan alone: importing every exporter must not load
    OR-Tools (the solver-free rules modules it shares with `verify` are fine)."""
    import sys
    from pathlib import Path

    code = ("import importlib, pkgutil, sys, exports\n"
            "for m in pkgutil.iter_modules(exports.__path__):\n"
            "    importlib.import_module('exports.' + m.name)\n"
            "print(sorted(k for k in sys.modules if k.split('.')[0] in ('ortools', 'pyvrp', 'highspy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]", out.stdout


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_and_computes_the_totals(book, tmp_path):
    out = tmp_path / "converted"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(book)],
                   check=True, capture_output=True, timeout=180)
    wb = openpyxl.load_workbook(out / book.name, data_only=True)
    assert wb.sheetnames == ZH_SHEETS
    ws = wb["采样点设置"]
    total = _data_rows(ws)[-1] + 1
    assert ws.cell(total, _column(ws, "采样台（个）")).value == 11
    assert wb["缺口"]["D5"].value == 1
