"""Read an input workbook (exports/input_workbook.py) back into a validated Instance.

Every problem is one line naming the cell, `townships!F12: population must be >= 0`, or the
row or sheet when no single cell is to blame; all problems of a workbook come together in
one InputError. Rows 1-2 are headers (row 2 the field keys), row 3 the example, data from row 4.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from exports.input_workbook import (
    FIRST_DATA_ROW,
    LIST_SEPARATORS,
    META_FIELDS,
    META_SHEET,
    PARENT,
    POLICY_SHEET,
    Column,
    base_type,
    list_item,
    sheet_specs,
)
from models.instance import Instance
from models.io import InputError

HEADER_KEY_ROW = 2
_LOC = re.compile(r"^([a-z_]+)\[(\d+)\]((?:\.[a-z_]+|\[\d+\])*)(: .*)$")
TRUE_WORDS = {"true", "1", "yes", "y", "是", "真", "√"}
FALSE_WORDS = {"false", "0", "no", "n", "否", "假", "×"}


class _Where:
    """Where each value of the instance dict came from, to name cells in messages."""

    def __init__(self) -> None:
        self.rows: dict[tuple, tuple[str, int]] = {}  # (field, k[, sub, j]) -> (sheet, row)
        self.columns: dict[str, dict[str, str]] = {}  # sheet -> key -> column letter
        self.meta: dict[str, str] = {}  # header key -> "instance!C5"

    def cell(self, loc: tuple) -> str | None:
        """`sheet!B12` (or `sheet!12` for a whole row) of a pydantic location."""
        if not loc:
            return None
        if loc[0] in self.meta and len(loc) == 1:
            return self.meta[loc[0]]
        if loc[0] == "policy":
            return self.meta.get("policy." + str(loc[1]) if len(loc) > 1 else "policy", POLICY_SHEET)
        if len(loc) >= 2 and isinstance(loc[1], int):
            key: tuple = (loc[0], loc[1])
            rest = loc[2:]
            if len(rest) >= 2 and isinstance(rest[1], int) and (loc[0], loc[1], rest[0], rest[1]) in self.rows:
                key = (loc[0], loc[1], rest[0], rest[1])
                rest = rest[2:]
            if key not in self.rows:
                return None
            sheet, row = self.rows[key]
            fields = [str(p) for p in rest if not isinstance(p, int)]
            cols = self.columns.get(sheet, {})
            for n in range(len(fields), 0, -1):
                letter = cols.get(".".join(fields[:n]))
                if letter:
                    return f"{sheet}!{letter}{row}"
            return f"{sheet}!{row}"
        if len(loc) == 1 and isinstance(loc[0], str):
            return loc[0]
        return None


def _message(e: dict) -> str:
    """A pydantic error in the planner's words."""
    ctx = e.get("ctx") or {}
    field = next((str(p) for p in reversed(e["loc"]) if isinstance(p, str)), "value")
    words = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}
    if e["type"] in words:
        bound = next(iter(ctx.values()), "")
        return f"{field} must be {words[e['type']]} {bound}"
    if e["type"] == "too_short":
        return f"{field} needs at least {ctx.get('min_length', 1)} item(s)"
    if e["type"] == "missing":
        return f"{field} is required"
    if e["type"] == "extra_forbidden":
        return f"{field}: unknown field"
    return f"{field}: {e['msg'].removeprefix('Value error, ')}"


