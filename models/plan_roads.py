"""Plan section of the road module (DOMAIN.md §5): a status per arc per day, the staffed
checkpoints, every lifeline's route with its resilience, the closures lifted and the pass
routes (一车一证一线路) freight follows."""

from typing import Literal

from pydantic import Field

from models.common import Count, Id, NonNegFloat, Strict

Reason = Literal["", "seal_exit", "requested", "lifted"]


class ArcStatus(Strict):
    """One arc on one day: open, checkpoint (staffed, passes let through) or closed."""

    arc: Id
    day: Count = Field(default=0, description="Day of the status (0 = the plan's date)")
    status: Literal["open", "checkpoint", "closed"]
    reason: Reason = Field(
        default="", description="seal_exit: the arc leaves a sealed zone; requested: a township asked to close it; "
                                "lifted: a requested closure lifted because it would cut a lifeline")
    seal: Id | None = Field(default=None, description="Sealed township whose exit this arc is")
    requested_by: list[Id] = Field(default=[], description="Townships that asked to close the arc")


class Checkpoint(Strict):
    """A staffed checkpoint (卡口) on one arc for one day, around the clock."""

    arc: Id
    day: Count = 0
    township: Id = Field(description="Township the checkpoint stands in (the arc's tail)")
    seal: Id | None = Field(default=None, description="Sealed township whose exit it guards")
    section: Id
    direction: Literal["forward", "backward"]
    shifts: Count = Field(description="Shifts per day (shifts)")
    crew_per_shift: Count = Field(description="Guards per shift (people)")
    staff: list[list[Id]] = Field(default=[], description="Guards per shift, shift by shift from 00:00")


class LifelineRoute(Strict):
    """A lifeline on one day: its route over the plan's roads and how robust it is."""

    lifeline: Id
    day: Count = 0
    source: Id
    township: Id
    kept: bool = Field(description="A qualifying route within the time budget exists in the plan")
    nodes: list[Id] = Field(default=[], description="Route as road nodes, source to the township seat")
    arcs: list[Id] = Field(default=[], description="Route as road arcs")
    minutes: NonNegFloat | None = Field(default=None, description="Free-flow travel time of the route (min)")
    budget_min: Count = Field(description="Time budget (min)")
    checkpoints: list[Id] = Field(default=[], description="Checkpoint arcs on the route")
    disjoint_routes: Count = Field(
        default=0, description="Arc-disjoint qualifying routes within budget found one after another (a lower bound)")
    disjoint_routes_max: Count = Field(
        default=0, description="Arc-disjoint routes within the budget ellipse, ignoring the budget per route "
                               "(an upper bound)")
    critical_arcs: list[Id] = Field(default=[], description="Arcs whose single loss breaks the lifeline")
    cut_by_arcs: list[Id] = Field(default=[], description="Cut lifeline: closed arcs on its qualifying routes")
    cut_by_seals: list[Id] = Field(
        default=[], description="Cut lifeline: sealed townships it may not cross whose roads would keep it")


class LiftedClosure(Strict):
    """A closure a township asked for and the plan lifts, with the lifeline it would cut."""

    arc: Id
    day: Count = 0
    requested_by: list[Id]
    lifeline: Id | None = Field(description="A lifeline the closure would cut, the plan's other statuses kept")
    guarded_exit: bool = Field(
        default=False, description="Kept as a checkpoint because its sealed zone needs it as a guarded exit")
    status: Literal["open", "checkpoint"]


class PassRoute(Strict):
    """一车一证一线路: the fixed route a freight pass allows, from a lifeline's route."""

    id: Id
    lifeline: Id
    day: Count = 0
    source: Id
    township: Id
    vehicles: list[Id] = Field(default=[], description="Pass-holding trucks of the source on this route")
    arcs: list[Id]
    checkpoints: list[Id] = Field(default=[], description="Checkpoints the truck passes with its pass")
    minutes: NonNegFloat


class RoadSection(Strict):
    arcs: list[ArcStatus] = []
    checkpoints: list[Checkpoint] = []
    lifelines: list[LifelineRoute] = []
    lifted: list[LiftedClosure] = []
    passes: list[PassRoute] = []
