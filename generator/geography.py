"""Townships and grids: seats on the road network, terrain, population, districts, names.

Pure Python arithmetic only (no numpy), so that the same seed gives the same bytes on any
machine: vectorised maths may round differently from one CPU to the next.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from generator import names
from generator.profile import Profile
from models.instance import Grid, Township
from models.common import Point

XY = tuple[float, float]


@dataclass
class Town:
    """A township while the instance is being drawn."""

    index: int
    id: str
    seat: int  # road node of its seat
    xy: XY
    terrain: str = "rural"
    population: int = 0
    name: str = ""
    district: str = "D01"
    radius_km: float = 1.0  # grids lie within this distance of the seat
    nn_km: float = 1.0  # distance to the nearest other seat
    risk: str = "low"
    sealed: bool = False
    grids: list[Grid] = field(default_factory=list)


def kmeans(points: list[XY], k: int, rng: random.Random, iterations: int = 40) -> list[XY]:
    """Centroids of k clusters (k-means++ start, Lloyd iterations), in a deterministic order."""
    centres = [points[rng.randrange(len(points))]]
    d2 = [_sq(p, centres[0]) for p in points]
    while len(centres) < k:
        pick, acc = rng.random() * sum(d2), 0.0
        for p, w in zip(points, d2):
            acc += w
            if acc >= pick and w > 0:
                centres.append(p)
                break
        else:
            centres.append(max(zip(d2, points))[1])
        d2 = [min(w, _sq(p, centres[-1])) for w, p in zip(d2, points)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    cell = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6) / math.sqrt(k)
    for _ in range(iterations):
        index = PointIndex(centres, cell)
        groups: list[list[XY]] = [[] for _ in centres]
        for p in points:
            groups[index.nearest(p)].append(p)
        new = [(sum(q[0] for q in g) / len(g), sum(q[1] for q in g) / len(g)) if g else c
               for g, c in zip(groups, centres)]
        if new == centres:
            break
        centres = new
    return centres


def _sq(p: XY, q: XY) -> float:
    return (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2


class PointIndex:
    """Exact nearest-point queries over a bucket grid (ties: the lower index)."""

    def __init__(self, points: list[XY], cell: float):
        self.points = points
        self.cell = max(cell, 1e-6)
        self.cells: dict[tuple[int, int], list[int]] = {}
        for i, p in enumerate(points):
            self.cells.setdefault(self._key(p), []).append(i)

    def _key(self, p: XY) -> tuple[int, int]:
        return math.floor(p[0] / self.cell), math.floor(p[1] / self.cell)

    def nearest(self, p: XY) -> int:
        cx, cy = self._key(p)
        best, best_d, ring = -1, math.inf, 0
        while best < 0 or (ring - 1) * self.cell <= math.sqrt(best_d):
            for i in range(cx - ring, cx + ring + 1):
                step = 1 if abs(i - cx) == ring else 2 * ring  # the ring's border cells only
                for j in range(cy - ring, cy + ring + 1, max(step, 1)):
                    for k in self.cells.get((i, j), ()):
                        d = _sq(p, self.points[k])
                        if d < best_d or (d == best_d and k < best):
                            best, best_d = k, d
            ring += 1
        return best


def nearest(p: XY, centres: list[XY]) -> int:
    """Index of the nearest centre (ties: the lower index)."""
    best, best_d = 0, math.inf
    for i, c in enumerate(centres):
        d = _sq(p, c)
        if d < best_d:
            best, best_d = i, d
    return best


def scale(nodes: dict[int, XY], span_km: float) -> dict[int, XY]:
    """Shift to the origin and scale so the longer side of the map is `span_km`."""
    xs = [p[0] for p in nodes.values()]
    ys = [p[1] for p in nodes.values()]
    f = span_km / max(max(xs) - min(xs), max(ys) - min(ys))
    return {n: (round((x - min(xs)) * f, 3), round((y - min(ys)) * f, 3)) for n, (x, y) in nodes.items()}


def choose_seats(nodes: dict[int, XY], zones: list[int], n: int | None, rng: random.Random) -> list[int]:
    """Seat nodes: the network's zones, or the nodes nearest to n k-means centroids."""
    if n is None:
        return list(zones)
    ids = sorted(nodes)
    if not 2 <= n <= len(ids):
        raise ValueError(f"townships must be between 2 and {len(ids)} for this network, got {n}")
    seats: list[int] = []
    taken: set[int] = set()
    for c in kmeans([nodes[i] for i in ids], n, rng):
        seats.append(min((i for i in ids if i not in taken), key=lambda i: (math.dist(nodes[i], c), i)))
        taken.add(seats[-1])
    return seats


def order_towns(nodes: dict[int, XY], seats: list[int], span_km: float) -> tuple[list[int], XY]:
    """Seats ordered from the centre outwards; the centre is the seat with most seats around it."""
    pts = [nodes[s] for s in seats]
    radius = span_km / 6
    mid = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
    centre = max(pts, key=lambda p: (sum(math.dist(p, q) <= radius for q in pts), -math.dist(p, mid)))
    return sorted(seats, key=lambda s: (math.dist(nodes[s], centre), s)), centre


