"""From the instance's planar kilometres to the map's SVG coordinates, and township shapes.

An instance gives each township only its seat (`center`), so the map draws a township as
its Voronoi cell among the seats, cut to a disc around the seat that holds the
township's own grids, sites and road nodes. The shapes are schematic, not boundaries.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.spatial import QhullError, Voronoi

from models.instance import Instance

WIDTH = 1000.0  # the map fits a viewBox of at most 1000 × 750
MARGIN = 20.0


@dataclass(frozen=True)
class Projection:
    """km → SVG units: x east to the right, y north upwards (SVG's y grows downwards)."""

    x0: float
    y1: float
    scale: float
    width: float
    height: float

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return MARGIN + (x - self.x0) * self.scale, MARGIN + (self.y1 - y) * self.scale

    def km(self, length_km: float) -> float:
        return length_km * self.scale


def township_points(inst: Instance) -> dict[str, list[tuple[float, float]]]:
    """Locations in each township: its seat, grids, candidate and isolation sites, road nodes."""
    pts: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for t in inst.townships:
        pts[t.id].append((t.center.x, t.center.y))
    for group in (inst.grids, inst.sampling_sites, inst.isolation_sites, inst.road_nodes, inst.labs):
        for item in group:
            pts[item.township].append((item.location.x, item.location.y))
    return pts


def projection(inst: Instance, radii: dict[str, float]) -> Projection:
    xs, ys = [], []
    for t in inst.townships:
        r = radii.get(t.id, 0.0)
        xs += [t.center.x - r, t.center.x + r]
        ys += [t.center.y - r, t.center.y + r]
    for group in (inst.sampling_sites, inst.isolation_sites, inst.road_nodes, inst.labs):
        for item in group:
            xs.append(item.location.x)
            ys.append(item.location.y)
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    # fit a box 1000 wide and 750 high; the page lets the map fill the column's width
    scale = min((WIDTH - 2 * MARGIN) / max(x1 - x0, 1e-6), (0.75 * WIDTH - 2 * MARGIN) / max(y1 - y0, 1e-6))
    height = (y1 - y0) * scale + 2 * MARGIN
    return Projection(x0=x0, y1=y1, scale=scale, width=(x1 - x0) * scale + 2 * MARGIN, height=height)


def township_radii(inst: Instance) -> dict[str, float]:
    """Radius (km) of the disc a township's shape is cut to: its farthest own location, padded."""
    pts = township_points(inst)
    seats = np.array([(t.center.x, t.center.y) for t in inst.townships], dtype=float)
    fallback = 1.0
    if len(seats) > 1:
        d = np.sqrt(((seats[:, None, :] - seats[None, :, :]) ** 2).sum(-1))
        np.fill_diagonal(d, np.inf)
        fallback = float(np.median(d.min(axis=1))) * 0.6
    radii = {}
    for t in inst.townships:
        far = max((math.dist((t.center.x, t.center.y), p) for p in pts[t.id]), default=0.0)
        radii[t.id] = max(far * 1.15, fallback, 1e-3)
    return radii


def township_cells(inst: Instance, radii: dict[str, float]) -> dict[str, list[tuple[float, float]]]:
    """Each township's shape in km: its Voronoi cell among the seats, cut to its disc."""
    seats = np.array([(t.center.x, t.center.y) for t in inst.townships], dtype=float)
    span = float(np.ptp(seats, axis=0).max()) if len(seats) > 1 else 1.0
    lo, hi = seats.min(axis=0) - 10 * (span + 1), seats.max(axis=0) + 10 * (span + 1)
    far = np.array([[lo[0], lo[1]], [lo[0], hi[1]], [hi[0], lo[1]], [hi[0], hi[1]]])
    cells: dict[str, list[tuple[float, float]]] = {}
    try:
        vor = Voronoi(np.vstack([seats, far]), qhull_options="Qbb Qc Qz QJ")
    except (QhullError, ValueError):
        vor = None
    for k, t in enumerate(inst.townships):
        disc = _disc(t.center.x, t.center.y, radii[t.id])
        if vor is None:
            cells[t.id] = disc
            continue
        region = vor.regions[vor.point_region[k]]
        if not region or -1 in region:
            cells[t.id] = disc
            continue
        polygon = [tuple(vor.vertices[i]) for i in region]
        cells[t.id] = _clip(polygon, disc) or disc
    return cells


def _disc(x: float, y: float, r: float, sides: int = 28) -> list[tuple[float, float]]:
    return [(x + r * math.cos(2 * math.pi * k / sides), y + r * math.sin(2 * math.pi * k / sides))
            for k in range(sides)]


def _clip(subject: list[tuple[float, float]], clip: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sutherland–Hodgman: `subject` cut to the convex counter-clockwise polygon `clip`."""
    out = _ccw(subject)
    for (ax, ay), (bx, by) in zip(clip, clip[1:] + clip[:1]):
        if not out:
            break
        inside = [(bx - ax) * (py - ay) - (by - ay) * (px - ax) >= 0 for px, py in out]
        nxt = []
        for i, p in enumerate(out):
            q, q_in = out[i - 1], inside[i - 1]
            if inside[i]:
                if not q_in:
                    nxt.append(_cross(q, p, (ax, ay), (bx, by)))
                nxt.append(p)
            elif q_in:
                nxt.append(_cross(q, p, (ax, ay), (bx, by)))
        out = nxt
    return out


def _ccw(poly: list[tuple[float, float]]) -> list[tuple[float, float]]:
    area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1]))
    return poly if area >= 0 else poly[::-1]


def _cross(p, q, a, b) -> tuple[float, float]:
    """Where segment p–q meets the line a–b."""
    (px, py), (qx, qy), (ax, ay), (bx, by) = p, q, a, b
    dx, dy, ex, ey = qx - px, qy - py, bx - ax, by - ay
    den = dx * ey - dy * ex
    if den == 0:
        return q
    t = ((ax - px) * ey - (ay - py) * ex) / den
    return px + t * dx, py + t * dy
