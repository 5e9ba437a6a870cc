"""Assignment core of tracing: cases to investigators within their hours (generalized assignment).

Each task (a case to trace) goes to exactly one agent (an investigator or team) allowed to
take it; the loads an agent takes add up to at most its capacity (e.g. minutes on duty).
A task with an ``unassigned_penalty`` may instead stay unassigned at that penalty: the
tracing module reports those cases as late or uncovered. Everything is an integer.

Building is separate from solving: :func:`add_assignment` builds into a shared CP-SAT model
(the tracing module puts it beside the staff pool) and returns the variables and the named
objective terms; :func:`solve_assignment` is the standalone solve the benchmarks and tests
use, with bounds, fixing and a warm start (``optimizer.assignment_solve``).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np
from ortools.sat.python import cp_model

Sense = Literal["min", "max"]


@dataclass(frozen=True, eq=False)  # eq=False: numpy matrices have no truth value
class AssignmentProblem:
    """Give every task to one allowed agent within the agents' capacities, at best total cost.

    ``costs[i][j]`` and ``loads[i][j]`` are the cost (or value, for ``sense="max"``) and the
    resource use (e.g. minutes) of task j on agent i; ``capacities[i]`` bounds agent i's
    total load. ``allowed[i][j]`` False forbids a pair. ``unassigned_penalty[j]``, when the
    sequence is given and the entry is not None, lets task j stay unassigned at that
    penalty (added for ``min``, subtracted for ``max``); otherwise task j must be assigned.
    """

    costs: object
    loads: object
    capacities: Sequence[int]
    allowed: object | None = None
    sense: Sense = "min"
    unassigned_penalty: Sequence[int | None] | None = None
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        cost, load = self.cost_matrix, self.load_matrix
        m = len(self.capacities)
        if cost.ndim != 2 or cost.shape[0] != m:
            raise ValueError(f"costs shape {cost.shape}, expected ({m}, tasks)")
        if load.shape != cost.shape:
            raise ValueError(f"loads shape {load.shape} differs from costs shape {cost.shape}")
        if (load < 0).any() or any(c < 0 for c in self.capacities):
            raise ValueError("loads and capacities must be non-negative")
        if self.allowed_mask.shape != cost.shape:
            raise ValueError(f"allowed shape {self.allowed_mask.shape} differs from costs shape {cost.shape}")
        if self.sense not in ("min", "max"):
            raise ValueError(f"sense must be 'min' or 'max', not {self.sense!r}")
        pen = self.unassigned_penalty
        if pen is not None:
            if len(pen) != self.num_tasks:
                raise ValueError(f"{len(pen)} penalties for {self.num_tasks} tasks")
            if any(p is not None and p < 0 for p in pen):
                raise ValueError("unassigned penalties must be non-negative")

    @property
    def num_agents(self) -> int:
        return len(self.capacities)

    @property
    def num_tasks(self) -> int:
        return self.cost_matrix.shape[1]

    @functools.cached_property
    def cost_matrix(self) -> np.ndarray:
        return _int_matrix(self.costs, "costs")

    @functools.cached_property
    def load_matrix(self) -> np.ndarray:
        return _int_matrix(self.loads, "loads")

    @functools.cached_property
    def allowed_mask(self) -> np.ndarray:
        """Allowed agent-task pairs; a pair whose load exceeds the agent's capacity never is."""
        shape = self.cost_matrix.shape
        mask = np.ones(shape, bool) if self.allowed is None else np.asarray(self.allowed, dtype=bool)
        if mask.shape != shape:
            return mask  # reported by __post_init__
        return mask & (self.load_matrix <= np.asarray(self.capacities, dtype=np.int64)[:, None])

    def may_stay_unassigned(self, j: int) -> bool:
        return self.unassigned_penalty is not None and self.unassigned_penalty[j] is not None


def _int_matrix(data: object, what: str) -> np.ndarray:
    arr = np.asarray(data)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.array_equal(arr, np.round(arr)):
            raise ValueError(f"{what} must be integers (scale them where the data enters)")
    return arr.astype(np.int64)


@dataclass(frozen=True)
class AssignmentSolution:
    """Who takes each task: ``agent_of[j]`` is the agent of task j, or None when it stays unassigned."""

    agent_of: list[int | None]
    objective: int

    def tasks_of(self, i: int) -> list[int]:
        return [j for j, a in enumerate(self.agent_of) if a == i]


@dataclass(frozen=True)
class AssignmentResult:
    """Outcome of a standalone solve: status, objective, proven bound, relative gap and wall time."""

    status: str
    objective: int | None
    best_bound: int | None
    gap: float | None
    seconds: float
    solution: AssignmentSolution | None


