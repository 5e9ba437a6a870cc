"""The input contract: round trips, presets, and one test per class of validation error."""

from __future__ import annotations

import json

import pytest

from models import Instance, Plan, Policy
from models.io import InputError, dump_json, load_instance, parse


def problems(data) -> list[str]:
    with pytest.raises(InputError) as e:
        parse(Instance, data)
    return e.value.problems


def test_round_trip_keeps_chinese_and_values(tiny, tmp_path):
    inst = Instance.model_validate(tiny)
    path = tmp_path / "i.json"
    path.write_text(dump_json(inst), encoding="utf-8")
    assert "城关镇" in path.read_text(encoding="utf-8")  # not \u escaped
    again = load_instance(path)
    assert again == inst
    assert dump_json(again) == dump_json(inst)


def test_policy_presets_set_stays():
    assert Policy(preset="edition8").stay("close_contact").centralized_days == 14
    assert Policy(preset="edition9").stay("close_contact").centralized_days == 7
    assert Policy(preset="twenty-measures").stay("inbound").centralized_days == 5
    assert Policy(preset="twenty-measures").stay("secondary_contact").centralized_days == 0


def test_policy_override_beats_preset():
    p = Policy.model_validate({"preset": "edition8", "isolation": {"stays": {"close_contact": {"centralized_days": 10}}}})
    assert p.stay("close_contact").centralized_days == 10
    assert p.stay("inbound").centralized_days == 14


def test_unknown_field_rejected(tiny):
    tiny["townships"][0]["colour"] = "red"
    assert any(p.startswith("townships[0].colour:") for p in problems(tiny))


def test_missing_field_named(tiny):
    del tiny["grids"][1]["population"]
    assert any(p.startswith("grids[1].population:") and "required" in p.lower() for p in problems(tiny))


def test_negative_count_rejected(tiny):
    tiny["grids"][0]["population"] = -5
    assert any(p.startswith("grids[0].population:") for p in problems(tiny))


def test_text_in_number_rejected(tiny):
    tiny["labs"][0]["daily_tube_capacity"] = "很多"
    assert any(p.startswith("labs[0].daily_tube_capacity:") for p in problems(tiny))


def test_wrong_enum_rejected(tiny):
    tiny["townships"][1]["risk_level"] = "extreme"
    assert any(p.startswith("townships[1].risk_level:") for p in problems(tiny))


def test_duplicate_id_named(tiny):
    tiny["grids"][2]["id"] = "G1"
    assert "grids[2].id: duplicate id 'G1'" in problems(tiny)


def test_dangling_reference_named(tiny):
    tiny["grids"][0]["township"] = "T9"
    assert "grids[0].township: unknown township 'T9'" in problems(tiny)


def test_impossible_numbers_named(tiny):
    tiny["grids"][0]["households"] = 700  # more households than people
    tiny["staff"][0]["hours_per_day"] = 30
    found = problems(tiny)
    assert any(p.startswith("staff[0].hours_per_day:") for p in found)


def test_all_reference_problems_reported_together(tiny):
    tiny["grids"][0]["township"] = "T9"
    tiny["sampling_sites"][1]["township"] = "T8"
    tiny["staff"][2]["home_township"] = "T7"
    found = problems(tiny)
    assert len(found) == 3 and all(": unknown township" in p for p in found)


def test_plan_schema_has_every_section():
    fields = set(Plan.model_fields)
    assert {"sampling", "tracing", "isolation", "roads", "supply", "roster", "shortages", "kpis", "meta"} <= fields


@pytest.mark.parametrize("content,expect", [
    (b"", "empty"),
    (b'{"name": "x", "plan_date": ', "not valid JSON"),
    (b"id,name,population\nT1,a,3\n", "CSV"),
    ("名称".encode("gbk"), "not UTF-8"),
])
def test_unreadable_files(tmp_path, content, expect):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as e:
        load_instance(path)
    assert expect in e.value.problems[0]


def test_json_schema_is_serialisable():
    json.dumps(Instance.model_json_schema())
    json.dumps(Plan.model_json_schema())
