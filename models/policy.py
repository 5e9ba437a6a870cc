"""Policy parameters with named presets for the protocol editions.

Every default of DOMAIN.md is a field here, never a constant in code. A planner writes
`"policy": {"preset": "edition9"}` and overrides single fields as local practice demands;
the preset only decides the fields the planner did not give (isolation stays).
"""

from typing import Literal

from pydantic import Field, model_validator

from models.common import Count, NonNegFloat, Point, PositiveInt, Strict

Edition = Literal["edition8", "edition9", "twenty-measures"]
PRESETS: tuple[str, ...] = Edition.__args__  # type: ignore[attr-defined]


class Stay(Strict):
    """Isolation stay for one category: days in a centralized site, then days at home."""

    centralized_days: Count = Field(description="Days in a centralized isolation room")
    home_days: Count = Field(default=0, description="Days of home isolation afterwards")


# DOMAIN.md §3 table. Secondary contacts under edition 9 isolate at home only (0 centralized);
# under the twenty measures they are not traced (0 and 0).
EDITION_STAYS: dict[str, dict[str, Stay]] = {
    "edition8": {
        "close_contact": Stay(centralized_days=14, home_days=7),
        "secondary_contact": Stay(centralized_days=7, home_days=0),
        "inbound": Stay(centralized_days=14, home_days=7),
    },
    "edition9": {
        "close_contact": Stay(centralized_days=7, home_days=3),
        "secondary_contact": Stay(centralized_days=0, home_days=7),
        "inbound": Stay(centralized_days=7, home_days=3),
    },
    "twenty-measures": {
        "close_contact": Stay(centralized_days=5, home_days=3),
        "secondary_contact": Stay(centralized_days=0, home_days=0),
        "inbound": Stay(centralized_days=5, home_days=3),
    },
}


class SamplingShift(Strict):
    """A sampling shift of the day: desks are staffed by a crew for a whole shift."""

    name: str = Field(description="Shift name shown in the roster, e.g. 上午")
    start_hour: int = Field(ge=0, le=23, description="Start, hour of day 0 (h)")
    end_hour: int = Field(ge=1, le=24, description="End, hour of day 0 (h); after start")

    @model_validator(mode="after")
    def end_after_start(self) -> "SamplingShift":
        if self.end_hour <= self.start_hour:
            raise ValueError("end_hour must be after start_hour")
        return self

    @property
    def hours(self) -> int:
        return self.end_hour - self.start_hour


class SamplingPolicy(Strict):
    """Sampling rules (DOMAIN.md §1)."""

    walk_limit_min: dict[str, PositiveInt] = Field(
        default={"urban": 15, "rural": 30, "mountain": 30},
        description="Longest walk from a grid to its sampling site by terrain (min)")
    walk_speed_kmh: NonNegFloat = Field(default=4.5, description="Walking speed (km/h)")
    walk_detour: NonNegFloat = Field(default=1.3, description="Street distance ÷ straight-line distance")
    wait_limit_min: PositiveInt = Field(default=20, description="Longest expected wait at a desk (min)")
    swabs_per_desk_hour: PositiveInt = Field(default=120, description="Calibrated throughput (people per desk-hour)")
    crew_per_desk: dict[str, Count] = Field(
        default={"sampler": 2, "registrar": 1}, description="Crew per staffed desk by role (people)")
    shifts: list[SamplingShift] = Field(
        default=[SamplingShift(name="上午", start_hour=7, end_hour=13),
                 SamplingShift(name="下午", start_hour=13, end_hour=19),
                 SamplingShift(name="晚间", start_hour=19, end_hour=23)],
        min_length=1, description="Shifts a desk can be staffed in")
    interval_days: dict[str, PositiveInt] = Field(
        default={"high": 1, "medium": 1, "low": 2},
        description="Days between two samplings of a resident by risk level (d)")
    pool_size: dict[str, PositiveInt] = Field(
        default={"high": 1, "medium": 5, "low": 10},
        description="Swabs per tube by risk level; sealed compounds pool per household")
    result_due_hours: dict[str, PositiveInt] = Field(
        default={"high": 6, "medium": 12, "low": 24},
        description="Results due after the swab, by risk level (h)")
    lab_transport_kmh: NonNegFloat = Field(default=40.0, description="Tube transport speed (km/h)")
    site_open_cost: Count = Field(default=2000, description="Cost of opening a site for a day (yuan)")
    desk_cost: Count = Field(default=300, description="Cost of setting up one desk for a day (yuan)")
    critical_risk_levels: list[str] = Field(
        default=["high", "medium"], description="Risk levels whose testing is critical demand")