def _text(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def _convert(raw: Any, column: Column, where: str, problems: list[str]) -> Any:
    """A cell value as the model field takes it (pydantic does the checking)."""
    if isinstance(raw, str):
        raw = raw.strip()
    if raw is None or raw == "":
        return None
    if column.kind == "list":
        item = list_item(column.annotation)
        text = str(_text(raw))
        for sep in LIST_SEPARATORS[1:]:
            text = text.replace(sep, LIST_SEPARATORS[0])
        parts = [p.strip() for p in text.split(LIST_SEPARATORS[0]) if p.strip()]
        return parts if item is not int else [_int(p) for p in parts]
    if column.kind == "json":
        try:
            return json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as e:
            problems.append(f"{where}: {column.key}: not valid JSON ({e.msg})")
            return None
    t = base_type(column.annotation)
    if t is bool:
        if isinstance(raw, bool):
            return raw
        word = str(_text(raw)).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        return raw
    if t is date:
        return raw.date() if isinstance(raw, datetime) else raw
    if t is str or t is not int and t is not float and isinstance(raw, (int, float)):
        return _text(raw) if not isinstance(raw, datetime) else raw.isoformat()
    return raw


def _int(p: str) -> Any:
    try:
        return int(p)
    except ValueError:
        return p


def _set(data: dict, path: tuple[str, ...], value: Any) -> None:
    for p in path[:-1]:
        data = data.setdefault(p, {})
    data[path[-1]] = value


def _header_keys(ws) -> list[str | None]:
    row = next(ws.iter_rows(min_row=HEADER_KEY_ROW, max_row=HEADER_KEY_ROW, values_only=True), ())
    return [str(v).strip() if v is not None else None for v in row]


def _data_rows(ws):
    for r, row in enumerate(ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True), start=FIRST_DATA_ROW):
        if any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
            yield r, row


def _read_sheet(ws, columns: list[Column], where: _Where, problems: list[str]) -> list[tuple[int, dict]]:
    by_key = {c.key: c for c in columns}
    keys = _header_keys(ws)
    letters: dict[str, str] = {}
    for c, key in enumerate(keys, start=1):
        if key is None:
            continue
        if key not in by_key:
            problems.append(f"{ws.title}!{get_column_letter(c)}{HEADER_KEY_ROW}: unknown column '{key}'")
        elif key in letters:
            problems.append(f"{ws.title}!{get_column_letter(c)}{HEADER_KEY_ROW}: column '{key}' appears twice")
        else:
            letters[key] = get_column_letter(c)
    where.columns[ws.title] = letters
    out = []
    for r, row in _data_rows(ws):
        item: dict = {}
        for c, key in enumerate(keys, start=1):
            if key not in letters or letters[key] != get_column_letter(c) or c > len(row):
                continue
            value = _convert(row[c - 1], by_key[key], f"{ws.title}!{get_column_letter(c)}{r}", problems)
            if value is not None:
                _set(item, by_key[key].path, value)
        out.append((r, item))
    return out


def _read_key_values(ws, problems: list[str], where: _Where, prefix: str = "") -> dict[str, tuple[Any, str]]:
    keys = _header_keys(ws)
    try:
        kc, vc = keys.index("key"), keys.index("value")
    except ValueError:
        problems.append(f"{ws.title}!{HEADER_KEY_ROW}: the header row needs the columns 'key' and 'value'")
        return {}
    out = {}
    for r, row in _data_rows(ws):
        key = row[kc] if kc < len(row) else None
        cell = f"{ws.title}!{get_column_letter(vc + 1)}{r}"
        if key is None or not str(key).strip():
            problems.append(f"{ws.title}!{get_column_letter(kc + 1)}{r}: key is empty")
            continue
        key = str(key).strip()
        if key in out:
            problems.append(f"{ws.title}!{get_column_letter(kc + 1)}{r}: key '{key}' appears twice")
        out[key] = (row[vc] if vc < len(row) else None, cell)
        where.meta[prefix + key] = cell
    return out


