"""Plan section of the isolation module (DOMAIN.md §3)."""

from pydantic import Field  # noqa: F401  (fields are described as the section grows)

from models.common import Count, Id, IsolationCategory, Strict  # noqa: F401


class IsolationPlacement(Strict):
    cohort: Id
    site: Id
    category: IsolationCategory
    people: Count
    admit_day: Count
    release_day: Count


class IsolationSection(Strict):
    placements: list[IsolationPlacement] = []
    activated_sites: list[Id] = []
