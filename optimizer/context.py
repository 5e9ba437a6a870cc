"""The build context every allocation module writes into: one CpModel, one staff pool,
objective terms by priority tier and name."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.instance import Instance
from optimizer.pool import StaffPool

TIERS = ("critical", "routine", "cost", "stability")
"""Priority tiers (DOMAIN.md "Priorities"), solved lexicographically in this order."""


@dataclass
class BuildContext:
    instance: Instance
    model: cp_model.CpModel
    pool: StaffPool
    terms: dict[str, dict[str, cp_model.LinearExprT]] = field(default_factory=lambda: defaultdict(dict))
    seed: int = 0  # the solve's seed, for the modules' own short warm-start solves
    warm_seconds: float = 5.0  # wall-clock cap of such a short solve
    routing_budget_s: float = 20.0  # wall seconds the supply module's routing stage may take
    sections: dict = field(default_factory=dict)  # plan sections read so far, in module order (supply reads roads)

    @classmethod
    def new(cls, instance: Instance, seed: int = 0, warm_seconds: float = 5.0) -> "BuildContext":
        model = cp_model.CpModel()
        model.name = instance.name
        return cls(instance, model, StaffPool(instance, model), seed=seed, warm_seconds=warm_seconds)

    def add_term(self, tier: str, name: str, expr: cp_model.LinearExprT) -> None:
        """Register a named objective term (a penalty or a cost) in a priority tier."""
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier}")
        self.terms[tier][name] = expr

    def tier_objective(self, tier: str) -> cp_model.LinearExprT:
        return sum(self.terms[tier].values())
