"""Plan section of the road module (DOMAIN.md §5)."""

from typing import Literal

from pydantic import Field  # noqa: F401  (fields are described as the section grows)

from models.common import Count, Id, IsolationCategory, Strict  # noqa: F401


class ArcStatus(Strict):
    arc: Id
    status: Literal["open", "checkpoint", "closed"]
    reason: str = ""


class RoadSection(Strict):
    arcs: list[ArcStatus] = []
