"""Resilience of each lifeline on the plan's roads (networkx): its route and minutes, how many
arc-disjoint qualifying routes it has, and the arcs whose single loss would break it.

Work is confined to the lifeline's *budget ellipse*: arcs (u, v) with the shortest time to u
from the source + the arc + the shortest time from v to the seat within the budget. Every
route within budget lies in it, so the critical arcs found there are exact, and the greedy
count of disjoint routes (shortest within budget, remove its arcs, repeat) is a lower bound
whose routes are real; a unit-capacity max flow on the ellipse gives the upper bound.
"""

from __future__ import annotations

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


class PlanGraphs:
    """The plan's usable roads on one day (every arc not closed), per set of served zones."""

    def __init__(self, rules: RoadRules, closed: set[str]):
        self.rules = rules
        self.closed = closed
        self._cache: dict[frozenset[str], nx.DiGraph] = {}

    def graph(self, served: frozenset[str]) -> nx.DiGraph:
        g = self._cache.get(served)
        if g is None:
            g = self._cache[served] = self._build(served)
        return g

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


def resilience(g: nx.DiGraph, source: str, target: str | None, budget: float) -> Resilience:
    if target is None or source not in g or target not in g:
        return Resilience(False)
    dist, paths = nx.single_source_dijkstra(g, source, cutoff=budget + EPS)
    if target not in dist:
        return Resilience(False)
    nodes = paths[target]
    arcs = [g.edges[u, v]["arcs"][0] for u, v in zip(nodes, nodes[1:])]
    out = Resilience(True, nodes, arcs, round(dist[target], 3))
    if source == target:  # loads at the seat: the empty route, which nothing can cut
        out.disjoint = out.disjoint_max = 1
        return out
    back = nx.single_source_dijkstra_path_length(g.reverse(copy=False), target, cutoff=budget + EPS)
    h = nx.DiGraph()
    for u, v, data in g.edges(data=True):
        if u in dist and v in back and dist[u] + data["weight"] + back[v] <= budget + EPS:
            h.add_edge(u, v, weight=data["weight"], arcs=list(data["arcs"]), capacity=len(data["arcs"]))
    for u, v in zip(nodes, nodes[1:]):
        if len(h.edges[u, v]["arcs"]) > 1:
            continue
        data = dict(h.edges[u, v])
        h.remove_edge(u, v)
        if _within(h, source, target, budget) is None:
            out.critical.append(data["arcs"][0])
        h.add_edge(u, v, **data)
    out.disjoint_max = int(nx.maximum_flow_value(h, source, target)) if source in h and target in h else 0
    greedy = h.copy()
    while out.disjoint < out.disjoint_max:
        path = _within(greedy, source, target, budget)
        if path is None:
            break
        out.disjoint += 1
        for u, v in zip(path, path[1:]):
            greedy.edges[u, v]["capacity"] -= 1
            if greedy.edges[u, v]["capacity"] == 0:
                greedy.remove_edge(u, v)
    return out


def _within(g: nx.DiGraph, source: str, target: str, budget: float) -> list[str] | None:
    try:
        length, path = nx.bidirectional_dijkstra(g, source, target)
    except nx.NetworkXNoPath:
        return None
    return path if length <= budget + EPS else None
