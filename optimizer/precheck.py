"""A one-screen summary of an instance and the warnings a planner should see before solving.

Warnings are not errors: the file is valid, but some demand will surely go unmet or some
data is probably wrong (a grid with no site in walking range, a road node nothing reaches).
"""

from __future__ import annotations

from collections import Counter

import networkx as nx

from models.instance import Instance
from optimizer.geometry import serving_sites
from optimizer.sampling_rules import people_to_sample


def summary(inst: Instance) -> list[tuple[str, str]]:
    """(label, value) rows: counts and totals of the instance."""
    risk = Counter(t.risk_level for t in inst.townships)
    return [
        ("townships", f"{len(inst.townships)} (high {risk['high']}, medium {risk['medium']}, low {risk['low']}; "
                      f"sealed {sum(t.sealed for t in inst.townships)})"),
        ("population", f"{sum(t.population for t in inst.townships):,}"),
        ("grids", f"{len(inst.grids):,}  (to sample tomorrow: {sum(people_to_sample(inst, g) for g in inst.grids):,})"),
        ("candidate sampling sites", f"{len(inst.sampling_sites):,}"),
        ("labs", f"{len(inst.labs)} ({sum(lab.daily_tube_capacity for lab in inst.labs):,} tubes/day)"),
        ("staff", f"{len(inst.staff):,}"),
        ("tracing cases", f"{len(inst.cases)}"),
        ("isolation sites", f"{len(inst.isolation_sites)} ({sum(s.rooms for s in inst.isolation_sites):,} rooms)"),
        ("cohorts", f"{len(inst.cohorts)} ({sum(c.people for c in inst.cohorts):,} people)"),
        ("supply sources / vehicles", f"{len(inst.sources)} / {len(inst.vehicles)}"),
        ("road network", f"{len(inst.road_nodes):,} nodes, {len(inst.road_arcs):,} arcs, "
                         f"{len(inst.lifelines)} lifelines"),
        ("policy", inst.policy.preset),
    ]


def warnings(inst: Instance) -> list[str]:
    """`path: message` lines for data that is valid but will hurt the plan."""
    out: list[str] = []
    reach = serving_sites(inst)
    for k, g in enumerate(inst.grids):
        if not reach[k]:
            out.append(f"grids[{k}] ({g.id}): no candidate sampling site within walking range")
    graph = nx.DiGraph()
    graph.add_nodes_from(n.id for n in inst.road_nodes)
    graph.add_edges_from((a.tail, a.head) for a in inst.road_arcs)
    if inst.road_arcs:
        for k, n in enumerate(inst.road_nodes):
            if graph.in_degree(n.id) == 0:
                out.append(f"road_nodes[{k}] ({n.id}): no road arc reaches this node")
    stocked: Counter = Counter()
    for src in inst.sources:
        for st in src.stock:
            stocked[st.commodity] += st.quantity
    for k, d in enumerate(inst.demands):
        if d.quantity and not stocked[d.commodity]:
            out.append(f"demands[{k}]: no source holds {d.commodity} for {d.township}")
    nodes = inst.by_id("road_nodes")
    for k, lf in enumerate(inst.lifelines):
        src = inst.by_id("sources")[lf.source]
        targets = {n for n, node in nodes.items() if node.township == lf.township}
        if src.node in graph and targets and not any(nx.has_path(graph, src.node, t) for t in sorted(targets)[:1]):
            out.append(f"lifelines[{k}] ({lf.id}): no road from {lf.source} reaches {lf.township}")
    return out
