"""Lifelines (米袋子/菜篮子 routes) and the closures townships asked for.

A lifeline's township end is the township's seat node. Its time budget is 1.5 × the
shortest free-flow time (at least 20 min) on roads that avoid every sealed township it does
not serve, so each lifeline can be kept within budget with every non-required road open.
Closure requests: roads around the outbreak that nearby townships asked to close; some of
them would cut a lifeline (closing the arc alone pushes it over its budget).
"""

from __future__ import annotations

import math
import random

import networkx as nx

from generator.geography import Town
from generator.roads import Roads
from models.instance import ClosureRequest, Lifeline, SupplySource

MIN_BUDGET = 20


def make_lifelines(towns: list[Town], roads: Roads, srcs: list[SupplySource]) -> list[Lifeline]:
    sealed = frozenset(t.id for t in towns if t.sealed)
    servers = [s for s in srcs if s.kind in ("depot", "market")]
    markets = [s for s in srcs if s.kind == "market"]
    open_graph = roads.graph(sealed)
    times = {s.id: nx.single_source_dijkstra_path_length(open_graph, s.node) for s in servers}
    out: list[Lifeline] = []

    def add(source: str, town: str, minutes: float) -> None:
        budget = max(MIN_BUDGET, math.ceil(1.5 * minutes))
        out.append(Lifeline(id=f"L{len(out) + 1:03d}", source=source, township=town, time_budget_min=budget))

    for t in towns:
        target = roads.seat[t.id]
        if t.sealed:  # the sealed township is served into its own zone
            g = roads.graph(sealed, keep=t.id)
            found = {s.id: nx.single_source_dijkstra_path_length(g, s.node).get(target) for s in servers}
        else:
            found = {s.id: times[s.id].get(target) for s in servers}
        best = min((m, sid) for sid, m in found.items() if m is not None)
        add(best[1], t.id, best[0])
    for s in srcs:
        if s.kind == "producer" and markets:
            reach = nx.single_source_dijkstra_path_length(open_graph, s.node)
            best = min((reach[m.node], m) for m in markets if m.node in reach)
            add(s.id, best[1].township, best[0])
    return out


def make_closure_requests(towns: list[Town], roads: Roads, srcs: list[SupplySource], lifelines: list[Lifeline],
                          near: set[str], count: int, rng: random.Random) -> list[ClosureRequest]:
    """Arcs touching the townships `near` the outbreak, asked closed by them; about half cut a lifeline."""
    sealed = frozenset(t.id for t in towns if t.sealed)
    if not near:
        return []
    node_of = {s.id: s.node for s in srcs}
    ordinary = [a for a in roads.arcs if a.road_class != "expressway"]
    by_ends = {(a.tail, a.head): a for a in ordinary
               if {roads.town_of[a.tail], roads.town_of[a.head]} & near}
    g = roads.graph(sealed)
    paths = {n: nx.single_source_dijkstra_path(g, n) for n in sorted(set(node_of.values())) if n in g}
    cutting: list = []
    for lf in lifelines:
        source, target = node_of[lf.source], roads.seat[lf.township]
        if lf.township in sealed or source not in g:
            continue
        path = paths[source][target]
        for u, v in zip(path, path[1:]):
            a = by_ends.get((u, v))
            if a is None:
                continue
            data = g.edges[u, v]
            g.remove_edge(u, v)  # would this closure alone push the lifeline over its budget?
            try:
                t = nx.dijkstra_path_length(g, source, target)
            except nx.NetworkXNoPath:
                t = math.inf
            g.add_edge(u, v, **data)
            if t > lf.time_budget_min:
                cutting.append(a)
    harmless = [a for a in ordinary if {roads.town_of[a.tail], roads.town_of[a.head]} & near
                and not {roads.town_of[a.tail], roads.town_of[a.head]} & sealed and a not in cutting]
    picked = rng.sample(_dedupe(cutting), min(len(_dedupe(cutting)), count // 2))
    rest = [a for a in harmless if a not in picked]
    picked += rng.sample(rest, min(len(rest), count - len(picked)))
    out = []
    for a in sorted(picked, key=lambda a: a.id):
        ends = [roads.town_of[a.tail], roads.town_of[a.head]]
        by = next((e for e in ends if e in near), ends[0])
        out.append(ClosureRequest(arc=a.id, requested_by=by))
    return out


def _dedupe(arcs: list) -> list:
    seen, out = set(), []
    for a in arcs:
        if a.id not in seen:
            seen.add(a.id)
            out.append(a)
    return out
