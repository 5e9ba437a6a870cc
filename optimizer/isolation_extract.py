"""From a solution to the isolation section: cohorts to sites, rooms by day, transfers, roster, shortages.

The model decides rooms per (arrival group, site); here the rooms go to the group's cohorts,
largest first, each whole into the tightest site quota that takes it (best fit), and only the
cohorts that fit nowhere whole are split, over the largest quotas left. Quotas come in single
rooms and pair rooms (a carer with the person cared for), and a split keeps every pair together.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from models.instance import Cohort
from models.plan_isolation import IsolationPlacement, IsolationSection, RoomDay
from optimizer.isolation_diagnosis import shortage_lines
from optimizer.isolation_rules import (
    MEDICAL, NONMEDICAL, always_open, horizon, occupants_on, release_day, sharing_carers, staff_needed, transfer_min,
    usable_rooms,
)
from optimizer.isolation_staff import staff_roster
from optimizer.isolation_transfer import assign_buses


def hand_out(cohorts: list[Cohort], quotas: dict[str, tuple[int, int]]
             ) -> tuple[list[tuple[Cohort, str, int, int]], dict[str, int]]:
    """Site quotas of (single rooms, pair rooms) -> (cohort, site, people, carers) rows, and the
    people left without a room per cohort. A pair room holds a carer and the person cared for."""
    left = {s: list(q) for s, q in quotas.items() if q[0] or q[1]}
    rows: list[tuple[Cohort, str, int, int]] = []
    rest: list[Cohort] = []
    for c in sorted(cohorts, key=lambda c: (-c.people, c.id)):
        pairs = sharing_carers(c)
        singles = c.people - 2 * pairs
        fits = [s for s, (a, b) in left.items() if a >= singles and b >= pairs]
        if fits:
            s = min(fits, key=lambda s: (sum(left[s]), s))
            rows.append((c, s, c.people, pairs))
            left[s][0] -= singles
            left[s][1] -= pairs
        else:
            rest.append(c)
    unhoused: dict[str, int] = {}
    for c in rest:
        pairs = sharing_carers(c)
        singles = c.people - 2 * pairs
        for s in sorted(left, key=lambda s: (-sum(left[s]), s)):
            a, b = min(singles, left[s][0]), min(pairs, left[s][1])
            if a or b:
                rows.append((c, s, a + 2 * b, b))
                left[s][0] -= a
                left[s][1] -= b
                singles -= a
                pairs -= b
            if not singles and not pairs:
                break
        if singles or pairs:
            unhoused[c.id] = singles + 2 * pairs
    return rows, unhoused


def _placements(ctx, v, solver) -> tuple[list[IsolationPlacement], dict[str, int]]:
    inst = ctx.instance
    out: list[IsolationPlacement] = []
    unhoused: dict[str, int] = {}
    index = {site.id: s for s, site in enumerate(v.sites)}
    for g, grp in enumerate(v.groups):
        quotas = {}
        for s in grp.sites:
            rooms = solver.value(v.rooms[g, s])
            pairs = solver.value(v.pairs[g, s]) if (g, s) in v.pairs else 0
            quotas[v.sites[s].id] = (rooms - pairs, pairs)
        rows, short = hand_out(grp.cohorts, quotas)
        for c, site_id, people, carers in rows:
            site = v.sites[index[site_id]]
            out.append(IsolationPlacement(
                cohort=c.id, site=site.id, origin=c.origin, category=c.category, people=people, carers=carers,
                rooms=people - carers, admit_day=c.day, release_day=release_day(inst, c),
                transfer_min=round(transfer_min(inst, c.origin, site), 1)))
        unhoused.update(short)
    out.sort(key=lambda p: (p.admit_day, p.cohort, p.site))
    return out, unhoused


def room_days(inst, v, placements: list[IsolationPlacement], activated: set[str]) -> list[RoomDay]:
    """Every open or activated site on every day: usable, taken and free rooms, and its staff need."""
    taken: dict[tuple[str, int], int] = defaultdict(int)
    people: dict[tuple[str, int], int] = defaultdict(int)
    admitted: dict[tuple[str, int], int] = defaultdict(int)
    released: dict[tuple[str, int], int] = defaultdict(int)
    cats: dict[tuple[str, int], set] = defaultdict(set)
    for p in placements:
        for d in range(p.admit_day, min(p.release_day, horizon(inst))):
            taken[p.site, d] += p.rooms
            people[p.site, d] += p.people
            cats[p.site, d].add(p.category)
        admitted[p.site, p.admit_day] += p.people
        released[p.site, p.release_day] += p.people
    rows = []
    for site in v.sites:
        if not (always_open(site) or site.id in activated):
            continue
        for o in site.occupants:
            released[site.id, o.release_day] += o.people
        for d in range(horizon(inst)):
            occ = occupants_on(site, d)
            held = sum(occ.values())
            usable = usable_rooms(inst, site, d, True)
            k = (site.id, d)
            need = staff_needed(inst, held + people[k])
            rows.append(RoomDay(
                site=site.id, day=d, usable_rooms=usable, occupied_rooms=held + taken[k],
                free_rooms=usable - held - taken[k], people=held + people[k], admitted=admitted[k],
                released=released[k], categories=sorted(cats[k] | {c for c, n in occ.items() if n}),
                doctors_per_shift=need[MEDICAL[0]], nurses_per_shift=need[MEDICAL[1]],
                nonmedical_per_shift=need[NONMEDICAL]))
    return rows


def leave_unmoved(placements: list[IsolationPlacement], unmoved: dict[tuple[int, str, str], int],
                  unhoused: dict[str, int]) -> tuple[list[IsolationPlacement], set[str]]:
    """Safety net: take people no bus trip could carry out of their run's placements (single
    rooms first, a carer with the person cared for), so the plan never admits anyone untransferred."""
    out, hit = [], set()
    left = dict(unmoved)
    for p in sorted(placements, key=lambda p: (p.admit_day, p.origin, p.site, p.people, p.cohort)):
        key = (p.admit_day, p.origin, p.site)
        n = left.get(key, 0)
        if n <= 0:
            out.append(p)
            continue
        singles = min(n, p.people - 2 * p.carers)
        pairs = min(p.carers, -(-(n - singles) // 2))
        gone = singles + 2 * pairs
        left[key] = n - gone
        unhoused[p.cohort] = unhoused.get(p.cohort, 0) + gone
        hit.add(p.cohort)
        if gone < p.people:
            out.append(p.model_copy(update={"people": p.people - gone, "carers": p.carers - pairs,
                                            "rooms": p.rooms - singles - pairs}))
    return out, hit


def extract_section(ctx, v, solver: cp_model.CpSolver, staffing: dict):
    inst = ctx.instance
    placements, unhoused = _placements(ctx, v, solver)
    transfers, unmoved = assign_buses(inst, placements)
    no_bus: set[str] = set()
    if unmoved:
        placements, no_bus = leave_unmoved(placements, unmoved, unhoused)
        transfers, _ = assign_buses(inst, placements)
    activated = sorted(v.sites[s].id for s, a in v.activated.items() if solver.value(a))
    occupancy = room_days(inst, v, placements, set(activated))
    roster = staff_roster(ctx, v, solver, staffing)
    shortages = shortage_lines(ctx, v, solver, unhoused, occupancy, no_bus)
    section = IsolationSection(placements=placements, activated_sites=activated, occupancy=occupancy,
                               transfers=transfers)
    return section, roster, shortages
