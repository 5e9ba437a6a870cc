"""Supplies (物资保供, DOMAIN.md §4): shipments by priority tier in the shared model; routes after.

First stage, in the shared CP-SAT model, aggregated by source × township × commodity × day
(one integer of units each, only from the `sources_per_demand` nearest sources that stock
the commodity): source stocks; each township's balance (on-hand stock + arrivals − lent −
served ≥ 0) with its shortage split into a critical and a routine part (`supply_rules`);
days-of-cover targets; fleet time per source and day (kg × round-trip minutes within the
trucks' kg × shift minutes, times `fleet_utilisation`; cold goods within the cold-chain
trucks' share); at most `max_trips_per_shift` loads per truck; hand-over limits of transfer
stations; last-mile delivery staff inside each sealed township from the shared pool; PPE
and test kits lent between townships with a lead time.

Second stage (`supply_routes`, in `extract`): the shipments are cut into drops and routed
per source and day on the roads the plan leaves open; what no route carries is cut back and
becomes a shortage line, so the plan's shipments are exactly what its routes deliver.

Objective terms (person-days: units ÷ per-capita daily need):
- critical `supply.medical_short` (person-days without medical supplies × `medical_weight`),
  `supply.food_floor_short` (person-days below the food floor);
- routine `supply.routine_short` (the rest of the requests), `supply.cover_short` (person-days
  below a days-of-cover target);
- cost `supply.truck_cost_fen` (loaded truck-minutes, in fen).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.instance import Instance
from optimizer import supply_rules as R
from optimizer.context import BuildContext
from optimizer.geometry import staff_travel_min
from optimizer.pool import Block
from optimizer.supply_roads import DayNetwork

WARM_ORDER = 10  # before sampling: its last-mile staff share skills with registrars
POLISH = ("routine", "cost", "stability")  # tiers that start from the shipments re-solved by HiGHS (a flow
# problem: CP-SAT's routine slice took the demo from 6.79 M to 6.13 M person-days, HiGHS 5.26-5.42 M in 0.4 s)


@dataclass
class SupplyVars:
    days: list[int]
    ship: dict[tuple[str, str, str, int], cp_model.IntVar]  # (source, township, commodity, day)
    short_critical: dict[tuple[str, str, int], cp_model.IntVar]
    short_routine: dict[tuple[str, str, int], cp_model.IntVar]
    cover_short: dict[tuple[str, str, int], cp_model.IntVar]
    share: dict[tuple[str, str, str, int], cp_model.IntVar]  # (giver, receiver, commodity, day sent)
    share_arrival: dict[tuple[str, str], tuple[int, float]]  # (giver, receiver) -> (days later, hour of arrival)
    workers: dict[tuple[str, int], cp_model.IntVar]  # (sealed township, day) -> last-mile staff
    blocks: dict[tuple[str, int], Block]
    round_trip: dict[tuple[str, str], int]  # (source, township) -> minutes, on the roads without closures
    fleet_rows: dict[tuple[str, int, bool], tuple] = field(default_factory=dict)  # for diagnosis


def has_supply(inst: Instance) -> bool:
    return bool(inst.demands) and bool(inst.commodities)


def round_trips(inst: Instance) -> dict[tuple[str, str], int]:
    """Minutes of a direct trip source -> township -> source with loading and unloading, on
    the roads without closures (the routing stage uses the plan's roads)."""
    def compute(_):
        sp = inst.policy.supply
        net = DayNetwork.build(inst, None, 0)
        dests = {t.id: R.delivery_node(inst, t.id) for t in inst.townships}
        origins = sorted({s.node for s in inst.sources} | {n for n in dests.values() if n})
        table = net.paths_from(origins)
        out = {}
        for s in inst.sources:
            for t, node in dests.items():
                if node is None:
                    continue
                go, back = table.minutes(s.node, node), table.minutes(node, s.node)
                if math.isfinite(go) and math.isfinite(back):
                    out[s.id, t] = int(sp.load_min + go + sp.unload_min + back)
                    out[s.id, t, "go"] = int(go)
        return out
    return inst.derived("supply_round_trips", compute)


def build(ctx: BuildContext) -> SupplyVars | None:
    inst, model = ctx.instance, ctx.model
    if not has_supply(inst):
        return None
    sp = inst.policy.supply
    days = R.days(inst)
    req = R.requests(inst)
    on_hand = R.township_stock(inst)
    coms = inst.by_id("commodities")
    rt = round_trips(inst)
    pairs = sorted({(t, c) for (t, c, _d) in req} | {(t, c) for (t, c) in on_hand})
    target = {(t, c): R.cover_target(inst, t, c) for t, c in pairs}

    # Candidate sources: stock of the commodity, a suitable truck, a trip within shift and window.
    stock = {(s.id, st.commodity): st.quantity for s in inst.sources for st in s.stock if st.quantity > 0}
    trucks = {s.id: R.trucks_of(inst, s.id) for s in inst.sources}
    ship: dict[tuple, cp_model.IntVar] = {}
    for t, c in pairs:
        need = sum(req.get((t, c, d), 0) for d in days) + target[(t, c)]
        if need == 0:
            continue
        lo, hi = R.window_hours(inst, t)
        ok = []
        for s in inst.sources:
            fleet = [v for v in trucks[s.id] if v.cold_chain or not coms[c].cold_chain]
            if (s.id, c) not in stock or (s.id, t) not in rt or not fleet:
                continue
            arrive = sp.truck_start_hour * 60 + sp.load_min + rt[s.id, t, "go"]
            if arrive > hi * 60 or rt[s.id, t] > max(v.shift_hours for v in fleet) * 60:
                continue
            ok.append((rt[s.id, t], s.id))
        for _, s in sorted(ok)[: sp.sources_per_demand]:
            for d in days:
                ub = min(stock[s, c], need)
                ship[s, t, c, d] = model.new_int_var(0, ub, f"ship[{s},{t},{c},{d}]")

    _add_stocks(model, ship, stock, ctx)
    share, arrival = _add_sharing(ctx, days, req, on_hand, target)
    short_c, short_r, cover = _add_balance(ctx, days, pairs, req, on_hand, target, ship, share, arrival)
    fleet_rows = _add_fleet(ctx, days, ship, rt, trucks)
    workers, blocks = _add_last_mile(ctx, days, ship, share, arrival)
    _add_station_limits(ctx, days, ship)
    _add_objective(ctx, ship, short_c, short_r, cover, rt, trucks)
    return SupplyVars(days, ship, short_c, short_r, cover, share, arrival, workers, blocks, rt, fleet_rows)


def _add_stocks(model, ship, stock, ctx) -> None:
    """Hard: a source ships no more of a commodity than it holds."""
    by: dict[tuple[str, str], list] = defaultdict(list)
    for (s, _t, c, _d), x in ship.items():
        by[s, c].append(x)
    for key, xs in by.items():
        if len(xs) > 1:
            ctx.enforce(model.add(sum(xs) <= stock[key]), lambda key=key: (
                f"supply.stock {key[0]} {key[1]}", [f"{ctx.where('sources', key[0])}.stock {key[1]} = {stock[key]}"]))


def _add_sharing(ctx, days, req, on_hand, target):
    """Soft: a township holding PPE or test kits may lend them to one within `sharing_radius_km`;
    they arrive `sharing_lead_hours` plus the drive after the trucks' start on the day sent."""
    inst, sp = ctx.instance, ctx.instance.policy.supply
    towns, coms = inst.by_id("townships"), inst.by_id("commodities")
    share, arrival = {}, {}
    for (giver, c), qty in sorted(on_hand.items()):
        if qty <= 0 or not R.shareable(coms[c]):
            continue
        for t in inst.townships:
            if t.id == giver or all(req.get((t.id, c, d), 0) == 0 for d in days) and not target.get((t.id, c)):
                continue
            if towns[giver].center.distance_km(t.center) > sp.sharing_radius_km:
                continue
            hour = sp.truck_start_hour + sp.sharing_lead_hours + staff_travel_min(inst, giver, t.id) / 60
            lag = int(hour // 24)
            arrival[giver, t.id] = (lag, hour)
            for d in days:
                if d + lag <= days[-1]:
                    share[giver, t.id, c, d] = ctx.model.new_int_var(0, qty, f"share[{giver},{t.id},{c},{d}]")
    return share, arrival


def _add_balance(ctx, days, pairs, req, on_hand, target, ship, share, arrival):
    """Hard: a township serves a request from its stock and arrivals only; what is missing is a
    shortage, critical up to the request's critical part; a days-of-cover target missed is a
    routine shortfall."""
    inst, model = ctx.instance, ctx.model
    arrive: dict[tuple[str, str, int], list] = defaultdict(list)
    leave: dict[tuple[str, str, int], list] = defaultdict(list)
    for (s, t, c, d), x in ship.items():
        arrive[t, c, d].append(x)
    for (g, t, c, d), x in share.items():
        arrive[t, c, d + arrival[g, t][0]].append(x)
        leave[g, c, d].append(x)
    short_c, short_r, cover = {}, {}, {}
    for t, c in pairs:
        held = on_hand.get((t, c), 0)
        served_before: list = []
        flow: list = []
        for d in days:
            q = req.get((t, c, d), 0)
            crit = R.critical_part(inst, t, c, q)
            sc = model.new_int_var(0, crit, f"short_critical[{t},{c},{d}]")
            sr = model.new_int_var(0, q - crit, f"short_routine[{t},{c},{d}]")
            short_c[t, c, d], short_r[t, c, d] = sc, sr
            flow += arrive[t, c, d] + [-x for x in leave[t, c, d]]
            served = q - sc - sr
            model.add(held + sum(flow) - sum(served_before) - served >= 0)
            if target[(t, c)]:
                cs = model.new_int_var(0, target[(t, c)], f"cover_short[{t},{c},{d}]")
                model.add(held + sum(flow) - sum(served_before) + cs >= target[(t, c)])
                cover[t, c, d] = cs
            served_before.append(served)
    return short_c, short_r, cover


def _fleet_capacity(inst, fleet) -> tuple[int, int]:
    """(kg × minutes, kg) the trucks can move in a shift, in 10-gram units."""
    sp = inst.policy.supply
    kg_min = sum(v.capacity_kg * 100 * v.shift_hours * 60 for v in fleet)
    loads = sum(v.capacity_kg * 100 * sp.max_trips_per_shift for v in fleet)
    return int(sp.fleet_utilisation * kg_min), int(sp.fleet_utilisation * loads)


def _add_fleet(ctx, days, ship, rt, trucks) -> dict:
    """Hard: per source and day, kg × round-trip minutes within the trucks' kg × shift minutes,
    and kg within `max_trips_per_shift` loads, both scaled by `fleet_utilisation`; cold goods
    within the cold-chain trucks alone."""
    inst, model = ctx.instance, ctx.model
    coms = inst.by_id("commodities")
    rows = {}
    by: dict[tuple[str, int], list] = defaultdict(list)
    for (s, t, c, d), x in ship.items():
        by[s, d].append((t, c, x))
    for (s, d), items in sorted(by.items()):
        for cold in (False, True):
            fleet = [v for v in trucks[s] if v.cold_chain or not cold]
            chosen = [(t, c, x) for t, c, x in items if coms[c].cold_chain or not cold]
            if not chosen:
                continue
            if cold and all(coms[c].cold_chain for _, c, _ in items) and len(fleet) == len(trucks[s]):
                continue  # every truck is cold and every good too: the first row says it all
            w = {c: math.ceil(coms[c].unit_weight_kg * 100 - 1e-9) for _, c, _ in chosen}
            kg_min, kg = _fleet_capacity(inst, fleet)
            describe = lambda s=s, d=d, cold=cold, fleet=fleet: (
                f"supply.fleet {s} day {d}{' cold chain' if cold else ''}",
                [f"{ctx.where('vehicles', v.id)}: {v.capacity_kg} kg, {v.shift_hours} h" for v in fleet])
            ctx.enforce(model.add(sum(rt[s, t] * w[c] * x for t, c, x in chosen) <= kg_min), describe)
            ctx.enforce(model.add(sum(w[c] * x for t, c, x in chosen) <= kg), describe)
            rows[s, d, cold] = (chosen, w, kg_min, kg)
    return rows


def _add_last_mile(ctx, days, ship, share, arrival):
    """Hard: goods handed over for a sealed township are carried in by delivery staff from the
    pool, `last_mile_kg_per_worker` each per shift."""
    inst, model = ctx.instance, ctx.model
    sp = inst.policy.supply
    coms = inst.by_id("commodities")
    workers, blocks = {}, {}
    kg_in: dict[tuple[str, int], list] = defaultdict(list)
    for (s, t, c, d), x in ship.items():
        kg_in[t, d].append((coms[c], x))
    for (g, t, c, d), x in share.items():
        kg_in[t, d + arrival[g, t][0]].append((coms[c], x))
    for t in inst.townships:
        if not t.sealed:
            continue
        for d in days:
            items = kg_in.get((t.id, d))
            if not items:
                continue
            b = Block(d, sp.last_mile_start_hour, sp.last_mile_start_hour + sp.last_mile_hours, t.id, "delivery",
                      "supply")
            most = math.ceil(sum(c.unit_weight_kg * max(model.proto.variables[x.index].domain) for c, x in items) / sp.last_mile_kg_per_worker)
            n = model.new_int_var(0, max(0, min(most, ctx.pool.eligible_supply(b))), f"last_mile[{t.id},{d}]")
            ctx.enforce(model.add(sum(math.ceil(c.unit_weight_kg * 100 - 1e-9) * x for c, x in items)
                                  <= n * sp.last_mile_kg_per_worker * 100), lambda t=t, d=d, b=b: (
                f"supply.last_mile {t.id} day {d}",
                [f"{ctx.pool.eligible_supply(b)} delivery staff of the pool within reach, "
                 f"{sp.last_mile_kg_per_worker} kg each (policy.supply.last_mile_kg_per_worker)"]))
            ctx.pool.staff(b, n)
            workers[t.id, d], blocks[t.id, d] = n, b
    return workers, blocks


def _add_station_limits(ctx, days, ship) -> None:
    """Hard: a transfer station hands over at most `handover_kg_per_day`."""
    inst = ctx.instance
    coms = inst.by_id("commodities")
    for t, st in R.transfer_stations(inst).items():
        if st.handover_kg_per_day is None:
            continue
        for d in days:
            xs = [(coms[c], x) for (s, tt, c, dd), x in ship.items() if tt == t and dd == d]
            if xs:
                ctx.enforce(ctx.model.add(sum(math.ceil(c.unit_weight_kg * 100 - 1e-9) * x for c, x in xs)
                                          <= st.handover_kg_per_day * 100), lambda st=st, d=d: (
                    f"supply.transfer_station {st.id} day {d}",
                    [f"{ctx.where('transfer_stations', st.id)}.handover_kg_per_day = {st.handover_kg_per_day}"]))


def _add_objective(ctx, ship, short_c, short_r, cover, rt, trucks) -> None:
    inst = ctx.instance
    sp = inst.policy.supply
    coms = inst.by_id("commodities")

    def pd(c: str, weight: int = 1) -> int:
        return max(1, round(R.person_days_per_unit(coms[c]) * weight))

    medical = [pd(c, sp.medical_weight) * x for (t, c, d), x in short_c.items() if coms[c].tier == "medical_critical"]
    food = [pd(c) * x for (t, c, d), x in short_c.items() if coms[c].tier == "food_floor"]
    ctx.add_term("critical", "supply.medical_short", sum(medical))
    ctx.add_term("critical", "supply.food_floor_short", sum(food))
    ctx.add_term("routine", "supply.routine_short", sum(pd(c) * x for (t, c, d), x in short_r.items()))
    ctx.add_term("routine", "supply.cover_short", sum(pd(c) * x for (t, c, d), x in cover.items()))
    cost = []
    for (s, t, c, d), x in ship.items():
        cap = sum(v.capacity_kg for v in trucks[s]) / max(1, len(trucks[s]))
        fen = 100 * sp.truck_cost_per_min * rt[s, t] * coms[c].unit_weight_kg / max(1.0, cap)
        cost.append(max(1, round(fen)) * x)
    ctx.add_term("cost", "supply.truck_cost_fen", sum(cost))


def extract(ctx: BuildContext, v: SupplyVars, solver: cp_model.CpSolver, staffing: dict):
    from optimizer.supply_extract import (
        extract as _extract,  # the routing stage loads PyVRP
    )
    return _extract(ctx, v, solver, staffing)


def warm_start(ctx: BuildContext, v: SupplyVars) -> None:
    """The module solved on its own (optimizer/supply_warm.py), else the greedy plan."""
    from optimizer.supply_warm import solve_alone

    if not solve_alone(ctx, v):
        greedy_hint(ctx, v)


def greedy_hint(ctx: BuildContext, v: SupplyVars, people: dict[tuple[str, int], int] | None = None) -> None:
    """A greedy plan as the solver's hint: medical needs first, then food floors, the rest of the
    requests, then days-of-cover targets, each from the nearest source with stock, fleet time
    and (for a sealed township) last-mile staff left; staff come from the shared ledger, and at
    most ``people[township, day]`` of them where given (the module solved alone: what the
    shared model's ledger has left)."""
    inst = ctx.instance
    sp = inst.policy.supply
    coms = inst.by_id("commodities")
    req = R.requests(inst)
    on_hand = R.township_stock(inst)
    ledger = ctx.pool.ledger()
    stock = {(s.id, st.commodity): st.quantity for s in inst.sources for st in s.stock}
    budget = {}
    for (s, d, cold), (_chosen, _w, kg_min, kg) in v.fleet_rows.items():
        budget[s, d, cold] = [kg_min, kg]

    def available(key: tuple[str, int]) -> int:
        return min(ledger.available(v.blocks[key]), (people or {}).get(key, math.inf))

    carry = {key: available(key) * sp.last_mile_kg_per_worker * 100 for key in v.blocks}
    by_need: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    for (s, t, c, d) in v.ship:
        by_need[t, c, d].append(s)
    got: dict[tuple, int] = defaultdict(int)
    arrived: dict[tuple[str, str, int], int] = defaultdict(int)

    unit = {c: math.ceil(coms[c].unit_weight_kg * 100 - 1e-9) for c in coms}  # 10 g per unit, rounded up

    def send(t: str, c: str, d: int, qty: int) -> None:
        w = unit[c]
        for s in sorted(by_need.get((t, c, d), []), key=lambda s: (v.round_trip[s, t], s)):
            if qty <= 0:
                return
            rows = [budget[key] for key in ((s, d, False), (s, d, True)) if key in budget
                    and (coms[c].cold_chain or not key[2])]
            n = min(qty, stock.get((s, c), 0))
            for kg_min, kg in rows:
                n = min(n, kg_min // max(1, v.round_trip[s, t] * w), kg // max(1, w))
            if (t, d) in carry:
                n = min(n, carry[t, d] // max(1, w))
            if n <= 0:
                continue
            for row in rows:
                row[0] -= n * v.round_trip[s, t] * w
                row[1] -= n * w
            if (t, d) in carry:
                carry[t, d] -= n * w
            stock[s, c] -= n
            got[s, t, c, d] += n
            arrived[t, c, d] += n
            qty -= n

    needs = []  # (phase, -person-days per 10 g, township, commodity, day, units)
    for (t, c, d), q in req.items():
        crit = R.critical_part(inst, t, c, q)
        density = -R.person_days_per_unit(coms[c]) / max(1e-9, coms[c].unit_weight_kg)
        if crit:
            needs.append((0 if coms[c].tier == "medical_critical" else 1, density, t, c, d, crit))
        if q - crit:
            needs.append((2, density, t, c, d, q - crit))
    for t, c, d in v.cover_short:
        needs.append((3, -R.person_days_per_unit(coms[c]), t, c, d, R.cover_target(inst, t, c)))
    for phase, _dens, t, c, d, qty in sorted(needs):
        if phase == 3:  # the cover target counts what the requests already brought
            held = on_hand.get((t, c), 0) + sum(arrived[t, c, dd] for dd in v.days if dd <= d)
            held -= sum(req.get((t, c, dd), 0) for dd in v.days if dd < d)
            qty = qty - held
        send(t, c, d, max(0, qty))
    per_worker = sp.last_mile_kg_per_worker * 100
    for (t, d), n in v.workers.items():
        into = sorted((k for k in got if k[1] == t and k[3] == d and got[k]),
                      key=lambda k: (coms[k[2]].tier == "medical_critical", unit[k[2]], k))
        kg = sum(unit[k[2]] * got[k] for k in into)
        need = math.ceil(kg / per_worker)
        if need > available((t, d)) or ledger.take(v.blocks[t, d], need) is None:
            # sealed townships of one day can share the same delivery people, which `carry`
            # counted once for each: deliver what the workers still free can carry, food
            # before medicine is cut (a hint with more goods than carriers is no plan)
            need = available((t, d))
            ledger.take(v.blocks[t, d], need)
            excess = kg - need * per_worker
            for k in into:
                if excess <= 0:
                    break
                cut = min(got[k], math.ceil(excess / unit[k[2]]))
                got[k] -= cut
                arrived[k[1], k[2], k[3]] -= cut
                excess -= cut * unit[k[2]]
        ctx.model.add_hint(n, need)
    for key, x in v.ship.items():
        ctx.model.add_hint(x, got.get(key, 0))
    for x in v.share.values():
        ctx.model.add_hint(x, 0)
    short = R.balance(inst, dict(arrived), [])
    for key, x in v.short_critical.items():
        ctx.model.add_hint(x, short.get(key, (0, 0, 0))[0])
    for key, x in v.short_routine.items():
        ctx.model.add_hint(x, short.get(key, (0, 0, 0))[1])
    for key, x in v.cover_short.items():
        ctx.model.add_hint(x, short.get(key, (0, 0, 0))[2])
