"""Key figures of a plan, computed from the plan itself (so `verify` and exporters agree)."""

from __future__ import annotations

from models.instance import Instance
from models.plan import Plan


def plan_kpis(instance: Instance, plan: Plan) -> dict[str, float]:
    s = plan.sampling
    planned = sum(g.people for g in s.grids)
    served = sum(g.served for g in s.grids)
    return {
        "sampling_sites_opened": len(s.sites),
        "sampling_desks": sum(o.desks for o in s.sites),
        "people_to_sample": planned,
        "people_sampled": served,
        "sampling_coverage_pct": round(100.0 * served / planned, 2) if planned else 100.0,
        "tubes": sum(o.tubes for o in s.sites),
        "sampler_shifts": sum(o.samplers for o in s.sites),
        "registrar_shifts": sum(o.registrars for o in s.sites),
        "staff_on_duty": len({r.staff for r in plan.roster}),
        "staff_hours": round(sum(r.end_hour - r.start_hour + 2 * r.travel_min / 60 for r in plan.roster), 1),
        "critical_shortage_lines": sum(1 for x in plan.shortages if x.tier == "critical"),
        "routine_shortage_lines": sum(1 for x in plan.shortages if x.tier == "routine"),
        "critical_people_unserved": sum(x.quantity for x in plan.shortages if x.tier == "critical" and x.unit == "people"),
        **_tracing(plan),
        **_isolation(plan),
        **_roads(plan),
        **_supply(plan),
    }


def _tracing(plan: Plan) -> dict[str, float]:
    cases = plan.tracing.assignments
    if not cases:
        return {}
    return {
        "tracing_cases": len(cases),
        "tracing_cases_traced": sum(1 for a in cases if a.start_hour is not None),
        "tracing_cases_late": sum(1 for a in cases if a.core_late_hours or a.report_late_hours),
        "tracing_late_hours": sum(a.core_late_hours + a.report_late_hours for a in cases),
    }


def _isolation(plan: Plan) -> dict[str, float]:
    placed = plan.isolation.placements
    if not placed:
        return {}
    return {
        "isolation_people_placed": sum(p.people for p in placed),
        "isolation_rooms_taken": sum(p.rooms for p in placed),
        "isolation_unhoused_people": sum(x.quantity for x in plan.shortages
                                         if x.module == "isolation" and x.unit == "people"),
    }


def _roads(plan: Plan) -> dict[str, float]:
    r = plan.roads
    if not r.arcs:
        return {}
    day0 = [a for a in r.arcs if a.day == 0]
    lifelines = [x for x in r.lifelines if x.day == 0]
    return {
        "roads_arcs_closed": sum(1 for a in day0 if a.status == "closed"),
        "roads_checkpoints": sum(1 for a in day0 if a.status == "checkpoint"),
        "roads_closures_lifted": len(r.lifted),
        "lifelines_kept": sum(1 for x in lifelines if x.kept),
        "lifelines_total": len(lifelines),
    }


def _supply(plan: Plan) -> dict[str, float]:
    s = plan.supply
    if not s.shipments and not s.routes:
        return {}
    return {
        "supply_shipments": len(s.shipments),
        "supply_routes": len(s.routes),
        "supply_vehicles_used": len({r.vehicle for r in s.routes}),
        "supply_trips": sum(r.trips for r in s.routes),
        "supply_km": round(sum(r.km for r in s.routes), 1),
        "supply_critical_shortage_lines": sum(1 for x in plan.shortages if x.module == "supply" and x.tier == "critical"),
    }
