"""The input schema: one evening's situation across a county or city (DOMAIN.md).

Every entity of the five allocations is here, so the modules plug in without reshaping it.
Cross-references are checked by the named validators at the bottom of `Instance`.
"""

from datetime import date
from typing import Literal

from pydantic import Field, PrivateAttr, model_validator

from models.common import (
    Count, Id, IsolationCategory, Name, NonNegFloat, Point, PositiveInt, RiskLevel,
    RoadClass, Skill, Strict, Terrain, Tier,
)
from models.policy import Policy


class Township(Strict):
    """乡镇/街道: the unit a plan is made for."""

    id: Id
    name: Name = Field(description="Name as the planner writes it, e.g. 城关镇")
    district: Id = Field(description="District (区县) the township belongs to; IT support is shared per district")
    risk_level: RiskLevel = Field(description="Risk level: low, medium or high")
    population: Count = Field(description="Resident population (people)")
    terrain: Terrain = Field(description="urban, rural or mountain: sets the walking limit")
    sealed: bool = Field(default=False, description="A sealed zone (封控区): residents stay home")
    center: Point = Field(description="Township seat (km)")
    seat_node: Id | None = Field(
        default=None, description="Road node of the township seat, where lifelines end; omitted: the township's "
                                  "road node at (else nearest to) the seat")


class Grid(Strict):
    """网格: a neighbourhood cell, the unit of sampling demand."""

    id: Id
    township: Id = Field(description="Township id")
    population: Count = Field(description="Residents (people)")
    households: Count = Field(description="Households (户)")
    location: Point
    key_group: Count = Field(default=0, description="People handling inbound persons or goods, sampled daily (people)")


class SamplingSiteCandidate(Strict):
    """A place where a sampling site may open tomorrow."""

    id: Id
    name: Name
    township: Id
    location: Point
    kind: Literal["fixed", "convenience", "mobile", "temporary"] = Field(
        default="fixed", description="固定/便民/流动/临时")
    max_desks: PositiveInt = Field(description="Desks the place can hold (desks)")
    open_cost: Count | None = Field(default=None, description="Cost of opening it for a day (yuan); omitted: policy default")


class Lab(Strict):
    """A testing laboratory."""

    id: Id
    name: Name
    township: Id
    location: Point
    daily_tube_capacity: Count = Field(description="Tubes it can test per day (tubes)")
    turnaround_hours: PositiveInt = Field(description="Hours from a tube's arrival to its result (h)")


class StaffMember(Strict):
    """One person of the shared staff pool."""

    id: Id
    name: Name
    skills: list[Skill] = Field(min_length=1, description="Skills this person holds")
    home_township: Id
    hours_per_day: PositiveInt = Field(le=24, description="Hours available per day, travel included (h)")
    days_in_row: Count = Field(default=0, description="Days already worked in a row before day 0 (d)")
    last_shift_end_hour: int | None = Field(
        default=None, description="End of the last duty, hours from 00:00 of day 0 (negative: yesterday)")
    closed_loop_site: Id | None = Field(
        default=None, description="Isolation site of this person's closed-loop rotation; no other duty")
    phone: str | None = Field(default=None, description="Contact phone")


class TracingCase(Strict):
    """A new case to investigate (流调)."""

    id: Id
    township: Id
    report_hour: int = Field(description="Reported at, hours from 00:00 of day 0 (negative: earlier)")
    estimated_contacts: Count = Field(description="Contacts to notify (people)")


class Occupants(Strict):
    """People already in a site, by the day they are released."""

    release_day: Count = Field(description="Day they leave (0 = day 0)")
    people: PositiveInt
    category: IsolationCategory


class IsolationSite(Strict):
    """A centralized isolation site (hotel or purpose-built)."""

    id: Id
    name: Name
    township: Id
    location: Point
    rooms: Count = Field(description="Single rooms (rooms)")
    reserve: bool = Field(default=False, description="Reserve (备用): usable only after activation")
    activation_lag_days: Count = Field(default=0, description="Days from activation until usable (d)")
    activation_cost: Count = Field(default=0, description="One-off cost of activating a reserve (yuan)")
    room_cost_per_day: Count = Field(default=200, description="Cost of an occupied room per day (yuan)")
    allowed_categories: list[IsolationCategory] = Field(
        default=["close_contact", "secondary_contact", "inbound"], min_length=1)
    occupants: list[Occupants] = Field(default=[], description="Current occupants by release day")


class Cohort(Strict):
    """People who must be isolated, arriving together."""

    id: Id
    day: Count = Field(description="Arrival day (0 = day 0)")
    origin: Id = Field(description="Township id, or a port id for inbound travellers")
    category: IsolationCategory
    people: PositiveInt
    carers: Count = Field(default=0, description="Of them, carers who share a room with a minor, elderly or disabled person")


class Commodity(Strict):
    """An item of the supply catalogue."""

    id: Id
    name: Name
    unit: str = Field(description="Unit of quantity, e.g. kg, 箱, 只")
    cold_chain: bool = False
    tier: Tier
    per_capita_daily: NonNegFloat = Field(default=0.0, description="Need per resident per day (units)")
    unit_weight_kg: NonNegFloat = Field(default=1.0, description="Weight of one unit (kg)")
    shareable: bool | None = Field(
        default=None, description="Townships may lend it to each other (PPE, test kits); omitted: medical_critical tier")


