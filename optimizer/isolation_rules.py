"""Quantities the isolation model and `verify` both derive (DOMAIN.md §3), in one place.

Days are counted from day 0; a stay occupies its admission day up to the day before its
release. No solver here: `optimizer/checks/isolation.py` imports it too.
"""

from __future__ import annotations

import math
from collections import defaultdict

from models.common import Point
from models.instance import Cohort, Instance, IsolationSite, StaffMember, Vehicle
from optimizer.geometry import travel_minutes
from optimizer.pool import fills_role

MEDICAL = ("doctor", "nurse")
NONMEDICAL = "nonmedical"
KINDS = (*MEDICAL, NONMEDICAL)
"""The three kinds of site staff: doctors and nurses per 50 isolated, non-medical per open site."""


def horizon(inst: Instance) -> int:
    return inst.policy.isolation.horizon_days


def stay_days(inst: Instance, category: str) -> int:
    """Hard: days in a centralized room for a category, by protocol edition (or the planner's override)."""
    return inst.policy.stay(category).centralized_days


def in_scope(inst: Instance, c: Cohort) -> bool:
    """A cohort needs a room within the horizon: it arrives in it and its edition gives it centralized days."""
    return c.day < horizon(inst) and stay_days(inst, c.category) > 0


def cohorts_in_scope(inst: Instance) -> list[Cohort]:
    return sorted((c for c in inst.cohorts if in_scope(inst, c)), key=lambda c: c.id)


def sharing_carers(c: Cohort) -> int:
    """Carers who share a room: one per person cared for; any carer beyond that needs a room of
    their own (one person per room). So a cohort needs people − sharing carers rooms."""
    return min(c.carers, c.people - c.carers)


def release_day(inst: Instance, c: Cohort) -> int:
    return c.day + stay_days(inst, c.category)


def days_held(inst: Instance, admit: int, release: int) -> range:
    """Days of the horizon on which a stay admitted on `admit` and released on `release` holds a room."""
    return range(admit, min(release, horizon(inst)))


def origin_point(inst: Instance, origin: str) -> Point:
    """Pick-up point: the township seat, a port's point from the policy, else the townships' centre."""
    town = inst.by_id("townships").get(origin)
    if town is not None:
        return town.center
    port = inst.policy.isolation.port_locations.get(origin)
    if port is not None:
        return port
    n = len(inst.townships)
    return Point(x=sum(t.center.x for t in inst.townships) / n, y=sum(t.center.y for t in inst.townships) / n)


def transfer_km(inst: Instance, origin: str, site: IsolationSite) -> float:
    return origin_point(inst, origin).distance_km(site.location) * inst.policy.isolation.transfer_detour


def transfer_min(inst: Instance, origin: str, site: IsolationSite) -> float:
    """One-way closed-loop transfer time from a pick-up point to a site (min)."""
    ip = inst.policy.isolation
    return travel_minutes(origin_point(inst, origin), site.location, ip.transfer_speed_kmh) * ip.transfer_detour


def may_house(inst: Instance, origin: str, category: str, site: IsolationSite) -> bool:
    """Hard: the site takes the category and lies within the longest closed-loop transfer."""
    return (category in site.allowed_categories
            and transfer_min(inst, origin, site) <= inst.policy.isolation.max_transfer_min + 1e-9)


def always_open(site: IsolationSite) -> bool:
    """A regular site, or a reserve that already holds people (so it is in use)."""
    return not site.reserve or bool(site.occupants)


def usable_rooms(inst: Instance, site: IsolationSite, day: int, activated: bool) -> int:
    """Hard: rooms usable on a day; a reserve activated on day 0 only after its lag, by the ready fractions."""
    if always_open(site):
        return site.rooms
    if not activated or day < site.activation_lag_days:
        return 0
    fractions = inst.policy.isolation.reserve_ready_fractions
    share = fractions[min(day, len(fractions) - 1)] if fractions else 1.0
    return math.floor(site.rooms * share + 1e-9)


def occupants_on(site: IsolationSite, day: int) -> dict[str, int]:
    """Current occupants still in the site on a day, by category (one room each)."""
    out: dict[str, int] = defaultdict(int)
    for o in site.occupants:
        if o.release_day > day:
            out[o.category] += o.people
    return out


def no_mix_pairs(inst: Instance) -> list[tuple[str, str]]:
    return sorted({tuple(sorted(p)) for p in inst.policy.isolation.no_mix if len(set(p)) == 2})


def shifts(inst: Instance) -> list[tuple[float, float]]:
    """Site staff shifts of a day: the day cut evenly from 00:00 (default 00-08, 08-16, 16-24)."""
    n = inst.policy.isolation.shifts_per_day
    return [(24 * k / n, 24 * (k + 1) / n) for k in range(n)]


def staff_needed(inst: Instance, people: int) -> dict[str, int]:
    """Hard: staff per shift for a site holding `people`: doctors and nurses per 50 or part of 50,
    non-medical staff whenever the site is open."""
    ip = inst.policy.isolation
    units = math.ceil(people / 50)
    doctors = min(ip.doctors_per_50, ip.medical_per_50)
    return {"doctor": units * doctors, "nurse": units * (ip.medical_per_50 - doctors),
            NONMEDICAL: ip.nonmedical_per_site if people > 0 else 0}


def kind_roles(inst: Instance, kind: str) -> list[str]:
    return [kind] if kind in MEDICAL else list(inst.policy.isolation.nonmedical_roles)


def role_for(inst: Instance, person: StaffMember, kind: str) -> str | None:
    """The duty role a person takes as site staff of a kind, or None if their skills do not fit."""
    skills = frozenset(person.skills)
    return next((r for r in kind_roles(inst, kind) if fills_role(skills, r, inst)), None)


def kind_of_role(inst: Instance, role: str) -> str | None:
    if role in MEDICAL:
        return role
    return NONMEDICAL if role in inst.policy.isolation.nonmedical_roles else None


def slot_min(inst: Instance) -> int:
    """Bus time a trip may take: out and back at the longest transfer, plus turnaround (min)."""
    ip = inst.policy.isolation
    return 2 * ip.max_transfer_min + ip.transfer_turnaround_min


def buses(inst: Instance) -> list[Vehicle]:
    return sorted((v for v in inst.vehicles if v.kind == "transfer_bus" and v.seats > 0), key=lambda v: v.id)


def trips_per_day(inst: Instance, v: Vehicle) -> int:
    """Trips a bus can make in its shift when every trip is given the longest trip's time."""
    return (v.shift_hours * 60) // slot_min(inst)


def trip_minutes(inst: Instance, one_way_min: float) -> float:
    return 2 * one_way_min + inst.policy.isolation.transfer_turnaround_min


def seat_trips_per_day(inst: Instance) -> int:
    return sum(v.seats * trips_per_day(inst, v) for v in buses(inst))


def seat_allowance(inst: Instance) -> int:
    """Seats a pick-up-to-site run may leave empty on its last trip: the largest bus's seats − 1."""
    usable = [v.seats for v in buses(inst) if trips_per_day(inst, v)]
    return max(usable) - 1 if usable else 0
