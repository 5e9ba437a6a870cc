"""The executable spec: solver-free checks of every rule the modules enforce.

`verify(instance, plan) -> list[Violation]` recomputes everything from the instance and the
plan alone; it never imports the solver. Each `check_<rule>` states its rule in domain words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from models.instance import Instance
from models.plan import Plan
from optimizer.geometry import site_may_serve, staff_travel_min, walk_limit_min, walk_minutes
from optimizer.pool import availability, fills_role
from optimizer.sampling_rules import (
    desk_shift_capacity, people_to_sample, result_due_hours, result_hours, tubes_for,
)


@dataclass(frozen=True)
class Violation:
    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.where}: {self.message}"


def check_grid_service(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: each grid has one serving site, open, within walking range, sealed residents in-zone."""
    out = []
    opened = {o.site for o in plan.sampling.sites}
    sites = inst.by_id("sampling_sites")
    grids = inst.by_id("grids")
    seen = set()
    for row in plan.sampling.grids:
        w = f"grid {row.grid}"
        if row.grid not in grids:
            out.append(Violation("grid_service", w, "unknown grid"))
            continue
        if row.grid in seen:
            out.append(Violation("grid_service", w, "assigned twice (one site per grid)"))
        seen.add(row.grid)
        g = grids[row.grid]
        if row.people != people_to_sample(inst, g):
            out.append(Violation("grid_service", w, f"people {row.people} != {people_to_sample(inst, g)} due"))
        if row.site is None:
            if row.served:
                out.append(Violation("grid_service", w, "served without a site"))
            continue
        if row.site not in sites or row.site not in opened:
            out.append(Violation("grid_service", w, f"site {row.site} is not an opened site"))
            continue
        s = sites[row.site]
        if not site_may_serve(inst, g, s):
            minutes = walk_minutes(g.location, s.location, inst.policy)
            out.append(Violation("walk_limit", w, f"site {s.id} is {minutes:.1f} min away (limit "
                                 f"{walk_limit_min(inst, g)}) or outside the sealed zone"))
        if row.served > row.people or row.tubes != tubes_for(inst, g, row.served):
            out.append(Violation("grid_service", w, "served people or tubes inconsistent"))
    missing = {g.id for g in inst.grids if people_to_sample(inst, g) > 0} - seen
    for gid in sorted(missing):
        out.append(Violation("grid_service", f"grid {gid}", "missing from the plan"))
    return out


def check_site_capacity(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: people sampled at a site fit its staffed desks within the wait limit; desks fit the site."""
    out = []
    sites = inst.by_id("sampling_sites")
    shifts = {sh.name: sh for sh in inst.policy.sampling.shifts}
    served: dict[str, int] = defaultdict(int)
    for row in plan.sampling.grids:
        if row.site:
            served[row.site] += row.served
    for o in plan.sampling.sites:
        w = f"site {o.site}"
        if o.site not in sites:
            out.append(Violation("site_capacity", w, "unknown site"))
            continue
        if o.desks > sites[o.site].max_desks:
            out.append(Violation("site_capacity", w, f"{o.desks} desks > {sites[o.site].max_desks} the site holds"))
        cap = 0
        for name, n in o.desks_by_shift.items():
            if name not in shifts:
                out.append(Violation("site_capacity", w, f"unknown shift {name}"))
                continue
            if n > o.desks:
                out.append(Violation("site_capacity", w, f"{n} desks staffed in {name} > {o.desks} set up"))
            cap += n * desk_shift_capacity(inst.policy, shifts[name])
        if served[o.site] > cap:
            out.append(Violation("site_capacity", w, f"{served[o.site]} people > capacity {cap} within the wait limit"))
    return out


def check_desk_crews(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: every staffed desk has its crew by role (default 2 medical + 1 registrar)."""
    out = []
    have: dict[tuple[str, float, str], int] = defaultdict(int)
    shifts = {sh.name: sh for sh in inst.policy.sampling.shifts}
    for r in plan.roster:
        if r.module == "sampling":
            have[r.location, r.start_hour, r.role] += 1
    for o in plan.sampling.sites:
        for name, n in o.desks_by_shift.items():
            if name not in shifts:
                continue
            for role, per_desk in inst.policy.sampling.crew_per_desk.items():
                got = have[o.site, shifts[name].start_hour, role]
                if got < per_desk * n:
                    out.append(Violation("desk_crew", f"site {o.site} {name}",
                                         f"{got} {role}s for {n} desks (needs {per_desk * n})"))
    return out


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


def check_lab_capacity(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: every tube reaches a lab with capacity whose result comes within the deadline."""
    out = []
    labs = inst.by_id("labs")
    sites = inst.by_id("sampling_sites")
    produced: dict[str, int] = defaultdict(int)
    strictest: dict[str, int] = {}
    for row in plan.sampling.grids:
        if row.site and row.site in sites:
            town = sites[row.site].township
            produced[town] += row.tubes
            due = result_due_hours(inst, row.township)
            strictest[town] = min(strictest.get(town, due), due)
    sent: dict[str, int] = defaultdict(int)
    into: dict[str, int] = defaultdict(int)
    for f in plan.sampling.tube_flows:
        if f.lab not in labs:
            out.append(Violation("lab_capacity", f"lab {f.lab}", "unknown lab"))
            continue
        sent[f.township] += f.tubes
        into[f.lab] += f.tubes
        hours = result_hours(inst, f.township, labs[f.lab])
        if f.township in strictest and hours > strictest[f.township] + 1e-9:
            out.append(Violation("lab_turnaround", f"{f.township} -> {f.lab}",
                                 f"results after {hours:.1f} h > {strictest[f.township]} h due"))
    for town in sorted(set(produced) | set(sent)):
        if produced[town] != sent[town]:
            out.append(Violation("lab_capacity", f"township {town}", f"{produced[town]} tubes made, {sent[town]} sent"))
    for lab, n in sorted(into.items()):
        if n > labs[lab].daily_tube_capacity:
            out.append(Violation("lab_capacity", f"lab {lab}", f"{n} tubes > {labs[lab].daily_tube_capacity}"))
    return out


def check_shortages_declared(inst: Instance, plan: Plan) -> list[Violation]:
    """Every unsampled grid appears as a shortage line with its quantity and binding resource."""
    declared = {x.entity: x for x in plan.shortages if x.module == "sampling"}
    out = []
    for row in plan.sampling.grids:
        short = row.people - row.served
        x = declared.get(row.grid)
        if short and (x is None or round(x.quantity) != short or not x.binding_resource):
            out.append(Violation("shortage_declared", f"grid {row.grid}", f"{short} unsampled people not declared"))
    return out


CHECKS = (check_grid_service, check_site_capacity, check_desk_crews, check_staff_rules, check_lab_capacity,
          check_shortages_declared)


def verify(instance: Instance, plan: Plan) -> list[Violation]:
    """Every violation of every rule, in a stable order."""
    return [v for check in CHECKS for v in check(instance, plan)]
