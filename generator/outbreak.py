"""The cluster and its consequences: cases to trace, isolation sites, cohorts over the horizon.

Cases sit in the sealed township (and a few in the medium-risk ones), reported over the 24 h
before the evening's data. Their contacts become close-contact cohorts over the next days,
with secondary contacts after them; inbound travellers arrive from the ports every day.
Current occupants are set so that the active sites' peak occupancy over the horizon runs a
little above their rooms (contact sites) or just below (inbound sites): reserves matter.
"""

from __future__ import annotations

import math
import random

from generator import names
from generator.geography import Town, pull_inside
from generator.profile import Profile
from models.common import Point
from models.instance import Cohort, IsolationSite, Occupants, TracingCase
from models.policy import Policy

PORTS = ["PORT-AIRPORT", "PORT-RAILWAY"]
CONTACT = ["close_contact", "secondary_contact"]


def make_cases(towns: list[Town], profile: Profile, as_of_hour: int, rng: random.Random) -> list[TracingCase]:
    """Cases reported over the 24 h before the data (hours from 00:00 of day 0, negative)."""
    end = as_of_hour - 24  # the data's hour, yesterday evening
    out: list[TracingCase] = []
    for t in towns:
        n = rng.randint(*profile.cases) if t.sealed else rng.randint(1, 3) if t.risk == "medium" else 0
        for _ in range(n):
            contacts = min(60, max(5, round(18 * math.exp(rng.gauss(0, 0.6)))))
            out.append(TracingCase(id=f"C{len(out) + 1:03d}", township=t.id,
                                   report_hour=rng.randint(end - 24, end - 1), estimated_contacts=contacts))
    return out


def make_cohorts(cases: list[TracingCase], profile: Profile, horizon: int, rng: random.Random) -> list[Cohort]:
    """Close contacts over days 0–6, secondary contacts over days 1–5, inbound every day."""
    out: list[Cohort] = []

    def add(day: int, origin: str, category: str, people: int, lo: int, hi: int) -> None:
        while people > 0:
            size = min(people, rng.randint(lo, hi))
            people -= size
            carers = rng.randint(1, min(3, size - 1)) if size >= 2 and category != "inbound" \
                and rng.random() < 0.12 else 0
            out.append(Cohort(id=f"K{len(out) + 1:04d}", day=day, origin=origin, category=category,
                              people=size, carers=carers))

    contacts: dict[str, int] = {}
    for c in cases:
        contacts[c.township] = contacts.get(c.township, 0) + c.estimated_contacts
    close_share = [0.42, 0.24, 0.13, 0.08, 0.06, 0.04, 0.03]
    for town, total in contacts.items():
        for day, share in enumerate(close_share):
            add(day, town, "close_contact", round(total * share), 6, 40)
        for day in range(1, 6):
            add(day, town, "secondary_contact", round(total * 1.2 * close_share[day - 1]), 10, 60)
    for day in range(horizon):
        for _ in range(rng.randint(*profile.inbound_cohorts_per_day)):
            add(day, rng.choice(PORTS), "inbound", rng.randint(*profile.inbound_cohort_size),
                *profile.inbound_cohort_size)
    return out


SITE_NAMES = ["{town}健康驿站", "{stem}大酒店", "{stem}宾馆", "{place}职教中心集中隔离点", "{stem}商务酒店",
              "{place}党校培训中心", "{town}{stem}酒店"]


def make_isolation_sites(towns: list[Town], profile: Profile, rng: random.Random) -> list[IsolationSite]:
    """Hotels and training centres near the seats, never in the sealed township; reserves are 方舱."""
    hosts = [t for t in towns if not t.sealed and t.terrain != "mountain"]
    weights = [t.population * (2.0 if t.terrain == "urban" else 1.0) for t in hosts]
    n = profile.isolation_sites
    reserves = max(2, round(n * profile.reserve_share + rng.uniform(-0.5, 0.5)))
    taken: set[str] = set()
    out = []
    for k in range(n):
        t = rng.choices(hosts, weights)[0]
        reserve = k >= n - reserves
        if reserve:
            name = names.unique(lambda: f"{t.name}{names.place_stem(rng)}方舱隔离点", taken)
            rooms = rng.randint(150, 400)
            allowed = ["close_contact", "secondary_contact"]
        else:
            name = names.unique(lambda: rng.choice(SITE_NAMES).format(
                town=t.name, stem=rng.choice(names.GOOD_WORDS), place=profile.place), taken)
            rooms = round(math.exp(rng.uniform(math.log(50), math.log(400))))
            allowed = rng.choices([["inbound"], CONTACT, CONTACT + ["inbound"]], [0.3, 0.55, 0.15])[0]
        r = t.radius_km * rng.uniform(0.3, 0.9)
        a = rng.uniform(0, 2 * math.pi)
        xy = pull_inside((t.xy[0] + r * math.cos(a), t.xy[1] + r * math.sin(a)), t, towns)
        out.append(IsolationSite(
            id=f"ISO{k + 1:03d}", name=name, township=t.id, location=Point(x=xy[0], y=xy[1]), rooms=rooms,
            reserve=reserve, activation_lag_days=rng.randint(1, 3) if reserve else 0,
            activation_cost=rooms * rng.choice((300, 400, 500, 600)) if reserve else 0,
            room_cost_per_day=rng.choice((150, 180, 200, 220, 260)), allowed_categories=allowed))
    if not any("inbound" in s.allowed_categories and not s.reserve for s in out):
        out[0].allowed_categories = ["inbound"]  # inbound travellers always have somewhere to go
    return out


def fill_occupants(sites: list[IsolationSite], cohorts: list[Cohort], policy: Policy, horizon: int) -> None:
    """Current occupants: contact sites end up ~5 % over their rooms at the peak, inbound ~10 % under."""
    stay = {c: policy.stay(c).centralized_days for c in ("close_contact", "secondary_contact", "inbound")}
    for group, target in (("inbound", 0.9), ("contact", 1.05)):
        members = [s for s in sites if not s.reserve
                   and (s.allowed_categories == ["inbound"]) == (group == "inbound")]
        if not members:
            continue
        rooms = sum(s.rooms for s in members)
        new = [0] * horizon
        for c in cohorts:
            if (c.category == "inbound") == (group == "inbound"):
                for d in range(c.day, min(horizon, c.day + stay[c.category])):
                    new[d] += c.people
        category = "inbound" if group == "inbound" else "close_contact"
        longest = max(1, stay[category])
        lo, hi = 0.15, 0.8
        for _ in range(30):  # fill share so that the peak of old + new occupancy hits the target
            f = (lo + hi) / 2
            old = [f * rooms * max(0.0, 1 - d / longest) for d in range(horizon)]
            if max(o + n for o, n in zip(old, new)) > target * rooms:
                hi = f
            else:
                lo = f
        for s in members:
            people = round(lo * s.rooms)
            days = list(range(1, longest + 1))
            parts = [people // len(days)] * len(days)
            for k in range(people - sum(parts)):
                parts[k] += 1
            s.occupants = [Occupants(release_day=d, people=p, category=category) for d, p in zip(days, parts) if p]
