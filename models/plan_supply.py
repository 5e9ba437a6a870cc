"""Plan section of the supply module (DOMAIN.md §4)."""

from pydantic import Field  # noqa: F401  (fields are described as the section grows)

from models.common import Count, Id, IsolationCategory, Strict  # noqa: F401


class Shipment(Strict):
    source: Id
    destination: Id
    commodity: Id
    quantity: Count
    day: Count = 0


class SupplySection(Strict):
    shipments: list[Shipment] = []
