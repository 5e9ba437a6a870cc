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
    """Closures asked by townships `near` the outbreak (封堵出口、路段).

    The first medium-risk township asks to close every arc into it, toll exits included
    (never an expressway mainline): together they cut its own lifeline. Other near townships ask for single arcs, about
    half of which alone would push some lifeline over its budget; the rest are harmless
    (still penalised: no 一刀切).
    """
    sealed = frozenset(t.id for t in towns if t.sealed)
    if not near:
        return []
    blockader = next((t.id for t in towns if t.risk == "medium"), None)
    requests = {a.id: blockader for a in roads.arcs if roads.town_of[a.head] == blockader and (
        (roads.town_of[a.tail] != blockader and a.road_class != "expressway")
        or (a.toll_exit and a.direction == "backward"))}  # backward toll-exit arcs leave the expressway
    if len(requests) > count:  # a township with many roads in asks for its main exits only
        requests = {arc: blockader for arc in rng.sample(sorted(requests), count - 2)}
    singles = max(2, count - len(requests))
    touches = [a for a in roads.arcs if a.road_class != "expressway" and a.id not in requests
               and _ends(roads, a) & near and not _ends(roads, a) & sealed]
    cutting = _cutting(roads, srcs, lifelines, sealed, touches)
    picked = rng.sample(cutting, min(len(cutting), singles // 2))
    harmless = [a for a in touches if a not in cutting]
    picked += rng.sample(harmless, min(len(harmless), singles - len(picked)))
    for a in picked:
        requests[a.id] = next(e for e in (roads.town_of[a.tail], roads.town_of[a.head]) if e in near)
    return [ClosureRequest(arc=arc, requested_by=by) for arc, by in sorted(requests.items())]


def _ends(roads: Roads, arc) -> set[str]:
    return {roads.town_of[arc.tail], roads.town_of[arc.head]}


def _cutting(roads: Roads, srcs: list[SupplySource], lifelines: list[Lifeline], sealed: frozenset[str],
             candidates: list) -> list:
    """Candidate arcs whose closure alone pushes some lifeline over its time budget."""
    node_of = {s.id: s.node for s in srcs}
    by_ends = {(a.tail, a.head): a for a in candidates}
    g = roads.graph(sealed)
    paths = {n: nx.single_source_dijkstra_path(g, n) for n in sorted(set(node_of.values())) if n in g}
    found: dict[str, object] = {}
    for lf in lifelines:
        source, target = node_of[lf.source], roads.seat[lf.township]
        if lf.township in sealed or source not in g:
            continue
        path = paths[source][target]
        for u, v in zip(path, path[1:]):
            a = by_ends.get((u, v))
            if a is None or a.id in found:
                continue
            data = g.edges[u, v]
            g.remove_edge(u, v)
            try:
                t = nx.dijkstra_path_length(g, source, target)
            except nx.NetworkXNoPath:
                t = math.inf
            g.add_edge(u, v, **data)
            if t > lf.time_budget_min:
                found[a.id] = a
    return [found[k] for k in sorted(found)]
