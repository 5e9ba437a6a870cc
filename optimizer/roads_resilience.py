"""Resilience of each lifeline on the plan's roads (networkx): its route and minutes, how many
arc-disjoint qualifying routes it has, and the arcs whose single loss would break it.

Work is confined to the lifeline's *budget ellipse*: arcs (u, v) with the shortest time to u
from the source + the arc + the shortest time from v to the seat within the budget. Every
route within budget lies in it, so the critical arcs found there are exact, and the greedy
count of disjoint routes (shortest within budget, remove its arcs, repeat) is a lower bound
whose routes are real (it stops at `MAX_DISJOINT`); the arcs out of the source and into the
seat inside the ellipse give an upper bound. Searches are A* with the exact time still to go
on the plan's roads as heuristic, so each one walks little more than the route it finds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx

from optimizer.roads_routes import EPS
from optimizer.roads_rules import RoadRules


@dataclass
class Resilience:
    kept: bool
    nodes: list[str] = field(default_factory=list)
    arcs: list[str] = field(default_factory=list)
    minutes: float | None = None
    disjoint: int = 0
    disjoint_max: int = 0
    critical: list[str] = field(default_factory=list)


MAX_DISJOINT = 4  # the greedy count stops here: beyond it a lifeline is robust enough to say so


class PlanGraphs:
    """The plan's usable roads on one day (every arc not closed), per set of served zones, with
    travel times from each source and to each seat cached up to the longest budget."""

    def __init__(self, rules: RoadRules, closed: set[str], horizon_min: float):
        self.rules = rules
        self.closed = closed
        self.horizon = horizon_min + EPS
        self._cache: dict[frozenset[str], nx.DiGraph] = {}
        self._from: dict[tuple, dict[str, float]] = {}
        self._to: dict[tuple, dict[str, float]] = {}

    def graph(self, served: frozenset[str]) -> nx.DiGraph:
        g = self._cache.get(served)
        if g is None:
            g = self._cache[served] = self._build(served)
        return g

    def dist_from(self, source: str, served: frozenset[str]) -> dict[str, float]:
        key = (source, served)
        if key not in self._from:
            g = self.graph(served)
            self._from[key] = nx.single_source_dijkstra_path_length(g, source, cutoff=self.horizon) \
                if source in g else {}
        return self._from[key]

    def dist_to(self, target: str, served: frozenset[str]) -> dict[str, float]:
        key = (target, served)
        if key not in self._to:
            g = self.graph(served)
            self._to[key] = nx.single_source_dijkstra_path_length(g.reverse(copy=False), target, cutoff=self.horizon) \
                if target in g else {}
        return self._to[key]

    def _build(self, served: frozenset[str]) -> nx.DiGraph:
        rules = self.rules
        g = nx.DiGraph()
        g.add_nodes_from(n for n in rules.zone if rules.node_allowed(n, served))
        for a in sorted(rules.arcs.values(), key=lambda a: (a.free_flow_min, a.id)):
            if a.id in self.closed or a.tail not in g or a.head not in g:
                continue
            if g.has_edge(a.tail, a.head):  # a parallel arc: the fastest one carries the route
                g.edges[a.tail, a.head]["arcs"].append(a.id)
            else:
                g.add_edge(a.tail, a.head, weight=a.free_flow_min, arcs=[a.id])
        return g


def resilience(pg: PlanGraphs, served: frozenset[str], source: str, target: str | None, budget: float
               ) -> Resilience:
    g = pg.graph(served)
    if target is None or source not in g or target not in g:
        return Resilience(False)
    ds = pg.dist_from(source, served)
    if ds.get(target, math.inf) > budget + EPS:
        return Resilience(False)
    dt = pg.dist_to(target, served)
    search = _Search(g, source, target, budget, dt)
    nodes = search.route() if source != target else [source]
    arcs = [g.edges[u, v]["arcs"][0] for u, v in zip(nodes, nodes[1:])]
    out = Resilience(True, nodes, arcs, round(sum(g.edges[u, v]["weight"] for u, v in zip(nodes, nodes[1:])), 3))
    if source == target:  # loads at the seat: the empty route, which nothing can cut
        out.disjoint = out.disjoint_max = 1
        return out

    def in_ellipse(u, v, d) -> bool:
        return ds.get(u, math.inf) + d["weight"] + dt.get(v, math.inf) <= budget + EPS

    out.disjoint_max = min(sum(len(d["arcs"]) for v, d in g[source].items() if in_ellipse(source, v, d)),
                           sum(len(d["arcs"]) for u, _, d in g.in_edges(target, data=True) if in_ellipse(u, target, d)))
    out.critical = _critical(g, search, nodes)
    used: dict[tuple[str, str], int] = {}
    while out.disjoint < min(out.disjoint_max, MAX_DISJOINT):
        path = search.route(lambda e: used.get(e, 0) >= len(g.edges[e]["arcs"]))
        if path is None:
            break
        out.disjoint += 1
        for e in zip(path, path[1:]):
            used[e] = used.get(e, 0) + 1
    return out


class _Search:
    """A* within the budget: the heuristic is the exact time still to go on the plan's roads, a
    lower bound on any part of them, and the cutoff prunes everything outside the ellipse."""

    def __init__(self, g: nx.DiGraph, source: str, target: str, budget: float, dt: dict[str, float]):
        self.g, self.source, self.target, self.budget, self.dt = g, source, target, budget, dt

    def route(self, hidden=None) -> list[str] | None:
        def weight(u, v, d):
            return None if hidden is not None and hidden((u, v)) else d["weight"]

        try:
            path = nx.astar_path(self.g, self.source, self.target, heuristic=lambda u, _t: self.dt.get(u, math.inf),
                                 weight=weight, cutoff=self.budget + EPS)
        except nx.NetworkXNoPath:
            return None
        length = sum(self.g.edges[u, v]["weight"] for u, v in zip(path, path[1:]))
        return path if length <= self.budget + EPS else None


def _critical(g: nx.DiGraph, search: _Search, nodes: list[str]) -> list[str]:
    """Route arcs on every route within budget. A route found without one candidate clears every
    candidate it avoids too, so few searches are needed."""
    candidates = [(u, v) for u, v in zip(nodes, nodes[1:]) if len(g.edges[u, v]["arcs"]) == 1]
    critical = []
    while candidates:
        e = candidates.pop(0)
        other = search.route(lambda x: x == e)
        if other is None:
            critical.append(g.edges[e]["arcs"][0])
        else:
            used = set(zip(other, other[1:]))
            candidates = [c for c in candidates if c in used]
    return critical
