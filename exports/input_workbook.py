"""The input workbook: an instance as sheets a planner fills in Excel (docs/workbooks-input.md).

Sheets and columns are derived from the pydantic models of models/instance.py, so a new
schema field appears here by itself:

- `instance`: the scalar header fields (name, plan_date, as_of_hour, issuing_office, ports)
  as key/value rows; `policy`: one row per policy section, the value as JSON.
- one sheet per entity list (`townships`, `grids`, ...), one row per entity; a nested
  model becomes dotted columns (`center.x`, `center.y`), a list of plain values one
  comma-separated cell (`skills`).
- one sheet per list of sub-models (`sources.stock`, `isolation_sites.occupants`), its
  first column `parent` holding the id of the row it belongs to.

Every sheet has two header rows, row 1 Chinese and row 2 the field key the importer reads
(the English name), then row 3 an example row (grey, always skipped on import); data start
at row 4. Enumerations get list validation, non-negative numbers a >= 0 rule.
"""

from __future__ import annotations

import io
import json
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, Union

from annotated_types import Ge, Gt
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import BaseModel

from models.instance import Instance
from models.io import write_atomic

HEADER_ROWS = 2
EXAMPLE_ROW = 3
FIRST_DATA_ROW = 4
PARENT = "parent"
META_SHEET, POLICY_SHEET = "instance", "policy"
META_FIELDS = ("name", "plan_date", "as_of_hour", "issuing_office", "ports")
LIST_SEPARATORS = (",", "，", "、", ";", "；")
VALIDATION_ROWS = 2000

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_FILL = PatternFill("solid", fgColor="F2F2F2")
EXAMPLE_FONT = Font(italic=True, color="808080")

# Chinese header words of common fields; others fall back to the field description.
ZH: dict[str, str] = {
    "id": "编号", "name": "名称", "township": "乡镇", "population": "人口（人）", "district": "区县",
    "risk_level": "风险等级", "terrain": "地形", "sealed": "封控区", "center.x": "中心 x（公里）",
    "center.y": "中心 y（公里）", "location.x": "位置 x（公里）", "location.y": "位置 y（公里）",
    "seat_node": "驻地路网节点", "households": "户数（户）", "key_group": "重点人群（人）", "kind": "类型",
    "max_desks": "最多采样台（个）", "open_cost": "开设费用（元）", "daily_tube_capacity": "日检测能力（管）",
    "turnaround_hours": "出结果时间（小时）", "skills": "技能", "home_township": "所属乡镇",
    "hours_per_day": "每日工时（小时）", "days_in_row": "已连续工作（天）", "last_shift_end_hour": "上次下班（时）",
    "closed_loop_site": "闭环隔离点", "phone": "联系电话", "report_hour": "报告时间（时）",
    "estimated_contacts": "预计密接（人）", "rooms": "房间（间）", "reserve": "备用", "activation_lag_days": "启用准备（天）",
    "activation_cost": "启用费用（元）", "room_cost_per_day": "房间日费用（元）", "allowed_categories": "可收类别",
    "day": "日", "origin": "来源", "category": "类别", "people": "人数（人）", "carers": "陪护（人）",
    "unit": "单位", "cold_chain": "冷链", "tier": "等级", "per_capita_daily": "人均日需求",
    "unit_weight_kg": "单位重量（公斤）", "shareable": "可调剂", "node": "路网节点", "commodity": "物资",
    "quantity": "数量", "serves": "服务封控乡镇", "open_hour": "开始交接（时）", "close_hour": "结束交接（时）",
    "handover_kg_per_day": "日交接能力（公斤）", "plate": "车牌", "depot": "车场", "capacity_kg": "载重（公斤）",
    "seats": "座位（个）", "shift_hours": "班次时长（小时）", "has_pass": "通行证", "tail": "起点",
    "head": "终点", "length_km": "长度（公里）", "free_flow_min": "畅通时间（分钟）", "road_class": "道路等级",
    "section": "路段", "direction": "方向", "toll_exit": "收费站出口", "source": "供应点",
    "time_budget_min": "时间上限（分钟）", "arc": "路段弧", "requested_by": "申请乡镇", "release_day": "解除日",
    "parent": "所属编号", "plan_date": "执行日期", "as_of_hour": "数据截至（时）", "issuing_office": "制表单位",
    "ports": "口岸", "key": "字段", "value": "值", "label": "名称",
}
ZH_SHEETS: dict[str, str] = {
    "instance": "基本信息", "policy": "政策参数", "townships": "乡镇（街道）", "grids": "网格", "sampling_sites": "采样点",
    "labs": "检测机构", "staff": "工作人员", "cases": "流调病例", "isolation_sites": "隔离点", "cohorts": "待隔离人员",
    "commodities": "物资目录", "sources": "供应点", "demands": "需求", "vehicles": "车辆",
    "transfer_stations": "接驳点", "township_stocks": "乡镇库存", "road_nodes": "路网节点", "road_arcs": "路段",
    "lifelines": "生命线", "closure_requests": "封堵申请", "sources.stock": "供应点库存",
    "isolation_sites.occupants": "在住人员",
}