class AssignmentVars:
    """Variables of one assignment block in a shared model, keyed by (agent, task)."""

    def __init__(self, problem: AssignmentProblem, name: str) -> None:
        self.problem = problem
        self.name = name
        self._assign: dict[tuple[int, int], cp_model.IntVar] = {}
        self._unassigned: dict[int, cp_model.IntVar] = {}
        self.terms: dict[str, cp_model.LinearExprT] = {}

    def assign(self, i: int, j: int) -> cp_model.IntVar:
        """True when agent i takes task j; a forbidden pair has no variable (KeyError)."""
        try:
            return self._assign[i, j]
        except KeyError:
            raise KeyError(f"agent {i} may not take task {j} in {self.name!r}") from None

    def is_allowed(self, i: int, j: int) -> bool:
        return (i, j) in self._assign

    def agents_of(self, j: int) -> list[int]:
        return [i for i in range(self.problem.num_agents) if (i, j) in self._assign]

    def unassigned(self, j: int) -> cp_model.IntVar | None:
        """True when task j stays unassigned; None when task j must be assigned."""
        return self._unassigned.get(j)

    def load(self, i: int) -> cp_model.LinearExprT:
        """Total load agent i takes on (e.g. minutes of tracing)."""
        loads = self.problem.load_matrix
        return cp_model.LinearExpr.weighted_sum(
            [v for (a, _), v in self._assign.items() if a == i],
            [int(loads[a, j]) for (a, j) in self._assign if a == i],
        )

    @property
    def objective(self) -> cp_model.LinearExprT:
        """Assignment cost plus unassigned penalties, in the problem's own sense (min or max)."""
        cost = self.terms["assignment_cost"]
        penalty = self.terms["unassigned_penalty"]
        return cost + penalty if self.problem.sense == "min" else cost - penalty

    def extract(self, solver: cp_model.CpSolver) -> AssignmentSolution:
        agent_of: list[int | None] = [None] * self.problem.num_tasks
        for (i, j), v in self._assign.items():
            if solver.boolean_value(v):
                agent_of[j] = i
        return AssignmentSolution(agent_of, evaluate(self.problem, agent_of))


def add_assignment(model: cp_model.CpModel, problem: AssignmentProblem, name: str = "gap") -> AssignmentVars:
    """Hard: each task goes to exactly one allowed agent (or, where permitted, stays unassigned); loads fit capacities.

    Adds no objective: the caller owns it. ``vars.terms`` holds ``assignment_cost`` (sum of
    costs of the chosen pairs) and ``unassigned_penalty``; ``vars.objective`` combines them
    in the problem's sense.
    """
    vars_ = AssignmentVars(problem, name)
    cost, load, mask = problem.cost_matrix, problem.load_matrix, problem.allowed_mask
    for i, j in zip(*np.nonzero(mask)):
        vars_._assign[int(i), int(j)] = model.new_bool_var(f"{name}_assign_a{i}_t{j}")
    for j in range(problem.num_tasks):
        options = [vars_._assign[i, j] for i in vars_.agents_of(j)]
        if problem.may_stay_unassigned(j):
            vars_._unassigned[j] = model.new_bool_var(f"{name}_unassigned_t{j}")
            options.append(vars_._unassigned[j])
        # An empty exactly-one is unsatisfiable: a task nobody may take is proven infeasible.
        model.add_exactly_one(options)
    for i in range(problem.num_agents):
        row = [(v, int(load[i, j])) for (a, j), v in vars_._assign.items() if a == i and load[i, j] > 0]
        if row and sum(w for _, w in row) > problem.capacities[i]:
            # Capacity rows that can never bind only slow the LP down.
            model.add(sum(w * v for v, w in row) <= int(problem.capacities[i]))
    pairs = list(vars_._assign.items())
    vars_.terms["assignment_cost"] = cp_model.LinearExpr.weighted_sum(
        [v for _, v in pairs], [int(cost[i, j]) for (i, j), _ in pairs]
    )
    unassigned = list(vars_._unassigned.items())
    pen = problem.unassigned_penalty
    vars_.terms["unassigned_penalty"] = cp_model.LinearExpr.weighted_sum(
        [v for _, v in unassigned], [int(pen[j]) for j, _ in unassigned]
    )
    return vars_


def evaluate(problem: AssignmentProblem, agent_of: Sequence[int | None]) -> int:
    """Objective of a plan in the problem's sense: chosen costs plus (min) or minus (max) penalties."""
    cost = problem.cost_matrix
    total = sum(int(cost[a, j]) for j, a in enumerate(agent_of) if a is not None)
    penalty = sum(int(problem.unassigned_penalty[j] or 0) for j, a in enumerate(agent_of) if a is None)
    return total + penalty if problem.sense == "min" else total - penalty


def check_assignment(problem: AssignmentProblem, agent_of: Sequence[int | None]) -> list[str]:
    """Solver-free check of a plan against every hard rule; returns one line per violation."""
    out: list[str] = []
    if len(agent_of) != problem.num_tasks:
        return [f"plan covers {len(agent_of)} tasks, the problem has {problem.num_tasks}"]
    mask, load = problem.allowed_mask, problem.load_matrix
    used = [0] * problem.num_agents
    for j, a in enumerate(agent_of):
        if a is None:
            if not problem.may_stay_unassigned(j):
                out.append(f"task {j}: unassigned but must be assigned")
            continue
        if not 0 <= a < problem.num_agents or not mask[a, j]:
            out.append(f"task {j}: agent {a} may not take it")
            continue
        used[a] += int(load[a, j])
    for i, u in enumerate(used):
        if u > problem.capacities[i]:
            out.append(f"agent {i}: load {u} exceeds capacity {problem.capacities[i]}")
    return out


def solve_assignment(problem: AssignmentProblem, *, time_limit: float, workers: int = 2,
                     seed: int = 0) -> AssignmentResult:
    """Solve one assignment problem on its own to proven optimality (or the best found in time)."""
    from optimizer.assignment_solve import solve_standalone

    return solve_standalone(problem, time_limit=time_limit, workers=workers, seed=seed)
