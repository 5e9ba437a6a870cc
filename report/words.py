"""The report's own words, registered into `exports.labels` beside the workbook's.

Everything the workbook already names (KPIs, sheet titles, column headers, risk levels,
roles, statuses, tiers) is reused from there; only what a map and charts add is here.
Importing `exports.frames` registers the words of every sheet module first.
"""

from __future__ import annotations

import exports.frames  # noqa: F401  (registers the tracing, isolation, road and supply words)
from exports import labels as L

L.WORDS["report"] = {
    "subject": ("指挥决策态势图", "Situation report"),
    "map": ("态势地图", "Map"),
    "layers": ("图层", "Layers"),
    "vehicle_all": ("全部车辆", "All vehicles"),
    "vehicle_none": ("不显示", "None"),
    "hint": ("鼠标悬停查看数据，单击固定；滚轮缩放，拖动平移，双击复位。",
             "Hover to see an element's numbers, click to pin them; wheel to zoom, drag to pan, double-click to reset."),
    "pinned": ("已选要素", "Selected element"),
    "nothing": ("（无）", "(none)"),
    "occupancy": ("隔离房间使用（按隔离点、日期）", "Isolation rooms by site and day"),
    "staff_hours": ("人员工时（按技能）：已安排与可用", "Staff-hours by skill: planned against available"),
    "shortages": ("资源缺口（按等级、乡镇）", "Shortages by tier and township"),
    "tracing": ("流调小组时间轴", "Tracing teams over time"),
    "planned_h": ("已安排工时（小时）", "Planned (h)"),
    "available_h": ("可用工时（小时）", "Available (h)"),
    "people_with_skill": ("具备该技能人数（人）", "People with the skill"),
    "staff_note": ("可用工时＝具备该技能人员每日可工作小时之和（一人多技能时分别计入）；已安排工时为执行日排班，不含通勤。",
                   "Available = the daily hours of everyone holding the skill (a person with several skills counts "
                   "under each); planned = the plan date's roster, travel excluded."),
    "occupancy_note": ("实心柱＝已使用房间（颜色按入住率），空心柱＝当日可用房间，虚线＝隔离点房间总数；横轴为第几日（0＝执行日）。",
                       "Filled bar = rooms occupied (coloured by occupancy); outline = rooms usable that day; dashed "
                       "line = the site's rooms; the axis counts days from the plan date (0)."),
    "shortage_note": ("按缺口项数统计；悬停查看明细。", "Counted in shortage lines; hover for the lines."),
    "tracing_note": ("横条＝流调开始至完成；竖线＝核心信息完成；三角＝核心信息时限、完整报告时限；灰色＝当日未能安排。",
                     "Bar = start to full report; tick = core information in; triangles = core and full-report "
                     "deadlines; grey = not traced today."),
    "lines": ("缺口（项）", "Lines"),
    "hours_axis": ("时间（小时，自执行日0时起）", "Hours from 00:00 of the plan date"),
    "day_n": ("第{n}日", "Day {n}"),
    "empty_section": ("本方案无此部分（模块未运行或无数据）。", "Not in this plan (module not run, or no data)."),
    "occupied_pct": ("入住率", "Occupancy"),
    "risk_level": ("风险等级", "Risk level"),
    "sealed": ("封控区", "Sealed zone"),
    "yes": ("是", "yes"),
    "kept": ("畅通", "kept"),
    "cut": ("中断", "cut"),
    "unplanned": ("本方案未规划（道路模块未运行）", "not planned (road module not run)"),
    "reserve_idle": ("备用（未启用）", "Reserve (not activated)"),
    "stops": ("停靠点（个）", "Stops"),
    "km": ("里程（公里）", "Distance (km)"),
    "load_kg": ("装载（公斤）", "Loaded (kg)"),
    "shift": ("班次时间", "Shift"),
    "nodes": ("途经节点", "Nodes"),
    "scenario": ("方案", "Scenario"),
    "comparison": ("方案对比", "Scenarios side by side"),
    "tier_gap": ("间隙", "Gap"),
    "tier_value": ("目标值", "Value"),
    "tier_bound": ("界", "Bound"),
    "tier_seconds": ("用时（秒）", "Seconds"),
    "tier_name": ("层级", "Tier"),
    "status": ("求解状态", "Status"),
    "not_drawn": ("以下要素缺少坐标，未在图上绘制：{items}", "Not drawn (no coordinates): {items}"),
}
L.WORDS["map_layer"] = {
    "risk": ("乡镇风险等级", "Township risk level"),
    "names": ("乡镇名称", "Township names"),
    "roads": ("道路网", "Road network"),
    "sealed": ("封控区", "Sealed zones"),
    "sampling": ("采样点（按采样台数）", "Sampling sites (by desks)"),
    "isolation": ("隔离点（按入住率）", "Isolation sites (by occupancy)"),
    "checkpoints": ("卡口", "Checkpoints"),
    "closed": ("封闭路段", "Closed arcs"),
    "lifted": ("解除封堵路段", "Lifted closures"),
    "lifelines": ("保供通道", "Lifelines"),
    "deliveries": ("配送路线（按车辆）及接驳点", "Delivery routes (by vehicle), transfer stations"),
}


def rw(key: str, lang: str, **fmt) -> str:
    """A report word."""
    text = L.word("report", key, lang)
    return text.format(**fmt) if fmt else text


def layer_name(key: str, lang: str) -> str:
    return L.word("map_layer", key, lang)
