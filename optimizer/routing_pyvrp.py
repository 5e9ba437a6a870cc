"""Routing engine: PyVRP's iterated local search on a RoutingProblem, routes back in client indices.

Chosen over OR-Tools' guided local search by measurement on CVRPLIB (docs/benchmarks-cvrp.md).
Locations are laid out as the problem's nodes (depot 0, client i at location i), so the
travel matrix passes through unchanged and PyVRP client j is the problem's node j + 1.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from optimizer.routing import RoutingProblem

log = logging.getLogger(__name__)

_MAX_INT = np.iinfo(np.int64).max


def _blocked_value(problem: RoutingProblem) -> int:
    """A leg price no complete solution without closed legs can reach.

    Every client on its own round trip costs at most 2 * n * max finite leg, so one closed
    leg priced above that is always worse; PyVRP then avoids it when any alternative exists
    and the check reports it when none does.
    """
    from pyvrp.constants import MAX_VALUE

    open_legs = problem.travel[~problem.forbidden]
    largest = int(open_legs.max()) if open_legs.size else 1
    collectable = sum(problem.prizes) if problem.optional else 0  # no prize may pay for a closed leg
    return min(MAX_VALUE, 2 * len(problem.demands) * max(1, largest) + collectable + 1)


def build_data(problem: RoutingProblem):
    """The PyVRP ProblemData of a RoutingProblem; non-cold vehicles drive a profile closed to cold clients."""
    from pyvrp import Client, Depot, Location, ProblemData
    from pyvrp import VehicleType as PyVehicleType

    n = problem.num_clients
    big = _blocked_value(problem)
    base = np.where(problem.forbidden, big, problem.travel).astype(np.int64)
    matrices = [base]
    cold = np.array(problem.cold_chain, dtype=bool)
    cold[0] = False
    needs_ambient_profile = cold.any() and any(not v.cold_chain for v in problem.vehicles)
    if needs_ambient_profile:
        # A truck without refrigeration may not enter or leave a cold-chain client.
        ambient = base.copy()
        ambient[cold, :] = big
        ambient[:, cold] = big
        np.fill_diagonal(ambient, 0)
        matrices.append(ambient)

    locations = [Location(x=0.0, y=0.0) for _ in range(n + 1)]  # planar positions unused: explicit matrix
    depots = [Depot(location=0)]
    clients = []
    for i in range(1, n + 1):
        early, late = problem.window(i) if problem.time_windows is not None else (0, _MAX_INT)
        optional = {"prize": problem.prizes[i], "required": False} if problem.optional else {}
        clients.append(Client(location=i, delivery=[problem.demands[i]], service_duration=problem.service_times[i],
                              tw_early=early, tw_late=min(late, _MAX_INT), **optional))
    types = []
    for v in problem.vehicles:
        kwargs = {}
        if v.max_trips > 1:
            kwargs = {"reload_depots": [0], "max_reloads": v.max_trips - 1}
        types.append(PyVehicleType(
            # An unlimited fleet never needs more routes than clients.
            num_available=max(1, n) if v.count is None else v.count,
            capacity=[v.capacity],
            fixed_cost=v.fixed_cost,
            shift_duration=_MAX_INT if v.shift_length is None else v.shift_length,
            profile=1 if needs_ambient_profile and not v.cold_chain else 0,
            name=v.name,
            **kwargs,
        ))
    # Vehicle types with count 0 are kept (indices must match the problem's) but offer no vehicle;
    # PyVRP rejects num_available=0, so they are dropped here and mapped back on the way out.
    keep = [k for k, v in enumerate(problem.vehicles) if v.count != 0]
    types = [types[k] for k in keep]
    data = ProblemData(locations, clients, depots, types, matrices, [m.copy() for m in matrices])
    return data, keep


def decode(solution, keep: list[int]) -> tuple[list[list[int]], list[int]]:
    """Routes as problem node lists (0 = reload stop between trips) and the vehicle type of each."""
    routes, types = [], []
    for route in solution.routes():
        visits = []
        for act in list(route.schedule())[1:-1]:  # drop the start and end depot
            visits.append(act.idx + 1 if act.is_client() else 0)
        routes.append(visits)
        types.append(keep[route.vehicle_type()])
    return routes, types


class _Deadline:
    """Stop once the wall-clock budget given at construction is spent.

    PyVRP's MaxRuntime starts its clock at the first iteration, after the data is built and
    the first solution is improved; counting from here keeps the whole call within the limit.
    """

    def __init__(self, seconds: float):
        self._end = time.perf_counter() + max(0.0, float(seconds))

    def __call__(self, best_cost: float) -> bool:
        return time.perf_counter() >= self._end


def solve(problem: RoutingProblem, *, time_limit: float, seed: int,
          max_iterations: int | None, no_improvement: int | None = None) -> tuple[list[list[int]], list[int]]:
    """Best routes PyVRP finds within the time limit (and iteration budget, when given)."""
    best, keep = _search(problem, time.perf_counter() + time_limit, seed, max_iterations, no_improvement, None)
    return decode(best, keep)


def _search(problem: RoutingProblem, deadline: float, seed: int, max_iterations: int | None,
            no_improvement: int | None, initial):
    """One PyVRP search until `deadline` (perf_counter), from `initial` (a Solution) if given."""
    criteria = [_Deadline(deadline - time.perf_counter())]  # first: the import below can take a second
    from pyvrp import solve as pyvrp_solve
    from pyvrp.stop import MaxIterations, MultipleCriteria, NoImprovement

    data, keep = build_data(problem)
    if max_iterations is not None:
        criteria.append(MaxIterations(max_iterations))
    if no_improvement is not None:
        criteria.append(NoImprovement(no_improvement))
    stop = criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)
    result = pyvrp_solve(data, stop, seed=seed, collect_stats=False, display=False, initial_solution=initial)
    log.debug("pyvrp %s seed %d: %d iterations, %.2f s, cost %s, feasible %s", problem.name, seed,
              result.num_iterations, result.runtime, result.cost(), result.is_feasible())
    return result.best, keep


def _search_until(problem: RoutingProblem, wall_deadline: float, seed: int, max_iterations: int | None, initial):
    # Runs in a child process: the deadline is wall-clock (time.time), so start-up time counts against it.
    best, _ = _search(problem, time.perf_counter() + max(0.0, wall_deadline - time.time()), seed, max_iterations,
                      None, initial)
    return best


def _context():
    # Fork where there is one: a helper starts at once with PyVRP already loaded, and needs no
    # importable __main__ (spawn re-runs the calling script, which breaks unguarded scripts
    # and costs a second or more of the time limit on a busy machine). The routing stage
    # runs between solver calls, when no solver threads are alive.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


ROUNDS = 2
"""Rounds of a multi-search solve: after each, every search restarts from the best route set
found so far with a fresh seed (the searches share their best once per round)."""


def solve_many(problem: RoutingProblem, *, time_limit: float, seeds: list[int],
               max_iterations: int | None, rounds: int = ROUNDS) -> list[tuple[list[list[int]], list[int]]]:
    """Independent searches, one per seed, all at once (one core each), within the same wall time.

    The time (and iteration budget) is split into `rounds`; after each round every search
    continues from the round's best route set with a new seed (seed + round × number of
    seeds). The first search runs in this process, the others in helper processes. The
    caller picks the best of the last round's route sets.
    """
    from optimizer import routing_check

    deadline = time.time() + time_limit
    per_round = None if max_iterations is None else max(1, max_iterations // rounds)
    _, keep = build_data(problem)
    best = None
    pool = ProcessPoolExecutor(max_workers=len(seeds) - 1, mp_context=_context())
    try:
        for r in range(rounds):
            round_end = time.time() + max(0.0, deadline - time.time()) / (rounds - r)
            round_seeds = [s + r * len(seeds) for s in seeds]
            futures = [pool.submit(_search_until, problem, round_end, s, per_round, best) for s in round_seeds[1:]]
            found = [_search(problem, time.perf_counter() + max(0.0, round_end - time.time()), round_seeds[0],
                             per_round, None, best)[0]]
            for seed, future in zip(round_seeds[1:], futures):
                try:
                    found.append(future.result())
                except Exception as exc:  # a helper process that cannot start must not lose this process's routes
                    log.warning("routing search with seed %d failed (%s); keeping the others", seed, exc)
            decoded = [decode(sol, keep) for sol in found]

            def score(k: int) -> tuple:
                routes, types = decoded[k]
                cost = sum(routing_check.route_stats(problem, x).travel for x in routes)
                cost += sum(problem.vehicles[t].fixed_cost for t in types)
                if problem.optional:
                    cost -= sum(problem.prizes[c] for x in routes for c in x if c)
                return len(routing_check.violations(problem, routes, types)), cost, k

            best = found[min(range(len(found)), key=score)]
    finally:
        # Do not wait for the helpers to exit (about half a second): their work is already in.
        pool.shutdown(wait=False, cancel_futures=True)
    return decoded
