"""From a solution to the isolation section: cohorts to sites, rooms by day, transfers, roster, shortages.

The model decides rooms per (arrival group, site); here the rooms go to the group's cohorts,
largest first, each whole into the tightest site quota that takes it (best fit), and only the
cohorts that fit nowhere whole are split, over the largest quotas left — so a group spread
over k sites splits at most k − 1 of its cohorts.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from models.instance import Cohort
from models.plan_isolation import IsolationPlacement, IsolationSection, RoomDay
from optimizer.isolation_diagnosis import shortage_lines
from optimizer.isolation_rules import (
    MEDICAL, NONMEDICAL, always_open, horizon, occupants_on, release_day, staff_needed, transfer_min, usable_rooms,
)
from optimizer.isolation_staff import staff_roster
from optimizer.isolation_transfer import assign_buses


def hand_out(cohorts: list[Cohort], quotas: dict[str, int]) -> tuple[list[tuple[Cohort, str, int]], dict[str, int]]:
    """Site quotas of people (no carers) -> (cohort, site, people) rows and people left per cohort."""
    left = {s: n for s, n in quotas.items() if n > 0}
    rows: list[tuple[Cohort, str, int]] = []
    rest: list[Cohort] = []
    for c in sorted(cohorts, key=lambda c: (-c.people, c.id)):
        fits = [s for s, n in left.items() if n >= c.people]
        if fits:
            s = min(fits, key=lambda s: (left[s], s))
            rows.append((c, s, c.people))
            left[s] -= c.people
        else:
            rest.append(c)
    unhoused: dict[str, int] = {}
    for c in rest:
        need = c.people
        for s in sorted(left, key=lambda s: (-left[s], s)):
            take = min(need, left[s])
            if take:
                rows.append((c, s, take))
                left[s] -= take
                need -= take
            if not need:
                break
        if need:
            unhoused[c.id] = need
    return rows, unhoused


def _placements(ctx, v, solver) -> tuple[list[IsolationPlacement], dict[str, int]]:
    inst = ctx.instance
    out: list[IsolationPlacement] = []
    unhoused: dict[str, int] = {}

    def place(c: Cohort, s: int, people: int, carers: int) -> None:
        site = v.sites[s]
        out.append(IsolationPlacement(
            cohort=c.id, site=site.id, origin=c.origin, category=c.category, people=people, carers=carers,
            rooms=people - carers, admit_day=c.day, release_day=release_day(inst, c),
            transfer_min=round(transfer_min(inst, c.origin, site), 1)))

    for g, grp in enumerate(v.groups):
        if grp.carers:  # a single cohort with carers: rooms and pairs per site as decided
            c = grp.cohorts[0]
            housed = 0
            for s in grp.sites:
                rooms, pairs = solver.value(v.rooms[g, s]), solver.value(v.pairs[g, s])
                if rooms:
                    place(c, s, rooms + pairs, pairs)
                    housed += rooms + pairs
            if housed < c.people:
                unhoused[c.id] = c.people - housed
            continue
        quotas = {v.sites[s].id: solver.value(v.rooms[g, s]) for s in grp.sites}
        rows, short = hand_out(grp.cohorts, quotas)
        index = {site.id: s for s, site in enumerate(v.sites)}
        for c, site_id, people in rows:
            place(c, index[site_id], people, 0)
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


def extract_section(ctx, v, solver: cp_model.CpSolver, staffing: dict):
    inst = ctx.instance
    placements, unhoused = _placements(ctx, v, solver)
    activated = sorted(v.sites[s].id for s, a in v.activated.items() if solver.value(a))
    occupancy = room_days(inst, v, placements, set(activated))
    transfers, unmoved = assign_buses(inst, placements)
    roster = staff_roster(ctx, v, solver, staffing)
    shortages = shortage_lines(ctx, v, solver, unhoused, occupancy, unmoved)
    section = IsolationSection(placements=placements, activated_sites=activated, occupancy=occupancy,
                               transfers=transfers)
    return section, roster, shortages
