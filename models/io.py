"""Load and save instances and plans as UTF-8 JSON; bad input becomes `path: message` lines.

Outputs are written to a temporary file beside the target and renamed, so a crash never
leaves half a file, and an input file is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from models.instance import Instance
from models.plan import Plan

M = TypeVar("M", bound=BaseModel)


class InputError(Exception):
    """Bad input: one `path: message` line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def format_validation_error(err: ValidationError, prefix: str = "") -> list[str]:
    """One `path: message` line per pydantic error; cross-reference lines pass through."""
    lines: list[str] = []
    for e in err.errors(include_url=False):
        path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in e["loc"])
        path = (prefix + "." + path if prefix and path else prefix or path).replace(".[", "[")
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "value_error" and "\n" in msg or (not e["loc"] and ": " in msg):
            lines.extend(msg.splitlines())  # cross-reference problems carry their own paths
        else:
            lines.append(f"{path or '(root)'}: {msg}")
    return lines


def read_json(path: Path) -> object:
    """Parse a UTF-8 JSON file, or raise InputError naming what is wrong with it."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise InputError([f"{path}: cannot read: {e.strerror}"]) from None
    if not raw.strip():
        raise InputError([f"{path}: the file is empty"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError([f"{path}: not UTF-8 text (byte {e.start}); save the file as UTF-8"]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        hint = " (this looks like CSV; fangkong reads JSON, see `fangkong import` for workbooks)" \
            if e.pos == 0 and "," in text.splitlines()[0] else ""
        raise InputError([f"{path}: not valid JSON at line {e.lineno} column {e.colno}: {e.msg}{hint}"]) from None


def parse(model: type[M], data: object, source: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise InputError(format_validation_error(e)) from None


def load_instance(path: Path) -> Instance:
    return parse(Instance, read_json(path), str(path))


def load_plan(path: Path) -> Plan:
    return parse(Plan, read_json(path), str(path))


def dump_json(model: BaseModel) -> str:
    """Canonical JSON: UTF-8 with Chinese kept as is, stable key order.

    An instance's policy is written with only the values that differ from the defaults, so
    a file keeps meaning "the defaults of this fangkong" when a default is refined.
    """
    data = model.model_dump(mode="json")
    if isinstance(model, Instance):
        data["policy"] = model.policy.model_dump(mode="json", exclude_defaults=True)
        data["policy"]["preset"] = model.policy.preset
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def instance_hash(instance: Instance) -> str:
    canonical = json.dumps(instance.model_dump(mode="json"), ensure_ascii=False, sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def write_atomic(path: Path, data: str | bytes, *, protect: tuple[Path, ...] = ()) -> None:
    """Write via a temporary file and rename; refuse to overwrite a protected input file."""
    path = Path(path)
    for p in protect:
        if p.exists() and path.exists() and path.resolve() == Path(p).resolve():
            raise InputError([f"{path}: refusing to overwrite the input file"])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; an output should read like any file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(model: BaseModel, path: Path, *, protect: tuple[Path, ...] = ()) -> None:
    write_atomic(path, dump_json(model), protect=protect)