def read_workbook(path: Path) -> Instance:
    """The instance an input workbook holds, or InputError with one line per problem."""
    path = Path(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError([f"{path}: cannot read: no such file"]) from None
    except (BadZipFile, KeyError, ValueError, OSError) as e:
        raise InputError([f"{path}: not an .xlsx workbook ({e})"]) from None
    try:
        return _read(wb)
    finally:
        wb.close()


def _read(wb) -> Instance:
    problems: list[str] = []
    where = _Where()
    data: dict[str, Any] = {}
    specs = sheet_specs()
    known = {META_SHEET, POLICY_SHEET} | {s.name for s in specs} | {c.name for s in specs for c in s.children}
    for name in wb.sheetnames:
        if name not in known:
            problems.append(f"{name}: unknown sheet (expected one of: {', '.join(sorted(known))})")
    if META_SHEET in wb.sheetnames:
        meta_cols = {k: Column((k,), Instance.model_fields[k].annotation, Instance.model_fields[k],
                               "list" if k == "ports" else "scalar") for k in META_FIELDS}
        for key, (raw, cell) in _read_key_values(wb[META_SHEET], problems, where).items():
            if key not in meta_cols:
                problems.append(f"{cell}: unknown key '{key}' (expected one of: {', '.join(META_FIELDS)})")
                continue
            value = _convert(raw, meta_cols[key], cell, problems)
            if value is not None:
                data[key] = value
    else:
        problems.append(f"{META_SHEET}: sheet missing")
    if POLICY_SHEET in wb.sheetnames:
        policy: dict[str, Any] = {}
        for key, (raw, cell) in _read_key_values(wb[POLICY_SHEET], problems, where, "policy.").items():
            if raw is None or isinstance(raw, str) and not raw.strip():
                continue
            try:
                policy[key] = json.loads(raw) if isinstance(raw, str) else raw
            except json.JSONDecodeError as e:
                if raw.strip()[:1] not in "{[\"":
                    policy[key] = raw.strip()  # a bare word, e.g. edition9
                else:
                    problems.append(f"{cell}: {key}: not valid JSON ({e.msg})")
        data["policy"] = policy
    for spec in specs:
        if spec.name not in wb.sheetnames:
            continue  # a missing sheet is an empty list
        rows = _read_sheet(wb[spec.name], spec.columns, where, problems)
        items = []
        ids: dict[str, dict] = {}
        for k, (r, item) in enumerate(rows):
            where.rows[(spec.field, k)] = (spec.name, r)
            items.append(item)
            if "id" in item:
                ids.setdefault(str(item["id"]).strip(), item)
        data[spec.field] = items
        for child in spec.children:
            if child.name not in wb.sheetnames:
                continue
            for r, sub in _read_sheet(wb[child.name], child.columns, where, problems):
                parent = sub.pop(PARENT, None)
                letter = where.columns[child.name].get(PARENT, "A")
                if parent is None:
                    problems.append(f"{child.name}!{letter}{r}: {PARENT} is required (the id of a {spec.name} row)")
                elif parent not in ids:
                    problems.append(f"{child.name}!{letter}{r}: unknown {spec.name} id '{parent}'")
                else:
                    owner = ids[parent]
                    k = items.index(owner)
                    j = len(owner.setdefault(child.sub, []))
                    owner[child.sub].append(sub)
                    where.rows[(spec.field, k, child.sub, j)] = (child.name, r)
    if problems:
        raise InputError(problems)
    try:
        return Instance.model_validate(data)
    except ValidationError as err:
        raise InputError(_problems(err, where)) from None


def _problems(err: ValidationError, where: _Where) -> list[str]:
    lines: list[str] = []
    for e in err.errors(include_url=False):
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "value_error" and not e["loc"] or "\n" in msg:
            for line in msg.splitlines():  # cross-reference lines: `grids[12].township: unknown ...`
                m = _LOC.match(line)
                if m:
                    loc = (m[1], int(m[2])) + tuple(
                        int(p[1:-1]) if p.startswith("[") else p.lstrip(".")
                        for p in re.findall(r"\.[a-z_]+|\[\d+\]", m[3]))
                    cell = where.cell(loc)
                    last = next((p for p in reversed(loc) if isinstance(p, str)), "")
                    lines.append(f"{cell}: {last}{m[4]}" if cell else line)
                else:
                    lines.append(line)
            continue
        loc = tuple(e["loc"])
        if len(loc) == 1 and loc[0] not in where.meta and loc[0] != "policy":  # a whole sheet
            message = (f"needs at least {(e.get('ctx') or {}).get('min_length', 1)} data row(s) from row 4"
                       if e["type"] == "too_short" else _message(e).removeprefix(str(loc[0]) + ": "))
            lines.append(f"{loc[0]}: {message}")
            continue
        cell = where.cell(loc)
        lines.append(f"{cell or '(workbook)'}: {_message(e)}")
    return lines
