"""Distances and times derived from the instance's planar coordinates and policy.

One place for every conversion from kilometres to minutes, so the model, `verify` and the
exporters agree to the minute.
"""

from __future__ import annotations

import numpy as np

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


def _township_travel(instance: Instance) -> dict[str, dict[str, float]]:
    speed = instance.policy.staff.travel_speed_kmh
    towns = instance.townships
    return {a.id: {b.id: 0.0 if a.id == b.id else travel_minutes(a.center, b.center, speed) for b in towns}
            for a in towns}


def staff_travel_min(instance: Instance, home: str, duty: str) -> float:
    """Travel time of a staff member from the home township's seat to the duty township's."""
    return instance.derived("township_travel", _township_travel)[home][duty]


def serving_sites(instance: Instance) -> list[dict[int, float]]:
    """Per grid (instance order): candidate site index (instance order) -> walking minutes,
    for the sites allowed to serve it (walking limit, sealed zone). Vectorised: a city has
    thousands of grids and sites."""
    return instance.derived("serving_sites", _serving_sites)


def _serving_sites(instance: Instance) -> list[dict[int, float]]:
    sites = instance.sampling_sites
    if not sites:
        return [{} for _ in instance.grids]
    towns = instance.by_id("townships")
    sp = instance.policy.sampling
    xy = np.array([[s.location.x, s.location.y] for s in sites])
    site_town = np.array([s.township for s in sites], dtype=object)
    site_sealed = np.array([towns[s.township].sealed for s in sites])
    out = []
    for g in instance.grids:
        minutes = np.hypot(xy[:, 0] - g.location.x, xy[:, 1] - g.location.y) * sp.walk_detour / sp.walk_speed_kmh * 60
        ok = minutes <= walk_limit_min(instance, g) + 1e-9
        if towns[g.township].sealed:
            ok &= site_town == g.township
        else:
            ok &= ~site_sealed
        out.append({int(j): float(minutes[j]) for j in np.flatnonzero(ok)})
    return out


def site_may_serve(instance: Instance, grid: Grid, site: SamplingSiteCandidate) -> bool:
    """Hard: within the walking limit, and a sealed zone's residents are sampled inside it."""
    towns = instance.by_id("townships")
    if towns[grid.township].sealed or towns[site.township].sealed:
        if grid.township != site.township:
            return False
    return walk_minutes(grid.location, site.location, instance.policy) <= walk_limit_min(instance, grid) + 1e-9
