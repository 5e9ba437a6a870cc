"""Delivery routes for the supplies decided upstream: every client is visited once by one vehicle.

Second stage of supplies (DOMAIN.md §4): once shipments are fixed, trucks leave one depot
(node 0), deliver each client's whole demand (kg) and return within their shift. The travel
matrix is integer (minutes or metres, one unit throughout) and is filled by the product from
shortest paths over the roads the plan leaves open; a leg that does not exist is marked by a
value >= ``NO_ROAD`` or by ``forbidden``.

``solve_routes`` runs the engine chosen by measurement (PyVRP's iterated local search; see
docs/benchmarks-cvrp.md) and then checks the routes with ``routing_check``, which knows
nothing of the engine: the reported status is what the check says, not what the engine says.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from optimizer import routing_check

log = logging.getLogger(__name__)

NO_ROAD = 10**9
"""A travel entry at or above this means the leg cannot be driven (no open road)."""

FEASIBLE = "FEASIBLE"
OPTIMAL = "OPTIMAL"  # only for the trivial problem with no clients: a heuristic proves nothing
INFEASIBLE = "INFEASIBLE"  # the input cannot be served (reason given), or no route set passed the check


@dataclass(frozen=True)
class VehicleType:
    """A kind of truck: capacity per trip (kg), how many (None = as many as needed), shift rules.

    ``shift_length`` bounds a route's duration from leaving the depot to the final return
    (travel + service + waiting), in travel-matrix units; ``max_trips`` > 1 lets the truck
    come back to the depot, reload and go out again within the same shift.
    """

    capacity: int
    count: int | None = None
    shift_length: int | None = None
    cold_chain: bool = False
    max_trips: int = 1
    fixed_cost: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        if self.capacity < 0:
            raise ValueError("vehicle capacity must be >= 0")
        if self.count is not None and self.count < 0:
            raise ValueError("vehicle count must be >= 0 or None (unlimited)")
        if self.shift_length is not None and self.shift_length < 0:
            raise ValueError("shift_length must be >= 0")
        if self.max_trips < 1:
            raise ValueError("max_trips must be >= 1")
        if self.fixed_cost < 0:
            raise ValueError("fixed_cost must be >= 0")


def _int_vector(values, n: int, what: str, default: int = 0) -> tuple[int, ...]:
    if values is None:
        return (default,) * n
    out = tuple(int(v) for v in values)
    if len(out) != n:
        raise ValueError(f"{what} needs {n} entries (depot first), got {len(out)}")
    return out


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """One depot (index 0) and clients 1..n, each to be visited once with its whole demand.

    ``travel[i][j]`` is the integer time (= cost) of driving i -> j; entries >= NO_ROAD and
    entries where ``forbidden[i][j]`` is true are legs that cannot be used. Per-node lists
    have the depot first (its demand, service time, window and cold-chain flag are ignored):
    ``time_windows[i] = (earliest, latest)`` start of service, in travel units from the start
    of the day (0), when trucks may leave; a truck may leave later to avoid waiting;
    ``cold_chain[i]`` true means only a cold-chain vehicle may serve client i.
    ``prizes`` (depot first) makes every client optional: a client left out forgoes its
    prize, and the objective is travel plus fixed costs minus the prizes collected. Without
    prizes every client must be visited.
    """

    demands: tuple[int, ...]
    travel: np.ndarray
    vehicles: tuple[VehicleType, ...]
    service_times: tuple[int, ...] | None = None
    time_windows: tuple[tuple[int, int], ...] | None = None
    cold_chain: tuple[bool, ...] | None = None
    forbidden: np.ndarray | None = None
    names: tuple[str, ...] | None = None
    name: str = ""
    prizes: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        # Normalise once so the engines and the check read the same immutable data.
        demands = _int_vector(self.demands, len(self.demands), "demands")
        n = len(demands)
        if n < 1:
            raise ValueError("a routing problem needs the depot at index 0")
        travel = np.array(self.travel, dtype=np.int64)
        if travel.shape != (n, n):
            raise ValueError(f"travel must be {n}x{n}, got {travel.shape}")
        if (travel < 0).any():
            raise ValueError("travel times must be >= 0")
        blocked = travel >= NO_ROAD
        if self.forbidden is not None:
            mask = np.array(self.forbidden, dtype=bool)
            if mask.shape != (n, n):
                raise ValueError(f"forbidden must be {n}x{n}, got {mask.shape}")
            blocked |= mask
        np.fill_diagonal(blocked, False)
        travel.setflags(write=False)
        blocked.setflags(write=False)
        if any(d < 0 for d in demands):
            raise ValueError("demands must be >= 0")
        vehicles = tuple(self.vehicles)
        if not vehicles:
            raise ValueError("at least one vehicle type is needed")
        windows = None
        if self.time_windows is not None:
            windows = tuple((int(a), int(b)) for a, b in self.time_windows)
            if len(windows) != n:
                raise ValueError(f"time_windows needs {n} entries (depot first)")
            if any(a > b for a, b in windows):
                raise ValueError("a time window closes before it opens")
        cold = tuple(bool(c) for c in self.cold_chain) if self.cold_chain is not None else (False,) * n
        if len(cold) != n:
            raise ValueError(f"cold_chain needs {n} entries (depot first)")
        if self.names is not None and len(self.names) != n:
            raise ValueError(f"names needs {n} entries (depot first)")
        object.__setattr__(self, "demands", demands)
        object.__setattr__(self, "travel", travel)
        object.__setattr__(self, "forbidden", blocked)
        object.__setattr__(self, "vehicles", vehicles)
        object.__setattr__(self, "service_times", _int_vector(self.service_times, n, "service_times"))
        object.__setattr__(self, "time_windows", windows)
        object.__setattr__(self, "cold_chain", cold)
        if self.prizes is not None:
            prizes = _int_vector(self.prizes, n, "prizes")
            if any(p < 0 for p in prizes):
                raise ValueError("prizes must be >= 0")
            object.__setattr__(self, "prizes", prizes)

    @property
    def num_clients(self) -> int:
        return len(self.demands) - 1

    @property
    def optional(self) -> bool:
        """Clients may be left out (prizes given)."""
        return self.prizes is not None

    def window(self, i: int) -> tuple[int, int]:
        """Earliest and latest start of service at node i (unbounded when no windows were given)."""
        return self.time_windows[i] if self.time_windows is not None else (0, NO_ROAD * NO_ROAD)

    def can_serve(self, vehicle_type: int, client: int) -> bool:
        """A cold-chain client needs a cold-chain vehicle; any vehicle may carry ambient goods."""
        return self.vehicles[vehicle_type].cold_chain or not self.cold_chain[client]


@dataclass
class RoutingResult:
    """Routes found, in client indices; a 0 inside a route is a return to the depot to reload.

    ``objective`` is total travel plus the fixed cost of each vehicle used, recomputed from
    the problem's own matrix. ``loads[r]`` is the kg delivered by route r over all its trips,
    ``trip_loads[r]`` per trip; ``durations[r]`` is the shortest shift that route needs
    (travel + service + unavoidable waiting). ``violations`` lists broken rules in words.
    """

    status: str
    objective: int | None
    routes: list[list[int]]
    vehicle_types: list[int]
    loads: list[int]
    trip_loads: list[list[int]]
    durations: list[int]
    seconds: float
    engine: str = "pyvrp"
    message: str = ""
    violations: list[str] = field(default_factory=list)
    unvisited: list[int] = field(default_factory=list)  # optional clients left out

    @property
    def feasible(self) -> bool:
        return self.status in (FEASIBLE, OPTIMAL)


def solve_routes(problem: RoutingProblem, *, time_limit: float, seed: int = 0, workers: int = 1,
                 max_iterations: int | None = None, no_improvement: int | None = None) -> RoutingResult:
    """Route every client within capacity, shift, time window and cold-chain rules for the least travel.

    Stops at ``time_limit`` seconds (wall clock), or earlier after ``max_iterations`` search
    iterations or ``no_improvement`` iterations in a row without a better solution. ``workers`` > 1 runs that many independent searches at once (seeds seed,
    seed+1, ...; one core each) and keeps the best valid route set, the lowest seed on ties.
    The same seed, workers and iteration budget give the same routes on any machine; with
    a time limit alone the result depends on how far the search got, as with any anytime search.
    """
    from optimizer import routing_pyvrp  # imported late: PyVRP loads only when routes are solved

    start = time.perf_counter()
    reason = routing_check.unservable(problem)
    if problem.optional and (reason or all(v.count == 0 for v in problem.vehicles)):
        reason = ""  # optional clients no vehicle can take are simply left out
        if all(v.count == 0 for v in problem.vehicles):
            return _result(problem, FEASIBLE, [], [], start)
    if reason:
        log.info("routing %s: cannot be served: %s", problem.name, reason)
        return _result(problem, INFEASIBLE, [], [], start, message=reason)
    if problem.num_clients == 0:
        return _result(problem, OPTIMAL, [], [], start)
    if workers <= 1:
        found = [routing_pyvrp.solve(problem, time_limit=time_limit, seed=seed, max_iterations=max_iterations,
                                     no_improvement=no_improvement)]
    else:
        found = routing_pyvrp.solve_many(problem, time_limit=max(0.0, time_limit - (time.perf_counter() - start)),
                                         seeds=[seed + w for w in range(workers)], max_iterations=max_iterations)
    routes, types, violations = _best(problem, found)
    status = FEASIBLE if not violations else INFEASIBLE
    if violations:
        log.warning("routing %s: best routes break %d rule(s), first: %s", problem.name, len(violations), violations[0])
    return _result(problem, status, routes, types, start, violations=violations,
                   message="" if not violations else "no route set met every rule within the time limit")


def _best(problem: RoutingProblem, found: list[tuple[list[list[int]], list[int]]]):
    """The route set with fewest broken rules, then least travel plus fixed cost; first found on ties."""
    best = None
    for routes, types in found:
        broken = routing_check.violations(problem, routes, types)
        cost = sum(routing_check.route_stats(problem, r).travel for r in routes)
        cost += sum(problem.vehicles[t].fixed_cost for t in types)
        if problem.optional:
            cost -= sum(problem.prizes[c] for r in routes for c in r if c)
        if best is None or (len(broken), cost) < best[0]:
            best = ((len(broken), cost), routes, types, broken)
    return best[1], best[2], best[3]


def _result(problem: RoutingProblem, status: str, routes: list[list[int]], types: list[int], start: float,
            *, message: str = "", violations: list[str] | None = None) -> RoutingResult:
    stats = [routing_check.route_stats(problem, r) for r in routes]
    objective = None
    if status != INFEASIBLE or routes:
        objective = sum(s.travel for s in stats) + sum(problem.vehicles[t].fixed_cost for t in types)
    visited = {c for r in routes for c in r if c}
    return RoutingResult(
        unvisited=[c for c in range(1, problem.num_clients + 1) if c not in visited],
        status=status,
        objective=objective,
        routes=routes,
        vehicle_types=types,
        loads=[sum(s.trip_loads) for s in stats],
        trip_loads=[s.trip_loads for s in stats],
        durations=[s.duration for s in stats],
        seconds=time.perf_counter() - start,
        message=message,
        violations=violations or [],
    )
