"""Supplies: the catalogue, depots / producers / markets with stock, day-0 demand, vehicles.

Per-capita needs are the generator's planning figures (vegetables 0.5 kg/person/day is
DOMAIN.md's). Demand is need × population for day 0; the sealed township asks for its
`sealed_staple_days` of staples at once. Stock covers 1.3–2 × day-0 demand, except N95
masks, which run ~10 % short so that the plan has a medical shortage to name.
"""

from __future__ import annotations

import random

from generator import names
from generator.geography import Town, split
from generator.profile import Profile
from generator.roads import Roads, add_spur
from models.instance import Commodity, Demand, IsolationSite, Stock, SupplySource, Vehicle
from models.policy import Policy

# id, name, unit, cold chain, tier, per capita per day, unit weight (kg)
CATALOGUE = [
    ("mask", "医用外科口罩", "只", False, "medical_critical", 0.3, 0.004),
    ("n95", "N95口罩", "只", False, "medical_critical", 0.01, 0.01),
    ("suit", "医用防护服", "套", False, "medical_critical", 0.003, 0.6),
    ("test_kit", "核酸采样管", "人份", False, "medical_critical", 0.6, 0.02),
    ("disinfectant", "含氯消毒液", "kg", False, "medical_critical", 0.01, 1.0),
    ("rice", "大米", "kg", False, "food_floor", 0.25, 1.0),
    ("flour", "面粉", "kg", False, "food_floor", 0.15, 1.0),
    ("oil", "食用油", "kg", False, "food_floor", 0.03, 1.0),
    ("vegetables", "蔬菜", "kg", False, "food_floor", None, 1.0),  # policy.supply.vegetable_kg_per_person_day
    ("meat", "猪肉", "kg", True, "routine", 0.1, 1.0),
    ("eggs", "鸡蛋", "kg", False, "routine", 0.05, 1.0),
    ("milk", "牛奶", "箱", True, "routine", 0.02, 6.0),
]
STAPLES = ("rice", "flour", "oil", "vegetables", "meat", "eggs", "milk")
PRODUCER_KINDS = [("rice", "{stem}米业有限公司"), ("vegetables", "{stem}蔬菜专业合作社"),
                  ("flour", "{stem}面粉厂"), ("meat", "{stem}生猪屠宰加工厂"), ("eggs", "{stem}蛋鸡养殖合作社"),
                  ("milk", "{stem}乳业有限公司"), ("vegetables", "{stem}果蔬种植基地")]


def commodities(policy: Policy) -> list[Commodity]:
    veg = policy.supply.vegetable_kg_per_person_day
    return [Commodity(id=i, name=n, unit=u, cold_chain=c, tier=tier, per_capita_daily=veg if p is None else p,
                      unit_weight_kg=w) for i, n, u, c, tier, p, w in CATALOGUE]


def demands(towns: list[Town], catalogue: list[Commodity], policy: Policy) -> list[Demand]:
    out = []
    for t in towns:
        for c in catalogue:
            days = policy.supply.sealed_staple_days if t.sealed and c.id in STAPLES else 1
            q = round(c.per_capita_daily * t.population * days)
            if q:
                out.append(Demand(township=t.id, commodity=c.id, day=0, quantity=q))
    return out


