"""Quantities the tracing model and `verify` both derive (DOMAIN.md §2), in minutes.

Time unit: integer minutes from 00:00 of day 0 (the instance gives hours; times of day are
whole hours there, so the conversion is exact). The plan covers day 0: a team works within
[00:00, 24:00]; a case reported yesterday is traced from 00:00 at the earliest.

- workload: the interview (core information in at its end), then one notification per
  contact; the full report is done when the last contact is notified;
- deadlines: core information `core_info_hours` and full report `full_report_hours` after
  the report;
- lateness: per deadline, whole hours rounded up; a case not started on day 0 counts as
  started at 24:00 (its earliest possible start), so leaving it is never cheaper than
  tracing it late.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.instance import Instance, StaffMember, TracingCase
from optimizer.geometry import staff_travel_min
from optimizer.pool import availability, fills_role

DAY_START = 0
DAY_END = 24 * 60
ROLES = ("epidemiologist", "police")
"""The roles every case team needs one of (三公联动); IT support comes from the district rota."""


def has_tracing(inst: Instance) -> bool:
    """Whether the plan has tracing at all: cases, or an on-call rota and someone to stand by."""
    return bool(inst.cases) or (inst.policy.tracing.on_call_teams > 0
                                and any(can_fill(inst, p, "epidemiologist") for p in inst.staff))


def workload_min(inst: Instance, case: TracingCase) -> int:
    """Minutes of team work: the interview plus a notification per contact."""
    tp = inst.policy.tracing
    return tp.interview_min_per_case + case.estimated_contacts * tp.notify_min_per_contact


def core_info_offset_min(inst: Instance) -> int:
    """Minutes from the team's start until the core information is in (the interview)."""
    return inst.policy.tracing.interview_min_per_case


def report_min(case: TracingCase) -> int:
    return case.report_hour * 60


def core_due_min(inst: Instance, case: TracingCase) -> int:
    return report_min(case) + inst.policy.tracing.core_info_hours * 60


def report_due_min(inst: Instance, case: TracingCase) -> int:
    return report_min(case) + inst.policy.tracing.full_report_hours * 60


def earliest_start_min(case: TracingCase) -> int:
    """Not before the report, nor before the plan's day begins."""
    return max(DAY_START, report_min(case))


def late_hours(done_min: float, due_min: float) -> int:
    """Whole hours late, rounded up (0 when on time)."""
    return max(0, math.ceil((done_min - due_min) / 60 - 1e-9))


def lateness(inst: Instance, case: TracingCase, start_min: float | None) -> tuple[int, int]:
    """(core-information hours late, full-report hours late) for a team starting at `start_min`;
    None: not traced on day 0, counted as started at 24:00."""
    start = DAY_END if start_min is None else start_min
    return (late_hours(start + core_info_offset_min(inst), core_due_min(inst, case)),
            late_hours(start + workload_min(inst, case), report_due_min(inst, case)))


def shifts(inst: Instance) -> list[tuple[int, int]]:
    """On-call and IT-support shifts of day 0 as (start, end) minutes, from 00:00."""
    step = inst.policy.tracing.shift_hours * 60
    return [(s, min(s + step, DAY_END)) for s in range(DAY_START, DAY_END, step)]


def shift_of(inst: Instance, minute: float) -> int:
    """Index of the shift a case starting at `minute` falls in."""
    return min(int(max(0, minute - DAY_START) // (inst.policy.tracing.shift_hours * 60)), len(shifts(inst)) - 1)


def district_of(inst: Instance, township: str) -> str:
    return inst.by_id("townships")[township].district


def it_hub(inst: Instance, district: str) -> str:
    """Township a district's IT support works from: the one with most cases (then first id)."""
    count: dict[str, int] = {}
    for c in inst.cases:
        if district_of(inst, c.township) == district:
            count[c.township] = count.get(c.township, 0) + 1
    if not count:
        return min(t.id for t in inst.townships if t.district == district)
    return min(count, key=lambda t: (-count[t], t))


@dataclass(frozen=True)
class Duty:
    """What the staff rules allow one person on a tracing duty in a township (minutes)."""

    earliest: int  # earliest start at the duty township, after the minimum rest
    travel: int  # one way, home to the duty township, rounded up
    span: int  # longest duty from first start to last end, travel both ways taken off


def duty_limits(inst: Instance, person: StaffMember, township: str) -> Duty | None:
    """The person's tracing duty in `township` on day 0, or None if the staff rules forbid it
    (closed loop, day off, commute too long, no time left in the day)."""
    if person.closed_loop_site is not None:
        return None
    start_h, days_left = availability(inst, person)
    if days_left == 0:
        return None
    travel = staff_travel_min(inst, person.home_township, township)
    if travel > inst.policy.staff.max_commute_min + 1e-9:
        return None
    trip = math.ceil(travel - 1e-9)
    earliest = max(DAY_START, math.ceil(start_h * 60 - 1e-9)) if start_h > -1e8 else DAY_START
    span = person.hours_per_day * 60 - 2 * trip
    if span <= 0 or earliest >= DAY_END:
        return None
    return Duty(earliest, trip, span)


def can_fill(inst: Instance, person: StaffMember, role: str) -> bool:
    return fills_role(frozenset(person.skills), role, inst)
