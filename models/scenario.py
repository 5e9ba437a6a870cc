"""What-if scenarios: a YAML file that patches an instance (issue #9, DOMAIN.md "Who uses it").

A scenario says what changes before a holiday or after a blow: arrivals multiplied by
township (or port) and day, a cluster in one township, risk levels and seals, the protocol
edition, roads lost, sites, rooms, staff and vehicles removed or added. Ids may be given
directly, or — so that a built-in preset fits any county — picked by a rule (`pick:
most_populous`, `pick: largest`), resolved deterministically against the instance.

The patch itself is `models.scenario_apply.apply_scenario`; the patched instance is
validated through `Instance`, so a patch that leaves a dangling reference is a bad input
like any other. Presets ship as package data (`models/scenarios/*.yaml`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from models.common import (
    Count, Id, IsolationCategory, NonNegFloat, PositiveInt, RiskLevel, Skill, Strict, Terrain,
)
from models.instance import Cohort, IsolationSite, SamplingSiteCandidate, TracingCase
from models.io import InputError, format_validation_error
from models.policy import Edition

PRESET_PACKAGE = "models"
PRESET_DIR = "scenarios"


class TownshipPick(Strict):
    """Townships picked by a rule, so a preset fits any county: the `count` most (or least)
    populous of those matching the filters, ties by id."""

    pick: Literal["most_populous", "least_populous", "all"] = Field(
        default="most_populous", description="Order of choice: by resident population, or all that match")
    risk_levels: list[RiskLevel] | None = Field(default=None, description="Only townships at these risk levels")
    terrains: list[Terrain] | None = Field(default=None, description="Only townships of these terrains")
    sealed: bool | None = Field(default=None, description="Only sealed (true) or unsealed (false) townships")
    count: PositiveInt = Field(default=1, description="How many townships (ignored by `all`)")


class SitePick(Strict):
    """Isolation sites picked by a rule: the `count` largest (or smallest) by rooms, ties by id."""

    pick: Literal["largest", "smallest"] = "largest"
    reserve: bool | None = Field(default=None, description="Only reserve (true) or standing (false) sites")
    count: PositiveInt = 1


TownshipRef = Id | TownshipPick
SiteRef = Id | SitePick


class DayRange(Strict):
    """Days of the plan's horizon, from `first` to `last` inclusive (0 = the plan date)."""

    first: Count = 0
    last: Count | None = Field(default=None, description="Last day, inclusive; omitted: to the end")

    @model_validator(mode="after")
    def last_not_before_first(self) -> "DayRange":
        if self.last is not None and self.last < self.first:
            raise ValueError(f"last day {self.last} is before first day {self.first}")
        return self

    def holds(self, day: int) -> bool:
        return self.first <= day and (self.last is None or day <= self.last)


class ArrivalScale(Strict):
    """Multiply the people of isolation cohorts (close and secondary contacts, inbound
    travellers) arriving from some origins on some days; a cohort scaled to nobody is dropped."""

    factor: NonNegFloat = Field(description="Multiplier of the people (and carers) of each matching cohort")
    origins: list[TownshipRef] | None = Field(
        default=None, description="Township or port ids (or township picks); omitted: every origin")
    origin_kind: Literal["any", "township", "port"] = Field(
        default="any", description="Only cohorts from townships, or only from ports of entry")
    days: DayRange = Field(default_factory=DayRange, description="Arrival days scaled")
    categories: list[IsolationCategory] | None = Field(default=None, description="Categories scaled; omitted: all")


class ResidentScale(Strict):
    """Multiply the residents of townships (returning workers and students at home, tourists):
    grid population, households and key groups, the township's population, and its demands."""

    factor: NonNegFloat
    townships: list[TownshipRef] | None = Field(default=None, description="Omitted: every township")
    demands: bool = Field(default=True, description="Scale the townships' supply demands too")


class Cluster(Strict):
    """A cluster breaks out in one township: cases reported last evening, their close contacts
    arriving for isolation over the next days, the township's risk level raised (and sealed)."""

    township: TownshipRef
    cases: PositiveInt = Field(description="New cases (流调 tasks)")
    contacts_per_case: Count = Field(default=20, description="Close contacts per case (people)")
    secondary_per_contact: NonNegFloat = Field(default=1.0, description="Secondary contacts per close contact")
    contact_days: PositiveInt = Field(default=3, description="Close contacts are found and isolated over days 0 … this − 1")
    first_report_hour: int = Field(
        default=-8, description="First case reported at this hour (hours from 00:00 of day 0); the rest up to the "
                                "instance's as-of hour")
    risk_level: RiskLevel = "high"
    seal: bool = True


