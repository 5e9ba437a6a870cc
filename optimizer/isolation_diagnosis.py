"""Why people go without a room: the binding resource behind each isolation shortage line.

A planner checks, in this order: is any site allowed to take them within transfer reach; are
those sites' rooms full (or kept for another category, or a reserve not ready in time); are
the day's transfer seats used up; are there day-0 staff for the site. The first that holds is
named, in planner words with site ids (the workbook shows names).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from models.plan import Shortage
from optimizer.isolation_rules import (
    NONMEDICAL, always_open, may_house, no_mix_pairs, seat_allowance, usable_rooms,
)
from optimizer.isolation_staff import short_person_shifts
from optimizer.isolation_transfer import seats_used

log = logging.getLogger(__name__)
CATEGORY_WORDS = {"close_contact": "close contacts", "secondary_contact": "secondary contacts",
                  "inbound": "inbound travellers"}
KIND_WORDS = {"doctor": "doctors", "nurse": "nurses", NONMEDICAL: "non-medical staff"}


def _ids(ids: list[str]) -> str:
    return ", ".join(ids[:3]) + (f", +{len(ids) - 3}" if len(ids) > 3 else "")


def _date(inst, day: int) -> str:
    return (inst.plan_date + timedelta(days=day)).isoformat()


def _transfer_words(inst, day: int) -> str:
    return f"transfer capacity: bus seat-trips of {_date(inst, day)} used up"


def binding_resource(ctx, v, grp, free: dict, present: dict, transfer: dict) -> str:
    """The first resource, in a planner's order, that keeps this group's people out of a room."""
    inst = ctx.instance
    ip = inst.policy.isolation
    late = [site.id for site in v.sites if not always_open(site)
            and may_house(inst, grp.origin, grp.category, site)
            and any(usable_rooms(inst, site, d, True) == 0 for d in grp.held)]
    if not grp.sites:
        if late:
            return f"reserves ready too late: {_ids(late)}"
        return (f"no isolation site takes {CATEGORY_WORDS[grp.category]} within "
                f"{ip.max_transfer_min} min transfer")
    apart = {b for pair in no_mix_pairs(inst) if grp.category in pair for b in pair if b != grp.category}
    full, mixed = [], []
    for s in grp.sites:
        site = v.sites[s]
        if any(free.get((site.id, d), 0) < 1 for d in grp.held):
            full.append(site.id)
        elif any(present.get((site.id, d), set()) & apart for d in grp.held):
            mixed.append(site.id)
    if len(full) + len(mixed) == len(grp.sites):
        if full:
            text = f"rooms: {_ids(full)} full"
            return text + (f" (reserves ready too late: {_ids(late)})" if late else "")
        return f"categories kept apart: {_ids(mixed)} hold other categories"
    used, cap = transfer.get(grp.day, (0, 0))
    if cap - used < 1 + seat_allowance(inst):
        return _transfer_words(inst, grp.day)
    if grp.day == 0:
        towns = sorted({v.sites[s].township for s in grp.sites})
        return f"site staff on the plan date (doctors, nurses, non-medical) within commuting range of {_ids(towns)}"
    return f"rooms: {_ids([v.sites[s].id for s in grp.sites])} full"


def shortage_lines(ctx, v, solver, unhoused: dict[str, int], occupancy, no_bus: set[str]) -> list[Shortage]:
    """One critical line per cohort (partly) without a room, and per site lacking day-0 staff;
    `no_bus`: cohorts the bus trips could not all carry (see isolation_transfer)."""
    inst = ctx.instance
    free = {(r.site, r.day): r.free_rooms for r in occupancy}
    present = {(r.site, r.day): set(r.categories) for r in occupancy}
    transfer = seats_used(inst, v, solver)
    group_of = {c.id: grp for grp in v.groups for c in grp.cohorts}
    towns = inst.by_id("townships")
    lines: list[Shortage] = []
    for cid in sorted(unhoused):
        grp = group_of[cid]
        lines.append(Shortage(
            module="isolation", tier="critical",
            what=f"{CATEGORY_WORDS[grp.category]} without an isolation room (arriving {_date(inst, grp.day)})",
            township=grp.origin if grp.origin in towns else None, entity=cid, quantity=unhoused[cid],
            unit="people", binding_resource=_transfer_words(inst, grp.day) if cid in no_bus
            else binding_resource(ctx, v, grp, free, present, transfer)))
    for (s, kind), n in sorted(short_person_shifts(v, solver).items()):
        site = v.sites[s]
        lines.append(Shortage(
            module="isolation", tier="critical", what=f"{KIND_WORDS[kind]} for current occupants on the plan date",
            township=site.township, entity=site.id, quantity=n, unit="person-shifts",
            binding_resource=f"{KIND_WORDS[kind]} free on the plan date within commuting range of {site.township}"))
    if no_bus:
        log.warning("isolation: %d cohorts found no bus trip for everyone placed; left without a room",
                    len(no_bus))
    return lines
