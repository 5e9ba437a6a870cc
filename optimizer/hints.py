"""Solution hints: the whole model from one solution, or a shared model from a module's own.

Warm starts and the lexicographic tiers pass solutions along as CP-SAT hints; these are the
ways they do it, and the way a published plan's choices (a baseline, pins) override them.
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
    per model) are skipped, and so is a variable already hinted or one `own` gained after the
    solve (the isolation warm start offers whole cohorts before a cost stage that may then find
    nothing in time: the city's isolation benchmark stopped with an IndexError here)."""
    index = {var.name: i for i, var in enumerate(model.proto.variables)}
    hint = model.proto.solution_hint
    hinted = set(hint.vars)
    variables = own.proto.variables
    for i in range(min(len(values), len(variables))):
        var = variables[i]
        if not var.name or var.name.startswith("staff["):
            continue
        j = index.get(var.name)
        if j is not None and j not in hinted:
            hint.vars.append(j)
            hint.values.append(values[i])


def override_hints(model: cp_model.CpModel, pairs: Sequence[tuple[cp_model.IntVar, int]]) -> None:
    """Hint these variables with these values over what is hinted already (CP-SAT refuses a
    variable hinted twice): a published plan's choices win over the warm starts' greedy ones,
    which still hint everything else."""
    hint = model.proto.solution_hint
    at = {var: k for k, var in enumerate(hint.vars)}
    for var, value in pairs:
        k = at.get(var.index)
        if k is None:
            at[var.index] = len(hint.vars)
            hint.vars.append(var.index)
            hint.values.append(int(value))
        else:
            hint.values[k] = int(value)


def saved_hints(model: cp_model.CpModel) -> tuple[list[int], list[int]]:
    """The model's hints as they stand, to put back with `restore_hints`."""
    hint = model.proto.solution_hint
    return list(hint.vars), list(hint.values)


def restore_hints(model: cp_model.CpModel, saved: tuple[list[int], list[int]]) -> None:
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(saved[0])
    hint.values.extend(saved[1])
