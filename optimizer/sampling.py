"""Sampling sites (DOMAIN.md §1): which sites open, desks per shift, which site serves each
grid, crews from the staff pool, and tubes to labs.

The site/grid core is the facility-location model in `optimizer.facility` (the same one the
OR-Library and Holmberg benchmarks run through); this module adds what makes it sampling:
capacity from staffed desks, crews drawn from the pool, pooling into tubes and lab capacity.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from models.instance import Grid, SamplingSiteCandidate
from models.plan import GridAssignment, RosterEntry, SamplingSection, Shortage, SiteOpening, TubeFlow
from optimizer.context import BuildContext
from optimizer.facility import FacilityVars, add_facility_location
from optimizer.facility_problem import FacilityProblem
from optimizer.geometry import serving_sites
from optimizer.pool import Block
from optimizer.sampling_diagnosis import shortage_lines
from optimizer.sampling_greedy import warm_start  # noqa: F401  (the module's warm start)
from optimizer.sampling_repack import repack  # noqa: F401  (the tiers' re-packing of full sites)
from optimizer.sampling_rules import (
    desk_shift_capacity, is_critical, people_to_sample, result_due_hours, result_hours, shift_label,
    tubes_for,
)


POLISH = ("critical",)  # the first tier starts from the sites and desks re-solved by HiGHS (optimizer/polish.py):
# on the demo the warm start's 6,798 high-risk residents unsampled fall to ~5,830 in 1-1.3 s (the module's
# own bound is 5,826); for the lower tiers HiGHS found nothing better within 10 s
REPACK = ("critical", "routine")  # after the polish, the grids of full sites re-packed (optimizer/sampling_repack.py): on
# the demo 5,920 high-risk residents unsampled became 5,826, the bound; HiGHS's RENS box had kept the LP's packing
WARM_ORDER = 20  # warm starts take staff from the shared ledger in this order (optimizer/solve.py)


@dataclass
class SamplingVars:
    grids: list[Grid]
    people: list[int]
    tubes: list[int]
    critical: list[bool]
    sites: list[SamplingSiteCandidate]
    walk: list[dict[int, float]]
    fl: FacilityVars
    desks: list[cp_model.IntVar]
    staffed: dict[tuple[int, int], cp_model.IntVar]  # (site, shift) -> staffed desks
    flows: dict[tuple[str, str], cp_model.IntVar]  # (site township, lab) -> tubes


def build(ctx: BuildContext) -> SamplingVars | None:
    """Add the sampling module to the shared model; None when there is nothing to sample."""
    inst, model = ctx.instance, ctx.model
    order = sorted(range(len(inst.grids)), key=lambda k: inst.grids[k].id)
    order = [k for k in order if people_to_sample(inst, inst.grids[k]) > 0]
    grids = [inst.grids[k] for k in order]
    sites = inst.sampling_sites
    if not grids:
        return None
    pol = inst.policy.sampling
    shifts = pol.shifts
    people = [people_to_sample(inst, g) for g in grids]
    tubes = [tubes_for(inst, g, n) for g, n in zip(grids, people)]
    critical = [is_critical(inst, g) for g in grids]
    reach = serving_sites(inst)
    walk = [reach[k] for k in order]
    cap_per_desk = [desk_shift_capacity(inst.policy, sh) for sh in shifts]

    problem = FacilityProblem(
        capacities=[s.max_desks * sum(cap_per_desk) for s in sites],
        fixed_costs=[pol.site_open_cost if s.open_cost is None else s.open_cost for s in sites],
        demands=people,
        costs=[{j: round(m) for j, m in w.items()} for w in walk],  # a yuan per walking minute: nearer is better
        single_source=True,  # one site per grid
        unserved_penalty=[1] * len(grids),  # priced by tier below, not here
        name="sampling",
    )
    staffed = {(j, t): model.new_int_var(0, s.max_desks, f"desks[{s.id},{shifts[t].name}]")
               for j, s in enumerate(sites) for t in range(len(shifts))}
    fl = add_facility_location(
        model, problem, name="sampling",
        capacity_exprs=[sum(cap_per_desk[t] * staffed[j, t] for t in range(len(shifts))) for j in range(len(sites))])
    desks = []
    for j, s in enumerate(sites):
        d = model.new_int_var(0, s.max_desks, f"desks[{s.id}]")
        ctx.enforce(model.add(d <= s.max_desks * fl.is_open(j)), lambda s=s: (
            f"sampling.desks site {s.id}", [f"{ctx.where('sampling_sites', s.id)}.max_desks = {s.max_desks}"]))
        for t in range(len(shifts)):
            model.add(staffed[j, t] <= d)
        desks.append(d)
    _add_crews(ctx, sites, staffed)
    flows = _add_lab_capacity(ctx, grids, tubes, sites, walk, fl)

    unsampled = {True: [], False: []}
    for i in range(len(grids)):
        unsampled[critical[i]].append(people[i] * fl.unserved(i))
    ctx.add_term("critical", "sampling.high_risk_unsampled", sum(unsampled[True]))
    ctx.add_term("routine", "sampling.routine_unsampled", sum(unsampled[False]))
    ctx.add_term("cost", "sampling.sites_opened", fl.terms["fixed_cost"])
    ctx.add_term("cost", "sampling.desks", pol.desk_cost * sum(desks))
    ctx.add_term("cost", "sampling.walking", fl.terms["assignment_cost"])
    return SamplingVars(grids, people, tubes, critical, sites, walk, fl, desks, staffed, flows)


def _add_crews(ctx: BuildContext, sites, staffed) -> None:
    """Hard: every staffed desk has its crew (default 2 medical + 1 registrar) from the pool."""
    shifts = ctx.instance.policy.sampling.shifts
    by_town: dict[str, list[int]] = defaultdict(list)
    for j, s in enumerate(sites):
        by_town[s.township].append(j)
    for town, js in sorted(by_town.items()):
        for t, sh in enumerate(shifts):
            for role, per_desk in sorted(ctx.instance.policy.sampling.crew_per_desk.items()):
                if per_desk:
                    block = Block(0, sh.start_hour, sh.end_hour, town, role, "sampling")
                    ctx.pool.staff(block, per_desk * sum(staffed[j, t] for j in js))


def _add_lab_capacity(ctx: BuildContext, grids, tubes, sites, walk, fl) -> dict:
    """Hard: every tube goes to a lab with capacity left whose result comes in time."""
    inst, model = ctx.instance, ctx.model
    labs = sorted(inst.labs, key=lambda lab: lab.id)
    town_tubes: dict[str, list] = defaultdict(list)
    strictest: dict[str, int] = {}
    for i, g in enumerate(grids):
        for j in walk[i]:
            town = sites[j].township
            town_tubes[town].append(tubes[i] * fl.assign(i, j))
            due = result_due_hours(inst, g.township)
            strictest[town] = min(strictest.get(town, due), due)
    flows: dict[tuple[str, str], cp_model.IntVar] = {}
    for town, parts in sorted(town_tubes.items()):
        ok = [lab for lab in labs if result_hours(inst, town, lab) <= strictest[town] + 1e-9]
        total = sum(parts)
        for lab in ok:
            flows[town, lab.id] = model.new_int_var(0, lab.daily_tube_capacity, f"tubes[{town},{lab.id}]")
        ctx.enforce(model.add(sum(flows[town, lab.id] for lab in ok) == total), lambda town=town, ok=ok: (
            f"sampling.tubes_to_labs {town}",
            [f"labs with results in time ({strictest[town]} h): {', '.join(lab.id for lab in ok) or 'none'}"]))
    for lab in labs:
        into = [v for (t, lid), v in flows.items() if lid == lab.id]
        if into:
            ctx.enforce(model.add(sum(into) <= lab.daily_tube_capacity), lambda lab=lab: (
                f"sampling.lab_capacity {lab.id}",
                [f"{ctx.where('labs', lab.id)}.daily_tube_capacity = {lab.daily_tube_capacity}"]))
    return flows


def extract(ctx: BuildContext, v: SamplingVars, solver: cp_model.CpSolver, staffing: dict
            ) -> tuple[SamplingSection, list[RosterEntry], list[Shortage]]:
    """Read the sampling section, its roster rows and its shortage lines from a solution."""
    inst = ctx.instance
    shifts = inst.policy.sampling.shifts
    sol = v.fl.extract(solver)
    site_people: dict[int, int] = defaultdict(int)
    site_tubes: dict[int, int] = defaultdict(int)
    rows: list[GridAssignment] = []
    for i, g in enumerate(v.grids):
        j = sol.site_of(i)
        if j is not None:
            site_people[j] += v.people[i]
            site_tubes[j] += v.tubes[i]
        rows.append(GridAssignment(
            grid=g.id, township=g.township, site=None if j is None else v.sites[j].id, people=v.people[i],
            served=0 if j is None else v.people[i], walk_min=None if j is None else round(v.walk[i][j], 1),
            tubes=0 if j is None else v.tubes[i]))
    openings, roster = [], []
    crew = inst.policy.sampling.crew_per_desk
    for j, s in enumerate(v.sites):
        per_shift = {sh.name: solver.value(v.staffed[j, t]) for t, sh in enumerate(shifts)}
        if not solver.value(v.fl.is_open(j)):
            continue
        cap = sum(desk_shift_capacity(inst.policy, sh) * per_shift[sh.name] for sh in shifts)
        staffed_total = sum(per_shift.values())
        openings.append(SiteOpening(
            site=s.id, township=s.township, desks=solver.value(v.desks[j]), desks_by_shift=per_shift,
            opening=", ".join(shift_label(sh) for sh in shifts if per_shift[sh.name]) or "-",
            people=site_people[j], capacity=cap, tubes=site_tubes[j],
            samplers=crew.get("sampler", 0) * staffed_total, registrars=crew.get("registrar", 0) * staffed_total))
    roster = _roster(inst, v, solver, staffing)
    flows = [TubeFlow(township=t, lab=lab, tubes=solver.value(x),
                      result_hours=round(result_hours(inst, t, inst.by_id("labs")[lab]), 2))
             for (t, lab), x in sorted(v.flows.items()) if solver.value(x)]
    shortages = shortage_lines(inst, v, sol, openings, flows)
    return SamplingSection(sites=openings, grids=rows, tube_flows=flows), roster, shortages


def _roster(inst, v: SamplingVars, solver, staffing: dict) -> list[RosterEntry]:
    """Hand the people of each township's blocks to its sites, desk by desk, in id order."""
    shifts = inst.policy.sampling.shifts
    crew = inst.policy.sampling.crew_per_desk
    out: list[RosterEntry] = []
    for t, sh in enumerate(shifts):
        for role, per_desk in sorted(crew.items()):
            by_town: dict[str, list[int]] = defaultdict(list)
            for j, s in enumerate(v.sites):
                by_town[s.township].append(j)
            for town, js in sorted(by_town.items()):
                people = list(staffing.get(Block(0, sh.start_hour, sh.end_hour, town, role, "sampling"), []))
                for j in js:
                    need = per_desk * solver.value(v.staffed[j, t])
                    for person, travel in people[:need]:
                        out.append(RosterEntry(
                            staff=person.id, name=person.name, role=role, module="sampling", location=v.sites[j].id,
                            township=town, day=0, start_hour=sh.start_hour, end_hour=sh.end_hour,
                            travel_min=round(travel, 1)))
                    people = people[need:]
    return out