class Stock(Strict):
    commodity: Id
    quantity: Count = Field(description="Units on hand")


class SupplySource(Strict):
    """A depot, producer (龙头企业/合作社) or wholesale market."""

    id: Id
    name: Name
    kind: Literal["depot", "producer", "market"]
    township: Id
    node: Id = Field(description="Road node where it loads")
    stock: list[Stock] = []


class Demand(Strict):
    """A township's need of one commodity on one day."""

    township: Id
    commodity: Id
    day: Count = 0
    quantity: Count = Field(description="Units")


class TransferStation(Strict):
    """接驳点: where goods for a sealed township are handed over, outside the seal."""

    id: Id
    name: Name
    township: Id = Field(description="Township the station stands in (not sealed)")
    serves: Id = Field(description="Sealed township whose goods are handed over here")
    node: Id = Field(description="Road node of the station")
    open_hour: int | None = Field(default=None, ge=0, le=23, description="Hand-over from (h); omitted: policy")
    close_hour: int | None = Field(default=None, ge=1, le=24, description="Hand-over until (h); omitted: policy")
    handover_kg_per_day: Count | None = Field(default=None, description="Kilograms it can hand over a day; omitted: no limit")


class TownshipStock(Strict):
    """Goods a township already holds at the start of day 0 (its own store)."""

    township: Id
    commodity: Id
    quantity: Count = Field(description="Units on hand")


class Vehicle(Strict):
    """A truck or a closed-loop transfer bus."""

    id: Id
    plate: str = Field(description="Number plate")
    kind: Literal["truck", "transfer_bus"]
    depot: Id = Field(description="Supply source id (truck) or isolation site / township id (bus)")
    capacity_kg: Count = Field(default=0, description="Payload (kg)")
    seats: Count = Field(default=0, description="Passenger seats (people)")
    cold_chain: bool = False
    shift_hours: PositiveInt = Field(default=10, le=24, description="Driving shift (h)")
    has_pass: bool = Field(default=False, description="Holds a green-channel pass (通行证)")


class RoadNode(Strict):
    id: Id
    township: Id
    location: Point


class RoadArc(Strict):
    """A directed road arc."""

    id: Id
    tail: Id = Field(description="From node")
    head: Id = Field(description="To node")
    length_km: NonNegFloat
    free_flow_min: NonNegFloat = Field(description="Free-flow travel time (min)")
    road_class: RoadClass
    section: Id = Field(description="Road section the arc belongs to (one checkpoint per section and direction)")
    direction: Literal["forward", "backward"] = "forward"
    toll_exit: bool = Field(default=False, description="An expressway toll-plaza exit, where checkpoints may stand")


class Lifeline(Strict):
    """A staples route that must stay open (米袋子/菜篮子)."""

    id: Id
    source: Id = Field(description="Supply source id")
    township: Id = Field(description="Township or market served")
    time_budget_min: PositiveInt = Field(description="Longest allowed travel time (min)")


class ClosureRequest(Strict):
    """A closure a township asked for (封堵出口、路段)."""

    arc: Id
    requested_by: Id = Field(description="Township id")


class Instance(Strict):
    """One evening's situation: everything a daily plan is made from."""

    name: Name
    issuing_office: Name = Field(default="疫情防控指挥部办公室", description="Office that issues the plan")
    plan_date: date = Field(description="Day 0, the day the plan is for")
    as_of_hour: int = Field(default=20, ge=0, le=23, description="Data as of this hour of the evening before")
    policy: Policy = Field(default_factory=Policy)
    townships: list[Township] = Field(min_length=1)
    grids: list[Grid] = []
    sampling_sites: list[SamplingSiteCandidate] = []
    labs: list[Lab] = []
    staff: list[StaffMember] = []
    cases: list[TracingCase] = []
    isolation_sites: list[IsolationSite] = []
    cohorts: list[Cohort] = []
    commodities: list[Commodity] = []
    sources: list[SupplySource] = []
    demands: list[Demand] = []
    vehicles: list[Vehicle] = []
    transfer_stations: list[TransferStation] = Field(
        default=[], description="Transfer stations of sealed townships; a sealed township without one gets the "
                                "nearest road node outside its seal")
    township_stocks: list[TownshipStock] = Field(default=[], description="Goods townships hold at the start of day 0")
    road_nodes: list[RoadNode] = []
    road_arcs: list[RoadArc] = []
    lifelines: list[Lifeline] = []
    closure_requests: list[ClosureRequest] = []
    ports: list[Id] = Field(default=[], description="Ports of entry (airport, border) inbound cohorts come from")

    @model_validator(mode="after")
    def ids_unique_and_references_known(self) -> "Instance":
        """Every id is unique in its list and every reference names an existing entity."""
        from models.references import reference_problems

        problems = reference_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    _indexes: dict = PrivateAttr(default_factory=dict)

    def by_id(self, collection: str) -> dict:
        """Entities of a list keyed by id, e.g. `instance.by_id("townships")["T01"]`."""
        cache = self.__pydantic_private__["_indexes"]  # the slot, not pydantic's slow __getattr__
        if collection not in cache:
            cache[collection] = {item.id: item for item in getattr(self, collection)}
        return cache[collection]

    def derived(self, key: str, compute):
        """A value derived from this instance, computed once (e.g. a travel-time table)."""
        cache = self.__pydantic_private__["_indexes"]
        if key not in cache:
            cache[key] = compute(self)
        return cache[key]
