"""The allocation modules, in build order, and the plan section each one fills.

Each module has `build(ctx) -> vars | None` (adds its variables, rules and named objective
terms to the shared model) and `extract(ctx, vars, solver, staffing) -> (section, roster,
shortages)`. Adding an allocation is one line here plus its checks in optimizer/validate.py.
"""

from optimizer import isolation, roads, sampling, supply, tracing

MODULES = (
    ("sampling", sampling),
    ("tracing", tracing),
    ("isolation", isolation),
    ("roads", roads),
    ("supply", supply),
)
