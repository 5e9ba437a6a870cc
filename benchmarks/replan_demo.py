"""Re-plan after one new case (issue #9 acceptance): what changes from the published plan.

The demo county is solved (the published plan), one case is added, and the county is
re-planned with `--baseline` under each `--stability` order; every plan is verified and the
changes are counted by reason (docs/continuity.md). "Only what that case needs" means every
counted change names the new case (new_case, makes_way for it) or cannot be kept
(not_possible); a change for any other reason (cheaper, fixes_shortage, now_short) is the
re-plan improving or trading something the case did not ask for.

Usage::

    python benchmarks/replan_demo.py [--time-limit S] [--base-time-limit S] [--township T08] [--contacts 12] [--workers 2] [--keep DIR]

Prints one line per re-plan and a JSON summary; the files go to a temporary directory.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models.io import load_instance, load_plan  # noqa: E402
from optimizer.validate import verify  # noqa: E402

DEMO = REPO / "instances" / "demo-county.json"
FOR_THE_CASE = {"new_case", "makes_way", "not_possible"}


def run(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    print("$", " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    return time.perf_counter() - t0, done


def with_new_case(township: str, contacts: int, out: Path) -> str:
    """The demo county plus case C999, reported at the data's as-of hour."""
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    if township not in {t["id"] for t in data["townships"]}:
        sys.exit(f"--township {township}: not a township of the demo county")
    # reported at the data's as-of hour of the evening before (hours count from the plan day's midnight)
    data["cases"].append({"id": "C999", "township": township, "report_hour": data.get("as_of_hour", 20) - 24,
                          "estimated_contacts": contacts})
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return "C999"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=30.0, help="Seconds for each re-plan")
    ap.add_argument("--base-time-limit", type=float, default=None,
                    help="Seconds for the published plan's solve (default: --time-limit)")
    ap.add_argument("--township", default="T08", help="Township of the new case")
    ap.add_argument("--contacts", type=int, default=12, help="Its estimated close contacts")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", help="Write the instance and plans to this folder instead of a temporary one")
    args = ap.parse_args()
    cli = [sys.executable, "cli.py"]
    common = ["--time-limit", f"{args.time_limit:g}", "--workers", str(args.workers)]
    summary = {"load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="replan-demo-") as tmp:
        tmp = Path(args.keep or tmp)
        tmp.mkdir(parents=True, exist_ok=True)
        base = tmp / "base.json"
        base_limit = ["--time-limit", f"{args.base_time_limit or args.time_limit:g}", "--workers", str(args.workers)]
        wall, done = run([*cli, "solve", str(DEMO), "-o", str(base), *base_limit])
        if done.returncode != 0:
            sys.exit(f"base solve failed: {done.stderr[-2000:]}")
        print(f"base: {wall:.1f} s")
        today = tmp / "demo+1.json"
        case = with_new_case(args.township, args.contacts, today)
        inst = load_instance(today)
        for order in ("last", "after-critical"):
            out = tmp / f"replan-{order}.json"
            wall, done = run([*cli, "solve", str(today), "--baseline", str(base), "--stability", order,
                              "-o", str(out), *common])
            if done.returncode != 0:
                print(f"  --stability {order}: exit {done.returncode}: {done.stderr[-1500:]}")
                continue
            plan = load_plan(out)
            violations = len(verify(inst, plan))
            counted = [c for c in plan.changes if c.stakeholder != "vehicle" and c.reason != "routes_cut"]
            cut = sum(1 for c in plan.changes if c.reason == "routes_cut")
            reasons = Counter(c.reason for c in counted)
            other = [c for c in counted if c.reason not in FOR_THE_CASE]
            traced = any(a.case == case and a.members for a in plan.tracing.assignments)
            late = sum(s.quantity for s in plan.shortages if s.module == "tracing" and s.entity == case)
            tiers = ", ".join(f"{t['name']} " + ("-" if t.get("gap") is None else f"{100 * t['gap']:.2f}%")
                              for t in plan.meta.tiers)
            print(f"  --stability {order:<14} {wall:5.1f} s  verify {violations} violations  {len(counted)} changes "
                  f"({dict(sorted(reasons.items()))}); {len(other)} not for the case; {case} "
                  f"{'traced' if traced else 'not traced'} (shortage lines' quantity {late:g}); {cut} shipments the routes "
                  f"carry differently (not counted); vehicles re-routed "
                  f"{sum(1 for c in plan.changes if c.stakeholder == 'vehicle')}  [{tiers}]")
            for c in other[:8]:
                print(f"      {c.reason:<15} {c.decision:<40} {c.old!r} -> {c.new!r}  {c.reason_detail[:80]}")
            summary[order] = {"seconds": round(wall, 1), "violations": violations, "changes": len(counted),
                              "reasons": dict(reasons), "not_for_the_case": len(other), "routes_cut": cut, "case_traced": traced,
                              "critical": plan.meta.tiers[0].get("value")}
    summary["load_after"] = os.getloadavg()[0]
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
