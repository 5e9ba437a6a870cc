"""Cross-reference checks of an `Instance`: unique ids and references that resolve.

Each problem is one `path: message` line, with the path in the instance file's own terms
(`grids[12].township`), so the CLI can print every problem of a file together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from models.instance import Instance

ID_LISTS = (
    "townships", "grids", "sampling_sites", "labs", "staff", "cases", "isolation_sites",
    "cohorts", "commodities", "sources", "vehicles", "road_nodes", "road_arcs", "lifelines", "transfer_stations",
)


def reference_problems(inst: Instance) -> list[str]:
    """All duplicate ids and dangling references, as `path: message` lines."""
    problems: list[str] = []
    ids: dict[str, set[str]] = {}
    for name in ID_LISTS:
        seen: set[str] = set()
        for k, item in enumerate(getattr(inst, name)):
            if item.id in seen:
                problems.append(f"{name}[{k}].id: duplicate id '{item.id}'")
            seen.add(item.id)
        ids[name] = seen

    def need(path: str, value: str | None, *lists: str) -> None:
        if value is None or any(value in ids.get(lst, ()) for lst in lists):
            return
        what = " or ".join(lst.rstrip("s").replace("_", " ") for lst in lists)
        problems.append(f"{path}: unknown {what} '{value}'")

    def each(name: str) -> Iterable[tuple[str, object]]:
        for k, item in enumerate(getattr(inst, name)):
            yield f"{name}[{k}]", item

    for p, g in each("grids"):
        need(f"{p}.township", g.township, "townships")
        if g.key_group > g.population:
            problems.append(f"{p}.key_group: {g.key_group} exceeds the grid's population {g.population}")
        if g.households > g.population:
            problems.append(f"{p}.households: {g.households} exceeds the grid's population {g.population}")
    for name in ("sampling_sites", "labs", "isolation_sites", "sources", "road_nodes"):
        for p, item in each(name):
            need(f"{p}.township", item.township, "townships")
    for p, s in each("staff"):
        need(f"{p}.home_township", s.home_township, "townships")
        need(f"{p}.closed_loop_site", s.closed_loop_site, "isolation_sites")
    for p, c in each("cases"):
        need(f"{p}.township", c.township, "townships")
    port_ids = set(inst.ports)
    for p, c in each("cohorts"):
        if c.origin not in port_ids:
            need(f"{p}.origin", c.origin, "townships")
        if c.carers >= c.people:
            problems.append(f"{p}.carers: {c.carers} carers need at least one person to care for")
    for p, site in each("isolation_sites"):
        if not site.reserve and site.activation_lag_days:
            problems.append(f"{p}.activation_lag_days: only a reserve site has an activation lag")
        held = sum(o.people for o in site.occupants)
        if held > site.rooms:
            problems.append(f"{p}.occupants: {held} occupants exceed the site's {site.rooms} rooms")
    for p, src in each("sources"):
        need(f"{p}.node", src.node, "road_nodes")
        for k, st in enumerate(src.stock):
            need(f"{p}.stock[{k}].commodity", st.commodity, "commodities")
    for p, d in each("demands"):
        need(f"{p}.township", d.township, "townships")
        need(f"{p}.commodity", d.commodity, "commodities")
    for p, v in each("vehicles"):
        need(f"{p}.depot", v.depot, "sources", "isolation_sites", "townships")
        if v.kind == "truck" and v.capacity_kg == 0:
            problems.append(f"{p}.capacity_kg: a truck needs a payload above 0 kg")
        if v.kind == "transfer_bus" and v.seats == 0:
            problems.append(f"{p}.seats: a transfer bus needs at least one seat")
    for p, a in each("road_arcs"):
        need(f"{p}.tail", a.tail, "road_nodes")
        need(f"{p}.head", a.head, "road_nodes")
        if a.tail == a.head:
            problems.append(f"{p}: an arc from node '{a.tail}' to itself")
        if a.toll_exit and a.road_class != "expressway":
            problems.append(f"{p}.toll_exit: only an expressway arc has a toll-plaza exit")
    node_town = {n.id: n.township for n in inst.road_nodes}
    sealed = {t.id for t in inst.townships if t.sealed}
    for p, st in each("transfer_stations"):
        need(f"{p}.township", st.township, "townships")
        need(f"{p}.serves", st.serves, "townships")
        need(f"{p}.node", st.node, "road_nodes")
        if st.township in sealed or node_town.get(st.node) in sealed:
            problems.append(f"{p}: a transfer station must stand outside every sealed township")
        if st.open_hour is not None and st.close_hour is not None and st.close_hour <= st.open_hour:
            problems.append(f"{p}.close_hour: {st.close_hour} is not after open_hour {st.open_hour}")
    for p, ts in each("township_stocks"):
        need(f"{p}.township", ts.township, "townships")
        need(f"{p}.commodity", ts.commodity, "commodities")
    for p, lf in each("lifelines"):
        need(f"{p}.source", lf.source, "sources")
        need(f"{p}.township", lf.township, "townships")
    for p, t in each("townships"):
        need(f"{p}.seat_node", t.seat_node, "road_nodes")
    for p, lf in each("lifelines"):
        if not inst.road_arcs:
            problems.append(f"{p}: a lifeline needs road nodes and arcs")
    arc_ids = ids["road_arcs"]
    arcs = {a.id: a for a in inst.road_arcs}
    for k, req in enumerate(inst.closure_requests):
        if req.arc not in arc_ids:
            problems.append(f"closure_requests[{k}].arc: unknown road arc '{req.arc}'")
        need(f"closure_requests[{k}].requested_by", req.requested_by, "townships")
        a = arcs.get(req.arc)
        if a is not None and a.road_class == "expressway" and not a.toll_exit:
            problems.append(f"closure_requests[{k}].arc: '{req.arc}' is an expressway mainline; only its "
                            "toll-plaza exits may be closed")
    for k, port in enumerate(inst.ports):
        if port in ids["townships"]:
            problems.append(f"ports[{k}]: '{port}' is already a township id")
    return problems
