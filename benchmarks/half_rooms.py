"""The acceptance case of issue #8: the demo county with every isolation site's rooms halved.

A site never drops below the people already in it on day 0 (the instance would be invalid:
occupants cannot vanish), so a site whose occupants fill more than half keeps just those rooms.

    python benchmarks/half_rooms.py instances/demo-county.json /tmp/demo-half-rooms.json
"""

from __future__ import annotations

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
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    save(half_rooms(load_instance(source)), target, protect=(source,))
    print(f"wrote {target}")
