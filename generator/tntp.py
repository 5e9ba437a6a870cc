"""Road networks the generator lays an instance on: TNTP benchmarks or a synthetic graph.

A `RoadNet` is what the rest of the generator needs from any source: node coordinates in
planar kilometres (not yet scaled to the instance's size), undirected physical roads with a
road class, and the zone nodes that become township seats. TNTP files are read from
`shared/benchmarks/tntp` (https://github.com/bstabler/TransportationNetworks); link types
and free-flow speeds decide the class, never the length or time (those are recomputed from
the scaled coordinates so that they agree with the map).
"""

from __future__ import annotations

import json
import math
import os
import random
from dataclasses import dataclass
from pathlib import Path

NETWORKS = ("sioux-falls", "anaheim", "chicago", "synthetic")

_FT_KM = 0.0003048
_CLASS_RANK = {"expressway": 0, "national": 1, "provincial": 2, "county": 3, "village": 4}


@dataclass(frozen=True)
class Road:
    """A physical road between two nodes (both directions), with its class."""

    a: int
    b: int
    road_class: str


@dataclass
class RoadNet:
    nodes: dict[int, tuple[float, float]]  # node id -> (x, y) km, unscaled
    roads: list[Road]  # sorted by (a, b), a < b
    zones: list[int]  # zone (centroid) nodes, the natural township seats


def benchmarks_dir() -> Path:
    """The folder holding `tntp/`: $FANGKONG_BENCHMARKS, else `shared/benchmarks` above the repo,
    else the copies of the three networks shipped inside the package (generator/networks), so
    an installed fangkong generates instances on any machine."""
    env = os.environ.get("FANGKONG_BENCHMARKS")
    if env:
        for cand in (Path(env), Path(env) / "benchmarks"):
            if (cand / "tntp").is_dir():
                return cand
        raise ValueError(f"FANGKONG_BENCHMARKS={env} holds no tntp/ folder of road networks")
    looked: list[str] = []
    for parent in Path(__file__).resolve().parents:
        cand = parent / "shared" / "benchmarks"
        if (cand / "tntp").is_dir():
            return cand
        looked.append(str(cand))
    shipped = Path(__file__).resolve().parent / "networks"
    if (shipped / "tntp").is_dir():
        return shipped
    raise ValueError("TNTP road networks not found: set FANGKONG_BENCHMARKS to the folder holding tntp/ "
                     f"(looked in {', '.join(looked)})")


def _links(path: Path) -> list[list[float]]:
    """Rows of a TNTP `_net` file: tail, head, capacity, length, fft, b, power, speed, toll, type."""
    rows, body = [], False
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not body:
            body = "<END OF METADATA>" in line
            continue
        fields = line.strip().rstrip(";").split()
        if not fields or fields[0].startswith("~"):
            continue
        rows.append([float(f) for f in fields[:10]])
    return rows


def _tntp_nodes(path: Path) -> dict[int, tuple[float, float]]:
    nodes = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        fields = line.strip().rstrip(";").split()
        if len(fields) >= 3:
            nodes[int(fields[0])] = (float(fields[1]), float(fields[2]))
    return nodes


