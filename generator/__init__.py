"""Seeded generator of realistic instances, laid on TNTP road networks or a synthetic graph.

`generate_instance(network, townships, seed)` is the one entry point (the `fangkong
generate` command calls it); the same arguments always give the same bytes through
`models.io.dump_json`.
"""

from generator.build import generate_instance
from generator.tntp import NETWORKS, benchmarks_dir

__all__ = ["NETWORKS", "benchmarks_dir", "generate_instance"]
