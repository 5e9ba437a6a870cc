"""Why a grid goes unsampled: the binding resource behind each sampling shortage line."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from models.plan import Shortage, SiteOpening, TubeFlow
from optimizer.geometry import walk_limit_min
from optimizer.sampling_rules import result_due_hours, result_hours

if TYPE_CHECKING:
    from optimizer.facility_problem import FacilitySolution
    from optimizer.sampling import SamplingVars


def binding_resource(inst, v: "SamplingVars", i: int, opened: dict[str, SiteOpening],
                     lab_left: dict[str, int]) -> str:
    """The first resource, in the order a planner checks them, that stops grid i being served."""
    g = v.grids[i]
    town = inst.by_id("townships")[g.township]
    if not v.walk[i]:
        where = "inside the sealed zone" if town.sealed else f"within the {walk_limit_min(inst, g)}-min walk"
        return f"no candidate sampling site {where}"
    candidates = [v.sites[j] for j in sorted(v.walk[i], key=v.walk[i].get)]
    shifts = inst.policy.sampling.shifts
    full = [s for s in candidates
            if s.id in opened and all(opened[s.id].desks_by_shift.get(sh.name, 0) >= s.max_desks for sh in shifts)]
    if len(full) == len(candidates):
        return "desks: every site in walking range is at its maximum (" + ", ".join(s.id for s in full[:3]) + ")"
    due = result_due_hours(inst, g.township)
    towns = {s.township for s in candidates}
    labs = [lab for lab in inst.labs if any(result_hours(inst, t, lab) <= due for t in towns)]
    if not labs:
        return f"labs: none returns results within {due} h"
    if all(lab_left.get(lab.id, 0) < v.tubes[i] for lab in labs):
        return "lab tubes: " + ", ".join(sorted(lab.id for lab in labs)[:3]) + " at daily capacity"
    return "trained samplers/registrars within commuting range of " + ", ".join(sorted(towns)[:3])


def shortage_lines(inst, v: "SamplingVars", sol: "FacilitySolution", openings: list[SiteOpening],
                   flows: list[TubeFlow]) -> list[Shortage]:
    """One shortage line per unsampled grid, naming its binding resource."""
    opened = {o.site: o for o in openings}
    used: dict[str, int] = defaultdict(int)
    for f in flows:
        used[f.lab] += f.tubes
    lab_left = {lab.id: lab.daily_tube_capacity - used[lab.id] for lab in inst.labs}
    lines = []
    for i, g in enumerate(v.grids):
        if sol.site_of(i) is not None:
            continue
        lines.append(Shortage(
            module="sampling", tier="critical" if v.critical[i] else "routine",
            what="residents not sampled", township=g.township, entity=g.id, quantity=v.people[i],
            unit="people", binding_resource=binding_resource(inst, v, i, opened, lab_left)))
    return lines
