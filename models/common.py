"""Shared field types and the strict base model.

Scaling policy (STYLE §7): quantities enter as the integers a planner counts — people,
rooms, desks, tubes, minutes, yuan, kilograms. Times of day are hours from 00:00 of the
plan's first day (day 0); durations of travel are minutes. Coordinates are planar
kilometres. Floats appear only for rates (per-capita needs, speeds) and are turned into
integers by the optimizer where the model is built.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Id = Annotated[
    str,
    StringConstraints(min_length=1, max_length=80, strip_whitespace=True),
    Field(description="Explicit identifier, unique within its list"),
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Count = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Km = Annotated[float, Field(allow_inf_nan=False, description="Planar kilometres")]

RiskLevel = Literal["low", "medium", "high"]
Terrain = Literal["urban", "rural", "mountain"]
Skill = Literal[
    "sampler", "registrar", "epidemiologist", "police", "it", "doctor", "nurse",
    "driver", "checkpoint_guard", "delivery", "grid_worker", "relief",
]
SKILLS: tuple[str, ...] = Skill.__args__  # type: ignore[attr-defined]
IsolationCategory = Literal["close_contact", "secondary_contact", "inbound"]
Tier = Literal["medical_critical", "food_floor", "routine"]
RoadClass = Literal["expressway", "national", "provincial", "county", "village"]


class Strict(BaseModel):
    """Base for every schema: unknown fields are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)


class Point(Strict):
    """A location on the instance's planar map."""

    x: Km = Field(description="East coordinate, km")
    y: Km = Field(description="North coordinate, km")

    def distance_km(self, other: "Point") -> float:
        return ((self.x - other.x) ** 2 + (self.y - other.y) ** 2) ** 0.5
