"""The offline HTML report: a plan a command leader can see (map, charts, KPIs, solver status).

    render_report([Scenario(name, instance, plan), ...], lang="zh") -> str
    write_report(path, scenarios, lang="zh", protect=(inputs...))

One self-contained file: inline CSS and script, pure SVG drawn from the instance's
coordinates, no request of any kind. Several scenarios (a what-if comparison, issue #9)
are shown side by side; today's CLI passes one. Reads the instance and the plan only; it
never imports the optimizer.
"""

from __future__ import annotations

from pathlib import Path

from exports.labels import LANGS
from models.instance import Instance
from models.io import instance_hash, write_atomic
from models.plan import Plan
from report.page import Scenario, render_page

__all__ = ["Scenario", "plan_problems", "render_report", "write_report"]


def render_report(scenarios: list[Scenario] | list[tuple[str, Instance, Plan]], lang: str = "zh") -> str:
    """The report's HTML for one or more (name, instance, plan)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    items = [Scenario(*s) for s in scenarios]
    if not items:
        raise ValueError("no scenario to report")
    return render_page(items, lang)


def write_report(path: Path, scenarios, lang: str = "zh", *, protect: tuple[Path, ...] = ()) -> None:
    """Render and write atomically (temporary file, then rename); never over a protected input."""
    write_atomic(Path(path), render_report(scenarios, lang), protect=protect)


def plan_problems(instance: Instance, plan: Plan) -> tuple[list[str], list[str]]:
    """(errors, warnings) about a plan shown on an instance's map.

    Errors: the plan names sites, arcs, lifelines or vehicles the instance does not have —
    the plan was made for another instance. Warnings: the instance changed since the solve.
    """
    known = {
        "sampling site": set(instance.by_id("sampling_sites")), "isolation site": set(instance.by_id("isolation_sites")),
        "arc": set(instance.by_id("road_arcs")), "lifeline": set(instance.by_id("lifelines")),
        "vehicle": set(instance.by_id("vehicles")), "township": set(instance.by_id("townships")),
    }
    used = [
        *(("sampling site", f"sampling.sites[{i}].site", o.site) for i, o in enumerate(plan.sampling.sites)),
        *(("isolation site", f"isolation.occupancy[{i}].site", r.site) for i, r in enumerate(plan.isolation.occupancy)),
        *(("arc", f"roads.arcs[{i}].arc", a.arc) for i, a in enumerate(plan.roads.arcs)),
        *(("arc", f"roads.checkpoints[{i}].arc", a.arc) for i, a in enumerate(plan.roads.checkpoints)),
        *(("lifeline", f"roads.lifelines[{i}].lifeline", a.lifeline) for i, a in enumerate(plan.roads.lifelines)),
        *(("vehicle", f"supply.routes[{i}].vehicle", r.vehicle) for i, r in enumerate(plan.supply.routes)),
        *(("township", f"shortages[{i}].township", s.township) for i, s in enumerate(plan.shortages) if s.township),
    ]
    errors = [f"{where}: unknown {kind} {ident!r} (not in instance {instance.name!r})"
              for kind, where, ident in used if ident not in known[kind]]
    if len(errors) > 20:
        errors = errors[:20] + [f"... and {len(errors) - 20} more unknown ids"]
    warnings = []
    if plan.meta.instance_hash and plan.meta.instance_hash != instance_hash(instance):
        warnings.append(f"meta.instance_hash: the plan was solved for a different version of {instance.name!r}")
    return errors, warnings
