"""The acceptance case of issue #8: the demo county with every isolation site's rooms halved.

A site never drops below the people already in it on day 0 (the instance would be invalid:
occupants cannot vanish), so a site whose occupants fill more than half keeps just those rooms.

    python benchmarks/half_rooms.py instances/demo-county.json /tmp/demo-half-rooms.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.instance import Instance
from models.io import load_instance, save


def half_rooms(inst: Instance) -> Instance:
    data = inst.model_dump(mode="json")
    for site in data["isolation_sites"]:
        held = sum(o["people"] for o in site.get("occupants", []))
        site["rooms"] = max(site["rooms"] // 2, held)
    return Instance.model_validate(data)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Write the instance with every isolation site's rooms halved.")
    ap.add_argument("source", type=Path, help="instance JSON to read")
    ap.add_argument("target", type=Path, help="instance JSON to write (never the source)")
    args = ap.parse_args()
    source, target = args.source, args.target
    save(half_rooms(load_instance(source)), target, protect=(source,))
    print(f"wrote {target}")
