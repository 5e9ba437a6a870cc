"""From a solution to the isolation section: cohorts to sites, rooms by day, transfers, roster, shortages.

The model decides rooms per (arrival group, site) and how many of the group's cohorts of each
kind go to a site whole; here the rooms go to the cohorts: those whole first, then any other
whole into the tightest quota left that takes it (best fit), and only the cohorts that fit
nowhere whole are split, dealt over the quotas left in one order. Quotas come in single
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


def hand_out(cohorts: list[Cohort], quotas: dict[str, tuple[int, int]],
             whole: dict[str, dict[tuple[int, int], int]] | None = None,
             ) -> tuple[list[tuple[Cohort, str, int, int]], dict[str, int]]:
    """Site quotas of (single rooms, pair rooms) -> (cohort, site, people, carers) rows, and the
    people left without a room per cohort. A pair room holds a carer and the person cared for.

    `whole` (the model's `whole` counts): per site, how many cohorts of each (single rooms, pair
    rooms) kind go there whole; they are placed first. Then any other cohort that fits a quota
    left whole goes there (best fit), and the rest are dealt over the quotas left in one fixed
    order (largest first), each cohort taking rooms where the one before stopped: over m quotas
    that cuts at most m − 1 times, the count the model's `isolation.cohort_splits` prices."""
    left = {s: list(q) for s, q in quotas.items() if q[0] or q[1]}
    rows: list[tuple[Cohort, str, int, int]] = []
    todo = sorted(cohorts, key=lambda c: (-c.people, c.id))

    def kind(c: Cohort) -> tuple[int, int]:
        pairs = sharing_carers(c)
        return c.people - 2 * pairs, pairs

    def place(c: Cohort, s: str) -> None:
        a, b = kind(c)
        rows.append((c, s, c.people, b))
        left[s][0] -= a
        left[s][1] -= b

    for s in sorted(whole or {}):
        for k, n in sorted(whole[s].items()):
            for c in [c for c in todo if kind(c) == k][:n]:
                if s in left and left[s][0] >= k[0] and left[s][1] >= k[1]:
                    place(c, s)
                    todo.remove(c)
    rest: list[Cohort] = []
    for c in todo:
        a, b = kind(c)
        fits = [s for s, (x, y) in left.items() if x >= a and y >= b]
        if fits:
            place(c, min(fits, key=lambda s: (sum(left[s]), s)))
        else:
            rest.append(c)
    order = sorted((s for s in left if left[s][0] or left[s][1]), key=lambda s: (-sum(left[s]), s))
    unhoused: dict[str, int] = {}
    at = [0, 0]  # where the single rooms and the pair rooms were left off
    for c in rest:
        need = list(kind(c))
        got: dict[str, list[int]] = {}
        for j in (0, 1):
            while need[j] and at[j] < len(order):
                s = order[at[j]]
                take = min(need[j], left[s][j])
                if take:
                    got.setdefault(s, [0, 0])[j] += take
                    left[s][j] -= take
                    need[j] -= take
                if not left[s][j]:
                    at[j] += 1
        for s in order:
            if s in got:
                a, b = got[s]
                rows.append((c, s, a + 2 * b, b))
        if need[0] or need[1]:
            unhoused[c.id] = need[0] + 2 * need[1]
    return rows, unhoused


def group_quotas(v, solver, g: int) -> dict[str, tuple[int, int]]:
    """Group `g`'s rooms per site in the solution: (single rooms, carer pairs), for `hand_out`."""
    quotas = {}
    for s in v.groups[g].sites:
        rooms = solver.value(v.rooms[g, s])
        pairs = solver.value(v.pairs[g, s]) if (g, s) in v.pairs else 0
        quotas[v.sites[s].id] = (rooms - pairs, pairs)
    return quotas


def _placements(ctx, v, solver) -> tuple[list[IsolationPlacement], dict[str, int]]:
    inst = ctx.instance
    out: list[IsolationPlacement] = []
    unhoused: dict[str, int] = {}
    index = {site.id: s for s, site in enumerate(v.sites)}
    for g, grp in enumerate(v.groups):
        whole = {v.sites[s].id: {(a, b): solver.value(v.whole[g, k, s])
                                 for k, (a, b, _) in enumerate(v.kinds.get(g, [])) if (g, k, s) in v.whole}
                 for s in grp.sites}
        rows, short = hand_out(grp.cohorts, group_quotas(v, solver, g), whole)
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
