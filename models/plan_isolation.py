"""Plan section of the isolation module (DOMAIN.md §3): who goes where, rooms day by day, transfers."""

from pydantic import Field

from models.common import Count, Id, IsolationCategory, PositiveInt, Strict


class IsolationPlacement(Strict):
    """Part of a cohort housed at a site: admitted on its arrival day, released after its stay."""

    cohort: Id
    site: Id
    origin: Id = Field(description="Township or port the cohort comes from")
    category: IsolationCategory
    people: Count = Field(description="People housed at this site, carers included (people)")
    carers: Count = Field(default=0, description="Of them, carers sharing a room with the person they care for")
    rooms: Count = Field(description="Rooms taken: people − carers (rooms)")
    admit_day: Count = Field(description="Day of admission (0 = day 0)")
    release_day: Count = Field(description="Day they leave: admission + centralized stay; may lie past the horizon")
    transfer_min: float = Field(default=0, description="One-way transfer from the pick-up point (min)")


class RoomDay(Strict):
    """One site on one day of the horizon: rooms, people and the staff they need per shift."""

    site: Id
    day: Count
    usable_rooms: Count = Field(description="Rooms usable that day (a reserve: after activation, lag and ramp-up)")
    occupied_rooms: Count = Field(description="Rooms taken by current occupants and placed cohorts")
    free_rooms: Count = Field(description="usable − occupied (rooms)")
    people: Count = Field(description="People isolated there that day, carers included")
    admitted: Count = Field(default=0, description="People admitted that day")
    released: Count = Field(default=0, description="People released that day")
    categories: list[IsolationCategory] = Field(default=[], description="Categories present that day")
    doctors_per_shift: Count = Field(default=0, description="Doctors needed per shift (per 50 isolated)")
    nurses_per_shift: Count = Field(default=0, description="Nurses needed per shift (per 50 isolated)")
    nonmedical_per_shift: Count = Field(default=0, description="Non-medical staff needed per shift at an open site")


class IsolationTransfer(Strict):
    """Trips of one closed-loop bus on one day from a pick-up point to one site."""

    day: Count
    vehicle: Id
    origin: Id = Field(description="Township or port of pick-up")
    site: Id
    trips: PositiveInt = Field(description="Round trips (车次)")
    people: Count = Field(description="People carried over these trips")
    one_way_min: float = Field(description="One-way transfer time (min)")
    depart_hour: float = Field(description="Departure of the first of these trips, hours from 00:00 of the day")


class IsolationSection(Strict):
    placements: list[IsolationPlacement] = []
    activated_sites: list[Id] = Field(default=[], description="Reserve sites activated on day 0")
    occupancy: list[RoomDay] = []
    transfers: list[IsolationTransfer] = []
