"""Solver-free checks of the supply rules (DOMAIN.md §4): stocks, loads, roads, windows, tiers.

Everything is recomputed from the instance and the plan: the road statuses come from the
plan's own road section (`optimizer.supply_roads` reads it as the routing stage does), leg
times from the arcs each stop lists, the shortages by tier from the shipments delivered.
"""

from __future__ import annotations

from collections import defaultdict

from models.instance import Instance
from models.plan import Plan
from optimizer import supply_rules as R
from optimizer.checks.violation import Violation
from optimizer.geometry import staff_travel_min
from optimizer.supply_roads import arc_statuses, arc_usable, leg_minutes, sealed_nodes

TOL_H = 1e-3  # hours: times in the plan are rounded to microhours


def _delivered(plan: Plan) -> dict[tuple[str, str, str, int], int]:
    out: dict[tuple, int] = defaultdict(int)
    for r in plan.supply.routes:
        for s in r.stops:
            for it in s.items:
                out[r.source, it.township, it.commodity, r.day] += it.quantity
    return out


def check_supply_stocks(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: a source ships at most its stock of a commodity; a township lends only what it
    holds, only shareable goods, within the sharing radius and after the lead time."""
    out = []
    stock = {(s.id, st.commodity): st.quantity for s in inst.sources for st in s.stock}
    sent: dict[tuple[str, str], int] = defaultdict(int)
    for sh in plan.supply.shipments:
        sent[sh.source, sh.commodity] += sh.quantity
    for (s, c), q in sorted(sent.items()):
        if q > stock.get((s, c), 0):
            out.append(Violation("supply_stock", f"source {s}", f"ships {q} {c}, holds {stock.get((s, c), 0)}"))
    sp, coms, towns = inst.policy.supply, inst.by_id("commodities"), inst.by_id("townships")
    on_hand = R.township_stock(inst)
    lent: dict[tuple[str, str], int] = defaultdict(int)
    for x in plan.supply.sharing:
        w = f"sharing {x.from_township}->{x.to_township} {x.commodity}"
        if x.commodity not in coms or x.from_township not in towns or x.to_township not in towns:
            out.append(Violation("supply_sharing", w, "unknown township or commodity"))
            continue
        if not R.shareable(coms[x.commodity]):
            out.append(Violation("supply_sharing", w, "not a shareable commodity"))
        if towns[x.from_township].center.distance_km(towns[x.to_township].center) > sp.sharing_radius_km + 1e-9:
            out.append(Violation("supply_sharing", w, f"farther than {sp.sharing_radius_km} km"))
        hour = x.day * 24 + sp.truck_start_hour + sp.sharing_lead_hours + \
            staff_travel_min(inst, x.from_township, x.to_township) / 60
        if x.arrival_hour < hour - TOL_H or x.arrival_day != int(hour // 24):
            out.append(Violation("supply_sharing", w, f"arrives before its lead time ({hour:.2f} h)"))
        lent[x.from_township, x.commodity] += x.quantity
    for (t, c), q in sorted(lent.items()):
        if q > on_hand.get((t, c), 0):
            out.append(Violation("supply_sharing", f"township {t}", f"lends {q} {c}, holds {on_hand.get((t, c), 0)}"))
    return out


def check_supply_loads(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: shipments are what the routes deliver; a truck of the source's own fleet, one shift
    a day, loads within capacity per trip, cold-chain goods on cold-chain trucks only, at most
    `max_trips_per_shift` trips within the shift; goods unloaded at their township's delivery
    node (a sealed township's at its transfer station)."""
    out = []
    sp, coms, vehicles = inst.policy.supply, inst.by_id("commodities"), inst.by_id("vehicles")
    shipped: dict[tuple, int] = defaultdict(int)
    for sh in plan.supply.shipments:
        shipped[sh.source, sh.township, sh.commodity, sh.day] += sh.quantity
        dest, kind = R.destination_id(inst, sh.township) if sh.township in inst.by_id("townships") else ("", "")
        if (sh.destination, sh.destination_kind) != (dest, kind):
            out.append(Violation("supply_loads", f"shipment {sh.source}->{sh.township}",
                                 f"goes to {sh.destination}, must go to {dest}"))
    delivered = _delivered(plan)
    for key in sorted(set(shipped) | set(delivered)):
        if shipped.get(key, 0) != delivered.get(key, 0):
            out.append(Violation("supply_loads", f"shipment {key[0]}->{key[1]} {key[2]} day {key[3]}",
                                 f"{shipped.get(key, 0)} shipped, {delivered.get(key, 0)} delivered by routes"))
    seen: set[tuple[str, int]] = set()
    for r in plan.supply.routes:
        w = f"route {r.vehicle} day {r.day}"
        v = vehicles.get(r.vehicle)
        if v is None or v.kind != "truck" or v.depot != r.source:
            out.append(Violation("supply_loads", w, f"not a truck of source {r.source}"))
            continue
        if (r.vehicle, r.day) in seen:
            out.append(Violation("supply_loads", w, "two routes on one day"))
        seen.add((r.vehicle, r.day))
        loads = defaultdict(float)
        for s in r.stops:
            for it in s.items:
                c = coms.get(it.commodity)
                if c is None:
                    out.append(Violation("supply_loads", w, f"unknown commodity {it.commodity}"))
                    continue
                loads[s.trip] += c.unit_weight_kg * it.quantity
                if c.cold_chain and not v.cold_chain:
                    out.append(Violation("supply_cold_chain", w, f"{it.commodity} needs a cold-chain truck"))
                if s.kind == "deliver" and R.delivery_node(inst, it.township) != s.node:
                    out.append(Violation("supply_loads", w, f"{it.commodity} for {it.township} unloaded at {s.node}"))
        for trip, kg in sorted(loads.items()):
            if kg > v.capacity_kg + 1e-6:
                out.append(Violation("supply_loads", w, f"trip {trip}: {kg:.1f} kg over capacity {v.capacity_kg}"))
        trips = max((s.trip for s in r.stops), default=0)
        if trips > sp.max_trips_per_shift or r.trips != trips:
            out.append(Violation("supply_loads", w, f"{trips} trips (declared {r.trips}), "
                                                    f"at most {sp.max_trips_per_shift}"))
        if r.end_hour - r.start_hour > v.shift_hours + TOL_H:
            out.append(Violation("supply_shift", w, f"{r.end_hour - r.start_hour:.2f} h over the {v.shift_hours} h shift"))
    return out


def check_supply_roads(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: every leg drives arcs that join the previous stop to the next, none closed on the
    day in the plan's road section and none inside a sealed zone; arrival times follow from
    the legs' minutes, loading and unloading."""
    out = []
    sp, arcs = inst.policy.supply, inst.by_id("road_arcs")
    sealed = sealed_nodes(inst)
    planned = bool(plan.roads.arcs)
    sources = inst.by_id("sources")
    for r in plan.supply.routes:
        w = f"route {r.vehicle} day {r.day}"
        src = sources.get(r.source)
        if src is None:
            out.append(Violation("supply_roads", w, f"unknown source {r.source}"))
            continue
        statuses = arc_statuses(plan.roads, r.day)
        at, clock = src.node, r.start_hour + sp.load_min / 60
        legs = [(s.node, s.roads, s) for s in r.stops] + [(src.node, r.roads_home, None)]
        for node, ids, stop in legs:
            path = [arcs.get(a) for a in ids]
            if any(a is None for a in path):
                out.append(Violation("supply_roads", w, f"unknown arc in {ids}"))
                break
            here = at
            for a in path:
                if a.tail != here:
                    out.append(Violation("supply_roads", w, f"arc {a.id} does not start at {here}"))
                if not arc_usable(a, statuses.get(a.id), sealed, planned):
                    why = "closed" if statuses.get(a.id) == "closed" else "inside a sealed zone"
                    out.append(Violation("supply_roads", w, f"arc {a.id} is {why} on day {r.day}"))
                here = a.head
            if here != node:
                out.append(Violation("supply_roads", w, f"roads end at {here}, not at {node}"))
            arrive = clock + leg_minutes(inst, path, statuses) / 60
            if stop is None:
                if abs(r.end_hour - arrive) > TOL_H:
                    out.append(Violation("supply_roads", w, f"back at {r.end_hour:.3f} h, roads say {arrive:.3f} h"))
                break
            if abs(stop.arrival_hour - arrive) > TOL_H:
                out.append(Violation("supply_roads", w, f"arrives at {stop.node} at {stop.arrival_hour:.3f} h, "
                                                        f"roads say {arrive:.3f} h"))
            if stop.depart_hour < stop.arrival_hour - TOL_H:
                out.append(Violation("supply_roads", w, f"leaves {stop.node} before arriving"))
            if stop.kind == "reload" and (
                    stop.node != src.node or stop.depart_hour < stop.arrival_hour + sp.load_min / 60 - TOL_H):
                out.append(Violation("supply_roads", w, "a reload is at the depot and takes the loading time"))
            clock, at = stop.depart_hour, node  # a reload's departure is after its loading
    return out


def check_supply_time_windows(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: unloading starts within the destination's window (station hand-over hours, before the
    staggered pick-up of a medium-risk township, else the receiving hours); every grid of a
    medium-risk township has a pick-up slot after its goods arrived."""
    out = []
    last_arrival: dict[tuple[str, int], float] = {}
    for r in plan.supply.routes:
        for s in r.stops:
            for t in sorted({it.township for it in s.items}):
                lo, hi = R.window_hours(inst, t)
                start = max(s.arrival_hour, r.day * 24 + lo)
                if start > r.day * 24 + hi + TOL_H or s.depart_hour < start - TOL_H:
                    out.append(Violation("supply_time_window", f"route {r.vehicle} day {r.day}",
                                         f"unloads for {t} at {start:.2f} h, window {lo}-{hi} h"))
                key = (t, r.day)
                last_arrival[key] = max(last_arrival.get(key, 0.0), start)
    slots: dict[tuple[str, int], set[str]] = defaultdict(set)
    for p in plan.supply.pickups:
        slots[p.township, p.day].add(p.grid)
        if p.start_hour < last_arrival.get((p.township, p.day), 0.0) - TOL_H:
            out.append(Violation("supply_pickup", f"grid {p.grid}", "pick-up slot before the goods arrive"))
    days = R.days(inst)
    for t in inst.townships:
        if t.risk_level != "medium" or t.sealed:
            continue
        grids = {g.id for g in inst.grids if g.township == t.id}
        for d in days:
            missing = grids - slots.get((t.id, d), set())
            if missing:
                out.append(Violation("supply_pickup", f"township {t.id} day {d}",
                                     f"{len(missing)} grid(s) without a staggered pick-up slot"))
    return out


def check_supply_last_mile(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: goods for a sealed township are handed over at its transfer station and carried in by
    delivery staff from the roster, `last_mile_kg_per_worker` each."""
    out = []
    sp, coms = inst.policy.supply, inst.by_id("commodities")
    kg: dict[tuple[str, int], float] = defaultdict(float)
    for r in plan.supply.routes:
        for s in r.stops:
            for it in s.items:
                if inst.by_id("townships")[it.township].sealed:
                    kg[it.township, r.day] += coms[it.commodity].unit_weight_kg * it.quantity
    for x in plan.supply.sharing:
        if inst.by_id("townships")[x.to_township].sealed:
            kg[x.to_township, x.arrival_day] += coms[x.commodity].unit_weight_kg * x.quantity
    staff: dict[tuple[str, int], int] = defaultdict(int)
    for e in plan.roster:
        if e.module == "supply" and e.role == "delivery":
            staff[e.township, e.day] += 1
    for (t, d), w in sorted(kg.items()):
        if w > staff.get((t, d), 0) * sp.last_mile_kg_per_worker + 1e-6:
            out.append(Violation("supply_last_mile", f"township {t} day {d}",
                                 f"{w:.0f} kg to carry in, {staff.get((t, d), 0)} delivery staff rostered"))
    handed = defaultdict(float)
    for h in plan.supply.handovers:
        handed[h.township, h.day] += h.load_kg
    for (t, d), w in sorted(kg.items()):
        share_kg = sum(coms[x.commodity].unit_weight_kg * x.quantity for x in plan.supply.sharing
                       if x.to_township == t and x.arrival_day == d)
        if abs(handed.get((t, d), 0.0) + share_kg - w) > 1e-3 * max(1.0, w):
            out.append(Violation("supply_last_mile", f"township {t} day {d}",
                                 f"hand-overs list {handed.get((t, d), 0.0):.0f} kg, routes bring {w - share_kg:.0f} kg"))
    return out


def check_supply_tiers(inst: Instance, plan: Plan) -> list[Violation]:
    """Hard: every unmet request is a shortage line of its tier (critical part, routine rest) and
    every missed days-of-cover target a routine line, with the quantity the shipments leave."""
    out = []
    delivered: dict[tuple[str, str, int], int] = defaultdict(int)
    for s in plan.supply.shipments:
        delivered[s.township, s.commodity, s.day] += s.quantity
    lent = [(x.from_township, x.to_township, x.commodity, x.day, x.arrival_day, x.quantity)
            for x in plan.supply.sharing]
    declared: dict[tuple[str, str, str], float] = defaultdict(float)
    for sh in plan.shortages:
        if sh.module == "supply":
            kind = "cover" if "days of cover" in sh.what else sh.tier
            declared[sh.township or "", sh.entity or "", kind] += sh.quantity
    expect: dict[tuple[str, str, str], float] = defaultdict(float)
    for (t, c, _d), (sc, sr, cover) in R.balance(inst, delivered, lent).items():
        expect[t, c, "critical"] += sc
        expect[t, c, "routine"] += sr
        expect[t, c, "cover"] += cover
    for key in sorted(set(expect) | set(declared)):
        if abs(expect.get(key, 0) - declared.get(key, 0)) > 1e-6:
            out.append(Violation("supply_tiers", f"{key[1]} for {key[0]}",
                                 f"{key[2]} shortfall {expect.get(key, 0):.0f}, shortage lines say "
                                 f"{declared.get(key, 0):.0f}"))
    return out


CHECKS = (check_supply_stocks, check_supply_loads, check_supply_roads, check_supply_time_windows,
          check_supply_last_mile, check_supply_tiers)
