"""One module of `check_<rule>(instance, plan) -> list[Violation]` functions per allocation."""