@dataclass
class Column:
    """One column of an entity sheet: `path` is the field key (`center.x`)."""

    path: tuple[str, ...]
    annotation: Any
    info: Any  # the FieldInfo of the leaf field
    kind: str  # "scalar", "list" (comma-separated) or "json"

    @property
    def key(self) -> str:
        return ".".join(self.path)


@dataclass
class SheetSpec:
    """An entity sheet: the instance list it holds and its columns."""

    name: str
    field: str  # Instance field, e.g. "sources"
    model: type[BaseModel]
    columns: list[Column]
    sub: str | None = None  # for a sub-sheet: the parent's list field, e.g. "stock"
    children: list[SheetSpec] = field(default_factory=list)


def strip_optional(annotation: Any) -> tuple[Any, bool]:
    """`X | None` -> (X, True)."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def base_type(annotation: Any) -> Any:
    """The plain type under Annotated and Optional."""
    annotation, _ = strip_optional(annotation)
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return strip_optional(annotation)[0]


def is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def list_item(annotation: Any) -> Any | None:
    t = base_type(annotation)
    if typing.get_origin(t) is list:
        return base_type(typing.get_args(t)[0])
    return None


def literal_values(annotation: Any) -> tuple | None:
    t = base_type(annotation)
    return typing.get_args(t) if typing.get_origin(t) is Literal else None


def _columns(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> tuple[list[Column], list[tuple[str, type]]]:
    cols: list[Column] = []
    subs: list[tuple[str, type]] = []
    for name, info in model.model_fields.items():
        t = base_type(info.annotation)
        item = list_item(info.annotation)
        if is_model(t):
            inner, _ = _columns(t, prefix + (name,))
            cols.extend(inner)
        elif item is not None and is_model(item):
            subs.append((name, item))
        elif item is not None and not typing.get_origin(item) and item in (str, int, float) \
                or item is not None and literal_values(item) is not None:
            cols.append(Column(prefix + (name,), info.annotation, info, "list"))
        elif typing.get_origin(t) in (dict, list):
            cols.append(Column(prefix + (name,), info.annotation, info, "json"))
        else:
            cols.append(Column(prefix + (name,), info.annotation, info, "scalar"))
    return cols, subs


def sheet_specs() -> list[SheetSpec]:
    """Every entity sheet of the instance schema, in the schema's order."""
    specs: list[SheetSpec] = []
    for name, info in Instance.model_fields.items():
        item = list_item(info.annotation)
        if item is None or not is_model(item):
            continue
        cols, subs = _columns(item)
        spec = SheetSpec(name, name, item, cols)
        for sub_name, sub_model in subs:
            sub_cols, _ = _columns(sub_model)
            parent = Column((PARENT,), str, None, "scalar")
            spec.children.append(SheetSpec(f"{name}.{sub_name}", name, sub_model, [parent] + sub_cols, sub=sub_name))
        specs.append(spec)
    return specs


def zh_header(key: str, info: Any) -> str:
    if key in ZH:
        return ZH[key]
    last = key.rsplit(".", 1)[-1]
    if last in ZH:
        return ZH[last]
    desc = getattr(info, "description", None)
    return desc.split(";")[0].split(":")[0] if desc else key


def cell_value(value: Any, column: Column) -> Any:
    """A model value as the cell shows it."""
    if value is None:
        return None
    if column.kind == "list":
        return ", ".join(str(v) for v in value)
    if column.kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _get(data: dict, path: tuple[str, ...]) -> Any:
    for p in path:
        if data is None:
            return None
        data = data.get(p)
    return data


def _example(column: Column, sheet: str) -> Any:
    """A plausible example value of a column, from its type."""
    lits = literal_values(column.annotation)
    if lits:
        return lits[0]
    item = list_item(column.annotation)
    if item is not None:
        item_lits = literal_values(item)
        return ", ".join(item_lits[:2]) if item_lits else "A, B"
    t = base_type(column.annotation)
    if column.key == PARENT:
        return "ID01"
    if t is bool:
        return False
    if t is int:
        return _bound(column.info) or 1
    if t is float:
        return 1.5
    if t is date:
        return date.today().isoformat()
    if column.kind == "json":
        return "{}"
    return f"{sheet[:1].upper()}01" if column.key in ("id",) else f"{column.key}…"


def _bound(info: Any) -> int | None:
    for m in getattr(info, "metadata", []) if info is not None else []:
        if isinstance(m, Gt):
            return int(m.gt) + 1
    return None


def _non_negative(column: Column) -> bool:
    metas = list(getattr(column.info, "metadata", []) or [])
    return any(isinstance(m, Ge) and m.ge >= 0 or isinstance(m, Gt) and m.gt >= 0 for m in metas)


