"""A plan's decisions keyed by ids: the one vocabulary of baselines, pins and changes.

`plan_choices(plan)` reads what a plan decided, keyed by the ids of the things decided, so two
plans of different days compare key by key (a case, cohort, grid, site or arc keeps its id;
positions in lists mean nothing). Day-indexed decisions (arc status, shipments) are keyed by
calendar date, so day 1 of yesterday's plan meets day 0 of today's. Keys and values:

| key | value |
|---|---|
| ("site", site) | 1: the sampling site is open (absent: closed) |
| ("desks", site, shift) | desks staffed in that shift |
| ("grid", grid) | serving site id; "" not served |
| ("tubes", township, lab) | tubes sent from the township's sites to the lab |
| ("case", case, role) | staff id of the case's epidemiologist or police officer; "" not traced |
| ("start", case) | team start, "YYYY-MM-DDTHH:MM" |
| ("cohort", cohort, site) | people of the cohort housed at the site |
| ("activate", site) | 1: reserve isolation site activated |
| ("arc", arc, date) | open, checkpoint or closed |
| ("ship", source, township, commodity, date) | units shipped |

A key is written as text (`code`) in the workbook's 决策代码 column so that `--pin` can read
it back: parts joined by `|`, then `=` and the value; a row's decisions joined by `;`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from models.plan import Plan

Key = tuple[str, ...]
Value = int | str


@dataclass(frozen=True)
class Pin:
    """A pinned workbook row: where it is (`plan.xlsx!隔离安排!row 12`) and the decisions it keeps."""

    where: str
    choices: tuple[tuple[Key, Value], ...]


def day_date(plan_date: str | date, day: int) -> str:
    start = date.fromisoformat(plan_date) if isinstance(plan_date, str) else plan_date
    return (start + timedelta(days=day)).isoformat()


def clock_text(plan_date: str | date, hours: float) -> str:
    """Hours from 00:00 of the plan date as `YYYY-MM-DDTHH:MM`."""
    minutes = round(hours * 60)
    return f"{day_date(plan_date, minutes // 1440)}T{minutes % 1440 // 60:02d}:{minutes % 60:02d}"


def site_choices(plan: Plan) -> dict[Key, Value]:
    out: dict[Key, Value] = {}
    for s in plan.sampling.sites:
        out["site", s.site] = 1
        for shift, n in s.desks_by_shift.items():
            out["desks", s.site, shift] = n
    return out


def grid_choices(plan: Plan) -> dict[Key, Value]:
    return {("grid", g.grid): g.site or "" for g in plan.sampling.grids}


def case_choices(plan: Plan) -> dict[Key, Value]:
    out: dict[Key, Value] = {}
    for a in plan.tracing.assignments:
        for role in ("epidemiologist", "police"):
            out["case", a.case, role] = next((m.staff for m in a.members if m.role == role), "")
        if a.start_hour is not None:
            out["start", a.case] = clock_text(plan.plan_date, a.start_hour)
    return out


def cohort_choices(plan: Plan) -> dict[Key, Value]:
    out: dict[Key, Value] = {("activate", s): 1 for s in plan.isolation.activated_sites}
    for p in plan.isolation.placements:
        key = ("cohort", p.cohort, p.site)
        out[key] = int(out.get(key, 0)) + p.people
    return out


def arc_choices(plan: Plan) -> dict[Key, Value]:
    return {("arc", a.arc, day_date(plan.plan_date, a.day)): a.status for a in plan.roads.arcs}


def shipment_choices(plan: Plan) -> dict[Key, Value]:
    out: dict[Key, Value] = {}
    for s in plan.supply.shipments:
        key = ("ship", s.source, s.township or s.destination, s.commodity, day_date(plan.plan_date, s.day))
        # the allocation, not what tonight's routes carried of it: a re-plan keeps the allocation
        out[key] = int(out.get(key, 0)) + (s.allocated if s.allocated is not None else s.quantity)
    return out


def plan_choices(plan: Plan) -> dict[Key, Value]:
    """Every decision of the plan, keyed by ids (see the table above)."""
    out: dict[Key, Value] = {}
    for part in (site_choices, grid_choices, case_choices, cohort_choices, arc_choices, shipment_choices):
        out.update(part(plan))
    for f in plan.sampling.tube_flows:
        out["tubes", f.township, f.lab] = f.tubes
    return out


def covered_dates(plan: Plan) -> set[str]:
    """Calendar dates the plan's day-indexed decisions (arcs, shipments) speak for."""
    days = {0} | {a.day for a in plan.roads.arcs} | {s.day for s in plan.supply.shipments}
    return {day_date(plan.plan_date, d) for d in range(max(days) + 1)}


def code(decisions: list[tuple[Key, Value]]) -> str:
    """A row's decisions as the text of its 决策代码 cell."""
    return ";".join("|".join(key) + "=" + str(value) for key, value in decisions)


def parse_code(text: str) -> list[tuple[Key, Value]]:
    """The decisions of a 决策代码 cell; ValueError with the reason when it is not one."""
    out: list[tuple[Key, Value]] = []
    for part in (p.strip() for p in str(text).split(";")):
        if not part:
            continue
        left, sep, value = part.rpartition("=")
        if not sep or not left:
            raise ValueError(f"decision code {part!r} is not KEY=VALUE")
        key = tuple(left.split("|"))
        if key[0] not in ARITY or len(key) != ARITY[key[0]]:
            raise ValueError(f"decision code {part!r}: unknown kind of decision")
        out.append((key, int(value) if key[0] in NUMERIC else value))
    if not out:
        raise ValueError("empty decision code")
    return out


ARITY = {"site": 2, "desks": 3, "grid": 2, "tubes": 3, "case": 3, "start": 2, "cohort": 3, "activate": 2,
         "arc": 3, "ship": 5}
NUMERIC = {"site", "desks", "tubes", "cohort", "activate", "ship"}
