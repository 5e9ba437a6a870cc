"""The delivery-route rules, checked without any solver: what a planner would check by hand.

A route is the list of clients one vehicle visits in order, starting and ending at the depot;
a 0 inside it is a return to the depot to reload (a new trip). The rules: each client once;
load per trip within capacity; only open roads; a cold-chain client on a cold-chain vehicle;
service starts inside the client's time window; the shift from first departure to final
return within the vehicle's shift length; no more trips or vehicles than the fleet has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from optimizer.routing import RoutingProblem


@dataclass(frozen=True)
class RouteStats:
    """Travel, kg per trip, shortest shift duration and latest-arrival excess of one route."""

    travel: int
    trip_loads: list[int]
    duration: int
    lateness: int  # sum over visits of how late service starts after the window closes


def route_stats(problem: RoutingProblem, route: list[int]) -> RouteStats:
    """Simulate one route leaving at time 0, then delay the departure as far as it saves waiting.

    Waiting at an early client is unavoidable only when leaving later would make a later
    client late; the shortest duration is therefore end - min(total wait, forward slack)
    (Savelsbergh's forward time slack), which is what the shift length is compared with.
    """
    path = [0, *route, 0]
    travel = 0
    loads = [0]
    t = 0
    waited = 0
    slack = None  # how far the departure can slip without a late arrival
    lateness = 0
    for prev, node in zip(path, path[1:]):
        leg = int(problem.travel[prev, node])
        travel += leg
        t += leg
        if node == 0:
            loads.append(0)
            continue
        loads[-1] += problem.demands[node]
        early, late = problem.window(node)
        if t < early:
            waited += early - t
            t = early
        lateness += max(0, t - late)
        room = late - t + waited
        slack = room if slack is None else min(slack, room)
        t += problem.service_times[node]
    loads.pop()  # the zero opened by the final return
    shift = min(waited, max(0, slack)) if slack is not None else 0
    return RouteStats(travel=travel, trip_loads=loads, duration=t - shift, lateness=lateness)


def unservable(problem: RoutingProblem) -> str:
    """Why no route set can exist, in words, or '' when the input leaves a chance.

    Catches what a planner must fix upstream rather than wait a time limit for: a client
    heavier than any truck that may carry it, cold goods and no cold truck, no fleet.
    """
    types = range(len(problem.vehicles))
    if all(v.count == 0 for v in problem.vehicles) and problem.num_clients:
        return "no vehicle available"
    for c in range(1, problem.num_clients + 1):
        fits = [k for k in types if problem.can_serve(k, c) and problem.vehicles[k].count != 0]
        if not fits:
            return f"client {c} needs a cold-chain vehicle and none is available"
        if problem.demands[c] > max(problem.vehicles[k].capacity for k in fits):
            return f"client {c} needs {problem.demands[c]} kg, more than any suitable vehicle carries"
        if problem.forbidden[0, c] and problem.forbidden[c].all():
            return f"client {c} cannot be reached by an open road"
    return ""


def violations(problem: RoutingProblem, routes: list[list[int]], types: list[int]) -> list[str]:
    """Every broken rule of a route set, one line each; empty means the routes are valid."""
    out: list[str] = []
    seen: dict[int, int] = {}
    used = [0] * len(problem.vehicles)
    for r, (route, k) in enumerate(zip(routes, types)):
        vehicle = problem.vehicles[k]
        used[k] += 1
        path = [0, *route, 0]
        for a, b in zip(path, path[1:]):
            if problem.forbidden[a, b]:
                out.append(f"route {r}: leg {a}->{b} has no open road")
        for c in route:
            if c == 0:
                continue
            if not 0 < c <= problem.num_clients:
                out.append(f"route {r}: unknown client {c}")
                continue
            seen[c] = seen.get(c, 0) + 1
            if not problem.can_serve(k, c):
                out.append(f"route {r}: client {c} needs a cold-chain vehicle")
        stats = route_stats(problem, route)
        for trip, load in enumerate(stats.trip_loads):
            if load > vehicle.capacity:
                out.append(f"route {r} trip {trip}: {load} kg over capacity {vehicle.capacity}")
        if len(stats.trip_loads) > vehicle.max_trips:
            out.append(f"route {r}: {len(stats.trip_loads)} trips, at most {vehicle.max_trips} per shift")
        if vehicle.shift_length is not None and stats.duration > vehicle.shift_length:
            out.append(f"route {r}: shift {stats.duration} over {vehicle.shift_length}")
        if stats.lateness:
            out.append(f"route {r}: service starts after a time window closes ({stats.lateness} late in total)")
    for c in range(1, problem.num_clients + 1):
        if seen.get(c, 0) > 1 or (seen.get(c, 0) == 0 and not problem.optional):
            out.append(f"client {c} visited {seen.get(c, 0)} times, must be once")
    for k, vehicle in enumerate(problem.vehicles):
        if vehicle.count is not None and used[k] > vehicle.count:
            out.append(f"vehicle type {k}: {used[k]} routes, only {vehicle.count} vehicles")
    return out
