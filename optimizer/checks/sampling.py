"""Solver-free checks of the sampling rules (DOMAIN.md §1)."""

from __future__ import annotations

from collections import defaultdict

from models.instance import Instance
from models.plan import Plan
from optimizer.checks.violation import Violation
from optimizer.geometry import site_may_serve, walk_limit_min, walk_minutes
from optimizer.sampling_rules import (
    desk_shift_capacity, people_to_sample, result_due_hours, result_hours, tubes_for,
)


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


CHECKS = (check_grid_service, check_site_capacity, check_desk_crews, check_lab_capacity, check_shortages_declared)
