"""The optimizer: one CP-SAT model that the allocation modules build into.

`optimizer.solve(instance, config) -> SolveResult` is the single entry point for the CLI,
the tests and the benchmarks. (Imported eagerly: the submodule optimizer/solve.py has the
same name, and importing it later must not shadow the function.)
"""

from optimizer.solve import SolveResult, solve

__all__ = ["SolveResult", "solve"]
