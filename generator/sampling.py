"""Candidate sampling sites and laboratories, sized from what the sampling module will ask of them.

Sites: a base set spread over each township's grids (one per `people_per_site` residents),
then more until every grid has a site of its own township within its walking limit; a few
remote grids are then moved out of reach so `validate` has real warnings to show. The
sealed township's in-zone desks fall a little short of its daily full round.
Labs: total daily tube capacity 1.25–1.45 × the tubes the day's sampling produces.
"""

from __future__ import annotations

import math
import random

from generator import names
from generator.geography import XY, Town, owner, pull_inside, split
from models.common import Point
from models.instance import Lab, SamplingSiteCandidate
from models.policy import Policy
from optimizer.sampling_rules import desk_shift_capacity

KINDS = ("fixed", "convenience", "temporary", "mobile")
KIND_WEIGHTS = (0.45, 0.3, 0.15, 0.1)
SEALED_SHARE = 0.85  # in-zone desk capacity ÷ the sealed township's full daily round
DESKS = {"fixed": (4, 12), "convenience": (2, 4), "temporary": (3, 8), "mobile": (2, 3)}


def walk_radius_km(policy: Policy, terrain: str) -> float:
    """Straight-line reach of the walking limit: limit × speed ÷ detour (0.865 km in towns)."""
    sp = policy.sampling
    return sp.walk_limit_min[terrain] / 60 * sp.walk_speed_kmh / sp.walk_detour


def desk_day_capacity(policy: Policy) -> int:
    """People one desk samples in a day when staffed in every shift, within the wait limit."""
    return sum(desk_shift_capacity(policy, sh) for sh in policy.sampling.shifts)


def place_sites(towns: list[Town], demand: dict[str, int], policy: Policy, people_per_site: int,
                uncovered: int, rng: random.Random) -> list[SamplingSiteCandidate]:
    """Candidate sites of every township (see the module docstring); moves `uncovered` grids."""
    spots: dict[str, list[XY]] = {}
    for t in towns:
        reach = 0.95 * walk_radius_km(policy, t.terrain)
        pts = [(g.location.x, g.location.y) for g in t.grids]
        if t.sealed:  # few in-zone places, about 8 desks each
            base = math.ceil(SEALED_SHARE * demand[t.id] / desk_day_capacity(policy) / 8)
        else:
            base = max(1, round(t.population / people_per_site))
        chosen = _spread(pts, t.xy, base)
        while True:
            gaps = [p for p in pts if min(math.dist(p, s) for s in chosen) > reach]
            if not gaps:
                break
            far = max(gaps, key=lambda p: (math.dist(p, t.xy), p))
            near = [p for p in gaps if math.dist(p, far) <= reach]
            chosen.append((sum(p[0] for p in near) / len(near), sum(p[1] for p in near) / len(near)))
        spots[t.id] = [pull_inside((x + rng.uniform(-0.05, 0.05), y + rng.uniform(-0.05, 0.05)), t, towns)
                       for x, y in chosen]
    sites = _name_and_size(towns, spots, demand, policy, rng)
    _strand_remote_grids(towns, sites, policy, uncovered, rng)
    return sites


def _spread(pts: list[XY], seat: XY, k: int) -> list[XY]:
    """k grid locations far apart: the one nearest the seat first, then farthest-point picks."""
    chosen = [min(pts, key=lambda p: (math.dist(p, seat), p))]
    while len(chosen) < min(k, len(pts)):
        chosen.append(max(pts, key=lambda p: (min(math.dist(p, s) for s in chosen), p)))
    return chosen


