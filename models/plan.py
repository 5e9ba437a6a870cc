"""The output schema: tomorrow's dispatch plan, its shortages, KPIs and solve metadata.

A section per allocation, each in its own file (models/plan_<module>.py) so modules grow
independently. Sections whose modules are not built yet are empty lists of
their (already defined) row types, so exporters and `verify` can be written against them.
"""

from typing import Literal

from pydantic import Field

from models.common import Count, Id, Strict
from models.plan_explain import Bottleneck
from models.plan_isolation import IsolationSection
from models.plan_roads import RoadSection
from models.plan_supply import SupplySection
from models.plan_tracing import TracingSection

Status = Literal["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN", "MODEL_INVALID"]
Module = Literal["sampling", "tracing", "isolation", "roads", "supply", "staff"]


class SiteOpening(Strict):
    """An opened sampling site: desks staffed per shift and the people it samples."""

    site: Id
    township: Id
    desks: Count = Field(description="Desks set up (desks)")
    desks_by_shift: dict[str, Count] = Field(description="Staffed desks per shift name (desks)")
    opening: str = Field(description="Opening hours, e.g. 07:00-13:00, 13:00-19:00")
    people: Count = Field(description="People planned to be sampled (人次)")
    capacity: Count = Field(description="People the staffed desks can sample within the wait limit")
    tubes: Count = Field(description="Tubes produced (tubes)")
    samplers: Count = Field(description="Sampler person-shifts (人次)")
    registrars: Count = Field(description="Registrar person-shifts (人次)")


class GridAssignment(Strict):
    """Which site samples a grid's residents tomorrow."""

    grid: Id
    township: Id
    site: Id | None = Field(description="Serving site; None: not served (see shortages)")
    people: Count = Field(description="People to sample from this grid tomorrow")
    served: Count = Field(description="Of them, sampled at the site")
    walk_min: float | None = Field(description="Walking time to the site (min)")
    tubes: Count = Field(description="Tubes (pooling by risk level)")


class TubeFlow(Strict):
    """Tubes sent from a township's sites to a lab."""

    township: Id
    lab: Id
    tubes: Count
    result_hours: float = Field(description="Transport plus turnaround (h)")


class SamplingSection(Strict):
    sites: list[SiteOpening] = []
    grids: list[GridAssignment] = []
    tube_flows: list[TubeFlow] = []


class RosterEntry(Strict):
    """One person on one duty: who, which duty, where, when."""

    staff: Id
    name: str
    role: str = Field(description="Duty role, e.g. sampler, registrar, epidemiologist")
    module: Literal["sampling", "tracing", "isolation", "roads", "supply"]
    location: Id = Field(description="Site, case, checkpoint arc or vehicle id")
    township: Id = Field(description="Township of the duty")
    day: Count = 0
    start_hour: float = Field(description="Start, hours from 00:00 of the day")
    end_hour: float = Field(description="End, hours from 00:00 of the day")
    travel_min: float = Field(default=0, description="One-way travel from home (min)")


class Shortage(Strict):
    """Demand the plan cannot meet: what, where, how much, and why."""

    module: Module
    tier: Literal["critical", "routine"]
    what: str = Field(description="What is short, in the planner's words")
    township: Id | None = None
    entity: Id | None = Field(default=None, description="Grid, case, cohort or demand id")
    quantity: float = Field(description="How much is short, in `unit`")
    unit: str
    binding_resource: str = Field(description="The resource that ran out or the rule that blocks it")
    counterfactual: str | None = Field(
        default=None, description="`fangkong explain`: the smallest relief of the binding resource and what a "
                                  "re-solve with it showed (docs/explain.md); None: not explained")


class Change(Strict):
    """One decision that differs from the baseline plan (`solve --baseline`), and why."""

    stakeholder: Literal["township", "tracing_team", "isolation_site", "vehicle"] = Field(
        description="Whom the change concerns: a township, the team of a case, an isolation site, a vehicle")
    stakeholder_id: Id = Field(description="Township, case, isolation site or vehicle id")
    module: Module
    decision: str = Field(description="Decision code (models/choices.py), e.g. case|C9|police")
    what: str = Field(description="The decision in the planner's words")
    old: str = Field(description="The baseline's choice; empty: nobody or no site (not traced, not served)")
    new: str = Field(description="This plan's choice; empty: nothing")
    reason: Literal["new_case", "new_cohort", "new_need", "fixes_shortage", "now_short", "not_possible",
                    "makes_way", "routes", "routes_cut", "cheaper"] = Field(
        description="new_case/new_cohort/new_need: a need the baseline did not have; fixes_shortage: the "
                    "baseline left it short; now_short: this plan leaves it short (see shortages); not_possible: "
                    "the model cannot keep it (a person no longer a candidate for the case, a site out of reach); "
                    "makes_way: its person or site went to a new need; routes: the shipments changed; routes_cut: a "
                    "shipment the model kept that tonight's delivery routes carry differently (not a counted "
                    "change); cheaper: no "
                    "single need found, the plan is better as a whole (reason_detail: how each tier moved)")
    reason_detail: str = Field(default="", description="The need or shortage behind the reason (ids); for "
                                                       "cheaper, how each tier's value moved from the baseline")


class SolveMeta(Strict):
    """How the plan was found, so a reader can judge it."""

    status: Status
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = Field(default=None, description="Relative gap of the last tier (0 = proven optimal)")
    objective_terms: dict[str, float] = Field(default={}, description="Objective terms by name")
    tiers: list[dict] = Field(default=[], description="Per priority tier: name, status, value, bound")
    seed: int = 0
    workers: int = 1
    deterministic: bool = Field(description="The run repeats: one worker or interleaved search with a fixed seed, and every tier proven or stopped by its work budget rather than the clock")
    time_limit_s: float
    wall_seconds: float
    versions: dict[str, str] = {}
    instance_hash: str = Field(description="SHA-256 of the instance's canonical JSON")


class Plan(Strict):
    """Tomorrow's plan: one section per allocation, roster, shortages, KPIs, metadata."""

    instance: str = Field(description="Instance name")
    plan_date: str
    sampling: SamplingSection = Field(default_factory=SamplingSection)
    tracing: TracingSection = Field(default_factory=TracingSection)
    isolation: IsolationSection = Field(default_factory=IsolationSection)
    roads: RoadSection = Field(default_factory=RoadSection)
    supply: SupplySection = Field(default_factory=SupplySection)
    roster: list[RosterEntry] = []
    shortages: list[Shortage] = []
    kpis: dict[str, float] = {}
    changes: list[Change] = Field(default=[], description="Decisions changed from the baseline plan "
                                                          "(solve --baseline); empty without one")
    meta: SolveMeta
    bottlenecks: list[Bottleneck] = Field(
        default=[], description="`fangkong explain`: resources ranked by what one more unit buys (docs/explain.md)")
