"""Read the tracing section, its roster rows and its shortage lines from a solution."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from models.plan import RosterEntry, Shortage
from models.plan_tracing import (
    ITSupportShift,
    OnCallShift,
    TeamMember,
    TracingAssignment,
    TracingSection,
)
from optimizer.context import BuildContext
from optimizer.geometry import staff_travel_min
from optimizer.tracing_diagnosis import case_shortages, on_call_shortages
from optimizer.tracing_rota import block
from optimizer.tracing_rules import (
    core_due_min,
    core_info_offset_min,
    district_of,
    lateness,
    report_due_min,
)

if TYPE_CHECKING:
    from optimizer.tracing import TracingVars


def _value(solver: cp_model.CpSolver, e) -> int:
    return e if isinstance(e, int) else int(solver.value(e))


def _member(p, role: str, township: str) -> TeamMember:
    return TeamMember(staff=p.id, name=p.name, role=role, home_township=p.home_township,
                      lent=p.home_township != township)


def extract(ctx: BuildContext, v: TracingVars, solver: cp_model.CpSolver, staffing: dict
            ) -> tuple[TracingSection, list[RosterEntry], list[Shortage]]:
    inst = ctx.instance
    starts: dict[int, int | None] = {}
    teams: dict[int, list[TeamMember]] = defaultdict(list)
    duties: dict[str, list[tuple[int, str]]] = defaultdict(list)  # person -> (case, role)
    for i, c in enumerate(v.cases):
        starts[i] = _value(solver, v.start[i]) if _value(solver, v.traced[i]) else None
    for role, table in v.assign.items():
        for (i, pid), x in sorted(table.items()):
            if solver.boolean_value(x):
                teams[i].append(_member(v.people[pid].person, role, v.cases[i].township))
                duties[pid].append((i, role))

    it_rows, it_of_case = _it_support(ctx, v, solver, staffing, starts)
    rows = []
    for i, c in enumerate(v.cases):
        s = starts[i]
        core_late, report_late = lateness(inst, c, s)
        members = teams[i] + ([it_of_case[i]] if i in it_of_case else [])
        rows.append(TracingAssignment(
            case=c.id, township=c.township, district=district_of(inst, c.township), report_hour=c.report_hour,
            contacts=c.estimated_contacts, members=members,
            start_hour=None if s is None else s / 60,
            core_info_hour=None if s is None else (s + core_info_offset_min(inst)) / 60,
            end_hour=None if s is None else (s + v.work[i]) / 60,
            core_due_hour=core_due_min(inst, c) / 60, report_due_hour=report_due_min(inst, c) / 60,
            core_late_hours=core_late, report_late_hours=report_late))

    roster = _case_roster(ctx, v, starts, duties)
    on_call = _on_call(ctx, v, staffing)
    roster += _block_roster(ctx, v, staffing)
    section = TracingSection(assignments=rows, on_call=on_call, it_support=it_rows)
    shortages = case_shortages(ctx, v, section, staffing, duties) + on_call_shortages(section)
    return section, roster, shortages


def _it_support(ctx, v: TracingVars, solver, staffing, starts) -> tuple[list[ITSupportShift], dict]:
    """Each district's IT supporters per shift; the cases starting then, split among them in order."""
    inst = ctx.instance
    per = inst.policy.tracing.it_cases_per_shift
    rows, of_case = [], {}
    for (d, s), _n in sorted(v.it.items()):
        hub = v.it_hub[d]
        people = [p for p, _ in staffing.get(block(v.shifts[s], hub, "it"), [])]
        mine = sorted((starts[i], v.cases[i].id, i) for (i, t), y in v.starts_in.items()
                      if t == s and starts[i] is not None and district_of(inst, v.cases[i].township) == d
                      and solver.boolean_value(y))
        if not people and not mine:
            continue
        for k, (_, _, i) in enumerate(mine):
            if people:
                of_case[i] = _member(people[min(k // per, len(people) - 1)], "it", hub)
        a, b = v.shifts[s]
        rows.append(ITSupportShift(district=d, township=hub, start_hour=a / 60, end_hour=b / 60,
                                   cases=[cid for _, cid, _ in mine],
                                   members=[_member(p, "it", hub) for p in people]))
    return rows, of_case


def _case_roster(ctx, v: TracingVars, starts, duties) -> list[RosterEntry]:
    """One duty a day per investigator: from the first case's start to the last case's end."""
    inst = ctx.instance
    out = []
    for pid, items in sorted(duties.items()):
        p = v.people[pid].person
        items = sorted(items, key=lambda t: (starts[t[0]], v.cases[t[0]].id))
        town = v.cases[items[0][0]].township
        first = min(starts[i] for i, _ in items)
        last = max(starts[i] + v.work[i] for i, _ in items)
        out.append(RosterEntry(
            staff=pid, name=p.name, role=items[0][1], module="tracing",
            location=_case_list([v.cases[i].id for i, _ in items]), township=town, day=0,
            start_hour=first / 60, end_hour=last / 60,
            travel_min=round(staff_travel_min(inst, p.home_township, town), 1)))
    return out


def _case_list(ids: list[str]) -> str:
    """Case ids of one person's duty as the roster's location (at most 80 characters)."""
    text = ",".join(ids)
    k = len(ids)
    while len(text) > 80:
        k -= 1
        text = ",".join(ids[:k]) + f",+{len(ids) - k}"
    return text


def _on_call(ctx, v: TracingVars, staffing) -> list[OnCallShift]:
    need = ctx.instance.policy.tracing.on_call_teams
    out = []
    for s, (a, b) in enumerate(v.shifts):
        teams = []
        for (t, s2) in sorted(v.on_call):
            if s2 != s:
                continue
            epi = [p for p, _ in staffing.get(block((a, b), t, "epidemiologist"), [])]
            pol = [p for p, _ in staffing.get(block((a, b), t, "police"), [])]
            teams += [[_member(e, "epidemiologist", t), _member(q, "police", t)] for e, q in zip(epi, pol)]
        out.append(OnCallShift(start_hour=a / 60, end_hour=b / 60, required=need, teams=teams))
    return out


def _block_roster(ctx, v: TracingVars, staffing) -> list[RosterEntry]:
    """Roster rows of the counted tracing blocks: on call and IT support."""
    blocks = [(block(v.shifts[s], t, r), "on_call") for (t, s) in v.on_call for r in ("epidemiologist", "police")]
    blocks += [(block(v.shifts[s], v.it_hub[d], "it"), f"it_support_{d}") for (d, s) in v.it]
    out = []
    for b, where in sorted(blocks, key=lambda bw: bw[0]):
        for p, travel in staffing.get(b, []):
            out.append(RosterEntry(staff=p.id, name=p.name, role=b.role, module="tracing", location=where,
                                   township=b.township, day=0, start_hour=b.start_hour, end_hour=b.end_hour,
                                   travel_min=round(travel, 1)))
    return out
