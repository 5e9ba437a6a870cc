"""Roads as the delivery trucks see them: the plan's arc statuses, shortest paths, leg times.

The road module decides each arc's status (`plan.roads.arcs`: open, checkpoint, closed, per
day when it says so); this is the supply module's own small reader of that section. A truck
may use an arc that is not closed on the day, and never a node inside a sealed township:
goods for a sealed township are handed over at its transfer station outside the seal, so no
truck serves a sealed zone from inside. When the plan has no road section (no road module),
every arc is open except those entering or leaving a sealed township.

Leg times are whole minutes, rounded up from the sum of the arcs' free-flow minutes plus
`checkpoint_delay_min` per checkpoint passed, so the routing stage and `verify` agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from models.instance import Instance, RoadArc

UNREACHABLE = math.inf


def arc_statuses(roads_section, day: int) -> dict[str, str]:
    """Arc id -> status on `day` from a plan's road section. Rows without a day hold every day;
    a day after the road plan's last day keeps that last day's statuses."""
    rows = getattr(roads_section, "arcs", None) or []
    row_days = {getattr(r, "day", None) for r in rows} - {None}
    use = max((d for d in row_days if d <= day), default=None)
    out: dict[str, str] = {}
    for row in rows:
        row_day = getattr(row, "day", None)
        if row_day is None or row_day == use:
            out[row.arc] = row.status
    return out


def sealed_nodes(inst: Instance) -> set[str]:
    """Road nodes inside a sealed zone: a sealed township's nodes except expressway-only ones
    (through traffic on the mainline does not enter the zone)."""
    def compute(_):
        sealed = {t.id for t in inst.townships if t.sealed}
        classes: dict[str, set[str]] = {n.id: set() for n in inst.road_nodes}
        for a in inst.road_arcs:
            classes[a.tail].add(a.road_class)
            classes[a.head].add(a.road_class)
        return {n.id for n in inst.road_nodes if n.township in sealed and classes[n.id] != {"expressway"}}
    return inst.derived("supply_sealed_nodes", compute)


def requested_arcs(inst: Instance) -> set[str]:
    return {r.arc for r in inst.closure_requests}


def arc_usable(arc: RoadArc, status: str | None, sealed: set[str], planned: bool) -> bool:
    """Hard: a truck uses an arc not closed that day and touching no sealed township.

    `planned` is whether the plan has a road section; without one every arc is open except
    those entering or leaving a sealed township, which the same sealed-node rule removes."""
    if planned and status == "closed":
        return False
    return arc.tail not in sealed and arc.head not in sealed


def arc_minutes(inst: Instance, arc: RoadArc, status: str | None) -> float:
    delay = inst.policy.supply.checkpoint_delay_min if status == "checkpoint" else 0
    return arc.free_flow_min + delay


def leg_minutes(inst: Instance, arcs: list[RoadArc], statuses: dict[str, str]) -> int:
    """Whole minutes of driving a path (rounded up once, for the whole leg)."""
    total = sum(arc_minutes(inst, a, statuses.get(a.id)) for a in arcs)
    return math.ceil(total - 1e-9)


@dataclass
class DayNetwork:
    """The usable road graph of one day, with shortest paths from chosen origins."""

    inst: Instance
    statuses: dict[str, str]
    nodes: list[str]
    index: dict[str, int]
    best_arc: dict[tuple[int, int], RoadArc]  # fastest usable arc between two nodes
    graph: csr_matrix

    @classmethod
    def build(cls, inst: Instance, roads_section, day: int, avoid: set[str] = frozenset()) -> DayNetwork:
        """`avoid`: arcs not to use whatever their status (the routing stage passes the arcs the
        road module might close when it cannot read the road plan)."""
        statuses = arc_statuses(roads_section, day)
        planned = bool(getattr(roads_section, "arcs", None))
        sealed = sealed_nodes(inst)
        nodes = sorted(n.id for n in inst.road_nodes)
        index = {n: k for k, n in enumerate(nodes)}
        best: dict[tuple[int, int], RoadArc] = {}
        for a in inst.road_arcs:
            st = statuses.get(a.id)
            if a.id in avoid or not arc_usable(a, st, sealed, planned):
                continue
            key = (index[a.tail], index[a.head])
            if key not in best or arc_minutes(inst, a, st) < arc_minutes(inst, best[key], statuses.get(best[key].id)):
                best[key] = a
        rows = [k[0] for k in best]
        cols = [k[1] for k in best]
        # +1e-6 keeps a zero-minute arc an edge (scipy drops explicit zeros)
        vals = [arc_minutes(inst, a, statuses.get(a.id)) + 1e-6 for a in best.values()]
        graph = csr_matrix((vals, (rows, cols)), shape=(len(nodes), len(nodes)))
        return cls(inst, statuses, nodes, index, best, graph)

    def paths_from(self, origins: list[str]) -> PathTable:
        idx = [self.index[o] for o in origins]
        dist, pred = dijkstra(self.graph, directed=True, indices=idx, return_predecessors=True)
        return PathTable(self, {o: k for k, o in enumerate(origins)}, dist, pred)


@dataclass
class PathTable:
    net: DayNetwork
    row: dict[str, int]
    dist: np.ndarray
    pred: np.ndarray

    def reachable(self, a: str, b: str) -> bool:
        return a == b or np.isfinite(self.dist[self.row[a], self.net.index[b]])

    def arcs(self, a: str, b: str) -> list[RoadArc] | None:
        """The fastest usable path a -> b as arcs, None when there is none."""
        if a == b:
            return []
        r, j = self.row[a], self.net.index[b]
        if not np.isfinite(self.dist[r, j]):
            return None
        out, start = [], self.net.index[a]
        while j != start:
            i = int(self.pred[r, j])
            out.append(self.net.best_arc[i, j])
            j = i
        return out[::-1]

    def minutes_matrix(self, origins: list[str], targets: list[str]) -> np.ndarray:
        """Leg minutes (as `leg_minutes`) from each origin to each target, inf when unreachable.

        The graph's weights carry 1e-6 per arc (see `build`); a path has far fewer than 100
        arcs, so subtracting 1e-4 before rounding up gives the leg's whole minutes."""
        rows = [self.row[o] for o in origins]
        cols = [self.net.index[t] for t in targets]
        d = self.dist[np.ix_(rows, cols)]
        out = np.ceil(d - 1e-4)
        out[~np.isfinite(d)] = np.inf
        same = np.array(origins)[:, None] == np.array(targets)[None, :]
        out[same] = 0
        return out

    def minutes(self, a: str, b: str) -> float:
        """Leg minutes a -> b (whole minutes as `leg_minutes`), inf when unreachable."""
        path = self.arcs(a, b)
        return UNREACHABLE if path is None else leg_minutes(self.net.inst, path, self.net.statuses)
