"""What the road rules mean on a given network: the quantities the model and `verify` share.

- A **mainline node** has only expressway arcs (mainline and toll-plaza exits); an
  **expressway mainline arc** is an expressway arc that is not a toll exit. Neither may be
  closed or checkpointed (DOMAIN.md §5: toll-plaza exits only).
- A **sealed zone** is the road nodes of a sealed township except its mainline nodes:
  traffic on an expressway through a sealed township is through traffic (禁止上下道), and the
  zone is reached from the expressway only over its toll exits.
- A **seal exit** is an arc from a zone node to a node outside that zone: it must be closed
  or checkpointed.
- A lifeline runs from its source's loading node to the seat node of its township and may
  cross only the sealed zones it serves: its township's and its source's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.instance import Instance, Lifeline, RoadArc


def is_mainline(arc: RoadArc) -> bool:
    return arc.road_class == "expressway" and not arc.toll_exit


@dataclass
class RoadRules:
    """The network as the road rules see it, computed once per instance."""

    arcs: dict[str, RoadArc]
    zone: dict[str, str | None]  # node -> sealed township whose zone holds it, or None
    exits: dict[str, str]  # seal-exit arc -> sealed township
    requested: dict[str, list[str]]  # requested arc -> townships that asked, in input order
    seat: dict[str, str | None]  # township -> seat node
    out: dict[str, list[RoadArc]] = field(default_factory=dict)  # node -> arcs leaving it
    into: dict[str, list[RoadArc]] = field(default_factory=dict)  # node -> arcs entering it

    @property
    def sealed(self) -> list[str]:
        return sorted({z for z in self.exits.values()} | {z for z in self.zone.values() if z})

    def blockable(self) -> list[str]:
        """Arcs the plan may close or checkpoint with a reason: seal exits and requested closures
        (not mainline). Every other arc stays open: closing it only costs and cannot help."""
        return sorted(a for a in set(self.exits) | set(self.requested) if not is_mainline(self.arcs[a]))

    def served_zones(self, inst: Instance, lf: Lifeline) -> frozenset[str]:
        src_node = inst.by_id("sources")[lf.source].node
        out = {self.zone.get(src_node)}
        if inst.by_id("townships")[lf.township].sealed:
            out.add(lf.township)
        return frozenset(z for z in out if z)

    def ends(self, inst: Instance, lf: Lifeline) -> tuple[str, str | None]:
        return inst.by_id("sources")[lf.source].node, self.seat.get(lf.township)

    def node_allowed(self, node: str, served: frozenset[str]) -> bool:
        z = self.zone.get(node)
        return z is None or z in served


def seat_node(inst: Instance, township_id: str) -> str | None:
    """The township's seat node: `seat_node` if given, else its road node at the seat, else its
    node nearest the seat, else the nearest node of any township."""
    t = inst.by_id("townships")[township_id]
    if t.seat_node:
        return t.seat_node
    own = [n for n in inst.road_nodes if n.township == township_id] or list(inst.road_nodes)
    if not own:
        return None
    return min(own, key=lambda n: (n.location.distance_km(t.center), n.id)).id


def road_rules(inst: Instance) -> RoadRules:
    return inst.derived("road_rules", _build)


def _build(inst: Instance) -> RoadRules:
    arcs = {a.id: a for a in inst.road_arcs}
    incident: dict[str, list[RoadArc]] = {n.id: [] for n in inst.road_nodes}
    out: dict[str, list[RoadArc]] = {n.id: [] for n in inst.road_nodes}
    into: dict[str, list[RoadArc]] = {n.id: [] for n in inst.road_nodes}
    for a in inst.road_arcs:
        incident[a.tail].append(a)
        incident[a.head].append(a)
        out[a.tail].append(a)
        into[a.head].append(a)
    sealed = {t.id for t in inst.townships if t.sealed}
    zone: dict[str, str | None] = {}
    for n in inst.road_nodes:
        mainline_node = bool(incident[n.id]) and all(a.road_class == "expressway" for a in incident[n.id])
        zone[n.id] = n.township if n.township in sealed and not mainline_node else None
    exits = {a.id: zone[a.tail] for a in inst.road_arcs if zone[a.tail] and zone[a.head] != zone[a.tail]}
    requested: dict[str, list[str]] = {}
    for r in inst.closure_requests:
        if r.requested_by not in requested.setdefault(r.arc, []):
            requested[r.arc].append(r.requested_by)
    seat = {t.id: seat_node(inst, t.id) for t in inst.townships}
    return RoadRules(arcs, zone, exits, requested, seat, out, into)


def checkpoint_shifts(inst: Instance) -> list[tuple[float, float]]:
    """Checkpoint shifts of a day, around the clock from 00:00 (hours)."""
    k = inst.policy.roads.checkpoint_shifts
    return [(24 * s / k, 24 * (s + 1) / k) for s in range(k)]


def has_roads(inst: Instance) -> bool:
    return bool(inst.road_arcs)