def make_towns(nodes: dict[int, XY], seats: list[int], centre: XY, profile: Profile,
               rng: random.Random) -> Towns:
    """Townships with terrain (urban at the centre, mountain at one edge) and skewed population."""
    n = len(seats)
    width = 2 if n < 100 else 3
    towns = Towns(Town(i, f"T{i + 1:0{width}d}", s, nodes[s]) for i, s in enumerate(seats))
    for t in towns:
        t.nn_km = min((math.dist(t.xy, o.xy) for o in towns if o is not t), default=10.0)
    far = max(math.dist(t.xy, centre) for t in towns) or 1.0
    radius = profile.span_km / 6
    dens = [sum(math.dist(t.xy, o.xy) <= radius for o in towns) for t in towns]
    top = max(dens)
    score = {t.index: dens[t.index] / top - math.dist(t.xy, centre) / far for t in towns}
    urban = sorted(towns, key=lambda t: (-score[t.index], t.index))[:max(1, round(profile.urban_share * n))]
    for t in urban:
        t.terrain = "urban"
    heading = rng.uniform(-math.pi, math.pi)
    edge = [t for t in towns if t.terrain != "urban" and math.dist(t.xy, centre) / far >= 0.55
            and abs(_angle(t.xy, centre, heading)) <= math.radians(75)]
    edge.sort(key=lambda t: (-math.dist(t.xy, centre), t.index))
    for t in edge[:max(1, round(profile.mountain_share * n))]:
        t.terrain = "mountain"
    raw = []
    for t in towns:
        r = math.dist(t.xy, centre) / far
        pull = 1.4 - 0.6 * r if t.terrain == "urban" else 1.0
        raw.append(profile.median_population[t.terrain] * pull * math.exp(rng.gauss(0, 0.35)))
    total = n * profile.people_per_township * rng.uniform(0.95, 1.05)
    f = total / sum(raw)
    for t, p in zip(towns, raw):
        t.population = max(1500, int(round(p * f, -1)))
        area = t.population / profile.density[t.terrain]
        t.radius_km = min(math.sqrt(area / math.pi) * 1.2, 0.45 * t.nn_km)
    kinds = [(t.terrain, t.population >= profile.people_per_township * 0.8) for t in towns]
    for t, name in zip(towns, names.township_names(kinds, rng, profile.kind == "county")):
        t.name = name
    _districts(towns, profile, rng)
    return towns


def _angle(p: XY, centre: XY, heading: float) -> float:
    a = math.atan2(p[1] - centre[1], p[0] - centre[0]) - heading
    return (a + math.pi) % (2 * math.pi) - math.pi


def _districts(towns: list[Town], profile: Profile, rng: random.Random) -> None:
    """A few districts (片区/区) by clustering seats; D01 holds the central township."""
    k = min(len(towns), profile.districts(len(towns)))
    centres = kmeans([t.xy for t in towns], k, rng)
    label = [nearest(t.xy, centres) for t in towns]
    rank: dict[int, int] = {}
    for lab in label:  # towns are ordered from the centre out
        rank.setdefault(lab, len(rank))
    for t, lab in zip(towns, label):
        t.district = f"D{rank[lab] + 1:02d}"


class Towns(list):
    """The townships in order, with an index of their seats for nearest-seat queries."""

    _index: PointIndex | None = None

    def owner(self, p: XY) -> int:
        """Index of the township whose seat is nearest (ties: the lower index)."""
        if self._index is None:
            gaps = sorted(t.nn_km for t in self)
            self._index = PointIndex([t.xy for t in self], max(0.2, gaps[len(gaps) // 2]))
        return self._index.nearest(p)


def owner(p: XY, towns: Towns) -> int:
    """The township a point lies in: the one whose seat is nearest."""
    return towns.owner(p)


def pull_inside(p: XY, town: Town, towns: list[Town]) -> XY:
    """Move a point towards its township's seat until it lies in that township."""
    x, y = p
    for _ in range(60):
        if owner((x, y), towns) == town.index:
            break
        x = town.xy[0] + 0.8 * (x - town.xy[0])
        y = town.xy[1] + 0.8 * (y - town.xy[1])
    return round(x, 3), round(y, 3)


def make_grids(towns: list[Town], rng: random.Random) -> list[Grid]:
    """Grids of ~800–1,200 residents spread around each seat, households ≈ population / 2.6."""
    out: list[Grid] = []
    for t in towns:
        count = max(1, round(t.population / 1000))
        weights = [rng.uniform(0.82, 1.18) for _ in range(count)]
        pops = split(t.population, weights)
        key_share = 0.35 if t.terrain == "urban" else 0.15
        t.grids = []
        for k, p in enumerate(pops):
            r = t.radius_km * math.sqrt(rng.random())
            a = rng.uniform(0, 2 * math.pi)
            xy = pull_inside((t.xy[0] + r * math.cos(a), t.xy[1] + r * math.sin(a)), t, towns)
            key = round(p * rng.uniform(0.01, 0.05)) if rng.random() < key_share else 0
            households = min(p, round(p / 2.6 * rng.uniform(0.96, 1.04)))
            g = Grid(id=f"{t.id}-G{k + 1:03d}", township=t.id, population=p, households=households,
                     location=Point(x=xy[0], y=xy[1]), key_group=key)
            t.grids.append(g)
            out.append(g)
    return out


def split(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights summing exactly to total (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    base = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[:total - sum(base)]:
        base[i] += 1
    return base


def townships(towns: list[Town]) -> list[Township]:
    return [Township(id=t.id, name=t.name, district=t.district, risk_level=t.risk, population=t.population,
                     terrain=t.terrain, sealed=t.sealed, center=Point(x=t.xy[0], y=t.xy[1])) for t in towns]
