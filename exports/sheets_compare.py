"""The what-if comparison workbook (`fangkong whatif`) and the reserve table (`fangkong reserve`).

One column per scenario, side by side (WORKBOOKS.md frame through exports/xlsx.py, words in
exports/labels.py COMPARE): what each scenario feeds in, its shortages by tier (lines and
quantities by allocation and unit), staff-hours by duty role, isolation rooms at peak and
person-days, sampling coverage, deliveries, the cost tier, and the solver's status and gap
per tier. Reads instances and plans only; never imports the optimizer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from exports import labels as L
from exports.frames import Sheet, Table, number
from exports.xlsx import workbook_bytes
from models.instance import Instance
from models.io import write_atomic
from models.plan import Plan

MODULE_ORDER = ("sampling", "tracing", "isolation", "roads", "supply", "staff")
TIER_ORDER = ("critical", "routine", "cost", "stability")


@dataclass
class Column:
    """One scenario of the comparison: its name, what it says it is, its instance and plan."""

    name: str
    description: str
    instance: Instance
    plan: Plan | None
    error: str | None = None


def _w(key: str, lang: str, **fmt) -> str:
    return L.compare(key, lang, **fmt)


def _title(instance: Instance, subject: str, lang: str) -> str:
    office = instance.issuing_office.replace("办公室", "") if lang == "zh" else instance.issuing_office
    return L.frame_text("title", lang, office=office, subject=subject)


def _frame(rows: list[dict], keys: list[str], headers: dict[str, str], lang: str) -> pd.DataFrame:
    """Rows keyed by column key → a frame with 序号 first and 备注 last."""
    keys = ["no", *keys, "remarks"]
    head = {"no": L.column("no", lang), "remarks": L.column("remarks", lang), **headers}
    data = [[n if k == "no" else row.get(k, "" if k == "remarks" else None) for k in keys]
            for n, row in enumerate(rows, start=1)]
    return pd.DataFrame(data, columns=[head[k] for k in keys])


# ---------------------------------------------------------------- figures of one plan

def staff_hours_by_role(plan: Plan) -> dict[str, float]:
    hours: dict[str, float] = defaultdict(float)
    for r in plan.roster:
        hours[r.role] += r.end_hour - r.start_hour + 2 * r.travel_min / 60
    return {k: round(v, 1) for k, v in hours.items()}


def rooms_at_peak(plan: Plan) -> int:
    by_day: dict[int, int] = defaultdict(int)
    for r in plan.isolation.occupancy:
        by_day[r.day] += r.occupied_rooms
    return max(by_day.values(), default=0)


def shortage_quantities(plan: Plan, tier: str) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = defaultdict(float)
    for s in plan.shortages:
        if s.tier == tier:
            out[s.module, s.unit] += s.quantity
    return dict(out)


def tier_of(plan: Plan, name: str) -> dict | None:
    return next((t for t in plan.meta.tiers if t.get("name") == name), None)


# ---------------------------------------------------------------- the comparison sheet

def comparison_sheet(columns: list[Column], lang: str) -> Sheet:
    names = [c.name for c in columns]
    rows: list[dict] = []

    def add(group: str, indicator: str, unit: str, values: list, remark: str = "") -> None:
        rows.append({"group": _w(group, lang), "indicator": indicator, "unit": unit,
                     **{f"s{k}": v for k, v in enumerate(values)}, "remarks": remark})

    unit = lambda code: L.word("unit", code, lang)  # noqa: E731
    plans = [c.plan for c in columns]

    def each(fn) -> list:
        return [None if p is None else fn(p) for p in plans]

    # what each scenario feeds in
    ins = [c.instance for c in columns]
    add("g_input", _w("r_preset", lang), "", [L.word("preset", i.policy.preset, lang) for i in ins])
    add("g_input", _w("r_cases", lang), unit("cases"), [len(i.cases) for i in ins])
    add("g_input", _w("r_cohort_people", lang), unit("people"), [sum(c.people for c in i.cohorts) for i in ins])
    add("g_input", _w("r_population", lang), unit("people"), [sum(t.population for t in i.townships) for i in ins])
    add("g_input", _w("r_sealed", lang), unit("items"), [sum(t.sealed for t in i.townships) for i in ins])
    add("g_input", _w("r_iso_rooms", lang), unit("rooms"), [sum(s.rooms for s in i.isolation_sites) for i in ins])
    add("g_input", _w("r_staff", lang), unit("people"), [len(i.staff) for i in ins])
    add("g_input", _w("r_vehicles", lang), unit("vehicles"), [len(i.vehicles) for i in ins])

    # shortages by tier: lines, then quantities by allocation and unit
    for tier in ("critical", "routine"):
        tier_word = L.word("tier", tier, lang)
        add("g_shortage", _w("r_lines", lang, tier=tier_word), unit("items"),
            each(lambda p: sum(1 for s in p.shortages if s.tier == tier)))
        keys = sorted({k for p in plans if p for k in shortage_quantities(p, tier)},
                      key=lambda k: (MODULE_ORDER.index(k[0]) if k[0] in MODULE_ORDER else 99, k[1]))
        for module, u in keys:
            add("g_shortage", _w("r_quantity", lang, tier=tier_word, module=L.word("module", module, lang)),
                unit(u), each(lambda p: number(round(shortage_quantities(p, tier).get((module, u), 0.0), 2))))

    # staff-hours by duty role
    roles = sorted({r for p in plans if p for r in staff_hours_by_role(p)})
    for role in roles:
        add("g_staff", _w("r_hours_role", lang, role=L.word("role", role, lang)), unit("h"),
            each(lambda p: number(staff_hours_by_role(p).get(role, 0.0))))
    add("g_staff", _w("r_hours_total", lang), unit("h"), each(lambda p: number(p.kpis.get("staff_hours", 0.0))))

    # isolation, sampling, deliveries
    add("g_rooms", _w("r_rooms_peak", lang), unit("rooms"), each(rooms_at_peak))
    add("g_rooms", _w("r_person_days", lang), _w("person_days", lang),
        each(lambda p: sum(r.people for r in p.isolation.occupancy)))
    add("g_rooms", _w("r_unhoused", lang), unit("people"),
        each(lambda p: number(p.kpis.get("isolation_unhoused_people", 0.0))))
    add("g_rooms", _w("r_transfer_trips", lang), unit("trips"),
        each(lambda p: sum(t.trips for t in p.isolation.transfers)))
    add("g_sampling", _w("r_coverage", lang), unit("%"),
        each(lambda p: number(p.kpis.get("sampling_coverage_pct", 100.0))))
    add("g_routes", _w("r_routes", lang), unit("items"), each(lambda p: len(p.supply.routes)))
    add("g_routes", _w("r_vehicles_used", lang), unit("vehicles"),
        each(lambda p: len({r.vehicle for r in p.supply.routes})))
    add("g_routes", _w("r_km", lang), unit("km"), each(lambda p: number(round(sum(r.km for r in p.supply.routes), 1))))
    add("g_cost", _w("r_cost", lang), _w("yuan", lang),
        each(lambda p: number((tier_of(p, "cost") or {}).get("value"))))

    # the solver
    add("g_solve", _w("r_status", lang), "",
        [_w("error", lang, error=c.error) if c.error else _w("no_plan", lang) if c.plan is None
         else _status(c.plan.meta.status, lang) for c in columns])
    add("g_solve", _w("r_wall", lang), unit("s"), each(lambda p: number(round(p.meta.wall_seconds, 1))))
    tiers = [t for t in TIER_ORDER if any(p and tier_of(p, t) for p in plans)]
    for tier in tiers:
        label = L.priority_tier(tier, lang)
        add("g_solve", _w("r_tier_status", lang, tier=label), "",
            each(lambda p: _status((tier_of(p, tier) or {}).get("status"), lang)))
        add("g_solve", _w("r_tier_gap", lang, tier=label), unit("%"),
            each(lambda p: _gap_pct(tier_of(p, tier))))

    headers = {"group": _w("col_group", lang), "indicator": L.column("indicator", lang),
               "unit": L.column("unit", lang), **{f"s{k}": n for k, n in enumerate(names)}}
    frame = _frame(rows, ["group", "indicator", "unit", *[f"s{k}" for k in range(len(names))]], headers, lang)
    return Sheet("compare", _w("sheet", lang), _title(columns[0].instance, _w("subject", lang), lang),
                 [Table(frame)], [_w("note_compare", lang), _w("note_gap", lang)])


def _status(code: str | None, lang: str) -> str | None:
    """A solver status in words; a tier left at the modules' warm start says so."""
    if code is None:
        return None
    return _w("warm_start", lang) if code == "WARM_START" else L.word("status", code, lang)


