"""Solver-free checks of the tracing rules (DOMAIN.md §2).

Times in the plan are hours from 00:00 of day 0; they are turned back into whole minutes
(`tracing_rules` works in minutes) before any comparison.
"""

from __future__ import annotations

from collections import defaultdict

from models.instance import Instance
from models.plan import Plan
from models.plan_tracing import TracingAssignment
from optimizer.checks.violation import Violation
from optimizer.geometry import staff_travel_min
from optimizer.pool import availability
from optimizer.tracing_rules import (
    DAY_END,
    can_fill,
    core_due_min,
    core_info_offset_min,
    earliest_start_min,
    has_tracing,
    lateness,
    report_due_min,
    shifts,
    workload_min,
)


def _min(hours: float) -> int:
    return round(hours * 60)


def _traced(plan: Plan) -> list[TracingAssignment]:
    return [a for a in plan.tracing.assignments if a.start_hour is not None]


def check_tracing_team(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: every case is in the plan once; a traced case has a CDC epidemiologist and a police
    officer whose skills fill the role, and an IT supporter on its district's shift at its start;
    an IT supporter backs at most `it_cases_per_shift` cases starting in a shift."""
    out = []
    cases, staff = inst.by_id("cases"), inst.by_id("staff")
    seen: set[str] = set()
    for a in plan.tracing.assignments:
        w = f"case {a.case}"
        if a.case not in cases:
            out.append(Violation("tracing_team", w, "unknown case"))
            continue
        if a.case in seen:
            out.append(Violation("tracing_team", w, "listed twice"))
        seen.add(a.case)
        if a.start_hour is None:
            if a.members:
                out.append(Violation("tracing_team", w, "a team but no start"))
            continue
        for m in a.members:
            p = staff.get(m.staff)
            if p is None or not can_fill(inst, p, m.role):
                out.append(Violation("tracing_team", w, f"{m.staff} cannot take the role {m.role}"))
        roles = {m.role for m in a.members if m.staff in staff and can_fill(inst, staff[m.staff], m.role)}
        for need in ("epidemiologist", "police", "it"):
            if need not in roles:
                out.append(Violation("tracing_team", w, f"no {need} in the team"))
    for cid in sorted(set(cases) - seen):
        out.append(Violation("tracing_team", f"case {cid}", "missing from the plan"))
    out += _it_support(inst, plan)
    return out


def _it_support(inst: Instance, plan: Plan) -> list[Violation]:
    per = inst.policy.tracing.it_cases_per_shift
    on_duty: dict[tuple[str, int], set[str]] = defaultdict(set)
    for r in plan.tracing.it_support:
        for m in r.members:
            on_duty[r.district, _min(r.start_hour)].add(m.staff)
    backed: dict[tuple[str, int, str], int] = defaultdict(int)
    out = []
    for a in _traced(plan):
        start = _min(a.start_hour)
        shift = next(((s, e) for s, e in shifts(inst) if s <= start < e), None)
        for m in a.members:
            if m.role != "it":
                continue
            if shift is None or m.staff not in on_duty[a.district, shift[0]]:
                out.append(Violation("tracing_team", f"case {a.case}",
                                     f"IT supporter {m.staff} is not on {a.district}'s shift at the start"))
            else:
                backed[a.district, shift[0], m.staff] += 1
    for (d, s, pid), n in sorted(backed.items()):
        if n > per:
            out.append(Violation("tracing_team", f"IT {pid}", f"backs {n} cases in one shift (at most {per})"))
    return out


def check_tracing_deadlines(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: a team starts after the report and within day 0, works the interview then one
    notification per contact, and finishes by 24:00; due times and hours late are as the
    policy computes them (a case not traced today counts as started at 24:00), and the
    objective's `tracing.late_hours` is their sum."""
    out = []
    cases = inst.by_id("cases")
    for a in plan.tracing.assignments:
        c = cases.get(a.case)
        if c is None:
            continue
        w = f"case {a.case}"
        if (_min(a.core_due_hour), _min(a.report_due_hour)) != (core_due_min(inst, c), report_due_min(inst, c)):
            out.append(Violation("tracing_deadline", w, "due times differ from report time + policy hours"))
        start = None if a.start_hour is None else _min(a.start_hour)
        if start is not None:
            if start < earliest_start_min(c):
                out.append(Violation("tracing_deadline", w, "starts before the report or before 00:00 of day 0"))
            if a.end_hour is None or _min(a.end_hour) != start + workload_min(inst, c):
                out.append(Violation("tracing_deadline", w, f"end is not start + {workload_min(inst, c)} min of work"))
            elif _min(a.end_hour) > DAY_END:
                out.append(Violation("tracing_deadline", w, "ends after 24:00 of day 0"))
            if a.core_info_hour is None or _min(a.core_info_hour) != start + core_info_offset_min(inst):
                out.append(Violation("tracing_deadline", w, "core information time is not start + interview"))
        if (a.core_late_hours, a.report_late_hours) != lateness(inst, c, start):
            out.append(Violation("tracing_deadline", w, f"lateness {a.core_late_hours}+{a.report_late_hours} h "
                                 f"!= {'+'.join(map(str, lateness(inst, c, start)))} h"))
    term = plan.meta.objective_terms.get("tracing.late_hours")
    total = sum(a.lateness_hours for a in plan.tracing.assignments)
    if term is not None and round(term) != total:
        out.append(Violation("tracing_deadline", "objective", f"tracing.late_hours {term:g} != {total} h in the plan"))
    return out


def _cases_by_person(plan: Plan) -> dict[str, list[TracingAssignment]]:
    out: dict[str, list[TracingAssignment]] = defaultdict(list)
    for a in _traced(plan):
        for m in a.members:
            if m.role != "it":
                out[m.staff].append(a)
    return out


def check_tracing_overlap(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: an investigator is never on two cases at once and works in one township a day
    (travel from home at the start and end of the duty, none between cases)."""
    out = []
    for pid, items in sorted(_cases_by_person(plan).items()):
        items = sorted(items, key=lambda a: a.start_hour)
        for x, y in zip(items, items[1:]):
            if _min(y.start_hour) < _min(x.end_hour or x.start_hour):
                out.append(Violation("tracing_overlap", f"staff {pid}", f"cases {x.case} and {y.case} overlap"))
        towns = sorted({a.township for a in items})
        if len(towns) > 1:
            out.append(Violation("tracing_overlap", f"staff {pid}", f"cases in {len(towns)} townships: {towns}"))
    return out


def check_tracing_duty(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: each investigator's cases lie inside one tracing duty of the roster, in the case's
    township; no case starts before the minimum rest is over; the cases' span plus travel both
    ways fits the hours per day; nobody on a case is also on call."""
    out = []
    staff = inst.by_id("staff")
    rows = defaultdict(list)
    for r in plan.roster:
        if r.module == "tracing":
            rows[r.staff].append(r)
    on_call = {m.staff for s in plan.tracing.on_call for team in s.teams for m in team}
    for pid, items in sorted(_cases_by_person(plan).items()):
        w = f"staff {pid}"
        p = staff.get(pid)
        if p is None:
            continue
        first = min(_min(a.start_hour) for a in items)
        last = max(_min(a.end_hour or a.start_hour) for a in items)
        earliest, days_left = availability(inst, p)
        if first < round(earliest * 60) or days_left == 0:
            rest = inst.policy.staff.min_rest_hours
            out.append(Violation("tracing_rest", w,
                                 f"case at {first / 60:.2f} h before {rest} h of rest (or on a day off)"))
        town = items[0].township
        travel = staff_travel_min(inst, p.home_township, town)
        if last - first + 2 * travel > p.hours_per_day * 60 + 1e-6:
            out.append(Violation("tracing_hours", w, f"cases span {(last - first) / 60:.2f} h + travel > "
                                 f"{p.hours_per_day} h"))
        if not any(_min(r.start_hour) <= first and _min(r.end_hour) >= last and r.township == town
                   for r in rows[pid]):
            out.append(Violation("tracing_hours", w, "no tracing duty in the roster covers the cases"))
        if pid in on_call:
            out.append(Violation("on_call_cover", w, "on a case and on call the same day"))
    return out


def check_on_call_cover(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard unless declared short: every hour of day 0 has `on_call_teams` teams on call, each an
    epidemiologist and a police officer rostered on call for the whole shift."""
    out = []
    need = inst.policy.tracing.on_call_teams if has_tracing(inst) else 0
    staff = inst.by_id("staff")
    duty = {(r.staff, _min(r.start_hour), _min(r.end_hour)) for r in plan.roster
            if r.module == "tracing" and r.location == "on_call"}
    declared = [x.what for x in plan.shortages if x.module == "tracing" and x.what.startswith("on-call teams short")]
    teams_at = [0] * 24
    for s in plan.tracing.on_call:
        a, b = _min(s.start_hour), _min(s.end_hour)
        for team in s.teams:
            roles = {m.role for m in team if m.staff in staff and can_fill(inst, staff[m.staff], m.role)
                     and (m.staff, a, b) in duty}
            if {"epidemiologist", "police"} <= roles:
                for h in range(max(0, a // 60), min(24, -(-b // 60))):
                    teams_at[h] += 1
            else:
                out.append(Violation("on_call_cover", f"shift {_clock(a)}-{_clock(b)}",
                                     "a team without a rostered epidemiologist and police officer"))
    short_hours = [h for h, n in enumerate(teams_at) if n < need]
    for h in short_hours:
        if not any(f"{_clock(a)}-{_clock(b)}" in w for w in declared
                   for a, b in shifts(inst) if a <= h * 60 < b):
            out.append(Violation("on_call_cover", f"hour {h:02d}:00",
                                 f"{teams_at[h]} teams on call < {need}, not declared as a shortage"))
    return out


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check_tracing_lending(inst: Instance, plan: Plan) -> list[Violation]:
    """Soft, declared: a case's epidemiologist or police officer from another township is marked
    lent, and the lending cost in the objective is the policy penalty per lent investigator-day."""
    out = []
    staff = inst.by_id("staff")
    lent_days = set()
    for a in _traced(plan):
        for m in a.members:
            p = staff.get(m.staff)
            if p is None or m.role == "it":
                continue
            if m.lent != (p.home_township != a.township):
                out.append(Violation("tracing_lending", f"case {a.case}", f"{m.staff} lent flag wrong"))
            if p.home_township != a.township:
                lent_days.add(m.staff)
    term = plan.meta.objective_terms.get("tracing.lending")
    if term is not None and round(term) != inst.policy.tracing.lending_penalty * len(lent_days):
        out.append(Violation("tracing_lending", "objective", f"lending cost {term:g} != "
                             f"{inst.policy.tracing.lending_penalty} × {len(lent_days)} lent investigators"))
    return out


def check_tracing_shortages_declared(inst: Instance, plan: Plan) -> list[Violation]:
    """Every late or untraced case appears as a critical shortage line with its hours late and
    the binding resource."""
    declared = {x.entity: x for x in plan.shortages if x.module == "tracing" and x.entity}
    out = []
    for a in plan.tracing.assignments:
        late = a.core_late_hours + a.report_late_hours
        x = declared.get(a.case)
        if late and (x is None or round(x.quantity) != late or x.tier != "critical" or not x.binding_resource):
            out.append(Violation("shortage_declared", f"case {a.case}", f"{late} h late not declared"))
    return out


CHECKS = (check_tracing_team, check_tracing_deadlines, check_tracing_overlap, check_tracing_duty,
          check_on_call_cover, check_tracing_lending, check_tracing_shortages_declared)
