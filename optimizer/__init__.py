"""The optimizer: one CP-SAT model that the allocation modules build into.

`optimizer.solve(instance, config) -> SolveResult` is the single entry point for the CLI,
the tests and the benchmarks. It is loaded on first use (PEP 562), so that the solver-free
parts (the rules modules that `verify` and the workbook share) import without OR-Tools.
Reach the submodule as `sys.modules["optimizer.solve"]`: the package attribute `solve` is
the function.
"""

import importlib

__all__ = ["SolveResult", "solve"]


def __getattr__(name: str):
    if name in __all__:
        module = importlib.import_module("optimizer.solve")
        # importing the submodule bound `optimizer.solve` to it; the public name is the function
        globals().update(solve=module.solve, SolveResult=module.SolveResult)
        return globals()[name]
    raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
