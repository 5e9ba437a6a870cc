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
from report.map_roads import RoadLayers
from report.svg import RISK_COLOURS, c, esc, heat, num, pct, tip
from report.words import layer_name, rw

LAYERS = ("risk", "sealed", "roads", "closed", "lifted", "lifelines", "deliveries", "checkpoints", "isolation",
          "sampling", "names")


class MapDrawer(RoadLayers):
    """Draws one scenario's map; `k` makes its SVG ids unique on a page of several scenarios."""

    def __init__(self, inst: Instance, plan: Plan, lang: str, k: int):
        self.inst, self.plan, self.lang, self.k = inst, plan, lang, k
        radii = township_radii(inst)
        self.proj: Projection = projection(inst, radii)
        self.cells = township_cells(inst, radii)
        self.towns = inst.by_id("townships")
        self.nodes = {n.id: self.proj(n.location.x, n.location.y) for n in inst.road_nodes}
        self.node_town = {n.id: n.township for n in inst.road_nodes}
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
