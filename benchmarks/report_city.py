"""The report at city scale (issue 10 target: under 10 s, under 15 MB).

Renders the offline HTML report of `instances/city.json` and prints the seconds and bytes
it takes. With `--plan` it reports a solved plan; without, it builds an *upper-bound plan*
from the instance — every element the report can draw, at the instance's full size:

- every candidate sampling site opened at its maximum desks (1,955 sites);
- every isolation site over a 14-day horizon (99 × 14 room-days);
- every arc with a status, every exit of a sealed township closed or checkpointed, every
  requested closure lifted, every lifeline kept on its fastest route;
- every truck on a route from its depot to three township seats and back, over the roads;
- every case traced, one roster row per person, two shortage lines per township.

A solved plan draws fewer sites and routes, so its report is smaller and faster. Usage::

    python benchmarks/report_city.py [--instance FILE] [--plan PLAN] [--lang zh|en] [-o OUT] [--repeat N]
                                     [--save-plan PLAN]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import networkx as nx  # noqa: E402

from models.instance import Instance  # noqa: E402
from models.io import instance_hash, load_instance, load_plan, save  # noqa: E402
from models.plan import Plan  # noqa: E402
from report import render_report, write_report  # noqa: E402

DAYS = 14


def _seat(inst: Instance, township_id: str) -> str:
    t = inst.by_id("townships")[township_id]
    own = [n for n in inst.road_nodes if n.township == township_id] or inst.road_nodes
    return t.seat_node or min(own, key=lambda n: n.location.distance_km(t.center)).id


def upper_bound_plan(inst: Instance, seed: int = 0) -> Plan:
    """A plan holding every element the report draws, at the instance's size (see the module docstring)."""
    rng = random.Random(seed)
    graph = nx.DiGraph()
    for a in inst.road_arcs:
        graph.add_edge(a.tail, a.head, id=a.id, w=a.free_flow_min)
    arc_of = {(a.tail, a.head): a.id for a in inst.road_arcs}
    seats = {t.id: _seat(inst, t.id) for t in inst.townships}
    sources = inst.by_id("sources")
    paths = {s.id: nx.single_source_dijkstra_path(graph, s.node, weight="w") for s in inst.sources}
    node_town = {n.id: n.township for n in inst.road_nodes}
    sealed = {t.id for t in inst.townships if t.sealed}

    def arcs_of(nodes: list[str]) -> list[str]:
        return [arc_of[u, v] for u, v in zip(nodes, nodes[1:])]

    statuses, checkpoints = [], []
    requested = {r.arc: [] for r in inst.closure_requests}
    for r in inst.closure_requests:
        requested[r.arc].append(r.requested_by)
    for k, a in enumerate(inst.road_arcs):
        exit_of = node_town[a.tail] if node_town[a.tail] in sealed and node_town[a.head] != node_town[a.tail] else None
        status = ("closed" if k % 2 else "checkpoint") if exit_of else "open"
        statuses.append({"arc": a.id, "status": status, "reason": "seal_exit" if exit_of else
                         "lifted" if a.id in requested else "", "seal": exit_of, "requested_by": requested.get(a.id, [])})
        if status == "checkpoint":
            checkpoints.append({"arc": a.id, "township": node_town[a.tail], "seal": exit_of, "section": a.section,
                                "direction": a.direction, "shifts": 3, "crew_per_shift": 3,
                                "staff": [[s.id for s in inst.staff[3 * k % len(inst.staff):][:3]]] * 3})
    lifelines = []
    for ll in inst.lifelines:
        nodes = paths[ll.source].get(seats[ll.township], [sources[ll.source].node])
        lifelines.append({"lifeline": ll.id, "source": ll.source, "township": ll.township, "kept": True,
                          "nodes": nodes, "arcs": arcs_of(nodes), "minutes": 10.0, "budget_min": ll.time_budget_min,
                          "disjoint_routes": 2, "critical_arcs": arcs_of(nodes)[:2]})
    routes = []
    towns = [t.id for t in inst.townships]
    for v in inst.vehicles:
        if v.kind != "truck" or v.depot not in sources:
            continue
        src = sources[v.depot]
        stops, here = [], src.node
        for k, town in enumerate(rng.sample(towns, 3)):
            there = seats[town]
            leg = nx.shortest_path(graph, here, there, weight="w") if nx.has_path(graph, here, there) else [there]
            stops.append({"kind": "deliver", "trip": 1, "node": there, "destination": town, "arrival_hour": 7 + k,
                          "depart_hour": 7.5 + k, "load_kg": 1000, "roads": arcs_of(leg),
                          "items": [{"commodity": inst.commodities[0].id, "township": town, "quantity": 100}]})
            here = there
        home = nx.shortest_path(graph, here, src.node, weight="w") if nx.has_path(graph, here, src.node) else []
        routes.append({"vehicle": v.id, "source": src.id, "start_hour": 6, "end_hour": 11, "trips": 1, "stops": stops,
                       "roads_home": arcs_of(home), "trip_loads_kg": [3000], "km": 40})
    occupancy = []
    for s in inst.isolation_sites:
        for d in range(DAYS):
            occ = min(s.rooms, int(s.rooms * rng.uniform(0.3, 1.05)))
            occupancy.append({"site": s.id, "day": d, "usable_rooms": s.rooms, "occupied_rooms": occ,
                              "free_rooms": s.rooms - occ, "people": occ})
    cases = []
    for c in inst.cases:
        start = max(c.report_hour, 0) + 1
        cases.append({"case": c.id, "township": c.township, "district": inst.by_id("townships")[c.township].district,
                      "report_hour": c.report_hour, "contacts": c.estimated_contacts, "start_hour": start,
                      "core_info_hour": start + 1, "end_hour": start + 8, "core_due_hour": c.report_hour + 4,
                      "report_due_hour": c.report_hour + 24,
                      "members": [{"staff": "x", "name": "x", "role": "epidemiologist", "home_township": c.township}]})
    roster = [{"staff": s.id, "name": s.name, "role": s.skills[0], "module": "sampling", "location": "x",
               "township": s.home_township, "start_hour": 7, "end_hour": 13} for s in inst.staff]
    shortages = [{"module": "sampling", "tier": tier, "what": "residents not sampled", "township": t.id,
                  "quantity": 100, "unit": "people", "binding_resource": "desks"}
                 for t in inst.townships for tier in ("critical", "routine")]
    return Plan.model_validate({
        "instance": inst.name, "plan_date": str(inst.plan_date),
        "sampling": {"sites": [{"site": s.id, "township": s.township, "desks": s.max_desks,
                                "desks_by_shift": {"上午": s.max_desks, "下午": s.max_desks}, "opening": "07:00-19:00",
                                "people": 1000, "capacity": 1200, "tubes": 100, "samplers": 2 * s.max_desks,
                                "registrars": s.max_desks} for s in inst.sampling_sites]},
        "tracing": {"assignments": cases},
        "isolation": {"occupancy": occupancy},
        "roads": {"arcs": statuses, "checkpoints": checkpoints, "lifelines": lifelines,
                  "lifted": [{"arc": a, "requested_by": by, "lifeline": None, "status": "open"}
                             for a, by in requested.items()]},
        "supply": {"routes": routes},
        "roster": roster, "shortages": shortages,
        "kpis": {"sampling_sites_opened": len(inst.sampling_sites), "tracing_cases": len(cases)},
        "meta": {"status": "FEASIBLE", "deterministic": False, "time_limit_s": 0, "wall_seconds": 0,
                 "instance_hash": instance_hash(inst),
                 "tiers": [{"name": "critical", "status": "FEASIBLE", "value": 1, "bound": 0, "seconds": 0}]},
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instance", default=str(REPO / "instances" / "city.json"))
    ap.add_argument("--plan", help="A solved plan; omitted: the upper-bound plan built from the instance")
    ap.add_argument("--lang", choices=["zh", "en"], default="zh")
    ap.add_argument("-o", "--output", default="/tmp/report-city.html")
    ap.add_argument("--repeat", type=int, default=3, help="Renders timed (the best and the worst are printed)")
    ap.add_argument("--save-plan", help="Also write the plan used (to time `fangkong report` on it)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    inst = load_instance(Path(args.instance))
    t1 = time.perf_counter()
    plan = load_plan(Path(args.plan)) if args.plan else upper_bound_plan(inst)
    t2 = time.perf_counter()
    if args.save_plan:
        save(plan, Path(args.save_plan))
    times = []
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        write_report(Path(args.output), [(inst.name, inst, plan)], lang=args.lang)
        times.append(time.perf_counter() - start)
    size = os.path.getsize(args.output)
    html = render_report([(inst.name, inst, plan)], lang=args.lang)
    counts = Counter(re.findall(r'class="(township|site|road|lifeline|delivery|checkpoint|occ|team-bar)[ "]', html))
    load1, load5, load15 = os.getloadavg()
    print(f"instance {args.instance}: {len(inst.townships)} townships, {len(inst.road_arcs)} arcs "
          f"(loaded in {t1 - t0:.2f} s)")
    print(f"plan: {args.plan or 'upper bound built from the instance'} ({t2 - t1:.2f} s)")
    print(f"render + write: best {min(times):.2f} s, worst {max(times):.2f} s over {len(times)} runs")
    print(f"file: {args.output}, {size / 1e6:.2f} MB")
    print("elements: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"load average {load1:.2f} {load5:.2f} {load15:.2f}")


if __name__ == "__main__":
    main()
