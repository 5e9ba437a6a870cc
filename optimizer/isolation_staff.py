"""Day-0 site staff of the isolation module: closed-loop rotation first, the shared pool after.

Hard: every shift of day 0, a site holding people has doctors and nurses per 50 isolated or
part of 50 (Zhengzhou: 2 + 2) and its non-medical staff. The site's own closed-loop people are
assigned by name (one shift a day each, rest and day-off rules as in the pool); what they
cannot cover is drawn from the pool as counted blocks `Block(0, shift, township, role,
"isolation")`. People sent from the pool join the site's closed loop from day 0.

Days 1..H-1 are not staffed by name: their requirement is reported per site and day in the
occupancy rows (see docs/isolation.md). Where not even the current occupants can be covered,
the gap is a declared critical shortage, never a broken rule; it may not be used to admit
anyone new (`short <= what the occupants alone need`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.instance import StaffMember
from models.plan import RosterEntry
from optimizer.context import BuildContext
from optimizer.isolation_rules import (
    KINDS, MEDICAL, NONMEDICAL, horizon, kind_roles, occupants_on, role_for, shifts, staff_needed,
)
from optimizer.pool import Block, StaffGroup, availability, block_fits


@dataclass
class SiteStaffVars:
    sites: list[int] = field(default_factory=list)  # site indexes that may hold people on day 0
    people0: dict[int, cp_model.LinearExprT] = field(default_factory=dict)
    occupants0: dict[int, int] = field(default_factory=dict)
    crews: dict[int, list[list[StaffMember]]] = field(default_factory=dict)  # site -> closed-loop groups
    closed: dict[tuple[int, int, int, str], cp_model.IntVar] = field(default_factory=dict)  # (site, crew, shift, kind)
    top: dict[tuple[int, int, str], cp_model.IntVar] = field(default_factory=dict)  # (site, shift, kind) from pool
    short: dict[tuple[int, int, str], cp_model.IntVar] = field(default_factory=dict)  # (site, shift, kind)


def pool_role(inst, kind: str) -> str:
    return kind if kind in MEDICAL else inst.policy.isolation.nonmedical_roles[0]


def _crews(inst, site_id: str, closed_loop: list[StaffMember]) -> list[list[StaffMember]]:
    """The site's closed-loop people in interchangeable crews (same skills, hours, availability)."""
    by_key: dict[tuple, list[StaffMember]] = defaultdict(list)
    for p in closed_loop:
        start, days_left = availability(inst, p)
        by_key[(tuple(sorted(p.skills)), p.hours_per_day, start, days_left, p.home_township)].append(p)
    return [by_key[k] for k in sorted(by_key)]


def _fits(inst, person: StaffMember, block: Block) -> bool:
    start, days_left = availability(inst, person)
    g = StaffGroup((), person.home_township, frozenset(person.skills), person.hours_per_day, start, days_left)
    return block_fits(inst, g, block)


