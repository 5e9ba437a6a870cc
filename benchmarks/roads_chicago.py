"""Road module speed on the Chicago sketch: 5 sealed zones, 400 lifelines, one solve, verify.

The network is the generator's Chicago (TNTP Chicago-Sketch: 933 nodes, 2,950 links, here
1,073 nodes and 3,230 arcs after expressway mainlines get toll-plaza exits and townships
their village roads), clustered into 60 townships. Only the road module is planned: grids,
cases, cohorts and isolation sites are dropped, the staff pool stays (checkpoint guards).
Five townships are sealed; 400 source→township lifelines get a budget of 1.5 × their
shortest qualifying free-flow time (at least 20 min); 40 closure requests: 20 on roads next
to the seals, 20 on roads into township seats (some of those cut lifelines).

    python benchmarks/roads_chicago.py [--seed 1] [--time-limit 60] [--workers 2]

Prints one line per stage and a summary line: wall time, status, gap, violations.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.build import generate_instance
from models import Instance, SolveConfig
from optimizer import solve
from optimizer.roads_routes import shortest_route
from optimizer.roads_rules import is_mainline, road_rules
from optimizer.validate import verify

SEALED, LIFELINES, REQUESTS, TOWNSHIPS = 5, 400, 40, 60


def chicago_roads(seed: int) -> Instance:
    rng = random.Random(f"{seed}:roads-bench")
    base = generate_instance("chicago", TOWNSHIPS, seed)
    data = base.model_dump(mode="json")
    for key in ("grids", "sampling_sites", "labs", "cases", "cohorts", "isolation_sites", "demands"):
        data[key] = []
    data["staff"] = [p for p in data["staff"] if p["closed_loop_site"] is None]
    data["vehicles"] = [v for v in data["vehicles"] if v["kind"] == "truck"]
    data["policy"].setdefault("tracing", {})["on_call_teams"] = 0
    already = [t["id"] for t in data["townships"] if t["sealed"]]
    others = [t["id"] for t in data["townships"] if not t["sealed"]]
    sealed = set(already + rng.sample(others, SEALED - len(already)))
    for t in data["townships"]:
        if t["id"] in sealed:
            t["sealed"], t["risk_level"] = True, "high"
    data["lifelines"], data["closure_requests"] = [], []
    draft = Instance.model_validate(data)
    rules = road_rules(draft)
    pairs = [(s.id, t.id) for s in draft.sources for t in draft.townships]
    rng.shuffle(pairs)
    lifelines = []
    for source, township in pairs:
        if len(lifelines) == LIFELINES:
            break
        src = draft.by_id("sources")[source]
        served = frozenset(z for z in (rules.zone.get(src.node), township if township in sealed else None) if z)
        found = shortest_route(rules, src.node, rules.seat[township], served)
        if found is None or found[0] == 0:
            continue
        lifelines.append({"id": f"L{len(lifelines) + 1:03d}", "source": source, "township": township,
                          "time_budget_min": max(20, math.ceil(1.5 * found[0]))})
    data["lifelines"] = lifelines
    node_town = {n.id: n.township for n in draft.road_nodes}
    ok = [a for a in draft.road_arcs if not is_mainline(a) and a.id not in rules.exits]
    near = [a for a in ok if {node_town[a.tail], node_town[a.head]} & sealed]
    into_seats = [a for a in ok if a.head in set(rules.seat.values())]  # townships shutting their doors
    picked = rng.sample(near, min(REQUESTS // 2, len(near)))
    picked += rng.sample([a for a in into_seats if a not in picked], REQUESTS - len(picked))
    data["closure_requests"] = [{"arc": a.id, "requested_by": node_town[a.head]} for a in picked]
    return Instance.model_validate(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    t0 = time.perf_counter()
    inst = chicago_roads(args.seed)
    t1 = time.perf_counter()
    rules = road_rules(inst)
    print(f"instance: {len(inst.road_nodes)} nodes, {len(inst.road_arcs)} arcs, {len(rules.sealed)} sealed zones, "
          f"{len(inst.lifelines)} lifelines, {len(inst.closure_requests)} closure requests, "
          f"{len(inst.staff)} staff; built in {t1 - t0:.1f} s (not timed)")
    result = solve(inst, SolveConfig(time_limit_s=args.time_limit, workers=args.workers, seed=args.seed))
    t2 = time.perf_counter()
    violations = verify(inst, result.plan) if result.plan else None
    t3 = time.perf_counter()
    plan = result.plan
    if plan is not None:
        kept = sum(x.kept for x in plan.roads.lifelines)
        closed = sum(a.status == "closed" for a in plan.roads.arcs)
        print(f"plan: {closed} arcs closed, {len(plan.roads.checkpoints)} checkpoints, {kept}/{len(plan.roads.lifelines)} "
              f"lifelines kept, {len(plan.roads.lifted)} closures lifted, {len(plan.shortages)} shortage lines")
    print(result.summary())
    nv = "-" if violations is None else len(violations)
    print(f"ROADS-CHICAGO wall {t3 - t1:.1f} s (solve {t2 - t1:.1f} s incl. build and extract, verify {t3 - t2:.1f} s)"
          f"  status {result.status}  gap {result.gap}  violations {nv}")
    for v in (violations or [])[:10]:
        print("  ", v)


if __name__ == "__main__":
    main()
