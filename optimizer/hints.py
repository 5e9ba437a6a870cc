"""Solution hints: the whole model from one solution, or a shared model from a module's own.

Warm starts and the lexicographic tiers pass solutions along as CP-SAT hints; these are the
two ways they do it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model


def hint_all(model: cp_model.CpModel, values: Sequence[float]) -> None:
    """Replace the model's hints with these values, one per variable in index order (an LP's
    floats are rounded)."""
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(int(round(x)) for x in values)


def hint_by_name(model: cp_model.CpModel, own: cp_model.CpModel, values: Sequence[int]) -> None:
    """Hint the variables of `model` that a module's own model `own` names alike, from a
    solution of `own`. Unnamed variables and the staff pool's counters (`staff[...]`, numbered
    per model) are skipped, and so is a variable already hinted."""
    index = {var.name: i for i, var in enumerate(model.proto.variables)}
    hint = model.proto.solution_hint
    hinted = set(hint.vars)
    for i, var in enumerate(own.proto.variables):
        if not var.name or var.name.startswith("staff["):
            continue
        j = index.get(var.name)
        if j is not None and j not in hinted:
            hint.vars.append(j)
            hint.values.append(values[i])
