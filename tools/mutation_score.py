"""Print the mutation score per module from mutmut's results in ``mutants/`` (run by ``make mutation``).

mutmut stores each mutated file's outcomes beside its copy (``mutants/<path>.meta``: mutant name -> the exit
code of the tests run against it). A mutant is killed when the tests failed (or ran out of time) with it in
place; it survived when they passed. ``--survivors`` also lists the surviving mutants by name, for
``mutmut show NAME``.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

KILLED = {1, 3, 36, 24, -24, 152, 255}  # tests failed, pytest's internal error, or the mutant's timeout
TIMEOUT = {36, 24, -24, 152, 255}
SURVIVED = {0}
NOT_COVERED = {5, 33}  # no selected test calls the mutated function


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    modules = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mutmut"]["only_mutate"]
    show_survivors = "--survivors" in argv
    rows, survivors, unfinished = [], [], 0
    for module in modules:
        meta = root / "mutants" / f"{module}.meta"
        if not meta.exists():
            print(f"{module}: no results (run `make mutation`)", file=sys.stderr)
            return 1
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        killed = sum(code in KILLED for code in codes.values())
        timeouts = sum(code in TIMEOUT for code in codes.values())
        uncovered = sum(code in NOT_COVERED for code in codes.values())
        unfinished += sum(code is None for code in codes.values())
        survivors += sorted(name for name, code in codes.items() if code is not None and code not in KILLED)
        rows.append((module, killed, len(codes), timeouts, uncovered))
    print(f"{'module':32} {'killed':>7} {'total':>6} {'share':>7}")
    for module, killed, total, timeouts, uncovered in rows:
        notes = []
        if timeouts:
            notes.append(f"{timeouts} of them by timeout")
        if uncovered:
            notes.append(f"{uncovered} not reached by the selected tests")
        share = f"{100 * killed / total:.1f} %" if total else "-"
        print(f"{module:32} {killed:>7} {total:>6} {share:>7}" + (f"  ({'; '.join(notes)})" if notes else ""))
    killed, total = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"{'all five':32} {killed:>7} {total:>6} {100 * killed / total:>5.1f} %")
    if unfinished:
        print(f"{unfinished} mutants not run yet: the run was interrupted", file=sys.stderr)
    if show_survivors:
        print("\nsurviving (mutmut show NAME):")
        for name in survivors:
            print(f"  {name}")
    return 1 if unfinished else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
