"""The road graph: nodes and directed arcs from the network, expressways with toll exits.

Each physical road becomes one `section` with a forward and a backward arc. Lengths come
from the scaled coordinates (straight line × a detour by class) and free-flow times from a
planning speed by class, so times agree with the map. Where an expressway meets ordinary
roads the node is split: the mainline runs through a node of its own (`N12E`), joined to the
ordinary node by a short toll-plaza section (forward arc: onto the expressway; backward:
off it), the only expressway arcs a checkpoint may stand on.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import networkx as nx

from generator.geography import XY, Town, owner, pull_inside
from generator.tntp import Road, RoadNet
from models.common import Point
from models.instance import RoadArc, RoadNode

SPEED_KMH = {"expressway": 100, "national": 70, "provincial": 60, "county": 45, "village": 30}
DETOUR = {"expressway": 1.05, "national": 1.1, "provincial": 1.15, "county": 1.2, "village": 1.3}
TOLL_EXIT_KM, TOLL_EXIT_KMH = 0.6, 30


@dataclass
class Roads:
    pos: dict[str, XY] = field(default_factory=dict)
    town_of: dict[str, str] = field(default_factory=dict)  # node -> township id
    seat: dict[str, str] = field(default_factory=dict)  # township id -> seat node
    arcs: list[RoadArc] = field(default_factory=list)
    expressway_nodes: set[str] = field(default_factory=set)

    def add_node(self, node: str, xy: XY, town: str) -> None:
        self.pos[node] = xy
        self.town_of[node] = town

    def add_road(self, a: str, b: str, cls: str, rng: random.Random, toll_exit: bool = False) -> None:
        """Both directions of a road as one section."""
        if toll_exit:
            length, minutes = TOLL_EXIT_KM, TOLL_EXIT_KM / TOLL_EXIT_KMH * 60
        else:
            length = max(0.1, math.dist(self.pos[a], self.pos[b]) * DETOUR[cls] * rng.uniform(0.98, 1.08))
            minutes = length / SPEED_KMH[cls] * 60
        section = f"R{len(self.arcs) // 2 + 1:04d}"
        for tail, head, direction in ((a, b, "forward"), (b, a, "backward")):
            self.arcs.append(RoadArc(id=f"A{len(self.arcs) + 1:04d}", tail=tail, head=head,
                                     length_km=round(length, 3), free_flow_min=round(minutes, 2),
                                     road_class=cls, section=section, direction=direction,
                                     toll_exit=toll_exit))

    def nodes(self) -> list[RoadNode]:
        return [RoadNode(id=n, township=self.town_of[n], location=Point(x=xy[0], y=xy[1]))
                for n, xy in self.pos.items()]

    def graph(self, without_towns: frozenset[str] = frozenset(), keep: str | None = None) -> nx.DiGraph:
        """Directed graph weighted by free-flow minutes, optionally without some townships' nodes."""
        g = nx.DiGraph()
        skip = {n for n, t in self.town_of.items() if t in without_towns and t != keep}
        g.add_nodes_from(n for n in self.pos if n not in skip)
        for a in self.arcs:
            if a.tail not in skip and a.head not in skip:
                g.add_edge(a.tail, a.head, weight=a.free_flow_min, arc=a.id)
        return g


def add_corridors(net: RoadNet, nodes: dict[int, XY], count: int) -> list[Road]:
    """Mark expressway corridors (west–east, then south–north) on a network that has none."""
    roads = list(net.roads)
    if any(r.road_class == "expressway" for r in roads) or count == 0:
        return roads
    g = nx.Graph()
    for r in roads:
        g.add_edge(r.a, r.b, weight=math.dist(nodes[r.a], nodes[r.b]))
    on: set[tuple[int, int]] = set()
    ids = sorted(nodes)
    ends = [(min(ids, key=lambda n: (nodes[n][0], n)), max(ids, key=lambda n: (nodes[n][0], -n))),
            (min(ids, key=lambda n: (nodes[n][1], n)), max(ids, key=lambda n: (nodes[n][1], -n)))]
    for a, b in ends[:count]:
        path = nx.dijkstra_path(g, a, b)
        on.update((min(u, v), max(u, v)) for u, v in zip(path, path[1:]))
    return [Road(r.a, r.b, "expressway") if (r.a, r.b) in on else r for r in roads]


