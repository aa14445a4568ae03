"""Publish a chapter's numbers: glue them into the prose and record them in a results JSON.

Prose never types a statistic. A chapter computes a value, declares how it is shown and what evidence
it rests on, and calls :func:`publish`; the text then writes ``{glue}`name``` and tests read
``_build/results/<chapter>.json`` to check that the page states what was computed.

One rounding rule for every displayed number (:func:`shown`): 四舍五入 (round half up) on the decimal
value as written, so 16.45 shows as 16.5 at one decimal, whatever its binary representation.
"""
from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import asdict, dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from numbers import Integral, Real

from cgov import paths

#: What a published number rests on: public data, a simulation that teaches a method, a policy document.
EVIDENCE = {"real": "真实数据", "simulated": "模拟演示", "policy": "政策文件"}

_FIXED = re.compile(r"^\{:(?P<comma>,?)\.(?P<digits>\d+)(?P<kind>[f%])\}$")


def shown(value: float | int, fmt: str = "{:,}") -> str:
    """``value`` formatted with ``fmt``, rounded half up on its decimal value (the book's one rule).

    Fixed-point formats (``{:.2f}``, ``{:,.1f}``, ``{:.1%}``) round the shortest decimal that
    represents the float, so ``shown(16.45, "{:.1f}") == "16.5"``; other formats apply as given.
    """
    match = _FIXED.match(fmt)
    if match is None or isinstance(value, Integral):
        return fmt.format(value)
    number = Decimal(repr(float(value)))
    if match["kind"] == "%":
        number *= 100
    number = number.quantize(Decimal(1).scaleb(-int(match["digits"])), rounding=ROUND_HALF_UP)
    if number == 0:
        number = abs(number)  # no "-0.0"
    text = f"{number:{match['comma']}.{match['digits']}f}"
    return text + ("%" if match["kind"] == "%" else "")


@dataclass(frozen=True)
class Number:
    """A value as a chapter states it: ``fmt`` formats it, ``unit`` and ``label`` describe it,
    ``evidence`` says what it rests on (a key of :data:`EVIDENCE`; :func:`publish` may set it for a
    whole call). ``source`` is optional: the provenance map derives the data and functions from code."""

    value: float | int
    fmt: str = "{:,}"
    unit: str = ""
    label: str = ""
    source: str = ""
    evidence: str = ""

    @property
    def text(self) -> str:
        return shown(self.value, self.fmt)


@dataclass(frozen=True)
class Estimate:
    """An estimate with its 95% interval, taken from one row of a tidy table (:mod:`cgov.models`).

    Publishes three numbers: ``key`` (the estimate), ``key_low`` and ``key_high``. With ``exp=True``
    the row's ``exp_estimate``/``exp_conf_low``/``exp_conf_high`` are used (odds, rate or hazard ratios);
    ``scale`` multiplies all three (e.g. 100 for percentages).
    """

    row: object
    label: str
    fmt: str = "{:.2f}"
    unit: str = ""
    exp: bool = False
    scale: float = 1.0
    evidence: str = ""

    def numbers(self, key: str) -> dict[str, Number]:
        prefix = "exp_" if self.exp else ""
        parts = {"": ("estimate", self.label), "_low": ("conf_low", f"{self.label}：95% 区间下限"),
                 "_high": ("conf_high", f"{self.label}：95% 区间上限")}
        return {key + suffix: Number(self.scale * plain(self.row[prefix + column]), self.fmt, self.unit, label,
                                     evidence=self.evidence)
                for suffix, (column, label) in parts.items()}


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


def expand(results: dict[str, Number | Estimate], evidence: str = "") -> dict[str, Number]:
    """Each result as plain ``Number`` records: estimates become three, and ``evidence`` fills in
    any number that does not declare its own. An unknown evidence key is an error."""
    numbers: dict[str, Number] = {}
    for key, result in results.items():
        parts = result.numbers(key) if isinstance(result, Estimate) else {key: result}
        for name, number in parts.items():
            number = replace(number, value=plain(number.value),
                             evidence=number.evidence or result.evidence or evidence)
            if number.evidence and number.evidence not in EVIDENCE:
                raise ValueError(f"{name}: evidence 必须是 {sorted(EVIDENCE)} 之一 (got {number.evidence!r})")
            numbers[name] = number
    return numbers


def publish(chapter: str, results: dict[str, Number | Estimate], evidence: str = "") -> dict[str, dict]:
    """Glue each result under its name and (re)write ``RESULTS/<chapter>.json``.

    ``evidence`` ("real", "simulated" or "policy") applies to every result that does not set its own.
    Calls within one kernel accumulate, so a chapter may publish in several cells; a fresh
    execution starts the file anew. Returns the chapter's records so far.
    """
    from myst_nb import glue

    records = _registry.setdefault(chapter, {})
    for name, number in expand(results, evidence).items():
        glue(name, _Shown(number.text), display=False)
        records[name] = {**asdict(number), "text": number.text}
    _write_json(paths.RESULTS / f"{chapter}.json", records)
    return records


def formatted(table, floatfmt: str = ",.1f"):
    """A copy of ``table`` whose float columns are text, rounded by the book's rule (:func:`shown`)."""
    import pandas as pd

    spec = "{:" + floatfmt + "}"
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = [("" if pd.isna(v) else shown(v, spec)) for v in out[column]]
    return out


def publish_table(chapter: str, name: str, table, floatfmt: str = ",.1f", page=None) -> None:
    """Glue a DataFrame as a Markdown table (rendered as a real, numberable table with header
    cells) and save it as ``RESULTS/<chapter>/<name>.csv`` so readers can download its data.
    Floats are shown with ``floatfmt`` by the book's rounding rule; the CSV keeps full precision.
    ``page``, if given, is the compact view the page shows instead (the rows and columns the prose
    discusses, issue 19); the CSV still keeps ``table`` whole."""
    from IPython.display import Markdown
    from myst_nb import glue

    import pandas as pd

    table, whole = (table if page is None else page), table
    shown_table = formatted(table, floatfmt)
    align = ["right" if pd.api.types.is_numeric_dtype(table[c]) else "left" for c in table.columns]
    glue(name, Markdown(shown_table.to_markdown(index=False, disable_numparse=True, colalign=align)),
         display=False)
    target = paths.RESULTS / chapter / f"{name}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    whole.to_csv(target, index=False, encoding="utf-8")


def _write_json(path, data) -> None:
    """Write JSON atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2, sort_keys=True)
    os.replace(tmp, path)


def published(chapter: str, key: str) -> float:
    """The value another chapter published in this build, e.g. ``published("07-embedding", "vote_icc")``.

    Path chapters use it to reuse a diagnosis chapter's estimate (an ICC for a power calculation)
    instead of fitting the same model again; the book builds chapters in order, so an earlier
    chapter's results file exists. A missing file or key is an error naming both.
    """
    path = paths.RESULTS / f"{chapter}.json"
    if not path.exists():
        raise FileNotFoundError(f"没有 {path}：先执行 {chapter} 一章 (run chapter {chapter!r} first)")
    records = json.loads(path.read_text(encoding="utf-8"))
    if key not in records:
        raise KeyError(f"{chapter} 没有发布 “{key}” (chapter {chapter!r} published no {key!r})")
    return records[key]["value"]
