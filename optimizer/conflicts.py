"""The smallest set of named switches that makes a model impossible (an unsatisfiable core).

A caller guards each group of hard rules (or each pinned decision) with one enforcement
literal, names it, and asks which of them cannot hold together. CP-SAT answers with
`sufficient_assumptions_for_infeasibility`; that set need not be minimal, so it is shrunk
by deletion: drop one switch, re-solve with the rest, keep the drop if still impossible.
Assumptions are only honoured with one worker and no objective (CP-SAT's own limits), so
the model is copied and its objective cleared; the caller's model is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model


@dataclass
class Conflict:
    """Names of the switches that cannot all hold; `minimal` is False when a deletion test
    ran out of time, so a name may be in the set without being needed."""

    names: list[str]
    minimal: bool


def _solve(model: cp_model.CpModel, literals: list, seconds: float, seed: int) -> tuple[int, cp_model.CpSolver]:
    model.clear_assumptions()
    model.add_assumptions(literals)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    solver.parameters.random_seed = seed
    return solver.solve(model), solver


def smallest_conflict(model: cp_model.CpModel, switches: dict[str, cp_model.IntVar], seconds: float = 30.0,
                      seed: int = 0) -> Conflict | None:
    """The switches (name → literal) that together make `model` infeasible, shrunk to a
    minimal set; None if the model is feasible with all of them on, or if that cannot be
    decided in `seconds` (a time-out is never taken as proof of a conflict)."""
    work = model.clone()
    work.clear_objective()
    by_index = {lit.index: name for name, lit in switches.items()}
    lit_of = {name: work.get_bool_var_from_proto_index(lit.index) for name, lit in switches.items()}
    code, solver = _solve(work, list(lit_of.values()), seconds, seed)
    if code != cp_model.INFEASIBLE:
        return None
    core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
    if not core:  # infeasible whatever the switches say: the rules outside every group conflict
        return Conflict([], True)
    minimal = True
    per_test = max(0.5, seconds / (2 * len(core)))
    kept = list(core)
    for name in core:
        trial = [n for n in kept if n != name]
        code, _ = _solve(work, [lit_of[n] for n in trial], per_test, seed)
        if code == cp_model.INFEASIBLE:
            kept = trial  # not needed for the conflict
        elif code != cp_model.FEASIBLE and code != cp_model.OPTIMAL:
            minimal = False  # undecided in time: keep it, and say the set may not be minimal
    return Conflict(sorted(kept), minimal)
