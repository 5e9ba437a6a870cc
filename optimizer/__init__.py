"""The optimizer: one CP-SAT model that the allocation modules build into.

`optimizer.solve(instance, config) -> SolveResult` is the single entry point for the CLI,
the tests and the benchmarks. Modules import lazily so that `import optimizer` stays cheap.
"""


def solve(instance, config=None):
    """Solve an instance into a plan; see optimizer.solve.solve."""
    from optimizer.solve import solve as _solve

    return _solve(instance, config)


__all__ = ["solve"]