def _gap_pct(tier: dict | None) -> float | None:
    if not tier or tier.get("value") is None or tier.get("bound") is None:
        return None
    return round(100 * abs(tier["value"] - tier["bound"]) / max(1.0, abs(tier["value"])), 2)


def scenarios_sheet(columns: list[Column], lang: str) -> Sheet:
    rows = [{"scenario": c.name, "description": c.description} for c in columns]
    headers = {"scenario": _w("col_scenario", lang), "description": _w("col_description", lang)}
    frame = _frame(rows, ["scenario", "description"], headers, lang)
    return Sheet("scenarios", _w("scenarios_sheet", lang), _title(columns[0].instance, _w("scenarios_subject", lang),
                                                                   lang), [Table(frame)])


def write_comparison(path: Path, columns: list[Column], lang: str = "zh", *, protect: tuple[Path, ...] = ()) -> None:
    """The comparison workbook: the side-by-side sheet, then what each scenario is."""
    sheets = [comparison_sheet(columns, lang), scenarios_sheet(columns, lang)]
    write_atomic(Path(path), workbook_bytes(columns[0].instance, sheets, lang), protect=protect)


# ---------------------------------------------------------------- the reserve table

@dataclass
class ReserveLine:
    """One reserve resource: what, where, how many, at what unit cost, and which scenarios need it."""

    resource: str  # "rooms", "staff:<role>", "vehicle:<kind>"
    where: str  # township, site or depot name
    units: int
    unit_cost: int
    needed_by: list[str]

    @property
    def cost(self) -> int:
        return self.units * self.unit_cost


