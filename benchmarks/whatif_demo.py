"""What-if sweep speed (issue #9 item 5): scenarios of the demo county in parallel within the
wall time of two sequential solves.

Definition (docs/whatif.md "Speed"): the yardstick is the wall time W of the base command
`fangkong solve instances/demo-county.json --time-limit 30 -o plan.json`, measured here
first; the sweep `fangkong whatif` of the base and the scenarios, with `--time-limit 2W`
(the command's whole budget: reading, patching, solving, writing the workbook and the
plans), must end within 2W on this machine (2 cores). The sweep's base column is the plan
the base solve just wrote (`--base-plan`), so the sweep solves exactly the eight scenarios;
`--solve-base` solves the base again as a ninth run. Every run's status and gap are
printed, and each plan is verified against its patched instance (outside the timing).

Usage::

    python benchmarks/whatif_demo.py [--scenarios N] [--base-wall S] [--workers J] [--solve-base]

The scenarios: the four presets, then protocol edition 8, the twenty measures, a fifth of
the samplers off sick, and a cluster while the largest hotel is lost; `--scenarios N` takes
the first N (default 8).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models.io import load_instance, load_plan  # noqa: E402
from optimizer.validate import verify  # noqa: E402

DEMO = REPO / "instances" / "demo-county.json"
EXTRA = {
    "edition8": "description: 执行第八版防控方案\npolicy_preset: edition8\n",
    "twenty-measures": "description: 执行二十条优化措施\npolicy_preset: twenty-measures\n",
    "samplers-sick": "description: 两成采样人员因病停岗\nremove: {staff: [{skill: sampler, count: 210}]}\n",
    "cluster-and-hotel-loss": ("description: 聚集性疫情同时最大隔离点停用\n"
                               "clusters: [{township: {pick: most_populous, risk_levels: [low]}, cases: 12, "
                               "contacts_per_case: 25}]\nremove: {isolation_sites: [{pick: largest, reserve: false}]}\n"),
}
PRESETS = ["spring-festival-return", "national-day", "cluster-outbreak", "hotel-loss"]


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    """Wall seconds of a command; its CPU seconds (children included) go to `timed.cpu`: on a
    busy machine the wall time says little, and CPU ÷ cores is what a quiet one would take."""
    print("$", " ".join(cmd), flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timed.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - t0, done


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=8, help="Scenarios besides the base (at most 8)")
    ap.add_argument("--base-wall", type=float, default=None, help="Skip the base measurement and use this W (s)")
    ap.add_argument("--workers", type=int, default=None, help="Runs at once (default: the cores)")
    ap.add_argument("--solve-base", action="store_true",
                    help="Solve the base again in the sweep instead of reading the base solve's plan")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="whatif-demo-") as tmp:
        tmp = Path(tmp)
        print(f"load before: {load()}")
        if args.base_wall is None:
            wall, done = timed([sys.executable, "cli.py", "solve", str(DEMO), "--time-limit", "30",
                                "-o", str(tmp / "base.json")])
            if done.returncode != 0:
                sys.exit(f"base solve failed: {done.stderr[-2000:]}")
            base_wall = wall
            base_cpu = timed.cpu
            print(f"base solve: {wall:.1f} s, {base_cpu:.1f} CPU s (load {load()})")
        else:
            base_wall, base_cpu = args.base_wall, None
        names = (PRESETS + list(EXTRA))[: args.scenarios]
        scenario_args = []
        for name in names:
            if name in EXTRA:
                path = tmp / f"{name}.yaml"
                path.write_text(EXTRA[name], encoding="utf-8")
                scenario_args.append(str(path))
            else:
                scenario_args.append(name)
        budget = 2 * base_wall
        cmd = [sys.executable, "cli.py", "whatif", str(DEMO), *scenario_args, "-o", str(tmp / "compare.xlsx"),
               "--time-limit", f"{budget:.1f}"]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        reuse = args.base_wall is None and not args.solve_base
        if reuse:
            cmd += ["--base-plan", str(tmp / "base.json")]
        runs = len(names) + (0 if reuse else 1)
        wall, done = timed(cmd)
        print(done.stderr.strip().splitlines()[0] if done.stderr.strip() else "")
        sweep_cpu = timed.cpu
        print(f"sweep of {runs} runs{' (base column read from the base solve)' if reuse else ''}: {wall:.1f} s against 2W = {budget:.1f} s "
              f"({'met' if wall <= budget else 'NOT met'}); {sweep_cpu:.1f} CPU s (at least "
              f"{sweep_cpu / (os.cpu_count() or 1):.1f} s on {os.cpu_count()} idle cores); load after {load()}; "
              f"exit {done.returncode}")
        for line in done.stderr.splitlines():
            if line.startswith("warning:"):
                print(line)
        base = load_instance(DEMO)
        for name in ["base", *names]:
            plan_path = tmp / f"compare.{name}.plan.json"
            if not plan_path.exists():
                print(f"  {name:<24} no plan")
                continue
            plan = load_plan(plan_path)
            inst = base if name == "base" else load_instance(tmp / f"compare.{name}.instance.json")
            violations = len(verify(inst, plan))
            tiers = ", ".join(f"{t['name']} {t['status']} gap "
                              + ("-" if t.get("gap") is None else f"{100 * t['gap']:.2f}%") for t in plan.meta.tiers)
            crit = sum(1 for s in plan.shortages if s.tier == "critical")
            print(f"  {name:<24} {plan.meta.status:<9} {plan.meta.wall_seconds:5.1f} s  critical lines {crit:<4} "
                  f"verify {violations} violations  [{tiers}]")
        print(json.dumps({"runs": runs, "base_wall_s": round(base_wall, 1),
                          "base_cpu_s": base_cpu and round(base_cpu, 1), "sweep_wall_s": round(wall, 1),
                          "sweep_cpu_s": round(sweep_cpu, 1), "budget_s": round(budget, 1), "met": wall <= budget}))


if __name__ == "__main__":
    main()
