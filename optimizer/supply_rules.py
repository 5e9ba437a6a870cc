"""Quantities the supply model and `verify` both derive from an instance (DOMAIN.md §4).

- request: what a township asks to receive of a commodity on a day (the instance's demands);
- daily use: population × per-capita daily need;
- critical part of a request: all of a medical-critical commodity; of a food-floor commodity
  the food floor, `food_floor_share` × daily use (the rest of the request, e.g. a sealed
  township's stock-up, is routine); nothing of a routine commodity;
- days-of-cover target: a sealed township holds `sealed_staple_days` × daily use of every
  food-floor commodity; a sealed township, or one whose risk level is in
  `medical_cover_risk_levels`, holds `medical_stock_days` × daily use of medical supplies.
  Holdings are on-hand stock plus arrivals up to the day, less what was lent and what earlier
  days consumed;
- destinations: a township's delivery node (its road node nearest its seat), or for a sealed
  township its transfer station outside the seal; time windows by risk level.
"""

from __future__ import annotations

import math
from collections import defaultdict

from models.instance import Commodity, Instance, TransferStation


def days(inst: Instance) -> list[int]:
    return inst.derived("supply_days", lambda _: sorted({d.day for d in inst.demands}))


def requests(inst: Instance) -> dict[tuple[str, str, int], int]:
    """(township, commodity, day) -> units requested."""
    def compute(_):
        out: dict[tuple[str, str, int], int] = defaultdict(int)
        for d in inst.demands:
            out[d.township, d.commodity, d.day] += d.quantity
        return dict(out)
    return inst.derived("supply_requests", compute)


def daily_use(inst: Instance, township: str, commodity: str) -> int:
    t, c = inst.by_id("townships")[township], inst.by_id("commodities")[commodity]
    return round(t.population * c.per_capita_daily)


def critical_part(inst: Instance, township: str, commodity: str, requested: int) -> int:
    """Units of a request that are critical demand (the rest is routine)."""
    c = inst.by_id("commodities")[commodity]
    if c.tier == "medical_critical":
        return requested
    if c.tier == "food_floor":
        floor = math.ceil(inst.policy.supply.food_floor_share * daily_use(inst, township, commodity) - 1e-9)
        return min(requested, floor)
    return 0


def cover_target(inst: Instance, township: str, commodity: str) -> int:
    """Units the township must hold (days of cover × daily use), 0 when no target applies."""
    t, c = inst.by_id("townships")[township], inst.by_id("commodities")[commodity]
    sp = inst.policy.supply
    if c.tier == "food_floor" and t.sealed:
        return sp.sealed_staple_days * daily_use(inst, township, commodity)
    if c.tier == "medical_critical" and (t.sealed or t.risk_level in sp.medical_cover_risk_levels):
        return sp.medical_stock_days * daily_use(inst, township, commodity)
    return 0


def cover_days(inst: Instance, township: str, commodity: str) -> int:
    c = inst.by_id("commodities")[commodity]
    sp = inst.policy.supply
    return sp.sealed_staple_days if c.tier == "food_floor" else sp.medical_stock_days


def person_days_per_unit(c: Commodity) -> float:
    """Residents one unit serves for a day (1 when the commodity has no per-capita need)."""
    return 1.0 / c.per_capita_daily if c.per_capita_daily > 0 else 1.0


def shareable(c: Commodity) -> bool:
    return c.shareable if c.shareable is not None else c.tier == "medical_critical"


def township_stock(inst: Instance) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for s in inst.township_stocks:
        out[s.township, s.commodity] += s.quantity
    return dict(out)


def trucks_of(inst: Instance, source: str) -> list:
    return [v for v in inst.vehicles if v.kind == "truck" and v.depot == source]


