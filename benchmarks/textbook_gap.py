"""Time the textbook generalized-assignment model on the GAP benchmarks, as the yardstick.

Textbook model: one boolean per agent-task pair, each task assigned exactly once, one
capacity row per agent, the cost objective, nothing else; CP-SAT with the given workers
and zero gap limits. Reads the files with the product's reader (so instance names and the
sense match ``fangkong bench gap``) but never touches the product's model. Usage::

    python benchmarks/textbook_gap.py [--sense min|max] [--time-limit S] [--workers W] [--csv OUT] FILE...
    python benchmarks/textbook_gap.py --generate c:10x100 --seed 1 --out DIR   # Chu-Beasley c/d, no optima

``--generate`` writes a Chu & Beasley (1997) type c or d instance in their file layout
(type c: loads U[5,25], costs U[10,50]; type d: loads U[1,100], costs 111 - load + U[-10,10];
capacity 0.8 x an agent's total load / agents) for the harder types the shared folder lacks.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ortools.sat.python import cp_model  # noqa: E402

from optimizer.assignment import AssignmentProblem  # noqa: E402
from optimizer.bench.gap import read_gap, read_optima  # noqa: E402
from optimizer.bench.runner import gap_to_reference  # noqa: E402


def solve_textbook(problem: AssignmentProblem, time_limit: float, workers: int,
                   seed: int = 0) -> tuple[str, int | None, int | None, float, float]:
    """Build and solve the textbook model; return (status, objective, bound, wall s, CPU s)."""
    cost, load = problem.cost_matrix, problem.load_matrix
    m, n = cost.shape
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{j}") for j in range(n)] for i in range(m)]
    for j in range(n):
        model.add_exactly_one(x[i][j] for i in range(m))
    for i in range(m):
        model.add(sum(int(load[i, j]) * x[i][j] for j in range(n)) <= int(problem.capacities[i]))
    objective = sum(int(cost[i, j]) * x[i][j] for i in range(m) for j in range(n))
    (model.minimize if problem.sense == "min" else model.maximize)(objective)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.relative_gap_limit = 0.0
    solver.parameters.absolute_gap_limit = 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    status = solver.solve(model)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    objective_value = round(solver.objective_value) if found else None
    bound = round(solver.best_objective_bound) if found else None
    return solver.status_name(status), objective_value, bound, wall, cpu


def write_chu_beasley(kind: str, agents: int, tasks: int, seed: int, out: Path) -> Path:
    """Write one generated type c or d instance (``m n``, costs, loads, capacities); returns its path."""
    import numpy as np

    rng = np.random.default_rng(seed)
    if kind == "c":
        load = rng.integers(5, 26, (agents, tasks))
        cost = rng.integers(10, 51, (agents, tasks))
    elif kind == "d":
        load = rng.integers(1, 101, (agents, tasks))
        cost = 111 - load + rng.integers(-10, 11, (agents, tasks))
    else:
        raise ValueError(f"type must be c or d, not {kind}")
    cap = (0.8 * load.sum(axis=1) / agents).astype(int)
    path = Path(out) / f"{kind}{agents:02d}{tasks}s{seed}"
    lines = [f"{agents} {tasks}"] + [" ".join(map(str, row)) for row in (*cost, *load)] + [" ".join(map(str, cap))]
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    if "--generate" in sys.argv:
        gen = argparse.ArgumentParser(description="generate a Chu-Beasley c/d instance")
        gen.add_argument("--generate", required=True, help="TYPE:AGENTSxTASKS, e.g. d:10x100")
        gen.add_argument("--seed", type=int, default=1)
        gen.add_argument("--out", type=Path, default=Path("."))
        a = gen.parse_args()
        kind, size = a.generate.split(":")
        agents, tasks = (int(v) for v in size.split("x"))
        print(write_chu_beasley(kind, agents, tasks, a.seed, a.out))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--sense", choices=["min", "max"], default="min")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--optima", type=Path)
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args()
    optima = args.optima or next((p for p in (args.files[0].resolve().parent / "optima.csv",
                                              args.files[0].resolve().parent.parent / "optima.csv") if p.exists()), None)
    refs = read_optima(optima, args.sense) if optima else {}
    rows = []
    for path in args.files:
        for problem in read_gap(path, args.sense):
            status, objective, bound, wall, cpu = solve_textbook(problem, args.time_limit, args.workers)
            ref = refs.get(problem.name)
            gap = gap_to_reference(objective, ref, args.sense)
            rows.append((problem.name, status, objective, bound, ref, gap, round(wall, 3), round(cpu, 3)))
            print(f"{problem.name:9s} {status:9s} {objective} ref {ref} {wall:7.2f} s (cpu {cpu:.2f})", flush=True)
    exact = sum(1 for r in rows if r[5] == 0)
    print(f"textbook: {len(rows)} instances, {exact} at the reference, {sum(r[6] for r in rows):.1f} s wall, "
          f"{sum(r[7] for r in rows):.1f} s CPU, slowest {max(r[6] for r in rows):.1f} s")
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["instance", "status", "objective", "best_bound", "reference", "gap_to_reference",
                        "seconds", "cpu_seconds"])
            w.writerows(rows)


if __name__ == "__main__":
    main()