def _geojson_nodes(path: Path) -> dict[int, tuple[float, float]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {int(f["properties"]["id"]): tuple(f["geometry"]["coordinates"][:2]) for f in data["features"]}


def _project_lonlat(nodes: dict[int, tuple[float, float]]) -> dict[int, tuple[float, float]]:
    """Equirectangular projection of degrees to km around the network's mean latitude."""
    lat0 = sum(lat for _, lat in nodes.values()) / len(nodes)
    kx = 111.32 * math.cos(math.radians(lat0))
    return {n: (lon * kx, lat * 110.57) for n, (lon, lat) in nodes.items()}


def _roads(rows: list[list[float]], classify) -> list[Road]:
    """Merge directed links into physical roads; a road takes its better direction's class."""
    best: dict[tuple[int, int], str] = {}
    for row in rows:
        t, h = int(row[0]), int(row[1])
        if t == h:
            continue
        key = (min(t, h), max(t, h))
        cls = classify(row)
        if key not in best or _CLASS_RANK[cls] < _CLASS_RANK[best[key]]:
            best[key] = cls
    return [Road(a, b, best[a, b]) for a, b in sorted(best)]


def _sioux_falls(root: Path) -> RoadNet:
    d = root / "SiouxFalls"
    nodes = _project_lonlat(_tntp_nodes(d / "SiouxFalls_node.tntp"))

    def classify(row):  # all links are type 1: capacity (veh/h) tells the arterials apart
        return "national" if row[2] >= 15000 else "provincial" if row[2] >= 7000 else "county"

    return RoadNet(nodes, _roads(_links(d / "SiouxFalls_net.tntp"), classify), sorted(nodes))


def _anaheim(root: Path) -> RoadNet:
    d = root / "Anaheim"
    nodes = _project_lonlat(_geojson_nodes(d / "anaheim_nodes.geojson"))
    zones = 38

    def classify(row):  # speed in ft/min: 4842 freeway, 3960 highway, 2640 arterials by capacity
        if row[0] <= zones or row[1] <= zones:
            return "village"  # zone connector
        speed, capacity = row[7], row[2]
        return ("expressway" if speed >= 4500 else "national" if speed >= 3500
                else "provincial" if capacity >= 3000 else "county")

    return RoadNet(nodes, _roads(_links(d / "Anaheim_net.tntp"), classify), list(range(1, zones + 1)))


def _chicago(root: Path) -> RoadNet:
    d = root / "Chicago-Sketch"
    nodes = {n: (x * _FT_KM, y * _FT_KM) for n, (x, y) in _tntp_nodes(d / "ChicagoSketch_node.tntp").items()}

    def classify(row):  # link type 2 freeway, 3 zone connector, 1 arterial (by speed in mph)
        if row[9] == 2:
            return "expressway"
        if row[9] == 3:
            return "village"
        mph = row[3] / row[4] * 60 if row[4] > 0 else 0
        return "national" if mph >= 40 else "provincial" if mph >= 30 else "county"

    return RoadNet(nodes, _roads(_links(d / "ChicagoSketch_net.tntp"), classify), list(range(1, 388)))


def synthetic(n_townships: int, rng: random.Random) -> RoadNet:
    """A jittered lattice of about three road nodes per township, with some diagonals.

    Lattice edges are planar; in each cell at most one diagonal is added, so the graph stays
    planar. Middle row and column are the main roads (national), every third line provincial.
    """
    side = max(3, math.ceil(math.sqrt(3 * n_townships)))
    nodes: dict[int, tuple[float, float]] = {}
    for r in range(side):
        for c in range(side):
            nodes[r * side + c + 1] = (c + rng.uniform(-0.3, 0.3), r + rng.uniform(-0.3, 0.3))

    def line_class(k: int) -> str:
        return "national" if k == side // 2 else "provincial" if k % 3 == 0 else "county"

    roads = []
    for r in range(side):
        for c in range(side):
            n = r * side + c + 1
            if c + 1 < side and rng.random() > 0.06:
                roads.append(Road(n, n + 1, line_class(r)))
            if r + 1 < side and rng.random() > 0.06:
                roads.append(Road(n, n + side, line_class(c)))
            if c + 1 < side and r + 1 < side and rng.random() < 0.25:
                if rng.random() < 0.5:
                    roads.append(Road(n, n + side + 1, "village"))
                else:
                    roads.append(Road(n + 1, n + side, "village"))
    roads = _connect(nodes, roads)
    return RoadNet(nodes, sorted(roads, key=lambda r: (r.a, r.b)), [])


def _connect(nodes: dict[int, tuple[float, float]], roads: list[Road]) -> list[Road]:
    """Join stray components (dropped lattice edges) to the main one by their shortest gap."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(sorted(nodes))
    graph.add_edges_from((r.a, r.b) for r in roads)
    comps = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    main = list(comps[0])
    for comp in comps[1:]:
        a, b = min(((u, v) for u in comp for v in main),
                   key=lambda uv: (math.dist(nodes[uv[0]], nodes[uv[1]]), uv))
        roads.append(Road(min(a, b), max(a, b), "village"))
        main.extend(comp)
    return roads


def load_network(network: str, n_townships: int, rng: random.Random) -> RoadNet:
    """The named network; `synthetic` is drawn with `rng` for `n_townships` townships."""
    if network == "synthetic":
        return synthetic(n_townships, rng)
    readers = {"sioux-falls": _sioux_falls, "anaheim": _anaheim, "chicago": _chicago}
    if network not in readers:
        raise ValueError(f"unknown network '{network}': choose one of {', '.join(NETWORKS)}")
    return readers[network](benchmarks_dir() / "tntp")
