"""Measure the alternative routing engine: OR-Tools routing with guided local search on CVRPLIB.

Reads each instance with the product's reader (``optimizer.bench.cvrp.read_vrp``), so both
engines see the same RoutingProblem: same rounded distances, same fleet (Augerat A: exactly
k vehicles; X: unlimited, i.e. one vehicle per client). OR-Tools is set up the usual way:
a capacity dimension, PATH_CHEAPEST_ARC first solution, GUIDED_LOCAL_SEARCH until the time
limit. Routes are checked with ``optimizer.routing_check`` before a value counts. Usage::

    python benchmarks/ortools_cvrp.py [--time-limit S] [--seed N] [--csv OUT] FILE...
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # noqa: E402

from optimizer import routing_check  # noqa: E402
from optimizer.bench.cvrp import Row, _default_optima, read_references, read_vrp, reference_for, write_csv  # noqa: E402
from optimizer.routing import RoutingProblem  # noqa: E402


def solve_gls(problem: RoutingProblem, time_limit: float) -> tuple[list[list[int]] | None, float]:
    """OR-Tools GLS on a capacity-only RoutingProblem; (routes or None, seconds)."""
    start = time.perf_counter()
    n = problem.num_clients
    vehicle = problem.vehicles[0]
    fleet = vehicle.count if vehicle.count is not None else n
    manager = pywrapcp.RoutingIndexManager(n + 1, fleet, 0)
    routing = pywrapcp.RoutingModel(manager)
    travel = problem.travel.tolist()
    demands = list(problem.demands)

    def distance(i: int, j: int) -> int:
        return travel[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def demand(i: int) -> int:
        return demands[manager.IndexToNode(i)]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(distance))
    routing.AddDimensionWithVehicleCapacity(routing.RegisterUnaryTransitCallback(demand), 0,
                                            [vehicle.capacity] * fleet, True, "load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    # Leave room for model building so the whole call, like solve_routes, fits the limit.
    params.time_limit.FromMilliseconds(max(100, int((time_limit - (time.perf_counter() - start)) * 1000)))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return None, time.perf_counter() - start
    routes = []
    for v in range(fleet):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        route = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--optima", type=Path)
    ap.add_argument("--csv", type=Path)
    args = ap.parse_args()
    references = read_references(args.optima or _default_optima(args.files))
    rows = []
    for path in args.files:
        problem = read_vrp(path)
        routes, seconds = solve_gls(problem, args.time_limit)
        reference = reference_for(path, references)
        objective = gap = None
        status = "INFEASIBLE"
        if routes is not None and not routing_check.violations(problem, routes, [0] * len(routes)):
            status = "FEASIBLE"
            objective = sum(routing_check.route_stats(problem, r).travel for r in routes)
            gap = round((objective - reference) / reference, 6) if reference else None
        rows.append(Row(path.stem, status, objective, None, reference, gap, round(seconds, 3)))
        print(",".join("" if v is None else str(v) for v in rows[-1]), flush=True)
    if args.csv:
        write_csv(rows, args.csv)
    gaps = [r.gap_to_reference for r in rows if r.gap_to_reference is not None]
    if gaps:
        print(f"{len(gaps)}/{len(rows)} solved, average gap {100 * sum(gaps) / len(gaps):.2f}%, "
              f"worst {100 * max(gaps):.2f}%")


if __name__ == "__main__":
    main()
