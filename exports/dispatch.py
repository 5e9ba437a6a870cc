"""The dispatch workbook a planner sends down (`fangkong dispatch`): the plan cut by recipient.

Sheets, in order: 指挥长摘要 (a one-minute summary: solve status and gap per tier, the KPIs,
the ten largest critical shortages with their binding resource); one sheet per township
(sampling sites, tracing cases, isolation cohorts leaving, road closures and checkpoints,
shipments and hand-overs arriving, its shortage lines); one sheet per isolation site; one
流调队伍 sheet (each team's cases in time order); then the per-vehicle 派送单 sheets of the plan
workbook, built by exports/sheets_supply.py. Every sheet is a `Sheet` written by the plan
workbook's own writer (exports/xlsx.py), so the frame is the same. No optimizer import.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from exports import labels as L
from exports.frames import Context, Sheet, join, natural_key, number, shift_text, table
from exports.sheets_isolation import _category, _origin, _site
from exports.sheets_supply import _clock, _goods, _plate, vehicle_slips
from exports.sheets_tracing import _people, when
from exports.xlsx import workbook_bytes
from models.instance import Instance
from models.io import write_atomic
from models.plan import Plan

TOP_SHORTAGES = 10


def _w(ctx: Context, key: str, **fmt) -> str:
    return L.dispatch(key, ctx.lang, **fmt)


def _title(ctx: Context, subject: str) -> str:
    office = ctx.instance.issuing_office
    if ctx.lang == "zh":
        office = office.replace("办公室", "")
    return L.frame_text("title", ctx.lang, office=office, subject=subject)


def _headers(ctx: Context, *keys: str) -> dict[str, str]:
    return {k: _w(ctx, k) for k in keys}


def _none(ctx: Context) -> str:
    return L.frame_text("none", ctx.lang)


# ---------------------------------------------------------------- leader summary

def _gap(value: float | None, bound: float | None) -> float | None:
    if value is None or bound is None:
        return None
    return round(100 * abs(value - bound) / max(1.0, abs(value)), 4)


PEOPLE_FIRST = {"people": 0, "person": 0, "人": 0, "cases": 1, "例": 1}  # units a leader weighs first


def critical_shortages(plan: Plan) -> list:
    """Critical shortage lines: people first, then cases, then goods and the rest (quantities in
    different units do not compare), largest first within each (ties by township, entity)."""
    return sorted((s for s in plan.shortages if s.tier == "critical"),
                  key=lambda s: (PEOPLE_FIRST.get(s.unit, 2), -s.quantity, s.township or "",
                                 natural_key(s.entity or "")))


def leader_sheet(ctx: Context) -> Sheet:
    meta, lang = ctx.plan.meta, ctx.lang
    solve_rows = [{"col_tier": _w(ctx, "overall"), "col_status": ctx.word("status", meta.status),
                   "col_value": number(meta.objective), "col_bound": number(meta.best_bound),
                   "col_gap": None if meta.gap is None else round(meta.gap * 100, 4)}]
    for tier in meta.tiers:
        solve_rows.append({"col_tier": L.priority_tier(tier.get("name", ""), lang),
                           "col_status": ctx.word("status", tier.get("status", "")),
                           "col_value": number(tier.get("value")), "col_bound": number(tier.get("bound")),
                           "col_gap": _gap(tier.get("value"), tier.get("bound"))})
    keys = ["col_tier", "col_status", "col_value", "col_bound", "col_gap"]
    solve = table(ctx, solve_rows, keys, headers=_headers(ctx, *keys))

    kpi_rows = []
    for key, value in ctx.plan.kpis.items():
        name, unit = L.kpi(key, lang)
        kpi_rows.append({"indicator": name, "value": number(value), "unit": unit})
    kpis = table(ctx, kpi_rows, ["indicator", "value", "unit"], caption=_w(ctx, "cap_kpis"),
                 empty_text=_none(ctx))

    ranked = critical_shortages(ctx.plan)
    rows = [{"module": ctx.word("module", s.module), "what": L.phrase(s.what, lang, ctx.any_name),
             "township": ctx.township_name(s.township), "quantity": number(s.quantity),
             "unit": ctx.word("unit", s.unit), "binding": L.phrase(s.binding_resource, lang, ctx.any_name)}
            for s in ranked[:TOP_SHORTAGES]]
    short = table(ctx, rows, ["module", "what", "township", "quantity", "unit", "binding"],
                  caption=_w(ctx, "cap_critical", n=TOP_SHORTAGES), empty_text=_none(ctx))
    notes = [_w(ctx, "note_leader")]
    if len(ranked) > TOP_SHORTAGES:
        notes.append(_w(ctx, "note_more", n=len(ranked) - TOP_SHORTAGES))
    tables = [solve, kpis, short]
    if ctx.plan.bottlenecks:  # an explained plan (docs/explain.md): what the next unit of each resource buys
        from exports.sheets_bottlenecks import top_table

        tables.append(top_table(ctx, 5))
    return Sheet("leader", _w(ctx, "leader_sheet"), _title(ctx, _w(ctx, "leader_subject")), tables, notes)


# ---------------------------------------------------------------- one sheet per township

def _shift_names(ctx: Context) -> list[str]:
    names = [s.name for s in ctx.instance.policy.sampling.shifts]
    extra = sorted({n for s in ctx.plan.sampling.sites for n in s.desks_by_shift} - set(names), key=natural_key)
    return names + extra


def _sampling_table(ctx: Context, tid: str) -> object:
    shifts = _shift_names(ctx)
    shift_keys = [f"shift:{n}" for n in shifts]
    rows = [{"site_name": ctx.name_of("sampling_sites", s.site), "opening": s.opening, "desks": s.desks,
             **{k: s.desks_by_shift.get(n, 0) for k, n in zip(shift_keys, shifts)},
             "people_planned": s.people, "tubes": s.tubes, "samplers": s.samplers, "registrars": s.registrars}
            for s in sorted(ctx.plan.sampling.sites, key=lambda s: natural_key(s.site)) if s.township == tid]
    counts = ["desks", *shift_keys, "people_planned", "tubes", "samplers", "registrars"]
    return table(ctx, rows, ["site_name", "opening", *counts], sums=counts, caption=_w(ctx, "cap_sampling"),
                 headers={k: ctx.col("desks_in_shift", shift=n) for k, n in zip(shift_keys, shifts)},
                 empty_text=_none(ctx))


def _tracing_table(ctx: Context, tid: str) -> object:
    cases = sorted((a for a in ctx.plan.tracing.assignments if a.township == tid),
                   key=lambda a: (a.start_hour is None, a.start_hour or 0, natural_key(a.case)))
    rows = [{"case": a.case, "reported": when(ctx, a.report_hour), "contacts": a.contacts,
             "team_epidemiologist": _people(ctx, a.members, "epidemiologist"),
             "team_police": _people(ctx, a.members, "police"), "start": when(ctx, a.start_hour),
             "core_due": when(ctx, a.core_due_hour), "report_due": when(ctx, a.report_due_hour),
             "end": when(ctx, a.end_hour),
             "remarks": "" if a.members else L.remark("not_traced", ctx.lang)} for a in cases]
    return table(ctx, rows, ["case", "reported", "contacts", "team_epidemiologist", "team_police", "start",
                             "core_due", "report_due", "end"], sums=["contacts"],
                 caption=_w(ctx, "cap_tracing"), empty_text=_none(ctx))


def _departures(ctx: Context) -> dict[tuple[int, str, str], list]:
    out = defaultdict(list)
    for t in ctx.plan.isolation.transfers:
        out[(t.day, t.origin, t.site)].append(t)
    return out


def _cohort_table(ctx: Context, tid: str) -> object:
    departures = _departures(ctx)
    rows = []
    for p in sorted((p for p in ctx.plan.isolation.placements if p.origin == tid),
                    key=lambda p: (p.admit_day, natural_key(p.cohort), natural_key(p.site))):
        trips = sorted(departures.get((p.admit_day, p.origin, p.site), []), key=lambda t: t.depart_hour)
        rows.append({"cohort": p.cohort, "person_category": _category(ctx, p.category), "iso_people": p.people,
                     "destination": _site(ctx, p.site), "admit_date": ctx.date_text(p.admit_day),
                     "depart": _clock(ctx, trips[0].depart_hour) if trips else "",
                     "plate": join((_plate(ctx, t.vehicle) for t in trips), ctx.lang)})
    return table(ctx, rows, ["cohort", "person_category", "iso_people", "destination", "admit_date", "depart",
                             "plate"], sums=["iso_people"], caption=_w(ctx, "cap_cohorts"), empty_text=_none(ctx))


def _arc_township(ctx: Context, arc_id: str) -> str | None:
    arc = ctx.instance.by_id("road_arcs").get(arc_id)
    node = ctx.instance.by_id("road_nodes").get(arc.tail) if arc else None
    return node.township if node else None


def _roads_table(ctx: Context, tid: str) -> object:
    arcs = ctx.instance.by_id("road_arcs")
    rows = []
    for a in sorted(ctx.plan.roads.arcs, key=lambda a: (a.day, natural_key(a.arc))):
        if a.status != "closed" or (_arc_township(ctx, a.arc) != tid and a.seal != tid):
            continue
        rows.append({"col_day": ctx.date_text(a.day), "arc": a.arc,
                     "road_section": arcs[a.arc].section if a.arc in arcs else "",
                     "arc_status": ctx.word("arc_status", a.status), "arc_reason": ctx.word("arc_reason", a.reason),
                     "crew_total": 0})
    staff = ctx.instance.by_id("staff")
    for c in sorted(ctx.plan.roads.checkpoints, key=lambda c: (c.day, natural_key(c.arc))):
        if c.township != tid:
            continue
        names = join((staff[p].name if p in staff else p for crew in c.staff for p in crew), ctx.lang)
        rows.append({"col_day": ctx.date_text(c.day), "arc": c.arc, "road_section": c.section,
                     "arc_status": ctx.word("arc_status", "checkpoint"),
                     "arc_reason": ctx.word("arc_reason", "seal_exit") if c.seal else "",
                     "crew_total": sum(len(x) for x in c.staff), "remarks": names})
    return table(ctx, rows, ["col_day", "arc", "road_section", "arc_status", "arc_reason", "crew_total"],
                 headers=_headers(ctx, "col_day"), sums=["crew_total"], caption=_w(ctx, "cap_roads"),
                 empty_text=_none(ctx))


def _shipments_table(ctx: Context, tid: str) -> object:
    coms = ctx.instance.by_id("commodities")
    rows = [{"from_source": ctx.name_of("sources", s.source),
             "item": coms[s.commodity].name if s.commodity in coms else s.commodity,
             "priority": ctx.word("supply_tier", s.tier), "item_qty": s.quantity,
             "item_unit": coms[s.commodity].unit if s.commodity in coms else "", "col_day": ctx.date_text(s.day)}
            for s in sorted(ctx.plan.supply.shipments, key=lambda s: (s.day, natural_key(s.source),
                                                                      natural_key(s.commodity)))
            if (s.township or s.destination) == tid]
    return table(ctx, rows, ["from_source", "item", "priority", "item_qty", "item_unit", "col_day"],
                 headers=_headers(ctx, "col_day"), sums=["item_qty"], caption=_w(ctx, "cap_shipments"),
                 empty_text=_none(ctx))


def _handover_table(ctx: Context, tid: str) -> object:
    stations = ctx.instance.by_id("transfer_stations")
    last_mile = {(m.township, m.day): m.workers for m in ctx.plan.supply.last_mile}
    rows = [{"station": stations[h.station].name if h.station in stations else ctx.any_name(h.station),
             "handover_time": _clock(ctx, h.arrival_hour), "plate": _plate(ctx, h.vehicle),
             "goods": _goods(ctx, h.items), "weight_kg": number(round(h.load_kg, 1)),
             "last_mile_staff": last_mile.get((h.township, h.day), 0)}
            for h in sorted(ctx.plan.supply.handovers, key=lambda h: (h.day, h.arrival_hour, natural_key(h.vehicle)))
            if h.township == tid]
    return table(ctx, rows, ["station", "handover_time", "plate", "goods", "weight_kg", "last_mile_staff"],
                 sums=["weight_kg"], caption=_w(ctx, "cap_handovers"), empty_text=_none(ctx))


def _shortage_table(ctx: Context, tid: str | None) -> object:
    lines = sorted((s for s in ctx.plan.shortages if s.township == tid),
                   key=lambda s: (s.tier != "critical", -s.quantity, natural_key(s.entity or "")))
    rows = [{"module": ctx.word("module", s.module), "tier": ctx.word("tier", s.tier),
             "what": L.phrase(s.what, ctx.lang, ctx.any_name), "quantity": number(s.quantity),
             "unit": ctx.word("unit", s.unit), "binding": L.phrase(s.binding_resource, ctx.lang, ctx.any_name)}
            for s in lines]
    return table(ctx, rows, ["module", "tier", "what", "quantity", "unit", "binding"], count_column="what",
                 caption=_w(ctx, "cap_shortages"), empty_text=_none(ctx))


def township_sheets(ctx: Context) -> list[Sheet]:
    out = []
    for t in ctx.instance.townships:
        tables = [_sampling_table(ctx, t.id), _tracing_table(ctx, t.id), _cohort_table(ctx, t.id),
                  _roads_table(ctx, t.id), _shipments_table(ctx, t.id), _handover_table(ctx, t.id),
                  _shortage_table(ctx, t.id)]
        out.append(Sheet(f"township:{t.id}", t.name, _title(ctx, _w(ctx, "township_subject", name=t.name)),
                         tables, [_w(ctx, "note_township")]))
    return out


# ---------------------------------------------------------------- one sheet per isolation site

def isolation_site_sheets(ctx: Context) -> list[Sheet]:
    sec = ctx.plan.isolation
    used = {p.site for p in sec.placements} | {r.site for r in sec.occupancy} | set(sec.activated_sites)
    out = []
    for site in ctx.instance.isolation_sites:
        if site.id not in used:
            continue
        placed = sorted((p for p in sec.placements if p.site == site.id),
                        key=lambda p: (p.admit_day, natural_key(p.cohort)))
        admitted = table(ctx, [{"cohort": p.cohort, "origin": _origin(ctx, p.origin),
                                "person_category": _category(ctx, p.category), "iso_people": p.people,
                                "iso_rooms": p.rooms, "admit_date": ctx.date_text(p.admit_day),
                                "release_date": ctx.date_text(p.release_day)} for p in placed],
                         ["cohort", "origin", "person_category", "iso_people", "iso_rooms", "admit_date",
                          "release_date"], sums=["iso_people", "iso_rooms"], caption=_w(ctx, "cap_admitted"),
                         empty_text=_none(ctx))
        days = sorted((r for r in sec.occupancy if r.site == site.id), key=lambda r: r.day)
        occupancy = table(ctx, [{"col_day": ctx.date_text(r.day), "usable": r.usable_rooms,
                                 "occupied": r.occupied_rooms, "free": r.free_rooms, "occupants": r.people,
                                 "day_admitted": r.admitted, "day_released": r.released,
                                 "doctors_shift": r.doctors_per_shift, "nurses_shift": r.nurses_per_shift,
                                 "nonmedical_shift": r.nonmedical_per_shift} for r in days],
                          ["col_day", "usable", "occupied", "free", "occupants", "day_admitted", "day_released",
                           "doctors_shift", "nurses_shift", "nonmedical_shift"], headers=_headers(ctx, "col_day"),
                          caption=_w(ctx, "cap_occupancy"), empty_text=_none(ctx))
        duty = sorted((e for e in ctx.plan.roster if e.module == "isolation" and e.location == site.id),
                      key=lambda e: (e.day, e.start_hour, e.role, natural_key(e.staff)))
        staff = table(ctx, [{"date": ctx.date_text(e.day), "shift": shift_text(ctx, e.start_hour, e.end_hour),
                             "role": ctx.word("role", e.role), "name": e.name} for e in duty],
                      ["date", "shift", "role", "name"], count_column="name", caption=_w(ctx, "cap_staff"),
                      empty_text=_none(ctx))
        out.append(Sheet(f"isolation_site:{site.id}", site.name,
                         _title(ctx, _w(ctx, "iso_site_subject", name=site.name)),
                         [admitted, occupancy, staff], [_w(ctx, "note_iso_site")]))
    return out


# ---------------------------------------------------------------- tracing teams

def teams_sheet(ctx: Context) -> Sheet | None:
    assignments = ctx.plan.tracing.assignments
    if not assignments:
        return None

    def team_of(a) -> str:
        names = [_people(ctx, a.members, "epidemiologist"), _people(ctx, a.members, "police")]
        return " / ".join(n for n in names if n) or _w(ctx, "no_team")

    ordered = sorted(assignments, key=lambda a: (not a.members, team_of(a), a.start_hour is None,
                                                 a.start_hour or 0, natural_key(a.case)))
    rows = [{"col_team": team_of(a), "case": a.case, "col_case_town": ctx.township_name(a.township),
             "contacts": a.contacts, "start": when(ctx, a.start_hour), "core_due": when(ctx, a.core_due_hour),
             "report_due": when(ctx, a.report_due_hour), "end": when(ctx, a.end_hour)} for a in ordered]
    t = table(ctx, rows, ["col_team", "case", "col_case_town", "contacts", "start", "core_due", "report_due", "end"],
              headers=_headers(ctx, "col_team", "col_case_town"), sums=["contacts"])
    return Sheet("teams", _w(ctx, "teams_sheet"), _title(ctx, _w(ctx, "teams_subject")), [t],
                 [_w(ctx, "note_teams")])


# ---------------------------------------------------------------- the workbook

def build_dispatch(instance: Instance, plan: Plan, lang: str = "zh") -> list[Sheet]:
    """Every sheet of the dispatch workbook, in order (names before Excel's 31-character cut)."""
    if lang not in L.LANGS:
        raise ValueError(f"lang must be one of {', '.join(L.LANGS)}, not {lang!r}")
    ctx = Context(instance, plan, lang)
    sheets = [leader_sheet(ctx), *township_sheets(ctx), *isolation_site_sheets(ctx)]
    teams = teams_sheet(ctx)
    if teams is not None:
        sheets.append(teams)
    slips = vehicle_slips(ctx) or []  # the plan workbook's 派送单 sheets, reused as they are
    if slips:
        sheets[0].notes.append(_w(ctx, "note_vehicles"))
    return sheets + slips


def write_dispatch(instance: Instance, plan: Plan, path: Path, lang: str = "zh",
                   protect: tuple[Path, ...] = ()) -> None:
    """Write the dispatch workbook; the file appears whole or not at all, never over an input."""
    write_atomic(Path(path), workbook_bytes(instance, build_dispatch(instance, plan, lang), lang), protect=protect)


__all__ = ["build_dispatch", "critical_shortages", "write_dispatch"]
