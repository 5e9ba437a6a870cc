"""Pydantic schemas of fangkong: the input `Instance`, the output `Plan` and `SolveConfig`.

Three separate families: what the planner gives us (instance.py, policy.py), what we give
back (plan.py), and how to solve (config.py). io.py loads and saves them as UTF-8 JSON.
"""

from models.config import SolveConfig
from models.instance import Instance
from models.plan import Plan
from models.policy import Policy

__all__ = ["Instance", "Plan", "Policy", "SolveConfig"]
