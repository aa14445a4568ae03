"""Publish a chapter's numbers: glue them into the prose and record them in a results JSON.

Prose never types a statistic. A chapter computes a value, declares how it is shown, and
calls :func:`publish`; the text then writes ``{glue}`name``` and tests read
``_build/results/<chapter>.json`` to check that the page states what was computed.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from numbers import Integral, Real

from cgov import paths


@dataclass(frozen=True)
class Number:
    """A value as a chapter states it: ``fmt`` formats it, ``unit`` and ``label`` describe it,
    ``source`` names the data and the ``cgov`` function it comes from."""

    value: float | int
    fmt: str = "{:,}"
    unit: str = ""
    label: str = ""
    source: str = ""

    @property
    def text(self) -> str:
        return self.fmt.format(self.value)


class _Shown:
    """What glue stores: its plain-text form is exactly the formatted number, without quotes."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


_registry: dict[str, dict[str, dict]] = {}


def plain(value):
    """Turn numpy and pandas scalars into plain Python numbers (numpy scalars glue as empty text)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"只能发布数值 (only numbers can be published), got {type(value).__name__}")
    if isinstance(value, Integral):
        return int(value)
    if not math.isfinite(value):
        raise ValueError(f"结果不是有限数 (result is not finite): {value}")
    return float(value)


def publish(chapter: str, results: dict[str, Number]) -> dict[str, dict]:
    """Glue each result under its name and (re)write ``RESULTS/<chapter>.json``.

    Calls within one kernel accumulate, so a chapter may publish in several cells; a fresh
    execution starts the file anew. Returns the chapter's records so far.
    """
    from myst_nb import glue

    records = _registry.setdefault(chapter, {})
    for name, number in results.items():
        number = Number(**{**asdict(number), "value": plain(number.value)})
        glue(name, _Shown(number.text), display=False)
        records[name] = {**asdict(number), "text": number.text}
    _write_json(paths.RESULTS / f"{chapter}.json", records)
    return records


def publish_table(chapter: str, name: str, table, floatfmt: str = ",.1f") -> None:
    """Glue a DataFrame as a Markdown table (rendered as a real, numberable table with header
    cells) and save it as ``RESULTS/<chapter>/<name>.csv`` so readers can download its data."""
    from IPython.display import Markdown
    from myst_nb import glue

    glue(name, Markdown(table.to_markdown(index=False, floatfmt=floatfmt)), display=False)
    target = paths.RESULTS / chapter / f"{name}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(target, index=False, encoding="utf-8")


def _write_json(path, data) -> None:
    """Write JSON atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2, sort_keys=True)
    os.replace(tmp, path)