def sources(towns: list[Town], roads: Roads, profile: Profile, demand: list[Demand],
            rng: random.Random) -> list[SupplySource]:
    """Depots and markets at urban/rural seats, producers on village roads of rural townships."""
    open_towns = [t for t in towns if not t.sealed]
    central = [t for t in open_towns if t.terrain == "urban"] or open_towns
    rural = [t for t in open_towns if t.terrain != "urban"] or open_towns
    total = {c: 0 for c, *_ in CATALOGUE}
    for d in demand:
        total[d.commodity] += d.quantity
    out: list[SupplySource] = []
    taken: set[str] = set()
    spread = sorted(open_towns, key=lambda t: (-t.population, t.index))
    for k in range(profile.markets):
        t = central[k % len(central)]
        name = names.unique(lambda: f"{profile.place}{t.name}农产品批发市场" if k else f"{profile.place}农产品批发市场",
                            taken)
        out.append(SupplySource(id=f"MKT{k + 1}", name=name, kind="market", township=t.id, node=roads.seat[t.id]))
    for k in range(profile.depots):
        t = spread[(2 * k + 1) % len(spread)] if k else central[0]
        kind = "应急物资储备库" if k % 2 == 0 else "粮食储备库"
        name = names.unique(lambda: f"{profile.place}{kind}" if k < 2 else f"{t.name}{kind}", taken)
        out.append(SupplySource(id=f"DEP{k + 1}", name=name, kind="depot", township=t.id, node=roads.seat[t.id]))
    specialty: dict[str, str] = {}
    for k in range(profile.producers):
        t = rural[rng.randrange(len(rural))]
        item, pattern = PRODUCER_KINDS[k % len(PRODUCER_KINDS)]
        name = names.unique(lambda: pattern.format(stem=names.place_stem(rng)), taken)
        pid = f"PRD{k + 1:02d}"
        specialty[pid] = item
        node = add_spur(roads, t, towns, f"P{k + 1}", rng)
        out.append(SupplySource(id=pid, name=name, kind="producer", township=t.id, node=node))
    _stock(out, specialty, total, rng)
    return out


def _stock(out: list[SupplySource], specialty: dict[str, str], total: dict[str, int], rng: random.Random) -> None:
    """Who holds what: depots medical + grain + oil; markets fresh food + oil; producers their item."""
    holders: dict[str, list[SupplySource]] = {c: [] for c in total}
    for s in out:
        if s.kind == "depot":
            held = ["mask", "n95", "suit", "test_kit", "disinfectant", "rice", "flour", "oil"]
        elif s.kind == "market":
            held = ["vegetables", "meat", "eggs", "milk", "oil", "rice"]
        else:
            held = [specialty[s.id]]
        for c in held:
            holders[c].append(s)
    for c, who in holders.items():
        if not who or not total[c]:
            continue
        factor = 0.9 if c == "n95" else rng.uniform(1.3, 2.0)
        parts = split(round(total[c] * factor), [rng.uniform(0.6, 1.4) for _ in who])
        for s, q in zip(who, parts):
            if q:
                s.stock = s.stock + [Stock(commodity=c, quantity=q)]


def vehicles(srcs: list[SupplySource], sites: list[IsolationSite], profile: Profile,
             rng: random.Random) -> list[Vehicle]:
    """Trucks at the sources (cold chain at markets and fresh producers), buses at active sites."""
    letter = rng.choice(names.PLATE_LETTERS)
    out: list[Vehicle] = []
    cold_kinds = {"meat", "milk"}
    for k in range(profile.trucks):
        src = srcs[k % len(srcs)]
        cold = (src.kind == "market" and k % 2 == 0) or (src.kind == "producer"
                                                        and any(st.commodity in cold_kinds for st in src.stock))
        out.append(Vehicle(id=f"V{len(out) + 1:03d}", plate=names.plate(rng, profile.province, letter), kind="truck",
                           depot=src.id, capacity_kg=rng.choice((2000, 3000, 5000, 8000, 10000, 15000)),
                           cold_chain=cold, shift_hours=rng.choice((8, 10, 12)), has_pass=rng.random() < 0.4))
    active = [s for s in sites if not s.reserve] or sites
    for k in range(profile.buses):
        site = active[k % len(active)]
        out.append(Vehicle(id=f"V{len(out) + 1:03d}", plate=names.plate(rng, profile.province, letter),
                           kind="transfer_bus", depot=site.id, seats=rng.choice((7, 14, 19, 33, 45)),
                           shift_hours=rng.choice((10, 12)), has_pass=True))
    return out
