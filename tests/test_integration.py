"""Solve the committed demo county end to end and prove the plan with `verify`."""

from __future__ import annotations

import pytest

from models import SolveConfig
from models.io import load_instance
from optimizer import solve
from optimizer.validate import verify
from tests.conftest import REPO

DEMO = REPO / "instances" / "demo-county.json"


@pytest.mark.skipif(not DEMO.exists(), reason="demo instance missing")
def test_demo_county_plan_verifies():
    inst = load_instance(DEMO)
    result = solve(inst, SolveConfig(time_limit_s=90, workers=2, seed=0))
    assert result.plan is not None, result.summary()
    assert verify(inst, result.plan) == []
    plan = result.plan
    assert plan.sampling.sites and plan.roster
    assert plan.meta.tiers and plan.meta.tiers[0]["status"] in ("OPTIMAL", "FEASIBLE")
    # the routine tier started from the shipments re-solved by HiGHS (optimizer/polish.py)
    assert plan.meta.tiers[1]["polished"] is not None
    assert plan.meta.tiers[1]["value"] <= plan.meta.tiers[1]["polished"]
    # every shortage names where, how much and why
    assert all(x.quantity > 0 and x.binding_resource for x in plan.shortages)
    # the sealed township's residents are sampled only at sites inside it
    sealed = {t.id for t in inst.townships if t.sealed}
    sites = inst.by_id("sampling_sites")
    for g in plan.sampling.grids:
        if g.township in sealed and g.site:
            assert sites[g.site].township == g.township
