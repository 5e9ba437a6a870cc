"""Plan section of the supply module (DOMAIN.md §4): shipments, routes, hand-overs.

Times are hours from 00:00 of day 0 (a stop at 09:30 on day 1 is 33.5). Quantities are in
each commodity's own unit (只, kg, 箱 …); loads are kilograms. A sealed township's goods go to
its transfer station (接驳点) outside the seal and are carried in by last-mile delivery staff.
"""

from typing import Literal

from pydantic import Field

from models.common import Count, Id, NonNegFloat, Strict

SupplyTier = Literal["medical_critical", "food_floor", "routine"]


class Shipment(Strict):
    """Goods of one commodity from one source to one township on one day (aggregated)."""

    source: Id = Field(description="Supply source (depot, producer or market)")
    destination: Id = Field(description="Township id, or the transfer station id for a sealed township")
    destination_kind: Literal["township", "transfer_station"] = "township"
    township: Id = Field(default="", description="Township the goods are for")
    commodity: Id
    quantity: Count = Field(description="Units of the commodity")
    day: Count = 0
    tier: SupplyTier = Field(default="routine", description="Priority tier of the commodity")
    allocated: Count | None = Field(
        default=None, description="Units the allocation sent when the delivery routes carry fewer (the routes are "
                                  "a second stage); None: the routes carry all of it. A re-plan compares this")


class StopItem(Strict):
    """Goods unloaded at a stop."""

    commodity: Id
    township: Id = Field(description="Township the goods are for")
    quantity: Count = Field(description="Units")


class RouteStop(Strict):
    """One stop of a vehicle: a delivery, or a return to the depot to reload."""

    kind: Literal["deliver", "reload"]
    trip: Count = Field(description="Trip number within the shift, from 1")
    node: Id = Field(description="Road node of the stop")
    destination: Id = Field(description="Township, transfer station or (reload) source id")
    arrival_hour: NonNegFloat = Field(description="Arrival (h from 00:00 of day 0)")
    depart_hour: NonNegFloat = Field(description="Departure after unloading or loading (h)")
    items: list[StopItem] = []
    load_kg: NonNegFloat = Field(default=0, description="Kilograms unloaded here")
    roads: list[Id] = Field(default=[], description="Arcs driven from the previous stop (or the depot), in order")


class Route(Strict):
    """A vehicle's shift: leave the depot loaded, deliver, reload, return."""

    vehicle: Id
    source: Id = Field(description="Depot the vehicle loads at")
    day: Count = 0
    start_hour: NonNegFloat = Field(description="Starts loading at the depot (h); every trip begins with loading")
    end_hour: NonNegFloat = Field(description="Back at the depot (h)")
    trips: Count
    stops: list[RouteStop]
    roads_home: list[Id] = Field(default=[], description="Arcs driven from the last stop back to the depot")
    trip_loads_kg: list[NonNegFloat] = Field(default=[], description="Kilograms loaded per trip")
    km: NonNegFloat = Field(default=0, description="Kilometres driven")


class Handover(Strict):
    """Goods handed over at a transfer station for a sealed township (接驳)."""

    station: Id
    township: Id = Field(description="Sealed township served")
    day: Count = 0
    vehicle: Id
    arrival_hour: NonNegFloat
    items: list[StopItem] = []
    load_kg: NonNegFloat = 0


class LastMile(Strict):
    """Door-to-door delivery inside a sealed township: staff from the pool."""

    township: Id
    day: Count = 0
    workers: Count = Field(description="Delivery staff on duty (people)")
    kg: NonNegFloat = Field(description="Kilograms to carry in from the transfer station")
    start_hour: NonNegFloat
    end_hour: NonNegFloat


class PickupSlot(Strict):
    """Staggered pick-up (错峰取货) of a grid of a medium-risk township."""

    township: Id
    grid: Id
    day: Count = 0
    start_hour: NonNegFloat
    end_hour: NonNegFloat
    households: Count


class Sharing(Strict):
    """PPE or test kits lent by one township to another (arrive after the lead time)."""

    from_township: Id
    to_township: Id
    commodity: Id
    quantity: Count
    day: Count = Field(default=0, description="Day sent")
    arrival_day: Count = 0
    arrival_hour: NonNegFloat = Field(description="Arrival (h from 00:00 of day 0)")


class SupplySection(Strict):
    shipments: list[Shipment] = []
    routes: list[Route] = []
    handovers: list[Handover] = []
    last_mile: list[LastMile] = []
    pickups: list[PickupSlot] = []
    sharing: list[Sharing] = []
