"""Second stage of supplies: the day's shipments of each source become drops, and its trucks
are routed on the roads the plan leaves open (`optimizer.routing`, PyVRP).

- A drop is at most one piece of a township's goods (cold goods apart, since only a
  cold-chain truck may carry them), highest priority tier first, so when not everything fits
  the drops left out are the least urgent. A piece is a share of the smallest suitable
  truck's load chosen so that the trucks' loads divide into whole pieces with little waste.
- Time 0 of a routing problem is `truck_start_hour`; every departure from the depot includes
  `load_min` of loading; unloading a drop takes `unload_min` times its share of the largest
  truck's load, at least 5 minutes.
- Every drop is optional with a prize far above any travel (ordered by its person-days and
  tier), so the routes carry all they can within capacity, shifts, trips and time windows;
  what they cannot carry is cut from the shipments and reported as a shortage.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from models.instance import Instance
from models.plan_supply import Handover, Route, RouteStop, StopItem
from optimizer import supply_rules as R
from optimizer.routing import NO_ROAD, RoutingProblem, VehicleType, solve_routes
from optimizer.supply_roads import DayNetwork

log = logging.getLogger(__name__)

ROUTING_BUDGET_S = 20.0
"""Wall-clock seconds for all routing problems of a plan, split by their number of drops."""

NO_IMPROVEMENT = 5000
"""A source's routing stops after this many search iterations without a better route set."""

TIER_WEIGHT = {"medical_critical": 100, "food_floor": 10, "routine": 1}


@dataclass
class Drop:
    township: str
    node: str
    cold: bool
    grams: int
    items: list[tuple[str, int]]  # (commodity, units)
    value: float


@dataclass
class RoutedDay:
    routes: list[Route] = field(default_factory=list)
    handovers: list[Handover] = field(default_factory=list)
    delivered: dict[tuple[str, str, str, int], int] = field(default_factory=lambda: defaultdict(int))
    cut: dict[tuple[str, str, str, int], str] = field(default_factory=dict)  # why goods were left


