"""Path generation for lifelines, with its proof of completeness.

Only *blockable* arcs (seal exits and requested closures) can be closed; every other arc is
open in any plan (`RoadRules.blockable`). So what matters about a qualifying route — a path
from the source to the township seat within the time budget that enters no sealed zone the
lifeline does not serve — is its *signature*: the blockable arcs it uses. A lifeline is kept
exactly when some signature has none of its arcs closed.

`lifeline_routes` enumerates signatures by a search tree over forbidden sets F (arcs
assumed closed), starting from F = ∅: take the shortest qualifying route avoiding F; if it
is over budget the node is a leaf, else record its signature S and branch on F ∪ {a} for each
a ∈ S. **Completeness.** Let C be any set of closed arcs that leaves some qualifying route
within budget. Walk down from the root keeping F ⊆ C: the shortest route avoiding F is at
most as long as the best route avoiding C, so within budget; if its signature S misses C we
have found a recorded signature open under C; otherwise step to F ∪ {a} with a ∈ S ∩ C ⊆ C.
F grows inside the finite C, so the walk ends at a recorded signature disjoint from C.
Hence "some recorded signature is fully open" ⇔ "the lifeline is kept": the model's
constraint is exact, not a heuristic.

The tree is tiny in practice (a lifeline meets a few blockable arcs); past `max_nodes` the
lifeline falls back to an arc-flow formulation on the arcs of its budget ellipse, which is
exact too (a unit flow within the time budget contains a path within it).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from models.instance import Instance, Lifeline
from optimizer.roads_rules import RoadRules

EPS = 1e-6
MAX_TREE_NODES = 400


def shortest_route(rules: RoadRules, source: str, target: str, served: frozenset[str],
                   avoid: set[str] | frozenset[str] = frozenset(), budget: float = math.inf
                   ) -> tuple[float, list[str]] | None:
    """Shortest qualifying route (minutes, arcs) avoiding `avoid`, or None if none within budget."""
    if not (rules.node_allowed(source, served) and rules.node_allowed(target, served)):
        return None
    dist = {source: 0.0}
    prev: dict[str, str] = {}
    heap = [(0.0, source)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist.get(u, math.inf):
            continue
        if u == target:
            path = []
            while u != source:
                a = prev[u]
                path.append(a)
                u = rules.arcs[a].tail
            return d, path[::-1]
        for a in rules.out[u]:
            if a.id in avoid or not rules.node_allowed(a.head, served):
                continue
            nd = d + a.free_flow_min
            if nd <= budget + EPS and nd < dist.get(a.head, math.inf):
                dist[a.head] = nd
                prev[a.head] = a.id
                heapq.heappush(heap, (nd, a.head))
    return None


def distances(rules: RoadRules, start: str, served: frozenset[str], budget: float, reverse: bool = False
              ) -> dict[str, float]:
    """Qualifying travel times from `start` (or to it, `reverse`) up to the budget."""
    into = rules.into if reverse else rules.out
    dist = {start: 0.0}
    heap = [(0.0, start)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for a in into[u]:
            v = a.tail if reverse else a.head
            if not rules.node_allowed(v, served):
                continue
            nd = d + a.free_flow_min
            if nd <= budget + EPS and nd < dist.get(v, math.inf):
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return dist


@dataclass
class LifelineRoutes:
    """How a lifeline enters the model."""

    lifeline: Lifeline
    source: str
    target: str | None
    served: frozenset[str]
    kind: str  # "free" (a route uses no blockable arc), "impossible", "signatures" or "flow"
    signatures: list[frozenset[str]] = field(default_factory=list)  # minimal, for "signatures"
    routes: list[list[str]] = field(default_factory=list)  # one route per signature
    ellipse: list[str] = field(default_factory=list)  # arcs, for "flow"


def lifeline_routes(inst: Instance, rules: RoadRules, lf: Lifeline, blockable: frozenset[str],
                    max_nodes: int = MAX_TREE_NODES) -> LifelineRoutes:
    source, target = rules.ends(inst, lf)
    served = rules.served_zones(inst, lf)
    budget = lf.time_budget_min
    out = LifelineRoutes(lf, source, target, served, "impossible")
    if target is None:
        return out
    if shortest_route(rules, source, target, served, blockable, budget) is not None:
        out.kind = "free"
        return out
    found: dict[frozenset[str], list[str]] = {}
    seen: set[frozenset[str]] = {frozenset()}
    stack = [frozenset()]
    nodes = 0
    while stack:
        forbidden = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            out.kind = "flow"
            out.ellipse = _ellipse(rules, source, target, served, budget)
            return out
        r = shortest_route(rules, source, target, served, forbidden, budget)
        if r is None:
            continue
        sig = frozenset(a for a in r[1] if a in blockable)
        found.setdefault(sig, r[1])
        for a in sorted(sig):
            child = forbidden | {a}
            if child not in seen:
                seen.add(child)
                stack.append(child)
    if not found:
        return out
    minimal = [s for s in found if not any(o < s for o in found)]
    minimal.sort(key=lambda s: (len(s), sorted(s)))
    out.kind = "signatures"
    out.signatures = minimal
    out.routes = [found[s] for s in minimal]
    return out


def _ellipse(rules: RoadRules, source: str, target: str, served: frozenset[str], budget: float) -> list[str]:
    ds = distances(rules, source, served, budget)
    dt = distances(rules, target, served, budget, reverse=True)
    return sorted(a.id for a in rules.arcs.values()
                  if a.tail in ds and a.head in dt and rules.node_allowed(a.tail, served)
                  and rules.node_allowed(a.head, served)
                  and ds[a.tail] + a.free_flow_min + dt[a.head] <= budget + EPS)
