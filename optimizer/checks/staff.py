"""Solver-free checks of the staff-pool rules every module shares."""

from __future__ import annotations

from collections import defaultdict

from models.instance import Instance
from models.plan import Plan
from optimizer.checks.violation import Violation
from optimizer.geometry import staff_travel_min
from optimizer.pool import availability, fills_role


def check_staff_rules(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: skill match, relief only in low-skill roles, one block a day, hours with travel, rest,
    day off after N days in a row, closed-loop staff nowhere else, commuting limit."""
    out = []
    staff = inst.by_id("staff")
    sp = inst.policy.staff
    per_day: dict[tuple[str, int], list] = defaultdict(list)
    for r in plan.roster:
        w = f"staff {r.staff}"
        p = staff.get(r.staff)
        if p is None:
            out.append(Violation("staff_skill", w, "unknown person"))
            continue
        if not fills_role(frozenset(p.skills), r.role, inst):
            out.append(Violation("staff_skill", w, f"skills {p.skills} cannot fill role {r.role}"))
        if p.closed_loop_site is not None and r.location != p.closed_loop_site:
            out.append(Violation("closed_loop", w, f"closed-loop at {p.closed_loop_site}, rostered at {r.location}"))
        start, days_left = availability(inst, p)
        if r.day >= days_left:
            out.append(Violation("day_off", w, f"due a day off after {p.days_in_row} days in a row"))
        if r.day * 24 + r.start_hour < start - 1e-9:
            out.append(Violation("rest", w, f"starts before {sp.min_rest_hours} h of rest since the last duty"))
        travel = staff_travel_min(inst, p.home_township, r.township)
        if travel > sp.max_commute_min + 1e-9:
            out.append(Violation("commute", w, f"{travel:.0f} min from home > {sp.max_commute_min}"))
        if r.end_hour - r.start_hour + 2 * travel / 60 > p.hours_per_day + 1e-9:
            out.append(Violation("hours_per_day", w, f"duty plus travel exceeds {p.hours_per_day} h"))
        per_day[r.staff, r.day].append(r)
    for (sid, day), rows in sorted(per_day.items()):
        if len(rows) > 1:
            out.append(Violation("one_block_per_day", f"staff {sid}", f"{len(rows)} duties on day {day}"))
    return out


CHECKS = (check_staff_rules,)
