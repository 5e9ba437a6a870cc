"""A one-screen summary of an instance and the warnings a planner should see before solving.

Warnings are not errors: the file is valid, but some demand will surely go unmet or some
data is probably wrong (a grid with no site in walking range, a road node nothing reaches).
`rule_conflicts` adds the cheap, certain cases where the data already meets a hard rule head
on, in the words of the solve's diagnosis (optimizer/diagnose.py, docs/diagnosis.md): the solve
still makes a plan (the rule's shortage is declared), but the planner can fix the data first.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx

from models.instance import Instance
from optimizer.geometry import serving_sites, staff_travel_min
from optimizer.isolation_rules import (
    KINDS,
    no_mix_pairs,
    occupants_on,
    role_for,
    staff_needed,
)
from optimizer.roads_rules import has_roads, is_mainline, road_rules
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
    return rule_conflicts(inst) + out  # the certain conflicts first: validate shows the first 20


def _said(group: str, path: str, message: str) -> str:
    from optimizer.diagnose import words

    return f"{path}: {words(group, 'zh')} ({group}): {message}"


def rule_conflicts(inst: Instance) -> list[str]:
    """Data that already contradicts a hard rule, found without a solve (cheap and certain)."""
    out: list[str] = []
    pairs = no_mix_pairs(inst)
    for k, site in enumerate(inst.isolation_sites):
        path = f"isolation_sites[{k}]"
        for c in sorted({o.category for o in site.occupants} - set(site.allowed_categories)):
            out.append(_said("isolation.allowed_categories", f"{path}.occupants",
                             f"{site.id} holds {c} occupants but does not take that category"))
        last = max((o.release_day for o in site.occupants), default=0)
        for a, b in pairs:
            mixed = [d for d in range(last) if occupants_on(site, d).get(a) and occupants_on(site, d).get(b)]
            if mixed:
                out.append(_said(f"isolation.categories_apart site {site.id} day {mixed[0]} {a}/{b}",
                                 f"{path}.occupants", f"{a} and {b} already share {site.id} (days {mixed[0]}-"
                                 f"{mixed[-1]}); neither category can be admitted there while they do"))
    out += _site_staff_gaps(inst)
    if has_roads(inst):
        rules = road_rules(inst)
        index = {a.id: k for k, a in enumerate(inst.road_arcs)}
        for a, seal in sorted(rules.exits.items()):
            if is_mainline(rules.arcs[a]):
                out.append(_said(f"roads.seal_exits {seal}", f"road_arcs[{index[a]}]",
                                 f"{a} leaves sealed {seal} on an expressway mainline, which may be neither closed "
                                 "nor checkpointed (roads.expressway_mainline): the seal stays open there"))
    return out


def _site_staff_gaps(inst: Instance) -> list[str]:
    """Sites whose current occupants need more staff per day than anyone could give: their own
    closed loop plus every pool person with a fitting skill within commuting range."""
    out: list[str] = []
    occupied = [(k, s) for k, s in enumerate(inst.isolation_sites) if sum(occupants_on(s, 0).values())]
    if not occupied:
        return out
    shifts = inst.policy.isolation.shifts_per_day
    pool: dict[tuple[str, str], int] = Counter()  # (home township, kind) -> free people who fit it
    closed: dict[tuple[str, str], int] = Counter()  # (site, kind) -> its closed-loop people who fit it
    for p in inst.staff:
        for kind in KINDS:
            if role_for(inst, p, kind) is not None:
                if p.closed_loop_site is None:
                    pool[p.home_township, kind] += 1
                else:
                    closed[p.closed_loop_site, kind] += 1  # counted for every kind they fit: an upper bound
    limit = inst.policy.staff.max_commute_min
    for k, site in occupied:
        need = staff_needed(inst, sum(occupants_on(site, 0).values()))
        for kind in KINDS:
            want = need[kind] * shifts  # person-shifts of day 0, one shift a person
            near = sum(n for (home, kd), n in pool.items()
                       if kd == kind and staff_travel_min(inst, home, site.township) <= limit)
            have = closed[site.id, kind] + near
            if want > have:
                out.append(_said(f"isolation.site_staff site {site.id}", f"isolation_sites[{k}].occupants",
                                 f"the {sum(occupants_on(site, 0).values())} occupants need {want} {kind} "
                                 f"person-shifts on day 0; at most {have} people could take them"))
    return out
