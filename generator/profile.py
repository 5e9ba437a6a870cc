"""Size profiles: what a county and a large city look like (DOMAIN.md "Sizes").

The profile is chosen by the number of townships: up to 60 a county, above a city. Every
figure is a planning assumption of the generator, named here rather than buried in code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    kind: str  # "county" or "city"
    span_km: float  # longer side of the map
    people_per_township: int  # mean resident population
    urban_share: float  # share of townships that are urban (街道 / 城关镇)
    mountain_share: float
    median_population: dict  # relative size by terrain (scaled to the total)
    density: dict  # people per km² by terrain: sets how far grids spread from the seat
    people_per_site: int  # one base candidate sampling site per so many residents
    labs: tuple[int, int]  # (min, max) laboratories
    isolation_sites: int
    reserve_share: float  # share of isolation sites kept in reserve
    cases: tuple[int, int]  # cases in the sealed township
    medium_townships: int
    trucks: int
    buses: int
    depots: int
    producers: int
    markets: int
    inbound_cohorts_per_day: tuple[int, int]
    inbound_cohort_size: tuple[int, int]
    local_roads: bool  # add village roads when the network has few nodes per township
    province: str  # plate prefix
    place: str  # name of the county or city

    def districts(self, n: int) -> int:
        return 4 if self.kind == "county" else max(6, round(n / 30))

    @property
    def office(self) -> str:
        return f"{self.place}疫情防控指挥部办公室"


def profile_for(n_townships: int, n_nodes: int) -> Profile:
    """County profile up to 60 townships, city profile above."""
    if n_townships <= 60:
        return Profile(
            kind="county", span_km=min(50.0, max(30.0, 8.0 * math.sqrt(n_townships))),
            people_per_township=33000, urban_share=0.22, mountain_share=0.15,
            median_population={"urban": 2.4, "rural": 1.0, "mountain": 0.45},
            density={"urban": 6000, "rural": 450, "mountain": 150},
            people_per_site=6500, labs=(3, 4), isolation_sites=10, reserve_share=0.25, cases=(20, 40),
            medium_townships=1, trucks=28, buses=12, depots=2, producers=5, markets=1,
            inbound_cohorts_per_day=(1, 2), inbound_cohort_size=(8, 40),
            local_roads=n_nodes < 3 * n_townships, province="豫", place="示范县",
        )
    return Profile(
        kind="city", span_km=min(100.0, max(60.0, 4.6 * math.sqrt(n_townships))),
        people_per_township=13000, urban_share=0.55, mountain_share=0.06,
        median_population={"urban": 1.6, "rural": 0.8, "mountain": 0.35},
        density={"urban": 12000, "rural": 900, "mountain": 250},
        people_per_site=2700, labs=(round(n_townships / 14), round(n_townships / 12)),
        isolation_sites=round(n_townships / 3.9), reserve_share=0.25, cases=(90, 110), medium_townships=2,
        trucks=round(n_townships * 0.9), buses=round(n_townships * 0.39), depots=round(n_townships / 48),
        producers=round(n_townships / 16), markets=max(2, round(n_townships / 130)),
        inbound_cohorts_per_day=(4, 8), inbound_cohort_size=(20, 80),
        local_roads=n_nodes < 3 * n_townships, province="豫", place="示范市",
    )