def _header(ws, headers: list[tuple[str, str]]) -> None:
    for c, (zh, key) in enumerate(headers, start=1):
        for r, text in ((1, zh), (2, key)):
            cell = ws.cell(r, c, text)
            cell.fill = HEADER_FILL
            cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(30, 2 * len(zh) + 2, len(key) + 4))
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)


def _example_row(ws, values: list[Any]) -> None:
    for c, v in enumerate(values, start=1):
        cell = ws.cell(EXAMPLE_ROW, c, v)
        cell.fill = EXAMPLE_FILL
        cell.font = EXAMPLE_FONT
    ws.cell(EXAMPLE_ROW, 1).comment = Comment("例 / example: this row is never imported", "fangkong")


def _validations(ws, columns: list[Column]) -> None:
    last = FIRST_DATA_ROW + VALIDATION_ROWS
    for c, col in enumerate(columns, start=1):
        letter = get_column_letter(c)
        rng = f"{letter}{FIRST_DATA_ROW}:{letter}{last}"
        t = base_type(col.annotation)
        lits = literal_values(col.annotation)
        dv = None
        if col.kind == "scalar" and lits and len(",".join(map(str, lits))) < 250:
            dv = DataValidation(type="list", formula1='"' + ",".join(map(str, lits)) + '"', allow_blank=True)
        elif col.kind == "scalar" and t is bool:
            dv = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
        elif col.kind == "scalar" and t in (int, float) and _non_negative(col):
            dv = DataValidation(type="whole" if t is int else "decimal", operator="greaterThanOrEqual",
                                formula1="0", allow_blank=True)
            dv.error = "must be >= 0"
        if dv is not None:
            dv.showErrorMessage = True
            ws.add_data_validation(dv)
            dv.add(rng)


def _entity_sheet(wb: Workbook, spec: SheetSpec, rows: list[list[Any]] | None) -> None:
    ws = wb.create_sheet(spec.name)
    _header(ws, [(zh_header(c.key, c.info), c.key) for c in spec.columns])
    _example_row(ws, [_example(c, spec.field) for c in spec.columns])
    for r, row in enumerate(rows or [], start=FIRST_DATA_ROW):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(r, c, v)
    _validations(ws, spec.columns)


def _key_value_sheet(wb: Workbook, name: str, rows: list[tuple[str, str, Any]], example: tuple) -> None:
    ws = wb.create_sheet(name)
    _header(ws, [(ZH["label"], "label"), (ZH["key"], "key"), (ZH["value"], "value")])
    _example_row(ws, list(example))
    ws.column_dimensions["C"].width = 60
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(r, c, v)


def _meta_rows(data: dict | None) -> list[tuple[str, str, Any]]:
    rows = []
    for key in META_FIELDS:
        info = Instance.model_fields[key]
        value = None if data is None else data.get(key)
        if data is None and not info.is_required() and info.default_factory is None:
            value = info.default
        if isinstance(value, list):
            value = ", ".join(value)
        rows.append((zh_header(key, info), key, value.isoformat() if isinstance(value, date) else value))
    return rows


def policy_data(instance: Instance | None) -> dict:
    """The policy as the JSON file holds it: the preset and the values that differ from the defaults."""
    from models.policy import Policy

    policy = instance.policy if instance is not None else Policy()
    data = policy.model_dump(mode="json", exclude_defaults=True)
    data["preset"] = policy.preset
    return data


def template_bytes(instance: Instance | None = None) -> bytes:
    """The input workbook, empty (with example rows) or filled from an instance."""
    data = instance.model_dump(mode="json") if instance is not None else None
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "fangkong"
    _key_value_sheet(wb, META_SHEET, _meta_rows(data), ("名称", "name", "示范县 2022-11-28 晚间数据"))
    pol = policy_data(instance)
    _key_value_sheet(wb, POLICY_SHEET, [(k, k, json.dumps(v, ensure_ascii=False)) for k, v in pol.items()],
                     ("预设", "preset", '"edition9"'))
    for spec in sheet_specs():
        items = data[spec.field] if data is not None else []
        _entity_sheet(wb, spec, [[cell_value(_get(item, c.path), c) for c in spec.columns] for item in items])
        for child in spec.children:
            rows = []
            for item in items:
                for sub in item.get(child.sub) or []:
                    sub = dict(sub, **{PARENT: item["id"]})
                    rows.append([cell_value(_get(sub, c.path), c) for c in child.columns])
            _entity_sheet(wb, child, rows)
    for ws in wb.worksheets:  # sheet names are the schema keys the importer reads; the Chinese name is a note
        zh = ZH_SHEETS.get(ws.title)
        if zh:
            ws.cell(1, 1).comment = Comment(f"{zh} / {ws.title}", "fangkong")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_template(path: Path, instance: Instance | None = None, *, protect: tuple[Path, ...] = ()) -> None:
    """Write the input workbook; the file appears whole or not at all."""
    write_atomic(Path(path), template_bytes(instance), protect=protect)