def transfer_stations(inst: Instance) -> dict[str, TransferStation]:
    """Sealed township -> its transfer station: the instance's, else the road node outside the
    seal that an arc joins to it, nearest the township's seat (the first by id on ties)."""
    def compute(_):
        out: dict[str, TransferStation] = {}
        for st in inst.transfer_stations:
            out.setdefault(st.serves, st)
        node_of = inst.by_id("road_nodes")
        sealed = {t.id for t in inst.townships if t.sealed}
        for t in inst.townships:
            if not t.sealed or t.id in out:
                continue
            inside = {n.id for n in inst.road_nodes if n.township == t.id}
            border = {a.tail for a in inst.road_arcs if a.head in inside and node_of[a.tail].township not in sealed}
            border |= {a.head for a in inst.road_arcs if a.tail in inside and node_of[a.head].township not in sealed}
            pool = border or {n.id for n in inst.road_nodes if n.township not in sealed}
            if not pool:
                continue
            best = min(pool, key=lambda n: (node_of[n].location.distance_km(t.center), n))
            out[t.id] = TransferStation(id=f"TS-{t.id}", name=f"{t.name}接驳点", township=node_of[best].township,
                                        serves=t.id, node=best)
        return out
    return inst.derived("supply_transfer_stations", compute)


def station_hours(inst: Instance, st: TransferStation) -> tuple[int, int]:
    sp = inst.policy.supply
    return (sp.station_open_hour if st.open_hour is None else st.open_hour,
            sp.station_close_hour if st.close_hour is None else st.close_hour)


def delivery_node(inst: Instance, township: str) -> str | None:
    """The road node goods for a township are unloaded at (its transfer station if sealed)."""
    def compute(_):
        out: dict[str, str | None] = {}
        stations = transfer_stations(inst)
        sealed = {t.id for t in inst.townships if t.sealed}
        for t in inst.townships:
            if t.sealed:
                out[t.id] = stations[t.id].node if t.id in stations else None
                continue
            own = [n for n in inst.road_nodes if n.township == t.id] or \
                [n for n in inst.road_nodes if n.township not in sealed]
            out[t.id] = min(own, key=lambda n: (n.location.distance_km(t.center), n.id)).id if own else None
        return out
    return inst.derived("supply_delivery_nodes", compute)[township]


def destination_id(inst: Instance, township: str) -> tuple[str, str]:
    """(destination id, kind) of the goods for a township."""
    if inst.by_id("townships")[township].sealed and township in transfer_stations(inst):
        return transfer_stations(inst)[township].id, "transfer_station"
    return township, "township"


def window_hours(inst: Instance, township: str) -> tuple[float, float]:
    """Hard: hours of a day goods for a township may arrive: the station's hand-over hours for a
    sealed township; before the staggered pick-up starts in a medium-risk one; else the
    township's receiving hours."""
    sp = inst.policy.supply
    t = inst.by_id("townships")[township]
    if t.sealed and township in transfer_stations(inst):
        return station_hours(inst, transfer_stations(inst)[township])
    close = sp.delivery_close_hour
    if t.risk_level == "medium":
        close = min(close, sp.pickup_start_hour)
    return sp.delivery_open_hour, close


def unit_grams(c: Commodity) -> int:
    return max(1, math.ceil(c.unit_weight_kg * 1000 - 1e-9))


def balance(inst: Instance, delivered: dict[tuple[str, str, int], int],
            lent: list[tuple[str, str, str, int, int, int]]) -> dict[tuple[str, str, int], tuple[int, int, int]]:
    """(township, commodity, day) -> (critical short, routine short, cover short) in units.

    `delivered`: units arriving by truck per (township, commodity, day); `lent`: (giver,
    receiver, commodity, day sent, day arriving, units). Each day serves as much of its
    request as the holdings allow, critical part first; holdings for the cover target are
    counted before the day's consumption."""
    req = requests(inst)
    on_hand = township_stock(inst)
    arrive: dict[tuple[str, str, int], int] = defaultdict(int)
    leave: dict[tuple[str, str, int], int] = defaultdict(int)
    for (t, c, d), q in delivered.items():
        arrive[t, c, d] += q
    for g, t, c, d, d2, q in lent:
        arrive[t, c, d2] += q
        leave[g, c, d] += q
    pairs = sorted({(t, c) for t, c, _ in req} | set(on_hand) | {(t, c) for t, c, _ in arrive})
    out = {}
    for t, c in pairs:
        held = on_hand.get((t, c), 0)
        target = cover_target(inst, t, c)
        for d in days(inst):
            held += arrive[t, c, d] - leave[t, c, d]
            q = req.get((t, c, d), 0)
            crit = critical_part(inst, t, c, q)
            served = min(q, max(0, held))
            sc = max(0, crit - served)
            sr = max(0, q - crit - max(0, served - crit))
            cover = max(0, target - held) if target else 0
            out[t, c, d] = (sc, sr, cover)
            held -= served
    return out