class StaffPolicy(Strict):
    """Staff-pool rules shared by every module."""

    min_rest_hours: PositiveInt = Field(default=12, description="Least rest between two duty blocks (h)")
    max_days_in_row: PositiveInt = Field(default=6, description="After this many days in a row, a day off")
    max_commute_min: PositiveInt = Field(default=60, description="Longest one-way trip from home to a duty (min)")
    duty_townships: PositiveInt = Field(
        default=8,
        description="Counted staff (samplers, registrars, site and checkpoint crews) are offered duties in at most "
                    "this many townships nearest their home within the commute limit, their own first. A city "
                    "plan stays small; a county of 24 townships is barely restricted")
    travel_speed_kmh: NonNegFloat = Field(default=30.0, description="Staff travel speed between townships (km/h)")
    role_skills: dict[str, list[str]] = Field(
        default={
            "sampler": ["sampler", "nurse", "doctor"],
            "registrar": ["registrar", "grid_worker", "relief"],
            "epidemiologist": ["epidemiologist"],
            "police": ["police"],
            "it": ["it"],
            "doctor": ["doctor"],
            "nurse": ["nurse"],
            "driver": ["driver"],
            "checkpoint_guard": ["checkpoint_guard", "police", "relief"],
            "delivery": ["delivery", "grid_worker", "relief"],
        },
        description="Skills that may fill each duty role")
    relief_roles: list[str] = Field(
        default=["registrar", "checkpoint_guard", "delivery"],
        description="Low-skill roles relief (机关干部) staff may take")
    hour_cost: Count = Field(default=50, description="Cost of one staff-hour (yuan)")


class TracingPolicy(Strict):
    """Tracing rules (DOMAIN.md §2)."""

    core_info_hours: PositiveInt = Field(default=4, description="Core information due after the report (h)")
    full_report_hours: PositiveInt = Field(default=24, description="Full report due after the report (h)")
    interview_min_per_case: PositiveInt = Field(default=90, description="Interview time per case (min)")
    notify_min_per_contact: PositiveInt = Field(default=10, description="Notification time per contact (min)")
    lending_penalty: Count = Field(
        default=500, description="Cost of lending one investigator to a township other than home, per day (yuan)")
    on_call_teams: Count = Field(default=1, description="Teams on call in every hour of the day")
    on_call_gap_weight: PositiveInt = Field(
        default=50, description="Critical weight of one team-hour without on-call cover, in hours of case lateness")
    shift_hours: PositiveInt = Field(
        default=8, le=24, description="Length of an on-call and IT-support shift; shifts start at 00:00 (h)")
    it_cases_per_shift: PositiveInt = Field(
        default=8, description="Cases one IT (big-data) supporter backs in a shift, counted at their start (cases)")


class IsolationPolicy(Strict):
    """Isolation rules (DOMAIN.md §3)."""

    horizon_days: PositiveInt = Field(default=14, description="Days planned ahead")
    stays: dict[str, Stay] | None = Field(
        default=None, description="Stay per category; omitted: the preset's table")
    medical_per_50: PositiveInt = Field(default=4, description="Doctors+nurses per 50 isolated per shift")
    shifts_per_day: PositiveInt = Field(default=3, description="Site staff shifts per day")
    nonmedical_per_site: Count = Field(default=4, description="Non-medical staff per open site per shift")
    reserve_ready_fractions: list[NonNegFloat] = Field(
        default=[0.0, 1 / 3, 1 / 2, 1.0],
        description="Share of a reserve site's rooms usable d days after activation (Henan practice)")
    no_mix: list[list[str]] = Field(
        default=[["close_contact", "inbound"]],
        description="Category pairs that must not share a site on the same day")
    doctors_per_50: Count = Field(
        default=2, description="Of medical_per_50, doctors; the rest are nurses (Zhengzhou: 2 + 2)")
    nonmedical_roles: list[str] = Field(
        default=["registrar", "checkpoint_guard", "delivery", "driver"], min_length=1,
        description="Duty roles whose holders may do a site's non-medical work; the pool tops up with the first")
    transfer_speed_kmh: NonNegFloat = Field(default=40.0, description="Closed-loop transfer bus speed (km/h)")
    transfer_detour: NonNegFloat = Field(default=1.3, description="Road distance ÷ straight-line distance")
    max_transfer_min: PositiveInt = Field(default=60, description="Longest one-way closed-loop transfer (min)")
    transfer_turnaround_min: Count = Field(
        default=30, description="Loading, hand-over and disinfection per trip (min)")
    transfer_start_hour: int = Field(default=8, ge=0, le=23, description="Buses start their first trip at (h)")
    transfer_cost_per_person_km: Count = Field(default=2, description="Cost of moving one person one km (yuan)")
    split_penalty: Count = Field(
        default=2000, description="Cost of splitting a cohort over one more site (yuan-equivalent)")
    port_locations: dict[str, Point] = Field(
        default={}, description="Pick-up point of each port of entry (km); omitted: the centre of the townships")


