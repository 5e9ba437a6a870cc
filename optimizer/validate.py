"""The executable spec: solver-free checks of every rule the modules enforce.

`verify(instance, plan) -> list[Violation]` recomputes everything from the instance and the
plan alone; it never imports the solver. The rules live in `optimizer/checks/`, one module
per allocation, each `check_<rule>` stating its rule in domain words; a new module adds its
`CHECKS` to the registry below.
"""

from __future__ import annotations

from models.instance import Instance
from models.plan import Plan
from optimizer.checks import isolation, roads, sampling, staff, supply, tracing
from optimizer.checks.violation import Violation

CHECKS = (*staff.CHECKS, *sampling.CHECKS, *tracing.CHECKS, *isolation.CHECKS, *roads.CHECKS, *supply.CHECKS)


def verify(instance: Instance, plan: Plan) -> list[Violation]:
    """Every violation of every rule, in a stable order."""
    return [v for check in CHECKS for v in check(instance, plan)]


__all__ = ["CHECKS", "Violation", "verify"]
