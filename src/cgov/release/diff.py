"""``cgov diff OLD NEW``: which published numbers and tables changed between two results folders
(``_build/results`` of two builds); exit status 1 when something changed, 2 when a folder is missing, as diff(1).
The CHANGELOG records its output.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

from cgov.release import ReleaseError

#: Relative difference below which two published numbers count as the same (see :func:`same`).
TOLERANCE = 5e-6
#: What a published number is: its value and the text the page shows. Its label, unit, format, source and
#: evidence describe it; a change there (a relabelled number, evidence added) is not a changed number.
COMPARED = ("value", "text")


def read_results(folder: Path) -> dict[str, dict[str, object]]:
    """chapter → {result name → record} for every ``<chapter>.json``, and {table.csv → rows} for
    every ``<chapter>/<table>.csv``."""
    if not folder.is_dir():
        raise ReleaseError(f"{folder}: no such results folder")
    found: dict[str, dict[str, object]] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            found.setdefault(path.stem, {}).update(json.loads(path.read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            raise ReleaseError(f"{path}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
    for path in sorted(folder.glob("*/*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [[_cell(cell) for cell in row] for row in csv.reader(handle)]
        found.setdefault(path.parent.name, {})[path.name] = rows
    return found


def _cell(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def same(old, new) -> bool:
    """Equal; floats within :data:`TOLERANCE` (relative), texts exactly. Iterative estimators (factor
    analysis, multilevel models) differ by up to 2e-6 (relative) between two runs of the same commit, far
    below what a page shows. Published numbers (records with a value and a text) compare by
    :data:`COMPARED` only."""
    if _is_number(old) and _is_number(new):
        return all(same(old[k], new[k]) for k in COMPARED)
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(same(a, b) for a, b in zip(old, new))
    if isinstance(old, float) or isinstance(new, float):
        return isinstance(old, (int, float)) and isinstance(new, (int, float)) and \
            math.isclose(old, new, rel_tol=TOLERANCE, abs_tol=1e-12)
    return old == new  # texts exactly


def _is_number(record) -> bool:
    return isinstance(record, dict) and all(k in record for k in COMPARED)


def diff_results(old: Path, new: Path) -> list[str]:
    """One line per chapter whose published numbers or tables differ between two results folders."""
    before, after = read_results(old), read_results(new)
    lines = []
    for chapter in sorted(before.keys() | after.keys()):
        a, b = before.get(chapter, {}), after.get(chapter, {})
        if chapter not in before or chapter not in after:
            lines.append(f"{chapter}: chapter {'added' if chapter in after else 'removed'} "
                         f"({len(a or b)} results)")
            continue
        changes = [f"added {n}" for n in sorted(b.keys() - a.keys())]
        changes += [f"removed {n}" for n in sorted(a.keys() - b.keys())]
        changes += [_change(n, a[n], b[n]) for n in sorted(a.keys() & b.keys()) if not same(a[n], b[n])]
        if changes:
            lines.append(f"{chapter}: " + "; ".join(changes))
    return lines


def _change(name: str, old, new) -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        if old.get("text") != new.get("text"):
            return f"{name} {old.get('text')} → {new.get('text')}"
        if not same(old.get("value"), new.get("value")):
            return f"{name} {old.get('value')!r} → {new.get('value')!r} (both shown as {new.get('text')})"
    return f"{name} changed"


def run(args: argparse.Namespace) -> int:
    """``cgov diff`` (arguments in :mod:`cgov.__main__`)."""
    lines = diff_results(args.old, args.new)
    print("\n".join(lines) if lines else f"no change in {len(read_results(args.new))} chapters "
                                         f"(numbers compared to a relative {TOLERANCE:g})")
    return 1 if lines else 0
