"""Tracing under a cluster: 200 cases in one township in a day, 60 investigators.

Generates `instances/tracing-stress.json` from a fixed seed (the same bytes on any machine),
then solves it through `optimizer.solve` and verifies the plan. Usage::

    python benchmarks/tracing_stress.py [--write] [--time-limit S] [--workers W] [--seed S]

The default time limit, 50 s, leaves room for start-up, building and `verify` inside the
minute the acceptance asks for (on 2 cores).

The county: one district of three townships, the cluster in 城关镇 (sealed, high risk) and
two neighbours 10 and 14 km away. Cases are reported from 12:00 yesterday to 18:00 today with
5–60 contacts each (the generator's distribution). The 60 investigators: 26 CDC
epidemiologists, 26 police officers, 8 IT supporters, most living in 城关镇, a third in the
neighbours (lending); hours 8/10/12, some rested only from the morning. Far more work than
people: the plan must report lateness, never fail.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models import Instance, SolveConfig  # noqa: E402
from models.io import dump_json  # noqa: E402
from optimizer import solve  # noqa: E402
from optimizer.validate import verify  # noqa: E402

PATH = REPO / "instances" / "tracing-stress.json"
SEED = 20221128
CASES = 200
TEAM = {"epidemiologist": 26, "police": 26, "it": 8}


def make_instance(seed: int = SEED) -> Instance:
    rng = random.Random(f"{seed}:tracing-stress")
    towns = [("T1", "城关镇", "high", 52000, "urban", True, (0.0, 0.0)),
             ("T2", "柳河乡", "low", 18000, "rural", False, (10.0, 0.0)),
             ("T3", "石桥镇", "medium", 23000, "rural", False, (0.0, 14.0))]
    townships = [{"id": t, "name": n, "district": "D1", "risk_level": r, "population": pop, "terrain": ter,
                  "sealed": sealed, "center": {"x": x, "y": y}} for t, n, r, pop, ter, sealed, (x, y) in towns]
    staff = []
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    for role, n in TEAM.items():
        for k in range(n):
            home = rng.choices(["T1", "T2", "T3"], (0.66, 0.17, 0.17))[0]
            days = rng.choice((0, 1, 2, 3, 4))
            name = rng.choice(surnames) + rng.choice("伟芳娜敏静丽强磊军洋")
            staff.append({
                "id": f"{role[:3].upper()}{k + 1:02d}", "name": name,
                "skills": [role], "home_township": home, "hours_per_day": rng.choice((8, 10, 12)),
                "days_in_row": days, "last_shift_end_hour": None if days == 0 else rng.choice((-8, -5, -1))})
    cases = []
    for k in range(CASES):
        contacts = min(60, max(5, round(18 * math.exp(rng.gauss(0, 0.6)))))
        cases.append({"id": f"C{k + 1:03d}", "township": "T1", "report_hour": rng.randint(-12, 17),
                      "estimated_contacts": contacts})
    return Instance.model_validate({
        "name": "流调压力测试（单镇200例）", "plan_date": "2022-11-28", "townships": townships,
        "staff": staff, "cases": cases})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"(re)write {PATH.relative_to(REPO)}")
    parser.add_argument("--time-limit", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="solver seed (the instance's seed is fixed)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    inst = make_instance()
    if args.write:
        PATH.write_text(dump_json(inst), encoding="utf-8")
        print(f"wrote {PATH.relative_to(REPO)}", file=sys.stderr)
    elif not PATH.exists() or PATH.read_text(encoding="utf-8") != dump_json(inst):
        print(f"warning: {PATH.relative_to(REPO)} differs from the generator; run with --write", file=sys.stderr)
    result = solve(inst, SolveConfig(time_limit_s=args.time_limit, workers=args.workers, seed=args.seed))
    print(result.summary())
    if result.plan is None:
        sys.exit(1)
    plan = result.plan
    violations = verify(inst, plan)
    wall = time.perf_counter() - t0
    rows = plan.tracing.assignments
    traced = [a for a in rows if a.traced]
    print(f"wall {wall:.1f} s (generate, build, solve, verify)  verify {len(violations)} violations")
    print(f"cases {len(rows)}  traced today {len(traced)}  core info on time "
          f"{sum(a.core_late_hours == 0 for a in rows)}  full report on time "
          f"{sum(a.report_late_hours == 0 for a in rows)}")
    print(f"late hours {result.objective_terms.get('tracing.late_hours')}  late minutes "
          f"{result.objective_terms.get('tracing.late_minutes')}  on-call teams short "
          f"{sum(max(0, s.required - len(s.teams)) for s in plan.tracing.on_call)}")
    for v in violations[:10]:
        print(" ", v)
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
