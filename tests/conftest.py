"""Tiny named fixtures, small enough to check by hand.

`tiny`: two townships (a sealed high-risk 城关镇 and a low-risk 柳河乡), three grids,
three candidate sites, one lab, a handful of staff. Every figure below is chosen so the
expected plan can be worked out on paper (see the tests that use it).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def tiny_data() -> dict:
    """Plain JSON-able data of the tiny instance (tests mutate copies of it)."""
    def person(pid, skills, home="T1", **kw):
        return {"id": pid, "name": f"员工{pid}", "skills": skills, "home_township": home, "hours_per_day": 10, **kw}

    return {
        "name": "微型测试县",
        "plan_date": "2022-11-28",
        "townships": [
            {"id": "T1", "name": "城关镇", "district": "D1", "risk_level": "high", "population": 1500,
             "terrain": "urban", "sealed": True, "center": {"x": 0.0, "y": 0.0}},
            {"id": "T2", "name": "柳河乡", "district": "D1", "risk_level": "low", "population": 2000,
             "terrain": "rural", "center": {"x": 5.0, "y": 0.0}},
        ],
        "grids": [
            {"id": "G1", "township": "T1", "population": 600, "households": 230, "location": {"x": 0.0, "y": 0.2}},
            {"id": "G2", "township": "T1", "population": 900, "households": 350, "location": {"x": 0.2, "y": 0.0}},
            {"id": "G3", "township": "T2", "population": 2000, "households": 770, "key_group": 100,
             "location": {"x": 5.0, "y": 0.5}},
        ],
        "sampling_sites": [
            {"id": "S1", "name": "城关镇第一小学采样点", "township": "T1", "location": {"x": 0.0, "y": 0.0}, "max_desks": 2},
            {"id": "S2", "name": "城关镇广场采样点", "township": "T1", "location": {"x": 0.3, "y": 0.3}, "max_desks": 2},
            {"id": "S3", "name": "柳河乡卫生院采样点", "township": "T2", "location": {"x": 5.0, "y": 0.0},
             "max_desks": 3},
        ],
        "labs": [{"id": "L1", "name": "县疾控实验室", "township": "T2", "location": {"x": 4.0, "y": 0.0},
                  "daily_tube_capacity": 2000, "turnaround_hours": 4}],
        "staff": [
            person("P1", ["sampler"]), person("P2", ["sampler"]), person("P3", ["nurse"]),
            person("P4", ["registrar"]), person("P5", ["relief"]),
            person("P6", ["sampler"], "T2"), person("P7", ["sampler"], "T2"), person("P8", ["grid_worker"], "T2"),
        ],
    }


@pytest.fixture
def tiny() -> dict:
    return copy.deepcopy(tiny_data())
