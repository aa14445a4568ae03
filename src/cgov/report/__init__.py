"""``cgov report``: the book's diagnosis run on a community's own survey.

:func:`build_report` validates the survey (and optionally the community file) against the codebook of
:mod:`cgov.codebook`, decides once which respondents every table may release (no community of fewer
than k), computes the indicators with :mod:`cgov.models`, suppresses small cells and writes an offline
HTML report for street and community staff, with CSV tables, into a new folder — all of it, or nothing.
"""
from __future__ import annotations

from pathlib import Path

import cgov
from cgov.data import sha256
from cgov.errors import DataError
from cgov.report import indicators, output, privacy, render, summary, validate
from cgov.codebook import COMMUNITIES, RESIDENTS

TITLE = "社区治理诊断报告"
SIM_BANNER = "本报告所用数据是模拟数据（教学用，非真实数据），其中的数字不描述任何真实社区。"


def load(path: Path, table, drop=()):
    """Read and validate one input file against a codebook table; raise DataError listing every problem."""
    return validate.validate(path, validate.read_cells(path), table, drop)


def load_inputs(survey: Path, communities: Path | None, drop=()) -> tuple:
    """(survey, community file or None), validated; the problems of both files are raised together."""
    problems, loaded = [], {}
    for key, path, table, dropped in (("people", survey, RESIDENTS, drop), ("places", communities, COMMUNITIES, ())):
        if path is None:
            continue
        try:
            loaded[key] = load(Path(path), table, dropped)
        except validate.SurveyInvalid as exc:
            problems += exc.problems
        except DataError as exc:
            problems.append(exc)
    people, places = loaded.get("people"), loaded.get("places")
    if people is not None and places is not None:
        unknown = validate.Collector(survey)
        unknown.cells("community_id", ~people["community_id"].isin(places["community_id"]), people["community_id"],
                      f"社区编号 “{{}}” 不在社区文件 {Path(communities).name} 中 (community not in the community file)")
        problems += unknown.problems
    if problems:
        raise validate.SurveyInvalid(problems)
    return people, places


def check_output(out: Path) -> None:
    """Refuse an output path that is a file or a non-empty folder (a report is never merged or overwritten)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DataError(out, "输出位置已存在且不是空文件夹；请换一个新的文件夹名 (the output exists and is not an "
                             "empty folder: choose a new one)")


def build_report(survey: Path, out: Path, communities: Path | None = None, min_cell: int = privacy.MIN_CELL,
                 drop=()) -> list[indicators.Result]:
    """Validate, compute and write the report into ``out``; return the result tables."""
    if min_cell < privacy.MIN_CELL:
        raise ValueError(f"min_cell 不能小于 {privacy.MIN_CELL} (min_cell cannot be below {privacy.MIN_CELL})")
    survey, out = Path(survey), Path(out)
    check_output(out)
    people, places = load_inputs(survey, Path(communities) if communities else None, drop)
    released = privacy.release(survey, people, min_cell)
    results = indicators.compute(released.survey, places, min_cell)
    simulated = "is_simulated" in people and bool(people["is_simulated"].all())
    intro = [f"数据文件：{survey.name}（sha256 {sha256(survey)[:16]}…）"
             + (f"；社区文件：{Path(communities).name}" if communities else "")
             + (f"；生成报告时去掉了列：{'、'.join(drop)}" if drop else "") + "。",
             f"由 cgov {cgov.__version__} 按《基层党建引领社区治理》一书的编码表和方法生成；CSV 表格中比率为 0–1 的小数，"
             f"隐藏的格子留空（suppressed 列为 True）。"]
    by_name = {r.name: r for r in results}
    page = render.page(TITLE, intro, summary.summary(by_name, released), results, render.figures(by_name),
                       SIM_BANNER if simulated else "")
    output.write_atomically(out, {"report.html": page, **{f"tables/{r.name}.csv": r.frame for r in results}})
    return results