def _name_and_size(towns, spots, demand, policy, rng) -> list[SamplingSiteCandidate]:
    per_desk = desk_day_capacity(policy)
    sites: list[SamplingSiteCandidate] = []
    counters: dict = {}
    taken: set[str] = set()
    for t in towns:
        kinds = ["fixed"] + [rng.choices(KINDS, KIND_WEIGHTS)[0] for _ in spots[t.id][1:]]
        desks = [rng.randint(*DESKS[k]) for k in kinds]
        if t.sealed:  # in-zone desks a little short of everyone, every day
            target = max(2 * len(desks), math.floor(SEALED_SHARE * demand[t.id] / per_desk))
            desks = [min(12, max(2, d)) for d in split(target, [float(d) for d in desks])]
        else:  # room for a full day's demand with 60 % to spare
            while sum(desks) * per_desk < 1.6 * demand[t.id] and min(desks) < 12:
                k = min(range(len(desks)), key=lambda i: (desks[i], i))
                desks[k] += 1
        for k, (xy, kind, d) in enumerate(zip(spots[t.id], kinds, desks)):
            sites.append(SamplingSiteCandidate(
                id=f"{t.id}-S{k + 1:02d}", name=names.site_name(rng, t.name, kind, counters, taken),
                township=t.id, location=Point(x=xy[0], y=xy[1]), kind=kind, max_desks=d))
    return sites


def _strand_remote_grids(towns, sites, policy, count, rng) -> None:
    """Move a few remote mountain/rural grids beyond walking reach of every site (偏远村)."""
    open_sites = [(s.location.x, s.location.y) for s in sites
                  if not next(t for t in towns if t.id == s.township).sealed]
    far_towns = sorted((t for t in towns if t.terrain != "urban" and t.risk == "low"),
                       key=lambda t: (t.terrain != "mountain", -t.nn_km, t.index))
    moved = 0
    for t in far_towns:
        if moved >= count:
            return
        reach = 1.05 * walk_radius_km(policy, t.terrain)
        g = max(t.grids, key=lambda g: (math.dist((g.location.x, g.location.y), t.xy), g.id))
        base = math.atan2(g.location.y - t.xy[1], g.location.x - t.xy[0])
        for turn in (0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.5, -2.5, math.pi):
            spot = _first_clear(t, towns, base + turn, open_sites, reach)
            if spot:
                g.location = Point(x=spot[0], y=spot[1])
                moved += 1
                break


def _first_clear(t: Town, towns, angle: float, sites: list[XY], reach: float) -> XY | None:
    """The nearest point from the seat along a bearing that is inside t and out of every site's reach."""
    d = t.radius_km
    while d < t.radius_km + 4 * reach:
        p = (round(t.xy[0] + d * math.cos(angle), 3), round(t.xy[1] + d * math.sin(angle), 3))
        if owner(p, towns) != t.index:
            return None
        if all(math.dist(p, s) > reach for s in sites):
            return p
        d += 0.1
    return None


LAB_NAMES = ["{place}疾病预防控制中心实验室", "{place}人民医院核酸检测实验室", "{place}中医院检验科",
             "{town}医学检验实验室", "{place}妇幼保健院检验科", "{town}气膜实验室"]


def place_labs(towns: list[Town], tubes: int, sealed_tubes: int, count: int, place: str,
               rng: random.Random) -> list[Lab]:
    """Labs in urban townships (never the sealed one); the fastest holds the high-risk tubes."""
    hosts = [t for t in towns if t.terrain == "urban" and not t.sealed] or [t for t in towns if not t.sealed]
    total = int(round(tubes * rng.uniform(1.25, 1.45), -2))
    weights = [3.0] + [rng.uniform(0.6, 1.6) for _ in range(count - 1)]
    caps = [max(2000, round(c, -2)) for c in split(total, weights)]
    caps[0] = max(caps[0], round(1.3 * sealed_tubes, -2))
    labs = []
    for k in range(count):
        t = hosts[k * len(hosts) // count]  # from the centre outwards, spread over the urban townships
        pattern = LAB_NAMES[k] if k < len(LAB_NAMES) else "{town}第{n}检测实验室"
        name = pattern.format(place=place, town=t.name, n=names.ordinal(k + 1))
        turnaround = 4 if k == 0 else rng.choice((5, 6, 6, 8, 8, 10, 12))
        xy = pull_inside((t.xy[0] + rng.uniform(-0.6, 0.6), t.xy[1] + rng.uniform(-0.6, 0.6)), t, towns)
        labs.append(Lab(id=f"LAB{k + 1:02d}", name=name, township=t.id, location=Point(x=xy[0], y=xy[1]),
                        daily_tube_capacity=caps[k], turnaround_hours=turnaround))
    return labs
