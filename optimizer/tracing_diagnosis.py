"""Why a case is late or a shift short of on-call teams: the tracing shortage lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from models.plan import Shortage
from models.plan_tracing import TracingSection
from optimizer.tracing_rules import (
    DAY_START,
    ROLES,
    district_of,
    earliest_start_min,
    lateness,
)

if TYPE_CHECKING:
    from optimizer.context import BuildContext
    from optimizer.tracing import TracingVars

PLURAL = {"epidemiologist": "epidemiologists", "police": "police officers", "it": "IT supporters"}


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _busy_elsewhere(i: int, counted: set[str], duties: dict) -> set[str]:
    """People on a counted block today or on another case than case i."""
    return counted | {pid for pid, items in duties.items() if any(k != i for k, _ in items)}


def binding_resource(ctx: BuildContext, v: TracingVars, i: int, late: int, counted: set[str],
                     duties: dict, section: TracingSection) -> str:
    """The first resource, in the order a planner checks them, that makes case i late."""
    inst = ctx.instance
    c = v.cases[i]
    if sum(lateness(inst, c, earliest_start_min(c))) >= late:
        if c.report_hour * 60 < DAY_START:
            return "reported before the plan's day: tracing starts at 00:00 at the earliest"
        return f"case workload: {v.work[i] / 60:.1f} h of interview and notifications"
    used = _busy_elsewhere(i, counted, duties)
    short = []
    for role in ROLES:
        who = [pid for (k, pid) in v.assign.get(role, {}) if k == i]
        if not who or all(pid in used for pid in who):
            short.append(f"{PLURAL[role]} within commuting range of {c.township}")
    if short:
        return "; ".join(short)
    d = district_of(inst, c.township)
    it_rows = [r for r in section.it_support if r.district == d]
    per = inst.policy.tracing.it_cases_per_shift
    if not it_rows or all(len(r.cases) >= per * len(r.members) for r in it_rows):
        return f"IT support on duty in district {d}"
    rested = [min(v.people[pid].duty[c.township].earliest for (k, pid) in v.assign[role] if k == i
                  and pid not in used) for role in ROLES]
    if max(rested) > earliest_start_min(c):
        return f"investigators rested only from {clock(max(rested))} within commuting range of {c.township}"
    return "solve time: free investigators remain; a longer solve may trace this case sooner"


def case_shortages(ctx: BuildContext, v: TracingVars, section: TracingSection, staffing: dict,
                   duties: dict) -> list[Shortage]:
    """One critical line per case late on either deadline (or not traced today)."""
    counted = {p.id for people in staffing.values() for p, _ in people}
    out = []
    for i, row in enumerate(section.assignments):
        late = row.core_late_hours + row.report_late_hours
        if not late:
            continue
        out.append(Shortage(
            module="tracing", tier="critical",
            what="case traced late" if row.start_hour is not None else "case not traced today",
            township=row.township, entity=row.case, quantity=late, unit="hours",
            binding_resource=binding_resource(ctx, v, i, late, counted, duties, section)))
    return out


def on_call_shortages(section: TracingSection) -> list[Shortage]:
    """One critical line per shift with fewer on-call teams than the policy asks."""
    out = []
    for s in section.on_call:
        missing = s.required - len(s.teams)
        if missing > 0:
            span = f"{clock(round(s.start_hour * 60))}-{clock(round(s.end_hour * 60))}"
            out.append(Shortage(
                module="tracing", tier="critical", what=f"on-call teams short {span}", township=None,
                entity=None, quantity=missing, unit="teams",
                binding_resource="epidemiologists and police officers free for the whole shift"))
    return out

