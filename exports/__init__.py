"""Exports of a plan: plan → DataFrames (frames.py) → dispatch workbook (xlsx.py).

Exporters read the instance and the plan only; they never import the optimizer.
"""

from exports.frames import SHEET_BUILDERS, Sheet, Table, build_sheets, plan_frames, sheet
from exports.xlsx import write_workbook

__all__ = ["SHEET_BUILDERS", "Sheet", "Table", "build_sheets", "plan_frames", "sheet", "write_workbook"]