class SupplyPolicy(Strict):
    """Supply rules (DOMAIN.md §4)."""

    sealed_staple_days: PositiveInt = Field(default=7, description="Days of staples a sealed township must hold")
    medical_stock_days: PositiveInt = Field(default=10, description="Days of medical stock to hold")
    vegetable_kg_per_person_day: NonNegFloat = Field(default=0.5, description="Vegetables per resident per day (kg)")
    food_floor_share: NonNegFloat = Field(
        default=1.0, le=1, description="Share of a resident's per-capita daily need of a food-floor commodity that is "
                                       "critical demand (the rest of the day's request is routine)")
    medical_cover_risk_levels: list[str] = Field(
        default=["high"], description="Risk levels whose townships (besides sealed ones) must hold medical_stock_days")
    medical_weight: PositiveInt = Field(
        default=10, description="Critical weight of a person-day without medical supplies, against 1 for food")
    truck_start_hour: int = Field(default=6, ge=0, le=23, description="Trucks start loading at (h)")
    delivery_open_hour: int = Field(default=6, ge=0, le=24, description="Townships receive goods from (h)")
    delivery_close_hour: int = Field(default=20, ge=1, le=24, description="Townships receive goods until (h)")
    load_min: Count = Field(default=30, description="Loading at the depot per trip (min)")
    unload_min: Count = Field(default=20, description="Unloading per stop (min)")
    max_trips_per_shift: PositiveInt = Field(default=4, description="Trips (loads) a truck makes in one shift")
    fleet_utilisation: NonNegFloat = Field(
        default=0.85, le=1, description="Share of the fleet's kg-minutes per shift the shipment model may plan; "
                                        "the rest absorbs partly empty trips and waiting")
    sources_per_demand: PositiveInt = Field(
        default=3, description="Nearest sources (by round trip) considered for each township and commodity")
    checkpoint_delay_min: Count = Field(default=10, description="Delay of a truck at a road checkpoint (min)")
    truck_cost_per_min: Count = Field(default=2, description="Cost of a loaded truck-minute (yuan)")
    last_mile_kg_per_worker: PositiveInt = Field(
        default=400, description="Kilograms one delivery worker carries door to door in a shift inside a seal (kg)")
    last_mile_start_hour: int = Field(default=9, ge=0, le=23, description="Last-mile delivery shift starts (h)")
    last_mile_hours: PositiveInt = Field(default=8, le=24, description="Last-mile delivery shift length (h)")
    station_open_hour: int = Field(default=8, ge=0, le=23, description="Default transfer-station hand-over from (h)")
    station_close_hour: int = Field(default=18, ge=1, le=24, description="Default transfer-station hand-over until (h)")
    pickup_start_hour: int = Field(
        default=14, ge=0, le=23, description="Staggered pick-up in medium-risk townships starts (h); goods arrive before")
    pickup_slot_min: PositiveInt = Field(default=60, description="Length of one pick-up slot (min)")
    pickup_slots: PositiveInt = Field(default=6, description="Slots a day; each grid gets one, households spread evenly")
    sharing_lead_hours: Count = Field(
        default=6, description="Lead time of PPE/test-kit sharing between townships, on top of the drive (h)")
    sharing_radius_km: NonNegFloat = Field(default=30.0, description="Townships share only within this distance (km)")


class RoadPolicy(Strict):
    """Road rules (DOMAIN.md §5)."""

    checkpoint_shifts: PositiveInt = Field(default=3, description="Shifts per day at a checkpoint")
    checkpoint_crew: PositiveInt = Field(default=3, description="Guards per checkpoint per shift")
    closure_penalty: Count = Field(default=1000, description="Cost of a closure no seal requires (yuan)")
    horizon_days: PositiveInt = Field(
        default=1, description="Days the road plan states a status for, from day 0 (d)")
    seal_exit_checkpoints: Count = Field(
        default=1, description="Staffed checkpoints kept on each sealed zone's exits so ambulances and authorised "
                               "vehicles can leave (封控区只留一个出入口, 24小时值守); 0: a zone may be closed all round")
    lifeline_cut_weight: PositiveInt = Field(
        default=1000, description="Critical weight of one lifeline cut for one day")
    seal_checkpoint_gap_weight: PositiveInt = Field(
        default=1000, description="Critical weight of one missing exit checkpoint of a sealed zone for one day")


class Policy(Strict):
    """All policy parameters; `preset` names the protocol edition whose defaults apply."""

    preset: Edition = Field(default="edition9", description="Protocol edition: edition8, edition9, twenty-measures")
    sampling: SamplingPolicy = Field(default_factory=SamplingPolicy)
    staff: StaffPolicy = Field(default_factory=StaffPolicy)
    tracing: TracingPolicy = Field(default_factory=TracingPolicy)
    isolation: IsolationPolicy = Field(default_factory=IsolationPolicy)
    supply: SupplyPolicy = Field(default_factory=SupplyPolicy)
    roads: RoadPolicy = Field(default_factory=RoadPolicy)

    def stay(self, category: str) -> Stay:
        """Stay for a category: the planner's override, else the preset's table."""
        if self.isolation.stays and category in self.isolation.stays:
            return self.isolation.stays[category]
        return EDITION_STAYS[self.preset][category]
