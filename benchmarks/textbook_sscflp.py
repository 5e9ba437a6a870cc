"""Time the textbook single-source CFLP model on Holmberg instances, as the yardstick.

Textbook model: binary open y_j and assign x_ij, each client assigned once, capacity rows
sum_i d_i x_ij <= s_j y_j, nothing else; HiGHS through OR-Tools MathOpt with zero gap
tolerances. With ``--compare`` each instance is also solved by the product's
``solve_facility`` right after the textbook model, so both see the same machine load.
Wall and CPU seconds (process user + system) are reported for both. Usage::

    python benchmarks/textbook_sscflp.py [--time-limit S] [--compare] [--workers W] [--csv OUT] FILE...
"""
from __future__ import annotations

import argparse
import csv
import datetime
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ortools.math_opt.python import mathopt  # noqa: E402

from optimizer.bench.readers import read_sscflp  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def solve_textbook(path: Path, time_limit: float) -> tuple[str, float | None, float]:
    """Build and solve the textbook model; return (termination, objective, seconds)."""
    problem, _ = read_sscflp(path)
    cost = problem.cost_matrix()
    m, n = problem.num_sites, problem.num_clients
    model = mathopt.Model(name=path.stem)
    y = [model.add_binary_variable(name=f"y{j}") for j in range(m)]
    x = [[model.add_binary_variable(name=f"x{i}_{j}") for j in range(m)] for i in range(n)]
    for i in range(n):
        model.add_linear_constraint(sum(x[i]) == 1)
    for j in range(m):
        model.add_linear_constraint(
            sum(problem.demands[i] * x[i][j] for i in range(n)) <= problem.capacities[j] * y[j]
        )
    model.minimize(
        sum(problem.fixed_costs[j] * y[j] for j in range(m))
        + sum(int(cost[i, j]) * x[i][j] for i in range(n) for j in range(m))
    )
    # HiGHS's branch and bound is serial; MathOpt refuses a thread count for it.
    params = mathopt.SolveParameters(
        time_limit=datetime.timedelta(seconds=time_limit),
        relative_gap_tolerance=0.0,
        absolute_gap_tolerance=0.0,
    )
    start = time.perf_counter()
    result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params)
    seconds = time.perf_counter() - start
    objective = result.objective_value() if result.has_primal_feasible_solution() else None
    return result.termination.reason.name, None if objective is None else round(objective), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--compare", action="store_true", help="also run solve_facility on each instance")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args()
    header = ["instance", "textbook_status", "textbook_objective", "textbook_seconds", "textbook_cpu"]
    if args.compare:
        from optimizer.facility import solve_facility

        header += ["product_status", "product_objective", "product_seconds", "product_cpu"]
    rows = []
    for path in args.files:
        cpu = _cpu()
        status, objective, seconds = solve_textbook(path, args.time_limit)
        row = [path.stem, status, objective, round(seconds, 3), round(_cpu() - cpu, 3)]
        if args.compare:
            problem, _ = read_sscflp(path)
            cpu = _cpu()
            result = solve_facility(problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
            row += [result.status, result.objective, round(result.seconds, 3), round(_cpu() - cpu, 3)]
        rows.append(row)
        print(" ".join(str(v) for v in row), flush=True)
    for label, col in (("textbook", 3), ("product", 7)):
        if col < len(header):
            print(f"{label} total: {sum(r[col] for r in rows):.1f} s wall, {sum(r[col + 1] for r in rows):.1f} s cpu")
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)


if __name__ == "__main__":
    main()