def make_drops(inst: Instance, shipments: dict[tuple[str, str], int], fleet) -> list[Drop]:
    """A source's goods of one day {(township, commodity): units} cut into truck-sized drops."""
    coms = inst.by_id("commodities")
    order = {"medical_critical": 0, "food_floor": 1, "routine": 2}
    drops: list[Drop] = []
    by_town: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (t, c), q in sorted(shipments.items()):
        if q > 0:
            by_town[t].append((c, q))
    for t, items in sorted(by_town.items()):
        node = R.delivery_node(inst, t)
        for cold in (False, True):
            group = sorted(((c, q) for c, q in items if coms[c].cold_chain == cold),
                           key=lambda cq: (order[coms[cq[0]].tier], cq[0]))
            suitable = [v.capacity_kg * 1000 for v in fleet if v.cold_chain or not cold]
            if not group or not suitable:
                continue
            piece = _piece(fleet, cold)
            current: list[tuple[str, int]] = []
            room = piece
            for c, q in group:
                g = R.unit_grams(coms[c])
                while q > 0:
                    fit = min(q, room // g)
                    if fit == 0 and not current:
                        fit = min(q, max(1, max(suitable) // g))  # one unit heavier than a piece
                    if fit == 0:
                        drops.append(_drop(inst, t, node, cold, current))
                        current, room = [], piece
                        continue
                    current.append((c, fit))
                    q -= fit
                    room -= fit * g
            if current:
                drops.append(_drop(inst, t, node, cold, current))
    return drops


def _drop(inst: Instance, t: str, node: str, cold: bool, items: list[tuple[str, int]]) -> Drop:
    coms = inst.by_id("commodities")
    grams = sum(R.unit_grams(coms[c]) * q for c, q in items)
    value = sum(q * R.person_days_per_unit(coms[c]) * TIER_WEIGHT[coms[c].tier] for c, q in items)
    return Drop(t, node, cold, grams, list(items), value)


def route_day(inst: Instance, roads_section, day: int, shipments: dict[tuple[str, str, str], int], *,
              avoid: set[str] = frozenset(), budget_s: float = ROUTING_BUDGET_S, seed: int = 0) -> RoutedDay:
    """Routes of every source for one day's shipments {(source, township, commodity): units}."""
    net = DayNetwork.build(inst, roads_section, day, avoid)
    out = RoutedDay()
    per_source: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for (s, t, c), q in shipments.items():
        if q > 0:
            per_source[s][t, c] = q
    nodes = sorted({inst.by_id("sources")[s].node for s in per_source} |
                   {R.delivery_node(inst, t) for sh in per_source.values() for t, _ in sh})
    table = net.paths_from(nodes)
    problems = []
    for s in sorted(per_source):
        fleet = R.trucks_of(inst, s)
        drops = make_drops(inst, per_source[s], fleet)
        problems.append((s, fleet, drops))
    total = sum(len(d) for _, _, d in problems) or 1
    start = time.perf_counter()
    for s, fleet, drops in problems:
        left = max(0.2, budget_s - (time.perf_counter() - start))
        share = max(0.2, left * len(drops) / total)
        total -= len(drops)
        _route_source(inst, net, table, day, s, fleet, drops, out, min(share, left), seed)
    return out


def _route_source(inst, net: DayNetwork, table, day, s, fleet, drops: list[Drop], out: RoutedDay, seconds,
                  seed) -> None:
    sp = inst.policy.supply
    src = inst.by_id("sources")[s]
    if not drops:
        return
    if not fleet:
        for dr in drops:
            for c, q in dr.items:
                out.cut[s, dr.township, c, day] = f"trucks: none at {s}"
        return
    locs = [src.node] + [d.node for d in drops]
    minutes = table.minutes_matrix(locs, locs)
    travel = np.where(np.isfinite(minutes), minutes, NO_ROAD).astype(np.int64)
    travel[0, 1:] = np.where(travel[0, 1:] >= NO_ROAD, NO_ROAD, travel[0, 1:] + sp.load_min)
    base = sp.truck_start_hour * 60
    windows = [(0, 24 * 60)]
    service = [0]
    biggest = max(v.capacity_kg * 1000 for v in fleet)
    for d in drops:
        lo, hi = R.window_hours(inst, d.township)
        windows.append((max(0, lo * 60 - base), max(0, hi * 60 - base)))
        # unloading a full load of the largest truck takes unload_min; a drop its share of that
        service.append(max(5, round(sp.unload_min * d.grams / biggest)))
    # A prize above any detour a drop can cause (so every drop that fits is carried), ordered by
    # its person-days and tier; kept moderate, since PyVRP weighs prizes against its penalties.
    finite = travel[travel < NO_ROAD]
    base = 2 * int(finite.max() if finite.size else 1) + sp.load_min + sp.unload_min + 1
    top = max(d.value for d in drops) or 1.0
    prizes = [0] + [base + round(base * d.value / top) for d in drops]
    vehicles = tuple(VehicleType(capacity=v.capacity_kg * 1000, count=1, shift_length=v.shift_hours * 60,
                                 cold_chain=v.cold_chain, max_trips=sp.max_trips_per_shift, name=v.id) for v in fleet)
    problem = RoutingProblem(demands=[0] + [d.grams for d in drops], travel=travel, vehicles=vehicles,
                             service_times=service, time_windows=windows, cold_chain=[False] + [d.cold for d in drops],
                             prizes=prizes, name=f"{s}@{day}")
    result = solve_routes(problem, time_limit=seconds, seed=seed, no_improvement=NO_IMPROVEMENT)
    if not result.feasible:
        log.warning("routing %s day %d: %s", s, day, result.message or result.violations[:1])
        routes, types = [], []
    else:
        routes, types = result.routes, result.vehicle_types
    visited = set()
    for route, k in zip(routes, types):
        if not route:
            continue
        visited |= {c for c in route if c}
        row, hand = _route_row(inst, net, table, day, s, fleet[k], problem, route, drops, locs)
        out.routes.append(row)
        out.handovers += hand
        for c_idx in route:
            if c_idx:
                dr = drops[c_idx - 1]
                for c, q in dr.items:
                    out.delivered[s, dr.township, c, day] += q
    for i, dr in enumerate(drops, start=1):
        if i not in visited:
            why = _why_left(problem, i, fleet, dr)
            for c, _q in dr.items:
                out.cut.setdefault((s, dr.township, c, day), f"{why} ({s})")


def _piece(fleet, cold: bool) -> int:
    """Grams per drop: a share of the smallest suitable truck's load (1, 1/2, 1/3, 1/4) that
    wastes least of every truck's load when trucks carry whole drops; fewer drops on ties."""
    suitable = [v.capacity_kg * 1000 for v in fleet if v.cold_chain or not cold]
    if not suitable:
        return 1
    def waste(k: int) -> float:
        p = min(suitable) // k
        return sum((cap % p) / cap for cap in suitable) / len(suitable) + 0.01 * k
    return min(suitable) // min(range(1, 5), key=waste)


def _why_left(problem: RoutingProblem, i: int, fleet, dr: Drop) -> str:
    if problem.forbidden[0, i] or problem.travel[0, i] >= NO_ROAD:
        return "roads: no open road from the source"
    if dr.cold and not any(v.cold_chain for v in fleet):
        return "cold-chain trucks: none"
    lo, hi = problem.window(i)
    if problem.travel[0, i] > hi:
        return "time window: the earliest arrival is after it closes"
    return "trucks: capacity and shift hours used up"


def _simulate(problem: RoutingProblem, route: list[int]) -> tuple[int, list[tuple[int, int]]]:
    """Departure delay that saves waiting (as `routing_check.route_stats`) and (arrival, start of
    service) per visit, in minutes from time 0."""
    def run(t0: int):
        t, prev, times, waited, slack = t0, 0, [], 0, None
        for node in [*route, 0]:
            t += int(problem.travel[prev, node])
            if node == 0:
                times.append((t, t))
                prev = 0
                continue
            early, late = problem.window(node)
            arrive = t
            if t < early:
                waited += early - t
                t = early
            room = late - t + waited
            slack = room if slack is None else min(slack, room)
            times.append((arrive, t))
            t += problem.service_times[node]
            prev = node
        return times, waited, slack
    times, waited, slack = run(0)
    delay = min(waited, max(0, slack)) if slack is not None else 0
    return delay, run(delay)[0]


def _route_row(inst, net, table, day, s, vehicle, problem, route, drops, locs):
    sp = inst.policy.supply
    coms = inst.by_id("commodities")
    stations = R.transfer_stations(inst)
    src = inst.by_id("sources")[s]
    delay, times = _simulate(problem, route)
    h0 = day * 24 + sp.truck_start_hour + delay / 60
    stops: list[RouteStop] = []
    handovers: list[Handover] = []
    trip, prev_node, loads, km = 1, src.node, [0.0], 0.0
    full = [*route, 0]
    for pos, node in enumerate(full):
        arrive, serve = times[pos]
        arcs = table.arcs(prev_node, locs[node]) or []
        km += sum(a.length_km for a in arcs)
        if node == 0:
            if pos == len(full) - 1:
                return Route(vehicle=vehicle.id, source=s, day=day, start_hour=round(h0, 6),
                             end_hour=day * 24 + sp.truck_start_hour + arrive / 60, trips=trip, stops=stops,
                             roads_home=[a.id for a in arcs], trip_loads_kg=[round(x, 3) for x in loads],
                             km=round(km, 3)), handovers
            stops.append(RouteStop(kind="reload", trip=trip, node=src.node, destination=s,
                                   arrival_hour=_h(inst, day, arrive), depart_hour=_h(inst, day, arrive + sp.load_min),
                                   roads=[a.id for a in arcs]))
            trip += 1
            loads.append(0.0)
            prev_node = src.node
            continue
        dr = drops[node - 1]
        items = [StopItem(commodity=c, township=dr.township, quantity=q) for c, q in dr.items]
        kg = sum(coms[c].unit_weight_kg * q for c, q in dr.items)
        loads[-1] += kg
        depart = serve + problem.service_times[node]
        if stops and stops[-1].kind == "deliver" and stops[-1].node == dr.node and stops[-1].trip == trip \
                and not arcs:
            last = stops[-1]  # several drops at one place in one trip: one stop
            stops[-1] = last.model_copy(update={"items": _merge(last.items + items), "load_kg": round(last.load_kg + kg, 3),
                                                "depart_hour": _h(inst, day, depart)})
        else:
            dest, _kind = R.destination_id(inst, dr.township)
            stops.append(RouteStop(kind="deliver", trip=trip, node=dr.node, destination=dest,
                                   arrival_hour=_h(inst, day, arrive), depart_hour=_h(inst, day, depart),
                                   items=items, load_kg=round(kg, 3), roads=[a.id for a in arcs]))
        if dr.township in stations and inst.by_id("townships")[dr.township].sealed:
            handovers.append(Handover(station=stations[dr.township].id, township=dr.township, day=day,
                                      vehicle=vehicle.id, arrival_hour=_h(inst, day, arrive), items=items,
                                      load_kg=round(kg, 3)))
        prev_node = dr.node
    raise AssertionError("a route ends at the depot")


def _h(inst: Instance, day: int, minutes: int) -> float:
    return round(day * 24 + inst.policy.supply.truck_start_hour + minutes / 60, 6)


def _merge(items: list[StopItem]) -> list[StopItem]:
    total: dict[tuple[str, str], int] = defaultdict(int)
    for it in items:
        total[it.commodity, it.township] += it.quantity
    return [StopItem(commodity=c, township=t, quantity=q) for (c, t), q in total.items()]
