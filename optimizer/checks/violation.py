"""A broken rule, as `verify` reports it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.where}: {self.message}"