@dataclass
class ReserveCheck:
    """A scenario solved again with exactly the reserve: critical lines before, after, and the floor."""

    scenario: str
    before: int | None
    after: int | None
    floor: int | None
    remaining: list[str]


def resource_word(resource: str, lang: str) -> str:
    if resource == "rooms":
        return _w("reserve_rooms", lang)
    kind, _, what = resource.partition(":")
    if kind == "staff":
        return _w("reserve_staff", lang, role=L.word("role", what, lang))
    return _w("reserve_vehicle", lang, kind=_w(f"kind_{what}", lang))


def reserve_sheets(instance: Instance, lines: list[ReserveLine], checks: list[ReserveCheck], lang: str) -> list[Sheet]:
    rows = [{"resource": resource_word(x.resource, lang), "where": x.where, "units": x.units,
             "unit_cost": x.unit_cost, "cost": x.cost, "used_by": "、".join(x.needed_by) if lang == "zh"
             else ", ".join(x.needed_by)} for x in lines]
    keys = ["resource", "where", "units", "unit_cost", "cost", "used_by"]
    headers = {"resource": _w("col_resource", lang), "where": _w("col_where", lang), "units": _w("col_units", lang),
               "unit_cost": _w("col_unit_cost", lang), "cost": _w("col_cost", lang),
               "used_by": _w("col_used_by", lang)}
    table = Table(_frame(rows, keys, headers, lang), (headers["units"], headers["cost"]),
                  empty_text=L.frame_text("none", lang))
    reserve = Sheet("reserve", _w("reserve_sheet", lang), _title(instance, _w("reserve_subject", lang), lang),
                    [table], [_w("note_reserve", lang)])
    crow = [{"scenario": c.scenario, "before": c.before, "after": c.after, "floor": c.floor,
             "verdict": _w(verdict(c), lang), "remarks": "；".join(c.remaining[:10])} for c in checks]
    ckeys = ["scenario", "before", "after", "floor", "verdict"]
    cheads = {"scenario": _w("col_scenario", lang), "before": _w("col_critical_before", lang),
              "after": _w("col_critical_after", lang), "floor": _w("col_critical_floor", lang),
              "verdict": _w("col_verdict", lang)}
    check = Sheet("reserve_check", _w("check_sheet", lang), _title(instance, _w("check_subject", lang), lang),
                  [Table(_frame(crow, ckeys, cheads, lang))])
    return [reserve, check]


def verdict(c: ReserveCheck) -> str:
    if c.after == 0:
        return "verdict_ok"
    if c.after is not None and c.floor is not None and c.after <= c.floor:
        return "verdict_floor"
    return "verdict_short"


def write_reserve(path: Path, instance: Instance, lines: list[ReserveLine], checks: list[ReserveCheck],
                  lang: str = "zh", *, protect: tuple[Path, ...] = ()) -> None:
    write_atomic(Path(path), workbook_bytes(instance, reserve_sheets(instance, lines, checks, lang), lang),
                 protect=protect)
