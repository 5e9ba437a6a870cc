"""The map: one SVG drawn from the instance's coordinates, a `<g>` per switchable layer.

Layers, bottom to top: townships by risk level, sealed zones, the road network, closed
arcs, lifted closures, lifelines, delivery routes, checkpoints, isolation sites, sampling
sites, township names. Road statuses, checkpoints and lifelines are the plan date's (day
0); a section the plan does not have (its module absent) leaves its layer empty, except
lifelines, which are then drawn from the instance as straight, unplanned links.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from exports import labels as L
from models.instance import Instance
from models.plan import Plan
from report.geo import Projection, projection, township_cells, township_radii
from report.svg import PALETTE, RISK_COLOURS, c, esc, heat, num, pct, points, tip
from report.words import layer_name, rw

LAYERS = ("risk", "sealed", "roads", "closed", "lifted", "lifelines", "deliveries", "checkpoints", "isolation",
          "sampling", "names")
OFFSET = 1.6  # a directed arc is drawn this far (SVG units) to the right of its road, so both directions show


class MapDrawer:
    """Draws one scenario's map; `k` makes its SVG ids unique on a page of several scenarios."""

    def __init__(self, inst: Instance, plan: Plan, lang: str, k: int):
        self.inst, self.plan, self.lang, self.k = inst, plan, lang, k
        radii = township_radii(inst)
        self.proj: Projection = projection(inst, radii)
        self.cells = township_cells(inst, radii)
        self.towns = inst.by_id("townships")
        self.nodes = {n.id: self.proj(n.location.x, n.location.y) for n in inst.road_nodes}
        self.arcs = inst.by_id("road_arcs")
        self.not_drawn: list[str] = []
        # markers shrink on crowded maps (a county of 24 townships: 1; a city of 387: about 0.45)
        self.m = max(0.35, min(1.0, 9 / math.sqrt(len(inst.townships))))

    # ------------------------------------------------------------------ helpers
    def col(self, key: str) -> str:
        return L.column(key, self.lang)

    def word(self, group: str, code: object) -> str:
        return L.word(group, code, self.lang)

    def town(self, tid: str | None) -> str:
        t = self.towns.get(tid) if tid else None
        return t.name if t else (tid or "")

    def names(self, ids: list[str]) -> str:
        return ("、" if self.lang == "zh" else ", ").join(self.town(i) for i in ids)

    def source_name(self, sid: str) -> str:
        s = self.inst.by_id("sources").get(sid)
        return s.name if s else sid

    def arc_xy(self, arc_id: str, offset: float = OFFSET) -> tuple[float, float, float, float] | None:
        arc = self.arcs.get(arc_id)
        if arc is None or arc.tail not in self.nodes or arc.head not in self.nodes:
            self.not_drawn.append(arc_id)
            return None
        (x1, y1), (x2, y2) = self.nodes[arc.tail], self.nodes[arc.head]
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        # SVG's y points down, so (−dy, dx) is to the right of the direction of travel
        ox, oy = -(y2 - y1) / length * offset, (x2 - x1) / length * offset
        return x1 + ox, y1 + oy, x2 + ox, y2 + oy

    def arc_rows(self, arc_id: str) -> list[tuple[str, object]]:
        arc = self.arcs.get(arc_id)
        if arc is None:
            return [(self.col("arc"), arc_id)]
        tail = self.inst.by_id("road_nodes").get(arc.tail)
        head = self.inst.by_id("road_nodes").get(arc.head)
        return [(self.col("arc"), arc_id),
                (self.col("arc_from"), f"{arc.tail}（{self.town(tail.township) if tail else ''}）" if self.lang == "zh"
                 else f"{arc.tail} ({self.town(tail.township) if tail else ''})"),
                (self.col("arc_to"), f"{arc.head}（{self.town(head.township) if head else ''}）" if self.lang == "zh"
                 else f"{arc.head} ({self.town(head.township) if head else ''})"),
                (self.col("road_class"), self.word("road_class", arc.road_class)),
                (self.col("road_section"), arc.section),
                (self.col("route_min"), num(arc.free_flow_min))]

    def seat_xy(self, township_id: str) -> tuple[float, float] | None:
        t = self.towns.get(township_id)
        if t is None:
            return None
        if t.seat_node and t.seat_node in self.nodes:
            return self.nodes[t.seat_node]
        return self.proj(t.center.x, t.center.y)

    # ------------------------------------------------------------------ layers
    def svg(self) -> str:
        p = self.proj
        parts = [f'<svg class="map" viewBox="0 0 {c(p.width)} {c(p.height)}" data-scenario="{self.k}" '
                 f'xmlns="http://www.w3.org/2000/svg" role="img">',
                 '<defs>'
                 f'<pattern id="hatch{self.k}" width="6" height="6" patternUnits="userSpaceOnUse" '
                 'patternTransform="rotate(45)"><rect width="6" height="6" fill="rgba(200,30,30,0.10)"/>'
                 '<line x1="0" y1="0" x2="0" y2="6" stroke="#c62828" stroke-width="2"/></pattern>'
                 '</defs>']
        for name in LAYERS:
            body = getattr(self, f"layer_{name}")()
            parts.append(f'<g class="layer L-{name}" data-layer="{name}">{"".join(body)}</g>')
        parts.append("</svg>")
        return "".join(parts)

    def _cell_d(self, tid: str) -> str:
        xy = [self.proj(x, y) for x, y in self.cells[tid]]
        return "M" + " L".join(f"{c(x)},{c(y)}" for x, y in xy) + " Z"

    def layer_risk(self) -> list[str]:
        sites = Counter(s.township for s in self.plan.sampling.sites)
        short = Counter((s.township, s.tier) for s in self.plan.shortages)
        out = []
        for t in self.inst.townships:
            rows = [t.name, (self.col("district"), t.district), (rw("risk_level", self.lang), self.word("risk", t.risk_level)),
                    (self.col("population"), num(t.population)), (self.col("sites"), sites[t.id]),
                    (self.col("shortage_items"), f"{short[(t.id, 'critical')]} / {short[(t.id, 'routine')]} "
                     f"({self.word('tier', 'critical')} / {self.word('tier', 'routine')})")]
            if t.sealed:
                rows.insert(2, (rw("sealed", self.lang), rw("yes", self.lang)))
            out.append(f'<path class="township risk-{t.risk_level}" d="{self._cell_d(t.id)}" '
                       f'fill="{RISK_COLOURS[t.risk_level]}" data-id="{esc(t.id)}"{tip(rows)}/>')
        return out

    def layer_sealed(self) -> list[str]:
        out = []
        day0_arcs = [a for a in self.plan.roads.arcs if a.day == 0]
        for t in self.inst.townships:
            if not t.sealed:
                continue
            exits = [a for a in day0_arcs if a.seal == t.id]
            rows = [f"{t.name} — {rw('sealed', self.lang)}", (self.col("population"), num(t.population)),
                    (self.word("arc_status", "closed"), sum(1 for a in exits if a.status == "closed")),
                    (self.word("arc_status", "checkpoint"), sum(1 for a in exits if a.status == "checkpoint"))]
            out.append(f'<path class="seal" d="{self._cell_d(t.id)}" fill="url(#hatch{self.k})" '
                       f'data-id="{esc(t.id)}"{tip(rows)}/>')
        return out

    def layer_roads(self) -> list[str]:
        pairs: dict[tuple[str, str], list] = defaultdict(list)
        for a in self.inst.road_arcs:
            pairs[tuple(sorted((a.tail, a.head)))].append(a)
        out = []
        for (u, v), arcs in pairs.items():
            if u not in self.nodes or v not in self.nodes:
                continue
            (x1, y1), (x2, y2) = self.nodes[u], self.nodes[v]
            a = arcs[0]
            rows = [(self.col("arc"), "/".join(x.id for x in arcs)), (self.col("road_class"), self.word("road_class", a.road_class)),
                    (self.col("road_section"), a.section), ("km", num(a.length_km)), (self.col("route_min"), num(a.free_flow_min))]
            out.append(f'<line class="road rc-{a.road_class}" x1="{c(x1)}" y1="{c(y1)}" x2="{c(x2)}" y2="{c(y2)}"'
                       f'{tip(rows)}/>')
        return out

    def layer_closed(self) -> list[str]:
        out = []
        for s in self.plan.roads.arcs:
            if s.day != 0 or s.status != "closed":
                continue
            xy = self.arc_xy(s.arc)
            if xy is None:
                continue
            rows = [self.word("arc_status", "closed"), *self.arc_rows(s.arc)]
            if s.reason:
                rows.append((self.col("arc_reason"), self.word("arc_reason", s.reason)))
            if s.seal:
                rows.append((self.col("checkpoint_seal"), self.town(s.seal)))
            if s.requested_by:
                rows.append((self.col("requested_by"), self.names(s.requested_by)))
            out.append(f'<line class="closed" x1="{c(xy[0])}" y1="{c(xy[1])}" x2="{c(xy[2])}" y2="{c(xy[3])}"'
                       f' data-id="{esc(s.arc)}"{tip(rows)}/>')
        return out

    def layer_lifted(self) -> list[str]:
        out = []
        for s in self.plan.roads.lifted:
            if s.day != 0:
                continue
            xy = self.arc_xy(s.arc)
            if xy is None:
                continue
            rows = [L.sheet_name("lifted_closures", self.lang), *self.arc_rows(s.arc),
                    (self.col("requested_by"), self.names(s.requested_by)),
                    (self.col("cut_lifeline"), s.lifeline or "-"),
                    (self.col("lifted_to"), self.word("lifted_to", s.status))]
            out.append(f'<line class="lifted" x1="{c(xy[0])}" y1="{c(xy[1])}" x2="{c(xy[2])}" y2="{c(xy[3])}"'
                       f' data-id="{esc(s.arc)}"{tip(rows)}/>')
        return out

    def layer_lifelines(self) -> list[str]:
        routes = {r.lifeline: r for r in self.plan.roads.lifelines if r.day == 0}
        passes = defaultdict(list)
        for p in self.plan.roads.passes:
            if p.day == 0:
                passes[p.lifeline] += p.vehicles
        sources = self.inst.by_id("sources")
        out = []
        for ll in self.inst.lifelines:
            r = routes.get(ll.id)
            src = sources.get(ll.source)
            rows = [f"{L.column('lifeline', self.lang)} {ll.id}",
                    (self.col("lifeline_pair"), f"{self.source_name(ll.source)} → {self.town(ll.township)}"),
                    (self.col("budget_min"), ll.time_budget_min)]
            if r is None:
                state, xy = "unplanned", [self.nodes.get(src.node) if src else None, self.seat_xy(ll.township)]
                rows.append((self.col("lifeline_status"), rw("unplanned", self.lang)))
            else:
                state = "kept" if r.kept else "cut"
                xy = [self.nodes.get(n) for n in r.nodes] if r.kept and r.nodes else \
                    [self.nodes.get(src.node) if src else None, self.seat_xy(ll.township)]
                rows += [(self.col("lifeline_status"), rw(state, self.lang)),
                         (self.col("route_min"), num(r.minutes)),
                         (self.col("disjoint"), r.disjoint_routes),
                         (self.col("critical_arcs"), len(r.critical_arcs)),
                         (self.col("route_checkpoints"), ", ".join(r.checkpoints) or "-"),
                         (self.col("pass_vehicles"), len(passes[ll.id]))]
                if r.nodes:
                    rows.append((rw("nodes", self.lang), "→".join(r.nodes)))
                if r.cut_by_arcs:
                    rows.append((self.word("arc_status", "closed"), ", ".join(r.cut_by_arcs)))
            xy = [p for p in xy if p is not None]
            if not xy:
                self.not_drawn.append(ll.id)
                continue
            attrs = f' data-id="{esc(ll.id)}"{tip(rows)}'
            if len(xy) == 1 or all(p == xy[0] for p in xy):  # the source is at the seat: a ring, not a line
                out.append(f'<circle class="lifeline {state}" cx="{c(xy[0][0])}" cy="{c(xy[0][1])}" r="{c(5 * self.m)}"{attrs}/>')
            else:
                out.append(f'<polyline class="lifeline {state}" points="{points(xy)}"{attrs}/>')
        return out

    def route_nodes(self, route) -> list[str]:
        src = self.inst.by_id("sources").get(route.source)
        seq = [src.node] if src else []

        def drive(arcs: list[str], to: str | None) -> None:
            for a in arcs:
                arc = self.arcs.get(a)
                if arc is None:
                    continue
                if not seq or seq[-1] != arc.tail:
                    seq.append(arc.tail)
                seq.append(arc.head)
            if to and (not seq or seq[-1] != to):
                seq.append(to)

        for stop in route.stops:
            drive(stop.roads, stop.node)
        drive(route.roads_home, src.node if src else None)
        return seq

    def layer_deliveries(self) -> list[str]:
        out = []
        plates = self.inst.by_id("vehicles")
        for i, route in enumerate(self.plan.supply.routes):
            xy = [self.nodes[n] for n in self.route_nodes(route) if n in self.nodes]
            if len(xy) < 2:
                xy = xy * 2  # a route that never leaves its depot still shows as a dot
            if not xy:
                self.not_drawn.append(route.vehicle)
                continue
            v = plates.get(route.vehicle)
            delivered = [s for s in route.stops if s.kind == "deliver"]
            rows = [f"{self.col('plate')} {v.plate if v else route.vehicle}",
                    (self.col("from_source"), self.source_name(route.source)),
                    (rw("day_n", self.lang, n=route.day), ""),
                    (rw("shift", self.lang), f"{num(route.start_hour, 2)}–{num(route.end_hour, 2)} h"),
                    (self.col("trips"), route.trips), (rw("stops", self.lang), len(delivered)),
                    (rw("load_kg", self.lang), num(sum(route.trip_loads_kg))), (rw("km", self.lang), num(route.km)),
                    (self.col("to_unit"), self.names(list(dict.fromkeys(s.destination for s in delivered))))]
            colour = PALETTE[i % len(PALETTE)]
            out.append(f'<polyline class="delivery" data-vehicle="{esc(route.vehicle)}" stroke="{colour}" '
                       f'points="{points(xy)}"{tip(rows)}/>')
        return out

    def layer_checkpoints(self) -> list[str]:
        out = []
        for cp in self.plan.roads.checkpoints:
            if cp.day != 0:
                continue
            xy = self.arc_xy(cp.arc)
            if xy is None:
                continue
            x, y = xy[0] + 0.3 * (xy[2] - xy[0]), xy[1] + 0.3 * (xy[3] - xy[1])  # near the tail, where it stands
            rows = [f"{L.column('checkpoint_arc', self.lang)}: {cp.arc}", *self.arc_rows(cp.arc)[1:],
                    (self.col("township"), self.town(cp.township)),
                    (self.col("checkpoint_seal"), self.town(cp.seal) if cp.seal else "-"),
                    (self.col("direction"), self.word("direction", cp.direction)),
                    (self.col("cp_shifts"), cp.shifts), (self.col("crew_per_shift"), cp.crew_per_shift),
                    (self.col("crew_total"), sum(len(s) for s in cp.staff))]
            h = 4.5 * max(self.m, 0.6)
            out.append(f'<rect class="checkpoint" x="{c(x - h)}" y="{c(y - h)}" width="{c(2 * h)}" height="{c(2 * h)}" '
                       f'transform="rotate(45 {c(x)} {c(y)})" data-id="{esc(cp.arc)}"{tip(rows)}/>')
        return out

    def layer_isolation(self) -> list[str]:
        first_day = min((r.day for r in self.plan.isolation.occupancy), default=0)
        day0 = {r.site: r for r in self.plan.isolation.occupancy if r.day == first_day}
        activated = set(self.plan.isolation.activated_sites)
        out = []
        for s in self.inst.isolation_sites:
            x, y = self.proj(s.location.x, s.location.y)
            size = (7 + 0.35 * math.sqrt(s.rooms)) * self.m
            r = day0.get(s.id)
            idle = s.reserve and s.id not in activated and (r is None or r.occupied_rooms == 0)
            frac = (r.occupied_rooms / r.usable_rooms) if r and r.usable_rooms else 0.0
            status = "activated" if s.reserve and s.id in activated else "reserve" if s.reserve else "active"
            rows = [s.name, (self.col("township"), self.town(s.township)),
                    (self.col("site_status"), self.word("site_status", status)), (self.col("rooms_total"), num(s.rooms))]
            if r is not None:
                rows += [(rw("day_n", self.lang, n=r.day), ""), (self.col("usable"), num(r.usable_rooms)),
                         (self.col("occupied"), num(r.occupied_rooms)), (self.col("free"), num(r.free_rooms)),
                         (self.col("occupants"), num(r.people)), (rw("occupied_pct", self.lang), pct(r.occupied_rooms, r.usable_rooms))]
            h = size * min(frac, 1.0)
            x0, y0 = x - size / 2, y - size / 2
            out.append(f'<g class="iso{" idle" if idle else ""}" data-id="{esc(s.id)}"{tip(rows)}>'
                       f'<rect class="iso-box" x="{c(x0)}" y="{c(y0)}" width="{c(size)}" height="{c(size)}"/>'
                       f'<rect class="iso-fill" x="{c(x0)}" y="{c(y0 + size - h)}" width="{c(size)}" height="{c(h)}" '
                       f'fill="{heat(frac)}"/></g>')
        return out

    def layer_sampling(self) -> list[str]:
        cand = self.inst.by_id("sampling_sites")
        grids = Counter(g.site for g in self.plan.sampling.grids if g.site)
        out = []
        for o in self.plan.sampling.sites:
            s = cand.get(o.site)
            if s is None:
                self.not_drawn.append(o.site)
                continue
            x, y = self.proj(s.location.x, s.location.y)
            shifts = ", ".join(f"{k} {v}" for k, v in o.desks_by_shift.items())
            rows = [s.name, (self.col("township"), self.town(o.township)), (self.col("site_kind"), self.word("site_kind", s.kind)),
                    (self.col("desks"), f"{o.desks} ({shifts})" if shifts else o.desks), (self.col("opening"), o.opening),
                    (self.col("grids_served"), grids[o.site]), (self.col("people_planned"), num(o.people)),
                    (self.col("capacity"), num(o.capacity)), (self.col("tubes"), num(o.tubes))]
            out.append(f'<circle class="site" cx="{c(x)}" cy="{c(y)}" r="{c((1.5 + 1.3 * math.sqrt(o.desks)) * self.m)}" '
                       f'data-id="{esc(o.site)}" data-desks="{o.desks}"{tip(rows)}/>')
        return out

    def layer_names(self) -> list[str]:
        size = 12 if len(self.inst.townships) <= 40 else 8
        out = []
        for t in self.inst.townships:
            x, y = self.proj(t.center.x, t.center.y)
            out.append(f'<text x="{c(x)}" y="{c(y - 6)}" font-size="{size}">{esc(t.name)}</text>')
        return out


def draw_map(inst: Instance, plan: Plan, lang: str, k: int = 0) -> tuple[str, list[str]]:
    """The map's SVG and the ids of elements it could not place (unknown ids or no coordinates)."""
    drawer = MapDrawer(inst, plan, lang, k)
    return drawer.svg(), sorted(set(drawer.not_drawn))


def layer_controls(lang: str, checked: dict[str, bool]) -> str:
    """The layer checkboxes, repeated above each scenario's map; a layer switches in every map at once."""
    boxes = [f'<label><input type="checkbox" class="layer-toggle" value="{name}"'
             f'{" checked" if checked.get(name, True) else ""}><span class="swatch sw-{name}"></span>'
             f'{esc(layer_name(name, lang))}</label>' for name in LAYERS]
    return f'<fieldset class="layers"><legend>{esc(rw("layers", lang))}</legend>{"".join(boxes)}</fieldset>'
