"""Read the supply section from a solution: shipments, then routes (second stage), hand-overs,
last-mile staff, staggered pick-up, sharing, and the shortage lines with their binding resource.

The shipments reported are what the routes deliver: goods no route could carry are cut and
their shortfall appears as a shortage line, so the plan never promises goods no truck brings.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from models.plan import RosterEntry, Shortage
from models.plan_roads import ArcStatus, RoadSection
from models.plan_supply import LastMile, PickupSlot, Sharing, Shipment, SupplySection
from optimizer import supply_rules as R
from optimizer.context import BuildContext
from optimizer.supply_roads import requested_arcs
from optimizer.supply_routes import ROUTING_BUDGET_S, RoutedDay, route_day

if TYPE_CHECKING:
    from optimizer.supply import SupplyVars

_CLOSED = re.compile(r"closed\[([^,\]]+),(\d+)\]")


def roads_section_of(ctx: BuildContext, solver: cp_model.CpSolver):
    """The plan's road section when the solve hands it over (`ctx.sections`); else the arcs the
    road module closed, read from this solution by their variable names (`closed[arc,day]`);
    else, when the shared model has no such variables, a section that closes every arc a road
    module might close (requested closures; seal exits are never driven anyway)."""
    from optimizer.modules import MODULES

    sections = getattr(ctx, "sections", None) or {}
    if "roads" in sections:
        return sections["roads"], frozenset()
    if not any(name == "roads" for name, _ in MODULES):
        return None, frozenset()
    values = solver.response_proto.solution
    rows = []
    for k, var in enumerate(ctx.model.proto.variables):
        m = _CLOSED.fullmatch(var.name)
        if m and k < len(values):
            rows.append(ArcStatus(arc=m[1], day=int(m[2]), status="closed" if values[k] else "open"))
    if rows:
        return RoadSection(arcs=rows), frozenset()
    return None, frozenset(requested_arcs(ctx.instance))


def extract(ctx: BuildContext, v: SupplyVars, solver: cp_model.CpSolver, staffing: dict):
    inst = ctx.instance
    shipped = {k: solver.value(x) for k, x in v.ship.items()}
    lent = [(g, t, c, d, d + v.share_arrival[g, t][0], solver.value(x)) for (g, t, c, d), x in v.share.items()]
    lent = [row for row in lent if row[-1] > 0]
    roads, avoid = roads_section_of(ctx, solver)
    budget = getattr(ctx, "routing_budget_s", ROUTING_BUDGET_S)
    routed: dict[int, RoutedDay] = {}
    for d in v.days:
        day_ship = {(s, t, c): q for (s, t, c, dd), q in shipped.items() if dd == d and q > 0}
        routed[d] = route_day(inst, roads, d, day_ship, avoid=avoid, budget_s=budget / len(v.days),
                              seed=getattr(ctx, "seed", 0))
    section = build_section(ctx, v, solver, routed, lent)
    roster = _roster(ctx, v, section, staffing)
    shortages = shortage_lines(ctx, v, solver, section, routed)
    return section, roster, shortages


def build_section(ctx, v: SupplyVars, solver, routed: dict[int, RoutedDay], lent) -> SupplySection:
    inst = ctx.instance
    coms = inst.by_id("commodities")
    shipments = []
    for d, day in sorted(routed.items()):
        for (s, t, c, dd), q in sorted(day.delivered.items()):
            if q > 0:
                dest, kind = R.destination_id(inst, t)
                sent = solver.value(v.ship[s, t, c, dd]) if (s, t, c, dd) in v.ship else q
                shipments.append(Shipment(source=s, destination=dest, destination_kind=kind, township=t, commodity=c,
                                          quantity=q, day=dd, tier=coms[c].tier, allocated=sent if sent != q else None))
    routes = [r for d in sorted(routed) for r in routed[d].routes]
    handovers = [h for d in sorted(routed) for h in routed[d].handovers]
    last_mile = []
    for (t, d), n in sorted(v.workers.items()):
        kg = sum(h.load_kg for h in handovers if h.township == t and h.day == d)
        kg += sum(q * coms[c].unit_weight_kg for g, tt, c, _, d2, q in lent if tt == t and d2 == d)
        if kg > 0:  # staff for what the routes bring; the model's count may be higher before routing
            b = v.blocks[t, d]
            need = min(solver.value(n), math.ceil(kg / inst.policy.supply.last_mile_kg_per_worker - 1e-9))
            last_mile.append(LastMile(township=t, day=d, workers=need, kg=round(kg, 3),
                                      start_hour=d * 24 + b.start_hour, end_hour=d * 24 + b.end_hour))
    sharing = [Sharing(from_township=g, to_township=t, commodity=c, quantity=q, day=d, arrival_day=d2,
                       arrival_hour=round(d * 24 + v.share_arrival[g, t][1], 4)) for g, t, c, d, d2, q in lent]
    return SupplySection(shipments=shipments, routes=routes, handovers=handovers, last_mile=last_mile,
                         pickups=pickup_slots(inst, v.days), sharing=sharing)


def pickup_slots(inst, days: list[int]) -> list[PickupSlot]:
    """Staggered pick-up (错峰取货): each grid of a medium-risk township gets one slot after the
    goods arrive, grids spread so every slot holds about as many households."""
    sp = inst.policy.supply
    out = []
    for t in inst.townships:
        if t.risk_level != "medium" or t.sealed:
            continue
        grids = sorted((g for g in inst.grids if g.township == t.id), key=lambda g: (-g.households, g.id))
        for d in days:
            load = [0] * sp.pickup_slots
            for g in grids:
                k = min(range(sp.pickup_slots), key=lambda j: (load[j], j))
                load[k] += g.households
                start = d * 24 + sp.pickup_start_hour + k * sp.pickup_slot_min / 60
                out.append(PickupSlot(township=t.id, grid=g.id, day=d, start_hour=round(start, 4),
                                      end_hour=round(start + sp.pickup_slot_min / 60, 4), households=g.households))
    return sorted(out, key=lambda p: (p.township, p.day, p.start_hour, p.grid))


def _roster(ctx, v: SupplyVars, section: SupplySection, staffing) -> list[RosterEntry]:
    rows = []
    stations = R.transfer_stations(ctx.instance)
    need = {(m.township, m.day): m.workers for m in section.last_mile}
    for (t, d), b in sorted(v.blocks.items()):
        for person, travel in staffing.get(b, [])[: need.get((t, d), 0)]:
            rows.append(RosterEntry(staff=person.id, name=person.name, role="delivery", module="supply",
                                    location=stations[t].id if t in stations else t, township=t, day=d,
                                    start_hour=b.start_hour, end_hour=b.end_hour, travel_min=travel))
    return rows


def shortage_lines(ctx, v: SupplyVars, solver, section: SupplySection, routed) -> list[Shortage]:
    inst = ctx.instance
    coms = inst.by_id("commodities")
    delivered: dict[tuple[str, str, int], int] = defaultdict(int)
    for s in section.shipments:
        delivered[s.township, s.commodity, s.day] += s.quantity
    lent = [(x.from_township, x.to_township, x.commodity, x.day, x.arrival_day, x.quantity) for x in section.sharing]
    why = _Diagnosis(ctx, v, solver, routed)
    lines = []
    for (t, c, d), (sc, sr, cover) in sorted(R.balance(inst, delivered, lent).items()):
        if not (sc or sr or cover):
            continue
        day_text = type(inst.plan_date).fromordinal(inst.plan_date.toordinal() + d).isoformat()
        unit = coms[c].unit
        binding = why(t, c, d)
        if sc:
            lines.append(Shortage(module="supply", tier="critical", township=t, entity=c, quantity=sc, unit=unit,
                                  what=f"{c} for {t} on {day_text} (critical part)", binding_resource=binding))
        if sr:
            lines.append(Shortage(module="supply", tier="routine", township=t, entity=c, quantity=sr, unit=unit,
                                  what=f"{c} for {t} on {day_text}", binding_resource=binding))
        if cover:
            days = R.cover_days(inst, t, c)
            lines.append(Shortage(module="supply", tier="routine", township=t, entity=c, quantity=cover, unit=unit,
                                  what=f"{c} stock of {t} below {days} days of cover on {day_text}",
                                  binding_resource=binding))
    return lines


class _Diagnosis:
    """The resource that ran out for a township's commodity on a day, in the order a planner
    would check it: goods the routes left, no source, source stock, last-mile staff, trucks."""

    def __init__(self, ctx, v: SupplyVars, solver, routed):
        inst = ctx.instance
        self.ctx, self.v, self.solver = ctx, v, solver
        self.cut: dict[tuple[str, str, int], str] = {}
        for d, day in routed.items():
            for (s, t, c, dd), reason in sorted(day.cut.items()):
                self.cut.setdefault((t, c, dd), reason)
        self.cands: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.used: dict[tuple[str, str], int] = defaultdict(int)
        for (s, t, c, _d), x in v.ship.items():
            self.cands[t, c].add(s)
            self.used[s, c] += solver.value(x)
        self.stock = {(s.id, st.commodity): st.quantity for s in inst.sources for st in s.stock}
        self.full: dict[tuple[str, int], str] = {}
        for (s, d, cold), (chosen, w, kg_min, kg) in v.fleet_rows.items():
            lhs = sum(v.round_trip[s, tt] * w[cc] * solver.value(x) for tt, cc, x in chosen)
            load = sum(w[cc] * solver.value(x) for tt, cc, x in chosen)
            if lhs >= 0.97 * kg_min or load >= 0.97 * kg:
                self.full.setdefault((s, d), f"trucks at {s} fully used" + (" (cold chain)" if cold else ""))

    def __call__(self, t: str, c: str, d: int) -> str:
        if (t, c, d) in self.cut:
            return self.cut[t, c, d]
        cands = sorted(self.cands.get((t, c), ()))
        if not cands:
            return f"sources: none holding {c} within a shift and the delivery window of {t}"
        if all(self.used[s, c] >= self.stock.get((s, c), 0) for s in cands):
            return f"stock of {c} used up at {', '.join(cands)}"
        if (t, d) in self.v.workers:
            n = self.solver.value(self.v.workers[t, d])
            if n == 0 or n >= self.ctx.pool.eligible_supply(self.v.blocks[t, d]):
                return f"last-mile delivery staff within commuting range of {t}"
        for s in cands:
            if (s, d) in self.full:
                return self.full[s, d]
        return f"trucks at {', '.join(cands)}: more urgent goods first"
