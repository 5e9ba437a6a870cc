"""Solver-free checks of the isolation rules (DOMAIN.md §3), recomputed from instance and plan."""

from __future__ import annotations

from collections import defaultdict

from models.instance import Instance
from models.plan import Plan
from optimizer.checks.violation import Violation
from optimizer.isolation_rules import (
    cohorts_in_scope, horizon, in_scope, kind_of_role, no_mix_pairs, occupants_on, release_day, sharing_carers, shifts,
    staff_needed, transfer_min, trip_minutes, usable_rooms,
)


def _declared(plan: Plan, unit: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for x in plan.shortages:
        if x.module == "isolation" and x.unit == unit and x.entity and x.binding_resource:
            out[x.entity] += x.quantity
    return out


def check_cohorts_housed(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: every cohort needing a room within the horizon is placed, or its people are declared short."""
    out = []
    cohorts = inst.by_id("cohorts")
    placed: dict[str, int] = defaultdict(int)
    for p in plan.isolation.placements:
        c = cohorts.get(p.cohort)
        if c is None or p.site not in inst.by_id("isolation_sites"):
            out.append(Violation("cohort_housed", f"cohort {p.cohort}", f"unknown cohort or site {p.site}"))
            continue
        if not in_scope(inst, c):
            out.append(Violation("cohort_housed", f"cohort {c.id}", "placed but needs no centralized room"))
        if p.origin != c.origin or p.category != c.category:
            out.append(Violation("cohort_housed", f"cohort {c.id}", "origin or category differs from the cohort"))
        placed[c.id] += p.people
    short = _declared(plan, "people")
    for c in cohorts_in_scope(inst):
        if placed[c.id] + round(short.get(c.id, 0)) != c.people:
            out.append(Violation("cohort_housed", f"cohort {c.id}",
                                 f"{placed[c.id]} placed + {short.get(c.id, 0):g} declared short != {c.people} people"))
    return out


def check_stays(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: admitted on arrival, released after the stay of its category under the protocol edition."""
    cohorts = inst.by_id("cohorts")
    out = []
    for p in plan.isolation.placements:
        c = cohorts.get(p.cohort)
        if c is not None and (p.admit_day != c.day or p.release_day != release_day(inst, c)):
            out.append(Violation("stay", f"cohort {c.id} at {p.site}",
                                 f"days {p.admit_day}-{p.release_day}, policy says {c.day}-{release_day(inst, c)}"))
    return out


def check_site_allowed(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: a site takes only its allowed categories, within the longest closed-loop transfer."""
    sites = inst.by_id("isolation_sites")
    limit = inst.policy.isolation.max_transfer_min
    out = []
    for p in plan.isolation.placements:
        site = sites.get(p.site)
        if site is None:
            continue
        if p.category not in site.allowed_categories:
            out.append(Violation("allowed_category", f"cohort {p.cohort} at {p.site}", f"{p.category} not allowed"))
        minutes = transfer_min(inst, p.origin, site)
        if minutes > limit + 1e-6:
            out.append(Violation("transfer_reach", f"cohort {p.cohort} at {p.site}",
                                 f"{minutes:.0f} min transfer > {limit} min"))
    return out


def check_carers(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: one person per room, except a carer sharing with the one person cared for (a cohort's
    carers beyond one per person cared for take rooms of their own)."""
    cohorts = inst.by_id("cohorts")
    carers: dict[str, int] = defaultdict(int)
    cared: dict[str, int] = defaultdict(int)
    out = []
    for p in plan.isolation.placements:
        w = f"cohort {p.cohort} at {p.site}"
        if p.rooms != p.people - p.carers:
            out.append(Violation("one_per_room", w, f"{p.rooms} rooms for {p.people} people with {p.carers} carers"))
        if p.carers > p.people - p.carers:
            out.append(Violation("one_per_room", w, f"{p.carers} carers for {p.people - p.carers} people in rooms"))
        carers[p.cohort] += p.carers
        cared[p.cohort] += p.people - p.carers
    for cid, n in sorted(carers.items()):
        c = cohorts.get(cid)
        if c is not None and (n > sharing_carers(c) or cared[cid] > c.people - sharing_carers(c)):
            out.append(Violation("one_per_room", f"cohort {cid}",
                                 f"{n} carers sharing rooms, the cohort has {sharing_carers(c)}"))
    return out


def _site_days(inst: Instance, plan: Plan):
    rooms: dict[tuple[str, int], int] = defaultdict(int)
    cats: dict[tuple[str, int], set] = defaultdict(set)
    for p in plan.isolation.placements:
        for d in range(p.admit_day, min(p.release_day, horizon(inst))):
            rooms[p.site, d] += p.rooms
            cats[p.site, d].add(p.category)
    return rooms, cats


def check_room_balance(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: each day, current occupants plus placed cohorts fit the usable rooms; a reserve's rooms
    are usable only once activated, after its lag and by the ready fractions."""
    sites = inst.by_id("isolation_sites")
    activated = set(plan.isolation.activated_sites)
    rooms, _ = _site_days(inst, plan)
    out = []
    for sid in sorted({s for s, _ in rooms}):
        site = sites.get(sid)
        if site is None:
            continue
        for d in range(horizon(inst)):
            taken = sum(occupants_on(site, d).values()) + rooms[sid, d]
            usable = usable_rooms(inst, site, d, sid in activated)
            if rooms[sid, d] and taken > usable:
                out.append(Violation("room_balance", f"site {sid} day {d}", f"{taken} rooms taken > {usable} usable"))
    for r in plan.isolation.occupancy:
        site = sites.get(r.site)
        if site is None:
            continue
        taken = sum(occupants_on(site, r.day).values()) + rooms[r.site, r.day]
        usable = usable_rooms(inst, site, r.day, r.site in activated)
        if (r.occupied_rooms, r.usable_rooms, r.free_rooms) != (taken, usable, usable - taken):
            out.append(Violation("room_balance", f"site {r.site} day {r.day}",
                                 "occupancy row disagrees with placements"))
    return out


def check_categories_apart(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: categories to keep apart never share a site on the same day (current occupants included)."""
    sites = inst.by_id("isolation_sites")
    _, cats = _site_days(inst, plan)
    out = []
    for (sid, d), placed in sorted(cats.items()):
        here = placed | {c for c, n in occupants_on(sites[sid], d).items() if n} if sid in sites else placed
        for a, b in no_mix_pairs(inst):
            if {a, b} <= here and {a, b} & placed:
                out.append(Violation("categories_apart", f"site {sid} day {d}", f"{a} and {b} together"))
    return out


def check_transfers(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: each day's admissions travel by closed-loop bus, point to point, within seats × trips and
    the bus's shift; every run within the longest transfer."""
    vehicles = inst.by_id("vehicles")
    sites = inst.by_id("isolation_sites")
    limit = inst.policy.isolation.max_transfer_min
    out = []
    moved: dict[tuple[int, str, str], int] = defaultdict(int)
    busy: dict[tuple[str, int], float] = defaultdict(float)
    for t in plan.isolation.transfers:
        w = f"vehicle {t.vehicle} day {t.day}"
        bus = vehicles.get(t.vehicle)
        if bus is None or bus.kind != "transfer_bus" or t.site not in sites:
            out.append(Violation("transfer", w, "not a closed-loop transfer bus, or unknown site"))
            continue
        if t.people > bus.seats * t.trips:
            out.append(Violation("transfer_seats", w, f"{t.people} people > {bus.seats} seats × {t.trips} trips"))
        minutes = transfer_min(inst, t.origin, sites[t.site])
        if minutes > limit + 1e-6:
            out.append(Violation("transfer_reach", w, f"{minutes:.0f} min one way > {limit}"))
        busy[t.vehicle, t.day] += t.trips * trip_minutes(inst, minutes)
        moved[t.day, t.origin, t.site] += t.people
    for (vid, day), minutes in sorted(busy.items()):
        if minutes > vehicles[vid].shift_hours * 60 + 1e-6:
            out.append(Violation("transfer_shift", f"vehicle {vid} day {day}",
                                 f"{minutes:.0f} min of trips > {vehicles[vid].shift_hours} h shift"))
    placed: dict[tuple[int, str, str], int] = defaultdict(int)
    for p in plan.isolation.placements:
        placed[p.admit_day, p.origin, p.site] += p.people
    for key in sorted(set(placed) | set(moved)):
        if placed[key] != moved[key]:
            out.append(Violation("transfer", f"day {key[0]} {key[1]} -> {key[2]}",
                                 f"{placed[key]} admitted, {moved[key]} transferred"))
    return out


def check_site_staff(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: on day 0, every shift at a site holding people has doctors and nurses per 50 isolated and
    its non-medical staff; a declared gap may cover only what the current occupants need."""
    sites = inst.by_id("isolation_sites")
    people: dict[str, int] = defaultdict(int)
    for p in plan.isolation.placements:
        if p.admit_day <= 0 < p.release_day:
            people[p.site] += p.people
    for site in inst.isolation_sites:
        people[site.id] += sum(occupants_on(site, 0).values())
    have: dict[tuple[str, float, str], int] = defaultdict(int)
    starts = {start for start, _ in shifts(inst)}
    out = []
    for r in plan.roster:
        if r.module != "isolation":
            continue
        kind = kind_of_role(inst, r.role)
        if kind is None or r.day != 0 or r.start_hour not in starts or r.location not in sites:
            out.append(Violation("site_staff", f"staff {r.staff}", f"not a day-0 site shift or role ({r.role})"))
            continue
        have[r.location, r.start_hour, kind] += 1
    declared = defaultdict(float)
    for x in plan.shortages:
        if x.module == "isolation" and x.unit == "person-shifts" and x.entity:
            declared[x.entity] += x.quantity
    for sid, n in sorted(people.items()):
        if not n or sid not in sites:
            continue
        need, occ_need = staff_needed(inst, n), staff_needed(inst, sum(occupants_on(sites[sid], 0).values()))
        gap = 0
        for start, _end in shifts(inst):
            for kind, k in need.items():
                lack = max(0, k - have[sid, start, kind])
                if lack > occ_need[kind]:
                    out.append(Violation("site_staff", f"site {sid} {start:g}h",
                                         f"{have[sid, start, kind]} {kind} for {n} people (needs {k})"))
                gap += lack
        if gap > declared[sid] + 1e-9:
            out.append(Violation("site_staff", f"site {sid}", f"{gap} person-shifts short, {declared[sid]:g} declared"))
    return out


CHECKS = (check_cohorts_housed, check_stays, check_site_allowed, check_carers, check_room_balance,
          check_categories_apart, check_transfers, check_site_staff)
