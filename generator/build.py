"""`generate_instance`: one evening's situation laid on a road network, drawn from a seed.

Each stage draws from its own `random.Random` seeded with "<seed>:<stage>" (string seeds are
hashed with SHA-512, never with Python's randomised `hash`), so changing one stage leaves the
others' draws alone, and the same arguments give the same bytes on any machine.
"""

from __future__ import annotations

import math
import random
from datetime import date

import networkx as nx

from generator import geography, outbreak, sampling, staff, supplies
from generator.geography import Town
from generator.lifelines import make_closure_requests, make_lifelines
from generator.profile import profile_for
from generator.roads import Roads, build_roads
from generator.tntp import NETWORKS, load_network
from models.instance import Instance
from optimizer.sampling_rules import people_to_sample, tubes_for

PLAN_DATE = date(2022, 11, 28)
AS_OF_HOUR = 20
DEFAULT_SYNTHETIC_TOWNSHIPS = 20


def generate_instance(network: str, townships: int | None, seed: int) -> Instance:
    """A realistic, valid instance on `network` (sioux-falls, anaheim, chicago, synthetic).

    townships: None keeps the network's zones as townships (synthetic: 20); a number
    clusters the road nodes into that many townships. Up to 60 townships the instance is a
    county, above it a city (see generator.profile).
    """
    if network not in NETWORKS:
        raise ValueError(f"unknown network '{network}': choose one of {', '.join(NETWORKS)}")
    if townships is not None and townships < 2:
        raise ValueError(f"townships must be at least 2, got {townships}")

    def rng(stage: str) -> random.Random:
        return random.Random(f"{seed}:{stage}")

    wanted = townships if townships is not None or network != "synthetic" else DEFAULT_SYNTHETIC_TOWNSHIPS
    net = load_network(network, wanted or DEFAULT_SYNTHETIC_TOWNSHIPS, rng("network"))
    n = wanted if wanted is not None else len(net.zones)
    profile = profile_for(n, len(net.nodes))
    nodes = geography.scale(net.nodes, profile.span_km)
    seats = geography.choose_seats(nodes, net.zones, wanted if wanted is not None or not net.zones else None,
                                   rng("seats"))
    seats, centre = geography.order_towns(nodes, seats, profile.span_km)
    towns = geography.make_towns(nodes, seats, centre, profile, rng("towns"))
    roads = build_roads(net, nodes, towns, 1 if n <= 30 else 2, profile.local_roads, rng("roads"))
    near = choose_risk(towns, roads, profile.medium_townships, rng("risk"))
    grids = geography.make_grids(towns, rng("grids"))
    township_list = geography.townships(towns)

    draft = Instance(name="draft", plan_date=PLAN_DATE, townships=township_list, grids=grids)
    policy = draft.policy
    demand = {t.id: 0 for t in towns}
    tubes = sealed_tubes = 0
    for g in draft.grids:
        people = people_to_sample(draft, g)
        demand[g.township] += people
        k = tubes_for(draft, g, people)
        tubes += k
        sealed_tubes += k if draft.by_id("townships")[g.township].sealed else 0
    county = profile.kind == "county"
    sites = sampling.place_sites(towns, demand, policy, profile.people_per_site, 3 if county else 10,
                                 rng("sites"))
    labs = sampling.place_labs(towns, tubes, sealed_tubes, rng("labs").randint(*profile.labs), profile.place,
                               rng("labs-place"))

    cases = outbreak.make_cases(towns, profile, AS_OF_HOUR, rng("cases"))
    cohorts = outbreak.make_cohorts(cases, profile, policy.isolation.horizon_days, rng("cohorts"))
    iso = outbreak.make_isolation_sites(towns, profile, rng("isolation"))
    outbreak.fill_occupants(iso, cohorts, policy, policy.isolation.horizon_days)

    catalogue = supplies.commodities(policy)
    demands = supplies.demands(towns, catalogue, policy)
    srcs = supplies.sources(towns, roads, profile, demands, rng("sources"))
    vehicles = supplies.vehicles(srcs, iso, profile, rng("vehicles"))
    lifelines = make_lifelines(towns, roads, srcs)
    closures = make_closure_requests(towns, roads, srcs, lifelines, near, 6 if county else 16, rng("closures"))

    districts = len({t.district for t in towns})
    plan = staff.staff_plan(towns, sum(demand.values()), cases, sealed_exits(towns, roads), len(vehicles),
                            len(grids), districts, policy)
    people = staff.make_staff(towns, plan, iso, policy, rng("staff"))

    return Instance(
        name=f"{profile.place} {PLAN_DATE.isoformat()} 晚间数据", issuing_office=profile.office,
        plan_date=PLAN_DATE, as_of_hour=AS_OF_HOUR, policy=policy, townships=township_list, grids=grids,
        sampling_sites=sites, labs=labs, staff=people, cases=cases, isolation_sites=iso, cohorts=cohorts,
        commodities=catalogue, sources=srcs, demands=demands, vehicles=vehicles, road_nodes=roads.nodes(),
        road_arcs=roads.arcs, lifelines=lifelines, closure_requests=closures, ports=list(outbreak.PORTS),
    )


def choose_risk(towns: list[Town], roads: Roads, medium: int, rng: random.Random) -> set[str]:
    """Seal one large township near (not at) the centre; its nearest road neighbours become medium risk.

    The sealed township has no expressway node (a mainline may be neither closed nor
    checkpointed) and its loss leaves the rest of the road graph connected, so every other
    township keeps its lifelines. Returns the sealed township's road neighbours.
    """
    graph = nx.Graph()
    graph.add_nodes_from(roads.pos)
    graph.add_edges_from((a.tail, a.head) for a in roads.arcs)
    on_expressway = {roads.town_of[n] for n in roads.expressway_nodes}
    neighbours: dict[str, set[str]] = {t.id: set() for t in towns}
    for a in roads.arcs:
        u, v = roads.town_of[a.tail], roads.town_of[a.head]
        if u != v:
            neighbours[u].add(v)

    def keeps_connected(t: Town) -> bool:
        rest = graph.subgraph(n for n in roads.pos if roads.town_of[n] != t.id)
        return rest.number_of_nodes() > 0 and nx.is_connected(rest)

    ring = towns[1:max(5, len(towns) // 4)]
    pops = sorted(t.population for t in towns)
    lo, hi = pops[len(pops) // 2], pops[len(pops) * 17 // 20]
    first = [t for t in ring if t.id not in on_expressway and neighbours[t.id] and lo <= t.population <= hi]
    rest = [t for t in towns[1:] if neighbours[t.id] and t not in first]
    rng.shuffle(first)
    sealed = next((t for t in first + rest if keeps_connected(t)), towns[0])
    sealed.sealed, sealed.risk = True, "high"
    by_id = {t.id: t for t in towns}
    around = sorted((by_id[i] for i in neighbours[sealed.id]), key=lambda t: (math.dist(t.xy, sealed.xy), t.index))
    for t in around[:medium]:
        t.risk = "medium"
    return {t.id for t in around}


def sealed_exits(towns: list[Town], roads: Roads) -> int:
    """Road sections leaving the sealed townships (each may need a checkpoint)."""
    sealed = {t.id for t in towns if t.sealed}
    return len({a.section for a in roads.arcs
                if (roads.town_of[a.tail] in sealed) != (roads.town_of[a.head] in sealed)})