def add_site_staff(ctx: BuildContext, v) -> SiteStaffVars:
    """Hard: day-0 staff per shift at every site holding people (see the module docstring)."""
    inst, model = ctx.instance, ctx.model
    out = SiteStaffVars()
    day0 = [g for g, grp in enumerate(v.groups) if grp.day == 0]
    max_rooms = max((s.rooms for s in v.sites), default=0)
    weight = max(1, 2 * max_rooms * horizon(inst))  # above the person-days one person-shift could house
    top_by_block: dict[tuple[str, int, str], list] = defaultdict(list)
    closed_loop: dict[str, list[StaffMember]] = defaultdict(list)  # as pool.closed_loop(site), indexed once
    for p in sorted(inst.staff, key=lambda p: p.id):
        if p.closed_loop_site is not None:
            closed_loop[p.closed_loop_site].append(p)
    day_shifts = shifts(inst)
    per_unit = staff_needed(inst, 50)
    for s, site in enumerate(v.sites):
        occ = sum(occupants_on(site, 0).values())
        arrivals = [g for g in day0 if s in v.groups[g].sites]
        most = occ + min(sum(v.groups[g].people for g in arrivals), 2 * sum(v.groups[g].room[s] for g in arrivals))
        if most == 0:
            continue
        out.sites.append(s)
        people0 = occ + sum(v.people(g, s) for g in arrivals)
        out.people0[s], out.occupants0[s] = people0, occ
        units = model.new_int_var(0, math.ceil(most / 50), f"units50[{site.id}]")
        model.add(50 * units >= people0)
        if occ:
            is_open = 1
        else:
            is_open = model.new_bool_var(f"open0[{site.id}]")
            model.add(people0 <= most * is_open)
        need_most, need_occ = staff_needed(inst, most), staff_needed(inst, occ)
        crews = out.crews[s] = _crews(inst, site.id, closed_loop[site.id])
        fits = [{(t, kind): role for t, (start, end) in enumerate(day_shifts) for kind in KINDS
                 if (role := role_for(inst, crew[0], kind))
                 and _fits(inst, crew[0], Block(0, start, end, site.township, role, "isolation"))} for crew in crews]
        for kind in KINDS:
            if not need_most[kind]:
                continue
            # people able to take this kind in any shift and no other kind: if they alone cover the
            # most the site may need, the pool is never asked (keeps a city's model small)
            dedicated = sum(len(crew) for crew, f in zip(crews, fits)
                            if all((t, kind) in f for t in range(len(day_shifts)))
                            and all(k == kind for (_, k) in f))
            ask_pool = dedicated < len(day_shifts) * need_most[kind]
            for t, (start, end) in enumerate(day_shifts):
                need = per_unit[kind] * units if kind in MEDICAL else need_most[kind] * is_open
                cover = []
                for c, crew in enumerate(crews):
                    if (t, kind) in fits[c]:
                        x = out.closed[s, c, t, kind] = model.new_int_var(
                            0, len(crew), f"closed[{site.id},{c},{t},{kind}]")
                        cover.append(x)
                if ask_pool:
                    top = out.top[s, t, kind] = model.new_int_var(0, need_most[kind], f"top[{site.id},{t},{kind}]")
                    cover.append(top)
                    top_by_block[site.township, t, kind].append(top)
                if need_occ[kind]:
                    short = out.short[s, t, kind] = model.new_int_var(
                        0, need_occ[kind], f"staff_short[{site.id},{t},{kind}]")
                    cover.append(short)
                model.add(sum(cover) >= need)
        for c, crew in enumerate(crews):
            mine = [x for (ss, cc, _, _), x in out.closed.items() if ss == s and cc == c]
            if mine:
                model.add(sum(mine) <= len(crew))  # one shift a day per person
    for (town, t, kind), tops in sorted(top_by_block.items()):
        start, end = day_shifts[t]
        ctx.pool.staff(Block(0, start, end, town, pool_role(inst, kind), "isolation"), sum(tops))
    ctx.add_term("critical", "isolation.site_staff_short", weight * sum(out.short.values()))
    return out


def staff_roster(ctx: BuildContext, v, solver: cp_model.CpSolver, staffing: dict) -> list[RosterEntry]:
    """Day-0 roster rows: closed-loop people by name in id order, then the pool's people per block."""
    inst, sv = ctx.instance, v.staff
    rows: list[RosterEntry] = []
    if sv is None:
        return rows
    pool_left: dict[Block, list] = {}
    for s in sv.sites:
        site = v.sites[s]
        next_free = defaultdict(int)
        for t, (start, end) in enumerate(shifts(inst)):
            for kind in KINDS:
                for c, crew in enumerate(sv.crews.get(s, [])):
                    x = sv.closed.get((s, c, t, kind))
                    n = solver.value(x) if x is not None else 0
                    for p in crew[next_free[c]: next_free[c] + n]:
                        rows.append(RosterEntry(staff=p.id, name=p.name, role=role_for(inst, p, kind),
                                                module="isolation", location=site.id, township=site.township,
                                                day=0, start_hour=start, end_hour=end))
                    next_free[c] += n
                top = sv.top.get((s, t, kind))
                n = solver.value(top) if top is not None else 0
                if n:
                    block = Block(0, start, end, site.township, pool_role(inst, kind), "isolation")
                    people = pool_left.setdefault(block, list(staffing.get(block, [])))
                    for p, travel in people[:n]:
                        rows.append(RosterEntry(staff=p.id, name=p.name, role=block.role, module="isolation",
                                                location=site.id, township=site.township, day=0,
                                                start_hour=start, end_hour=end, travel_min=round(travel, 1)))
                    del people[:n]
    return rows


def short_person_shifts(v, solver: cp_model.CpSolver) -> dict[tuple[int, str], int]:
    """(site, kind) -> person-shifts of day 0 the current occupants lack."""
    out: dict[tuple[int, str], int] = defaultdict(int)
    if v.staff is not None:
        for (s, _t, kind), x in v.staff.short.items():
            out[s, kind] += solver.value(x)
    return {k: n for k, n in out.items() if n}


__all__ = ["KINDS", "NONMEDICAL", "SiteStaffVars", "add_site_staff", "kind_roles", "short_person_shifts",
           "staff_roster"]
