"""Distances and times derived from the instance's planar coordinates and policy.

One place for every conversion from kilometres to minutes, so the model, `verify` and the
exporters agree to the minute.
"""

from __future__ import annotations

from models.common import Point
from models.instance import Grid, Instance, SamplingSiteCandidate
from models.policy import Policy


def walk_minutes(a: Point, b: Point, policy: Policy) -> float:
    """Walking time along streets: straight line × detour at walking speed (min)."""
    sp = policy.sampling
    return a.distance_km(b) * sp.walk_detour / sp.walk_speed_kmh * 60.0


def walk_limit_min(instance: Instance, grid: Grid) -> int:
    """Longest walk allowed from a grid: 15 min in towns, 30 in rural or mountain (policy)."""
    terrain = instance.by_id("townships")[grid.township].terrain
    return instance.policy.sampling.walk_limit_min[terrain]


def travel_minutes(a: Point, b: Point, speed_kmh: float) -> float:
    """Road travel estimate between two points at a planning speed (min)."""
    return a.distance_km(b) / speed_kmh * 60.0 if speed_kmh > 0 else float("inf")


def staff_travel_min(instance: Instance, home: str, duty: str) -> float:
    """Travel time of a staff member from the home township's seat to the duty township's."""
    t = instance.by_id("townships")
    if home == duty:
        return 0.0
    return travel_minutes(t[home].center, t[duty].center, instance.policy.staff.travel_speed_kmh)


def site_may_serve(instance: Instance, grid: Grid, site: SamplingSiteCandidate) -> bool:
    """Hard: within the walking limit, and a sealed zone's residents are sampled inside it."""
    towns = instance.by_id("townships")
    if towns[grid.township].sealed or towns[site.township].sealed:
        if grid.township != site.township:
            return False
    return walk_minutes(grid.location, site.location, instance.policy) <= walk_limit_min(instance, grid) + 1e-9
