"""Isolation at city scale: 100 sites, 2,000 cohorts, a 14-day horizon (issue 5 speed target).

Generates `instances/isolation-city.json` from a fixed seed (the same bytes on any machine),
solves it through `optimizer.solve` on the given workers and verifies the plan. Usage::

    python benchmarks/isolation_city.py [--write] [--time-limit S] [--workers W] [--seed S] [--gap G]

The city: 200 townships on an 80 × 80 km map in 8 districts; an outbreak in 20 townships around
two centres sends close contacts (days 0–13, most in the first week) and their secondary
contacts; inbound travellers come every day from the airport and the railway station.
100 isolation sites: 75 hotels and training centres (30 % inbound only, 55 % contacts only,
15 % both) about half full with current occupants, and 25 reserve 方舱 (lag 1–3 days,
contacts only). The preset is edition 8 (the worst case a planner prepares for: 14-day stays)
and cohort sizes are scaled so that the peak need of rooms is about the city's rooms, reserves
included: the plan must activate reserves and still report some people without a room.
Staff: each hotel's closed-loop crew sized to its rooms (2 + 2 per 50 per shift and 4 non-medical
per shift, 25 % spare for days off and rest) plus a pool of 1,800 doctors, nurses and relief
staff; 150 buses.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from generator import names  # noqa: E402
from models import Instance, SolveConfig  # noqa: E402
from models.io import dump_json  # noqa: E402
from optimizer import solve  # noqa: E402
from optimizer.validate import verify  # noqa: E402

PATH = REPO / "instances" / "isolation-city.json"
SEED = 20221128
SPAN_KM = 80.0
TOWNSHIPS, SITES, RESERVES, COHORTS, BUSES = 200, 100, 25, 2000, 150
LOAD = 0.85  # peak need of rooms ÷ the city's rooms, reserves included
PORTS = {"PORT-AIRPORT": (12.0, 70.0), "PORT-RAILWAY": (42.0, 38.0)}
STAY8 = {"close_contact": 14, "secondary_contact": 7, "inbound": 14}


def _townships(rng: random.Random) -> list[dict]:
    side = math.ceil(math.sqrt(TOWNSHIPS))
    step = SPAN_KM / side
    taken: set[str] = set()
    out = []
    for k in range(TOWNSHIPS):
        x = (k % side + 0.5) * step + rng.uniform(-0.3, 0.3) * step
        y = (k // side + 0.5) * step + rng.uniform(-0.3, 0.3) * step
        urban = math.hypot(x - SPAN_KM / 2, y - SPAN_KM / 2) < 22
        name = names.unique(lambda: names.place_stem(rng) + ("街道" if urban else "镇"), taken)
        district = 1 + (k % side) * 4 // side + 4 * (k // side >= side // 2)
        out.append({"id": f"T{k + 1:03d}", "name": name, "district": f"D{district}",
                    "risk_level": "low", "population": rng.randint(20000, 90000) if urban else rng.randint(8000, 40000),
                    "terrain": "urban" if urban else "rural", "center": {"x": round(x, 2), "y": round(y, 2)}})
    return out


def _sites(rng: random.Random, towns: list[dict]) -> list[dict]:
    taken: set[str] = set()
    out = []
    for k in range(SITES):
        t = rng.choice(towns)
        reserve = k >= SITES - RESERVES
        if reserve:
            rooms, allowed = rng.randint(200, 500), ["close_contact", "secondary_contact"]
            name = names.unique(lambda: f"{t['name']}{names.place_stem(rng)}方舱隔离点", taken)
        else:
            rooms = round(math.exp(rng.uniform(math.log(50), math.log(400))))
            allowed = rng.choices([["inbound"], ["close_contact", "secondary_contact"],
                                   ["close_contact", "secondary_contact", "inbound"]], (0.3, 0.55, 0.15))[0]
            name = names.unique(lambda: f"{t['name']}{rng.choice(names.GOOD_WORDS)}酒店", taken)
        x = min(SPAN_KM, max(0.0, t["center"]["x"] + rng.uniform(-2, 2)))
        y = min(SPAN_KM, max(0.0, t["center"]["y"] + rng.uniform(-2, 2)))
        site = {"id": f"ISO{k + 1:03d}", "name": name, "township": t["id"],
                "location": {"x": round(x, 2), "y": round(y, 2)},
                "rooms": rooms, "reserve": reserve, "room_cost_per_day": rng.choice((150, 180, 200, 220, 260)),
                "allowed_categories": allowed}
        if reserve:
            site.update(activation_lag_days=rng.randint(1, 3), activation_cost=rooms * rng.choice((300, 400, 500)))
        else:
            held = round(rooms * rng.uniform(0.3, 0.7))
            category = "inbound" if allowed == ["inbound"] else "close_contact"
            parts: dict[int, int] = {}
            for _ in range(held):
                day = rng.randint(1, 13)
                parts[day] = parts.get(day, 0) + 1
            site["occupants"] = [{"release_day": d, "people": n, "category": category}
                                 for d, n in sorted(parts.items())]
        out.append(site)
    return out


def _cohorts(rng: random.Random, towns: list[dict], rooms: int, load: float) -> list[dict]:
    centres = [(28.0, 30.0), (55.0, 52.0)]
    near = sorted(towns, key=lambda t: min(math.hypot(t["center"]["x"] - cx, t["center"]["y"] - cy)
                                           for cx, cy in centres))
    origins = [t["id"] for t in near[:20]]
    raw = []
    for _ in range(COHORTS):
        category = rng.choices(["close_contact", "secondary_contact", "inbound"], (0.5, 0.25, 0.25))[0]
        if category == "inbound":
            day, origin = rng.randrange(14), rng.choice(sorted(PORTS))
        else:
            day = min(13, int(rng.expovariate(1 / 3.5)) + (category == "secondary_contact"))
            origin = rng.choice(origins)
        raw.append((day, origin, category, math.exp(rng.gauss(0, 0.5))))
    # scale sizes so that the peak need of rooms under edition 8 is about the city's rooms
    need = [0.0] * 14
    for day, _, category, w in raw:
        for d in range(day, min(14, day + STAY8[category])):
            need[d] += w
    scale = load * rooms / max(need)
    out = []
    for k, (day, origin, category, w) in enumerate(sorted(raw)):
        people = max(2, round(w * scale))
        carers = rng.randint(1, min(3, people - 1)) if category != "inbound" and rng.random() < 0.12 else 0
        out.append({"id": f"K{k + 1:04d}", "day": day, "origin": origin, "category": category,
                    "people": people, "carers": carers})
    return out


def _staff(rng: random.Random, towns: list[dict], sites: list[dict]) -> list[dict]:
    out = []

    def add(skills, home, site=None):
        days = rng.choices(range(7), (14, 16, 16, 16, 16, 14, 8))[0]
        hours = 8 if site else rng.choice((8, 10, 12))
        last = None if days == 0 else rng.choice((-16, -8, 0) if site else (-8, -5, -1))
        out.append({"id": f"S{len(out) + 1:05d}", "name": names.person(rng), "skills": skills, "home_township": home,
                    "hours_per_day": hours, "days_in_row": days, "last_shift_end_hour": last,
                    "closed_loop_site": site})

    for s in sites:
        if s["reserve"]:
            continue  # a reserve's team comes from the pool once it is activated
        for k in range(math.ceil(math.ceil(s["rooms"] / 50) * 4 * 3 * 1.25)):  # sized to the rooms, 25 % spare
            add(["doctor"] if k % 2 == 0 else ["nurse"], s["township"], s["id"])
        for k in range(4 * 3 + 3):
            add([("police", "grid_worker", "relief", "driver")[k % 4]], s["township"], s["id"])
    for t in towns:
        for skills in (["doctor"], ["nurse"], ["nurse"], ["relief"], ["grid_worker"], ["doctor", "sampler"],
                       ["registrar"], ["relief"], ["nurse", "sampler"]):
            add(skills, t["id"])
    return out


def make_instance(seed: int = SEED, load: float = LOAD) -> Instance:
    rng = random.Random(f"{seed}:isolation-city")
    towns = _townships(rng)
    sites = _sites(rng, towns)
    cohorts = _cohorts(rng, towns, sum(s["rooms"] for s in sites), load)
    letter = rng.choice(names.PLATE_LETTERS)
    active = [s for s in sites if not s["reserve"]]
    buses = [{"id": f"B{k + 1:03d}", "plate": names.plate(rng, "豫", letter), "kind": "transfer_bus",
              "depot": active[k % len(active)]["id"], "seats": rng.choice((7, 14, 19, 33, 45)),
              "shift_hours": rng.choice((10, 12)), "has_pass": True} for k in range(BUSES)]
    return Instance.model_validate({
        "name": "示范市隔离压力测试", "issuing_office": "示范市疫情防控指挥部办公室", "plan_date": "2022-11-28",
        "policy": {"preset": "edition8", "isolation": {
            "port_locations": {p: {"x": x, "y": y} for p, (x, y) in PORTS.items()}}},
        "townships": towns, "isolation_sites": sites, "cohorts": cohorts, "vehicles": buses,
        "staff": _staff(rng, towns, sites), "ports": sorted(PORTS)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"write {PATH.relative_to(REPO)}")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0, help="solver seed")
    ap.add_argument("--gap", type=float, default=0.01, help="stop a tier at this relative gap")
    args = ap.parse_args()
    t0 = time.perf_counter()
    inst = make_instance()
    made = time.perf_counter() - t0
    if args.write:
        PATH.write_text(dump_json(inst), encoding="utf-8")
        print(f"wrote {PATH.relative_to(REPO)} ({PATH.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    people = sum(c.people for c in inst.cohorts)
    print(f"instance: {len(inst.isolation_sites)} sites ({sum(s.rooms for s in inst.isolation_sites):,} rooms), "
          f"{len(inst.cohorts):,} cohorts ({people:,} people), {len(inst.staff):,} staff, "
          f"{len(inst.vehicles)} buses; generated in {made:.1f} s")
    config = SolveConfig(time_limit_s=args.time_limit, workers=args.workers, seed=args.seed, relative_gap=args.gap)
    result = solve(inst, config)
    print(result.summary())
    print("terms: " + ", ".join(f"{k} {v:,.0f}" for k, v in result.objective_terms.items() if v))
    if result.plan is None:
        sys.exit(1)
    t1 = time.perf_counter()
    violations = verify(inst, result.plan)
    iso = result.plan.isolation
    short = sum(x.quantity for x in result.plan.shortages if x.module == "isolation" and x.unit == "people")
    print(f"verify: {len(violations)} violations in {time.perf_counter() - t1:.1f} s")
    for v in violations[:10]:
        print(f"  {v}")
    print(f"placements {len(iso.placements):,}, people housed {sum(p.people for p in iso.placements):,}, "
          f"without a room {short:,.0f}, reserves activated {len(iso.activated_sites)}, "
          f"transfer rows {len(iso.transfers):,}, roster rows {len(result.plan.roster):,}")
    # the split term (docs/isolation.md): what it prices (per group, sites holding a part of a
    # cohort beyond the first: at least the extra sites the cohorts use) beside what the plan
    # shows, read from the placements
    sites_of: dict[str, set[str]] = {}
    for p in iso.placements:
        sites_of.setdefault(p.cohort, set()).add(p.site)
    priced = result.objective_terms.get("isolation.cohort_splits", 0) / inst.policy.isolation.split_penalty
    print(f"splits: {priced:,.0f} priced; in the plan {sum(len(s) - 1 for s in sites_of.values()):,} extra sites, "
          f"{sum(len(s) > 1 for s in sites_of.values()):,} of {len(sites_of):,} placed cohorts at more than one site")
    print(f"total wall {time.perf_counter() - t0:.1f} s")
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
