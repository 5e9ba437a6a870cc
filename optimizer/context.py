"""The build context every allocation module writes into: one CpModel, one staff pool,
objective terms by priority tier and name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.instance import Instance
from optimizer.pool import StaffPool

TIERS = ("critical", "routine", "cost", "stability")
"""Priority tiers (DOMAIN.md "Priorities"), solved lexicographically in this order."""


@dataclass
class RuleGroup:
    """Hard rules switched on and off together when diagnosing an impossible instance: a name in
    domain words (`isolation.rooms site S03 day 0`) and the data rows they involve."""

    name: str
    rows: list[str]
    literal: cp_model.IntVar


Describe = Callable[[], tuple[str, list[str]]]
"""Called only when diagnosing: (group name, data rows), so a normal solve formats nothing."""


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
    diagnosing: bool = False  # rebuild for optimizer.diagnose: hard rules by group under enforcement literals
    groups: dict[str, RuleGroup] = field(default_factory=dict)  # filled only when diagnosing
    # choices a published plan or pinned rows name (models.choices keys): a module that prunes
    # its model keeps them expressible, so a re-plan can keep what the planner published
    published: dict = field(default_factory=dict)
    # valid lower bounds of a tier's terms that a module proved on its own (its LP relaxation,
    # where other modules can only take pool people away), summed per tier: a tier's reported
    # bound is the larger of this and CP-SAT's, which on a city may not reach its own LP in time
    floors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # rows every plan keeps, for the LP floors only (optimizer/lp_floor.py): (expression, lower
    # bound). Not in the CP-SAT model, whose search they slowed (the tracing module's routine
    # floor: the critical tier's tracing search found nothing in three runs out of three)
    floor_rows: list[tuple[cp_model.LinearExprT, int]] = field(default_factory=list)

    @classmethod
    def new(cls, instance: Instance, seed: int = 0, warm_seconds: float = 5.0,
            diagnosing: bool = False) -> BuildContext:
        model = cp_model.CpModel()
        model.name = instance.name
        ctx = cls(instance, model, StaffPool(instance, model), seed=seed, warm_seconds=warm_seconds,
                  diagnosing=diagnosing)
        if diagnosing:
            ctx.pool.enforce = ctx.enforce  # the pool's own rules (cover, one block a day) by group too
        return ctx

    def guard(self, describe: Describe) -> cp_model.IntVar | None:
        """The enforcement literal of a named group of hard rules when diagnosing (one literal per
        name, the rows of every call gathered); None in a normal solve, so the production model
        is exactly the unguarded one and no slower."""
        if not self.diagnosing:
            return None
        name, rows = describe()
        group = self.groups.get(name)
        if group is None:
            group = self.groups[name] = RuleGroup(name, [], self.model.new_bool_var(f"guard[{name}]"))
        group.rows.extend(r for r in rows if r not in group.rows)
        return group.literal

    def enforce(self, constraint: cp_model.Constraint, describe: Describe) -> cp_model.Constraint:
        """`constraint` under its group's literal when diagnosing; untouched otherwise."""
        literal = self.guard(describe)
        if literal is not None:
            constraint.only_enforce_if(literal)
        return constraint

    def where(self, entities: str, item_id: str) -> str:
        """An entity's place in the instance file (`isolation_sites[2]`), for diagnosis rows."""
        k = next((k for k, item in enumerate(getattr(self.instance, entities)) if item.id == item_id), None)
        return f"{entities}[{item_id if k is None else k}]"

    def add_term(self, tier: str, name: str, expr: cp_model.LinearExprT) -> None:
        """Register a named objective term (a penalty or a cost) in a priority tier."""
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier}")
        self.terms[tier][name] = expr

    def tier_objective(self, tier: str) -> cp_model.LinearExprT:
        return sum(self.terms[tier].values())
