"""Map layers of the road and supply plans: closed arcs, lifted closures, lifelines, delivery
routes and checkpoints (the plan date, day 0), and the arc geometry they share.

`RoadLayers` is mixed into `report.map.MapDrawer`, which sets what it reads: `inst`, `plan`,
`lang`, `m` (marker scale), `nodes` (road node → SVG point), `node_town`, `arcs`, `towns` and
`not_drawn`, and the helpers `col`, `word`, `town`, `names`.
"""

from __future__ import annotations

import math
from collections import defaultdict

from exports import labels as L
from report.svg import PALETTE, c, esc, num, points, tip
from report.words import rw

OFFSET = 1.6  # a directed arc is drawn this far (SVG units) to the right of its road, so both directions show


class RoadLayers:
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
        return out + self.transfer_stations()

    def transfer_stations(self) -> list[str]:
        """接驳点 of sealed townships that receive goods in the plan: hand-overs and last-mile staff, day 0."""
        handovers = defaultdict(list)
        for h in self.plan.supply.handovers:
            if h.day == 0:
                handovers[h.station].append(h)
        last_mile = {m.township: m for m in self.plan.supply.last_mile if m.day == 0}
        declared = self.inst.by_id("transfer_stations")
        stop_node = {stop.destination: stop.node for r in self.plan.supply.routes for stop in r.stops}
        out = []
        for sid, hs in handovers.items():  # a sealed township without a declared station gets one from supply
            st = declared.get(sid)
            node = st.node if st else stop_node.get(sid)
            if node not in self.nodes:
                self.not_drawn.append(sid)
                continue
            x, y = self.nodes[node]
            served = st.serves if st else hs[0].township
            lm = last_mile.get(served)
            rows = [f"{self.col('station')}: {st.name if st else sid}",
                    (self.col("station_town"), self.town(st.township if st else self.node_town.get(node))),
                    (self.col("sealed_town"), self.town(served)),
                    (self.col("plates"), len({h.vehicle for h in hs})),
                    (self.col("weight_kg"), num(sum(h.load_kg for h in hs))),
                    (self.col("last_mile_staff"), lm.workers if lm else "-")]
            h = 4 * max(self.m, 0.6)
            out.append(f'<rect class="station" x="{c(x - h)}" y="{c(y - h)}" width="{c(2 * h)}" height="{c(2 * h)}" '
                       f'data-id="{esc(sid)}"{tip(rows)}/>')
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