class RoomChange(Strict):
    """Rooms of an isolation site: set, or changed by a number (a floor closed, a wing opened)."""

    site: SiteRef
    delta: int | None = Field(default=None, description="Rooms added (negative: removed)")
    set: Count | None = Field(default=None, description="Rooms after the change")

    @model_validator(mode="after")
    def one_of_delta_or_set(self) -> "RoomChange":
        if (self.delta is None) == (self.set is None):
            raise ValueError("give exactly one of delta or set")
        return self


class StaffAdd(Strict):
    """People added to the pool (reinforcements from the city, relief cadres)."""

    skill: Skill
    count: PositiveInt
    township: TownshipRef = Field(description="Home township")
    hours_per_day: PositiveInt = Field(default=10, le=24)
    closed_loop_site: Id | None = None


class StaffRemove(Strict):
    """People leaving the pool (sick, quarantined, on holiday): by id, or `count` holders of a
    skill (in one township if given), the highest ids first, closed-loop staff last."""

    ids: list[Id] = []
    skill: Skill | None = None
    count: Count = 0
    township: TownshipRef | None = None

    @model_validator(mode="after")
    def ids_or_skill(self) -> "StaffRemove":
        if not self.ids and (self.skill is None or self.count == 0):
            raise ValueError("give ids, or a skill and a count")
        return self


class VehicleAdd(Strict):
    """Vehicles added (requisitioned trucks, buses): `count` alike at one depot."""

    kind: Literal["truck", "transfer_bus"]
    depot: Id = Field(description="Supply source id (truck) or isolation site / township id (bus)")
    count: PositiveInt = 1
    capacity_kg: Count = 0
    seats: Count = 0
    cold_chain: bool = False
    shift_hours: PositiveInt = Field(default=10, le=24)
    has_pass: bool = True


class Additions(Strict):
    sampling_sites: list[SamplingSiteCandidate] = []
    isolation_sites: list[IsolationSite] = []
    staff: list[StaffAdd] = []
    vehicles: list[VehicleAdd] = []


class Removals(Strict):
    sampling_sites: list[Id] = []
    isolation_sites: list[SiteRef] = Field(
        default=[], description="Sites lost; their occupants move as a day-0 cohort (see rehouse_occupants), their "
                                "closed-loop staff return to the pool and their buses to the site's township")
    staff: list[StaffRemove] = []
    vehicles: list[Id] = []


class Scenario(Strict):
    """A what-if patch of an instance. Applied in this order: protocol edition, risk levels
    and seals, residents, arrivals, clusters, added cases and cohorts, rooms, removals,
    additions, closed roads."""

    name: Id = Field(description="Column name in the comparison; default: the file name")
    description: str = ""
    policy_preset: Edition | None = Field(default=None, description="Protocol edition to switch to")
    risk_levels: dict[Id, RiskLevel] = Field(default={}, description="New risk level by township id")
    seal: list[TownshipRef] = Field(default=[], description="Townships sealed (封控)")
    unseal: list[Id] = Field(default=[], description="Townships whose seal is lifted")
    residents: list[ResidentScale] = []
    arrivals: list[ArrivalScale] = []
    clusters: list[Cluster] = []
    cases: list[TracingCase] = Field(default=[], description="Cases added as they are")
    cohorts: list[Cohort] = Field(default=[], description="Cohorts added as they are")
    rooms: list[RoomChange] = []
    remove: Removals = Field(default_factory=Removals)
    add: Additions = Field(default_factory=Additions)
    close_arcs: list[Id] = Field(default=[], description="Road arcs lost (landslide, bridge): taken off the "
                                                          "network; closure requests on them lapse")
    rehouse_occupants: bool = Field(default=True, description="Occupants of a removed site arrive on day 0 "
                                                              "for a full stay elsewhere (the worst case)")


def preset_names() -> list[str]:
    folder = resources.files(PRESET_PACKAGE) / PRESET_DIR
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_scenario(arg: str) -> Scenario:
    """A preset by name, or a YAML file by path; InputError with `path: message` lines otherwise."""
    if arg in preset_names():
        text = (resources.files(PRESET_PACKAGE) / PRESET_DIR / f"{arg}.yaml").read_text(encoding="utf-8")
        return parse_scenario(text, arg, default_name=arg)
    path = Path(arg)
    if not path.is_file():
        raise InputError([f"{arg}: neither a scenario file nor a preset ({', '.join(preset_names())})"])
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError([f"{arg}: not UTF-8 text (byte {e.start}); save the file as UTF-8"]) from None
    except OSError as e:
        raise InputError([f"{arg}: cannot read: {e.strerror}"]) from None
    return parse_scenario(text, arg, default_name=path.stem)


def parse_scenario(text: str, source: str, default_name: str = "scenario") -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise InputError([f"{source}: not valid YAML{where}: {getattr(e, 'problem', None) or e}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError([f"{source}: a scenario is a mapping of changes, not a {type(data).__name__}"])
    data.setdefault("name", default_name)
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        raise InputError([f"{source}: {line}" for line in format_validation_error(e)]) from None