def build_roads(net: RoadNet, nodes: dict[int, XY], towns: list[Town], corridors: int,
                local: bool, rng: random.Random) -> Roads:
    roads = add_corridors(net, nodes, corridors)
    out = Roads()
    seat_of = {t.seat: t for t in towns}
    for n in sorted(nodes):
        t = seat_of.get(n) or towns[owner(nodes[n], towns)]
        out.add_node(f"N{n}", nodes[n], t.id)
    for t in towns:
        out.seat[t.id] = f"N{t.seat}"
    kinds: dict[int, set[bool]] = {}
    for r in roads:
        for n in (r.a, r.b):
            kinds.setdefault(n, set()).add(r.road_class == "expressway")
    split = {n for n, k in kinds.items() if k == {True, False}}
    for n in sorted(split):
        out.add_node(f"N{n}E", _offset(n, nodes, roads), out.town_of[f"N{n}"])
    for r in roads:
        exp = r.road_class == "expressway"
        a = f"N{r.a}E" if exp and r.a in split else f"N{r.a}"
        b = f"N{r.b}E" if exp and r.b in split else f"N{r.b}"
        out.add_road(a, b, r.road_class, rng)
    for n in sorted(split):
        out.add_road(f"N{n}", f"N{n}E", "expressway", rng, toll_exit=True)
    out.expressway_nodes = {f"N{n}" for r in roads if r.road_class == "expressway" for n in (r.a, r.b)}
    out.expressway_nodes |= {f"N{n}E" for n in split}
    if local:
        _local_roads(out, towns, rng)
    return out


def _offset(n: int, nodes: dict[int, XY], roads: list[Road]) -> XY:
    """A point 0.25 km off node n, across its expressway (where the mainline node sits)."""
    vx = vy = 0.0
    for r in roads:
        if r.road_class == "expressway" and n in (r.a, r.b):
            o = r.b if r.a == n else r.a
            d = math.dist(nodes[n], nodes[o]) or 1.0
            vx += (nodes[o][0] - nodes[n][0]) / d
            vy += (nodes[o][1] - nodes[n][1]) / d
    norm = math.hypot(vx, vy)
    ux, uy = (-vy / norm, vx / norm) if norm > 1e-9 else (1.0, 0.0)
    return round(nodes[n][0] + 0.25 * ux, 3), round(nodes[n][1] + 0.25 * uy, 3)


def _local_roads(out: Roads, towns: list[Town], rng: random.Random) -> None:
    """Village nodes around each seat, tied to the seat and to a neighbour's village (back roads)."""
    local: list[tuple[str, Town]] = []
    for t in towns:
        for k in range(1 if t.terrain == "urban" else 2):
            a = rng.uniform(0, 2 * math.pi)
            r = max(0.3, t.nn_km * rng.uniform(0.25, 0.4))
            xy = pull_inside((t.xy[0] + r * math.cos(a), t.xy[1] + r * math.sin(a)), t, towns)
            node = f"{t.id}-V{k + 1}"
            out.add_node(node, xy, t.id)
            out.add_road(out.seat[t.id], node, "county" if t.terrain == "urban" else "village", rng)
            local.append((node, t))
    linked: set[frozenset[str]] = set()
    for node, t in local:
        others = [(math.dist(out.pos[node], out.pos[o]), o) for o, u in local if u is not t]
        if not others:
            continue
        d, o = min(others)
        if d <= 1.2 * t.nn_km and frozenset((node, o)) not in linked:
            linked.add(frozenset((node, o)))
            out.add_road(node, o, "village", rng)


def add_spur(out: Roads, town: Town, towns: list[Town], tag: str, rng: random.Random) -> str:
    """A node on a village road off the seat (where a producer loads), inside the township."""
    a = rng.uniform(0, 2 * math.pi)
    r = max(0.3, town.radius_km * rng.uniform(0.5, 0.9))
    xy = pull_inside((town.xy[0] + r * math.cos(a), town.xy[1] + r * math.sin(a)), town, towns)
    node = f"{town.id}-{tag}"
    out.add_node(node, xy, town.id)
    out.add_road(out.seat[town.id], node, "village", rng)
    return node
