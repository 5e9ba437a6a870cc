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
    KINDS, MEDICAL, NONMEDICAL, horizon, kind_roles, occupants_on, role_for, shifts, staff_needed, usable_rooms,
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
    penalty: cp_model.LinearExprT = 0  # critical: weighted person-shifts short
    penalty_most: int = 0


def pool_role(inst, kind: str) -> str:
    return kind if kind in MEDICAL else inst.policy.isolation.nonmedical_roles[0]


def _crews(inst, site, closed_loop: list[StaffMember]) -> tuple[list[list[StaffMember]], list[dict]]:
    """The site's closed-loop people in crews of people who fit the same (shift, kind) duties,
    each crew with its duties {(shift, kind): role}; people who fit none are left out."""
    by_sig: dict[tuple, list[StaffMember]] = defaultdict(list)
    sig_roles: dict[tuple, dict] = {}
    known: dict[tuple, dict] = {}  # people alike in what decides their duties have the same ones
    for p in closed_loop:
        alike = (frozenset(p.skills), p.hours_per_day, p.days_in_row, p.last_shift_end_hour, p.home_township)
        if alike not in known:
            known[alike] = {(t, kind): role for t, (start, end) in enumerate(shifts(inst)) for kind in KINDS
                            if (role := role_for(inst, p, kind))
                            and _fits(inst, p, Block(0, start, end, site.township, role, "isolation"))}
        duties = known[alike]
        if duties:
            sig = tuple(sorted(duties.items()))
            by_sig[sig].append(p)
            sig_roles[sig] = duties
    keys = sorted(by_sig)
    return [by_sig[k] for k in keys], [sig_roles[k] for k in keys]


def _crew_covers(crews, fits, kind: str, need: int, n_shifts: int) -> bool:
    """Whether the people of the crews who take only this kind can fill `need` in every shift,
    one shift each (a greedy check: scarce shifts first, least flexible people first)."""
    people = [[t for t in range(n_shifts) if (t, kind) in f] for crew, f in zip(crews, fits)
              if all(k == kind for (_, k) in f) for _ in crew]
    left = {t: need for t in range(n_shifts)}
    for options in sorted(people, key=len):
        open_shifts = [t for t in options if left[t]]
        if open_shifts:
            t = min(open_shifts, key=lambda t: (sum(t in o for o in people), t))
            left[t] -= 1
    return not any(left.values())


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
        arriving = sum(v.groups[g].people for g in arrivals)
        most = occ + min(arriving,
                         sum(v.groups[g].room[s] + min(v.groups[g].carers, v.groups[g].room[s]) for g in arrivals),
                         # diagnosing: the rooms are the (guarded) room balance's to cap, not this bound's
                         arriving if ctx.diagnosing else 2 * max(0, usable_rooms(inst, site, 0, True) - occ))
        if most == 0:
            continue
        out.sites.append(s)
        people0 = occ + sum(v.people(g, s) for g in arrivals)
        out.people0[s], out.occupants0[s] = people0, occ
        # people0 >= occ, so the occupants alone fix the least number of units (a bound the LP needs)
        units = model.new_int_var(math.ceil(occ / 50), math.ceil(most / 50), f"units50[{site.id}]")
        # exactly the units the people need (per 50 or part of 50) and open exactly when someone
        # is there: staff counts follow the rooms, so a solve that only minimises shortages (the
        # critical tier) cannot leave spare units or shifts for the cost tier to clean up
        model.add(50 * units >= people0)
        model.add(50 * units <= people0 + 49)
        if occ:
            is_open = 1
        else:
            is_open = model.new_bool_var(f"open0[{site.id}]")
            model.add(people0 <= most * is_open)
            model.add(people0 >= is_open)
        need_most, need_occ = staff_needed(inst, most), staff_needed(inst, occ)
        crews, fits = _crews(inst, site, closed_loop[site.id])
        out.crews[s] = crews
        shifts_of: dict[int, list] = defaultdict(list)  # crew -> its shift variables
        for kind in KINDS:
            if not need_most[kind]:
                continue
            # if the crew alone covers the most the site may need, the pool is never asked
            ask_pool = not _crew_covers(crews, fits, kind, need_most[kind], len(day_shifts))
            for t, (start, end) in enumerate(day_shifts):
                need = per_unit[kind] * units if kind in MEDICAL else need_most[kind] * is_open
                cover = []
                for c, crew in enumerate(crews):
                    if (t, kind) in fits[c]:
                        x = out.closed[s, c, t, kind] = model.new_int_var(
                            0, len(crew), f"closed[{site.id},{c},{t},{kind}]")
                        cover.append(x)
                        shifts_of[c].append(x)
                if ask_pool:
                    top = out.top[s, t, kind] = model.new_int_var(0, need_most[kind], f"top[{site.id},{t},{kind}]")
                    cover.append(top)
                    top_by_block[site.township, t, kind].append(top)
                if need_occ[kind]:
                    short = out.short[s, t, kind] = model.new_int_var(
                        0, need_occ[kind], f"staff_short[{site.id},{t},{kind}]")
                    cover.append(short)
                ctx.enforce(model.add(sum(cover) == need), lambda site=site, t=t, kind=kind, s=s: (  # no spare shift either
                    f"isolation.site_staff site {site.id} shift {t} {kind}",
                    [f"{ctx.where('isolation_sites', site.id)}: occupants {out.occupants0[s]}, "
                     f"closed-loop crew {sum(len(c) for c in crews)}"]))
        for c, crew in enumerate(crews):
            if len(shifts_of[c]) > 1:
                model.add(sum(shifts_of[c]) <= len(crew))  # one shift a day per person
    for (town, t, kind), tops in sorted(top_by_block.items()):
        start, end = day_shifts[t]
        ctx.pool.staff(Block(0, start, end, town, pool_role(inst, kind), "isolation"), sum(tops))
    out.penalty = weight * sum(out.short.values())  # registered with the unhoused (isolation._add_terms)
    out.penalty_most = weight * sum(list(x.proto.domain)[-1] for x in out.short.values())
    return out


def offer_pool_people(ctx, v) -> None:
    """Warm start: count free pool people for the isolation blocks, up to the most they may need.

    The pool hints its counted variables from the shared ledger; a block nobody warm-started is
    hinted at zero people, which steers the first search away from admitting anyone on day 0.
    Nothing of the module's own is hinted: on the city case, hints for rooms (a first-come
    greedy plan) or for site staff left the search stuck near them, far from the optimum."""
    if v.staff is None or not v.staff.top:
        return
    inst = ctx.instance
    most: dict[Block, int] = defaultdict(int)
    for (s, t, kind), top in v.staff.top.items():
        start, end = shifts(inst)[t]
        block = Block(0, start, end, v.sites[s].township, pool_role(inst, kind), "isolation")
        most[block] += list(top.proto.domain)[-1]  # the wrapper takes no negative index
    ledger = ctx.pool.ledger()
    for block, n in sorted(most.items()):
        ledger.take(block, min(n, ledger.available(block)))


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
