"""Hints carried from a module's own model to the shared model (optimizer/hints.py)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from optimizer.hints import hint_by_name


def test_hint_by_name_skips_what_the_solution_does_not_cover():
    """A variable the module's own model gained after its solve has no value to carry (the
    isolation warm start's whole-cohort offers before a cost stage that found nothing)."""
    own, shared = cp_model.CpModel(), cp_model.CpModel()
    for m in (own, shared):
        m.new_int_var(0, 9, "rooms[a]")
        m.new_int_var(0, 9, "staff[3]")
    shared.new_int_var(0, 9, "whole[a]")
    values = [4, 7]  # solved before `whole[a]` was added to its own model
    own.new_int_var(0, 9, "whole[a]")
    hint_by_name(shared, own, values)
    hint = shared.proto.solution_hint
    assert list(hint.vars) == [0] and list(hint.values) == [4]  # staff counters are numbered per model
