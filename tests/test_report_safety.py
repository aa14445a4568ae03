"""``cgov report`` with real residents' answers (issue 15): nothing small recoverable, no crash, no formula,
nothing half-written, every problem of both files listed, undefined statistics explained, a readable report.

Each test names the failure it guards against; the differencing attack (hypothesis) tries every sum and
difference of released cells that share a margin.
"""
from __future__ import annotations

import html
import itertools
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cgov import codebook, data
from cgov.__main__ import main
from cgov.errors import DataError
from cgov.report import build_report, indicators, load_inputs, privacy, render

SURVEY, COMMUNITIES = data.path_of("sim_residents"), data.path_of("sim_communities")
K = privacy.MIN_CELL


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return pd.read_csv(SURVEY, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    return pd.read_csv(COMMUNITIES, dtype=str, keep_default_na=False)


def write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def run(capsys, *args) -> tuple[int, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / "tables" / f"{name}.csv", encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def first(frame: pd.DataFrame, ids, per: int | None = None) -> pd.DataFrame:
    """The respondents of communities ``ids`` (the first ``per`` of each when given)."""
    part = frame[frame["community_id"].isin(ids)]
    return part.groupby("community_id", sort=False).head(per) if per else part


# ---- disclosure ------------------------------------------------------------------------------------

def test_small_community_is_left_out_of_every_table(people, places, tmp_path, capsys):
    """Failure: the per-community table hid a community of 3, but the community-type total still counted it,
    so type total − visible communities = the hidden community; the overall table printed its size."""
    survey = pd.concat([first(people, ["C001", "C002", "C003", "C005"]), first(people, ["C004"], per=3)])
    code, err = run(capsys, "report", write(survey, tmp_path / "s.csv"), "--communities",
                    write(places, tmp_path / "c.csv"), "--out", tmp_path / "out")
    assert (code, err) == (0, "")
    out = tmp_path / "out"
    released = survey[survey["community_id"] != "C004"]
    assert "C004" not in set(table(out, "communities")["community_id"])
    overall = table(out, "overall").set_index("indicator")["value"]
    assert overall["受访者人数"] == len(released) and overall["每社区受访者（最少）"] >= K
    by_type = table(out, "by_group").query("breakdown == '社区类型'").set_index("group")["n"]
    expected = released["community_id"].map(places.set_index("community_id")["community_type"]).value_counts()
    assert by_type.to_dict() == expected.to_dict()
    for name in ("by_group", "belonging_distribution", "ratings_distribution"):
        frame = table(out, name)
        for _, part in frame.groupby("breakdown" if name == "by_group" else
                                     ("question" if name == "ratings_distribution" else lambda i: 0)):
            assert pd.to_numeric(part["n"], errors="coerce").sum() <= len(released)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "3 名受访者" in page and f"少于 {K} 人" in page and "1 个社区" in page


@pytest.mark.parametrize("sizes", [[1], [4], [2, 2], [4, 3, 1]])
def test_fewer_than_k_respondents_are_refused(people, tmp_path, capsys, sizes):
    """Failure: a survey of fewer than 5 respondents (even 1) gave a full report with that person's answers."""
    ids = [f"C{i + 1:03d}" for i in range(len(sizes))]
    survey = pd.concat([first(people, [c], per=n) for c, n in zip(ids, sizes)])
    code, err = run(capsys, "report", write(survey, tmp_path / "s.csv"), "--out", tmp_path / "out")
    assert code == 1 and not (tmp_path / "out").exists()
    assert f"少于 {K} 名受访者" in err and "Traceback" not in err


@pytest.mark.parametrize("column, value, what", [
    ("community_id", "C006-13812345678", "手机号码"),
    ("community_id", "C001 联系 138-1234-5678", "手机号码"),
    ("resident_id", "R1（身份证 11010519491231002X）", "身份证号码"),
    ("community_id", "C001 zhang.san@example.com", "电子邮箱"),
    ("resident_id", "电话+86 139 1234 5678 张", "手机号码"),
])
def test_identifiers_anywhere_inside_a_cell_are_refused(people, tmp_path, capsys, column, value, what):
    """Failure: a phone number inside a community id (C006-13812345678) reached report.html and the CSVs."""
    survey = first(people, ["C001", "C002"]).copy()
    survey.iloc[3, survey.columns.get_loc(column)] = value
    code, err = run(capsys, "report", write(survey, tmp_path / "s.csv"), "--out", tmp_path / "out")
    assert code == 1 and not (tmp_path / "out").exists()
    assert f"第 5 行，列 “{column}”" in err and what in err


# ---- output that can attack the user --------------------------------------------------------------

@pytest.mark.parametrize("formula", ["=1+2", "+SUM(1,2)", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"])
def test_csv_cells_cannot_run_as_formulas(people, tmp_path, capsys, formula):
    """Failure: CSV cells from user text beginning with = + - @ were written verbatim (CSV injection)."""
    survey = first(people, ["C001", "C002"]).copy()
    survey.loc[survey["community_id"] == "C001", "community_id"] = formula
    code, err = run(capsys, "report", write(survey, tmp_path / "s.csv"), "--out", tmp_path / "out")
    assert (code, err) == (0, "")
    for path in (tmp_path / "out" / "tables").iterdir():
        for row in pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False).itertuples(index=False):
            for cell in row:
                assert not re.match(r"[=+\-@\t\r]", cell) or re.fullmatch(r"-?[\d.]+(e-?\d+)?", cell), (path.name, cell)
    assert ("'" + formula) in (tmp_path / "out" / "tables" / "communities.csv").read_text(encoding="utf-8-sig")


# ---- crashes and half-written output ------------------------------------------------------------

@pytest.mark.parametrize("column, value", [("activities", "123456789012345678901"),
                                           ("activities", "9223372036854775808"), ("age", "1.8E+19")])
def test_huge_integers_are_a_clear_message(people, tmp_path, capsys, column, value):
    """Failure: an integer ≥ 2⁶³ in a numeric column ended in a Python traceback."""
    survey = first(people, ["C001", "C002"]).copy()
    survey.iloc[6, survey.columns.get_loc(column)] = value
    code, err = run(capsys, "report", write(survey, tmp_path / "s.csv"), "--out", tmp_path / "out")
    assert code == 1 and f"第 8 行，列 “{column}”" in err and "Traceback" not in err


def test_unexpected_error_is_internal_error_without_traceback(people, tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(indicators, "compute", broken)
    code, err = run(capsys, "report", write(first(people, ["C001"]), tmp_path / "s.csv"), "--out", tmp_path / "out")
    assert code not in (0, 1) and "内部错误" in err and "internal error, please report" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.*"))


SIGTERM_SCRIPT = """
import os, signal, sys
import pandas as pd
from cgov.report import render
original = pd.DataFrame.to_csv
def slow(self, *args, **kwargs):
    original(self, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGTERM)   # as if the user's session ended while the report was written
pd.DataFrame.to_csv = slow
from cgov.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def test_sigterm_while_writing_leaves_nothing(people, tmp_path):
    """Failure: SIGTERM while writing left a hidden .partial folder with half a report."""
    survey = write(first(people, ["C001", "C002"]), tmp_path / "s.csv")
    proc = subprocess.run([sys.executable, "-c", SIGTERM_SCRIPT, "report", str(survey), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.*")), list(tmp_path.iterdir())


def test_stale_partial_folders_of_earlier_runs_are_removed(people, tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.{dead.pid}.k3j2h1.partial"   # its process is gone
    (stale / "tables").mkdir(parents=True)
    (stale / "report.html").write_text("half")
    running = tmp_path / f".out.{os.getppid()}.a1b2c3.partial"   # a report still being written: kept
    running.mkdir()
    old = tmp_path / ".out.zz9.partial"
    old.mkdir()
    os.utime(old, (time.time() - 7 * 86400,) * 2)
    code, _ = run(capsys, "report", write(first(people, ["C001"]), tmp_path / "s.csv"), "--out", tmp_path / "out")
    assert code == 0 and not stale.exists() and not old.exists() and running.exists()


# ---- validation gaps and unclear messages ------------------------------------------------------------

def test_every_numeric_and_date_variable_has_a_plausible_range():
    for table_ in codebook.TABLES:
        for var in table_.variables:
            if var.type in ("integer", "number", "date"):
                assert var.minimum is not None and var.maximum is not None, (table_.name, var.name)


@pytest.mark.parametrize("column, value, text", [
    ("activities", "1.1E+17", "不是整数"), ("activities", "5000", "大于最大值"), ("tenure_years", "150", "大于最大值"),
    ("age", "4e1", "不是整数"),
])
def test_implausible_values_are_refused(people, tmp_path, capsys, column, value, text):
    """Failure: 1.1E+17 activities a year and 150 years of residence were accepted and averaged."""
    survey = first(people, ["C001"]).copy()
    survey.iloc[2, survey.columns.get_loc(column)] = value
    code, err = run(capsys, "report", write(survey, tmp_path / "s.csv"), "--out", tmp_path / "out")
    assert code == 1 and f"第 4 行，列 “{column}”" in err and text in err


def test_future_dates_and_years_are_refused(people, places, tmp_path, capsys):
    future = pd.Timestamp.today() + pd.Timedelta(days=40)
    frame = places.copy()
    frame.loc[1, "platform_date"] = future.strftime("%Y-%m-%d")
    frame.loc[2, "shuangbaodao_year"] = str(future.year + 1)
    code, err = run(capsys, "report", write(first(people, ["C001"]), tmp_path / "s.csv"), "--communities",
                    write(frame, tmp_path / "c.csv"), "--out", tmp_path / "out")
    assert code == 1 and "第 3 行，列 “platform_date”" in err and "第 4 行，列 “shuangbaodao_year”" in err
    assert "晚于" in err


def test_problems_of_both_files_are_listed_together(people, places, tmp_path, capsys):
    """Failure: when both files had problems, only the survey's were listed."""
    survey = first(people, ["C001"]).copy()
    survey.iloc[0, survey.columns.get_loc("sex")] = "M"
    frame = places.copy()
    frame.loc[0, "households"] = "很多"
    code, err = run(capsys, "report", write(survey, tmp_path / "s.csv"), "--communities",
                    write(frame, tmp_path / "c.csv"), "--out", tmp_path / "out")
    assert code == 1 and "文件 s.csv，第 2 行，列 “sex”" in err and "文件 c.csv，第 2 行，列 “households”" in err
    (tmp_path / "e.csv").write_bytes(b"")
    code, err = run(capsys, "report", tmp_path / "s.csv", "--communities", tmp_path / "e.csv", "--out", tmp_path / "o")
    assert code == 1 and "文件 s.csv" in err and "文件 e.csv" in err


def test_one_community_gets_no_icc_but_a_reason(people, tmp_path, capsys):
    """Failure: an ICC was printed for a single community; undefined statistics showed a dash or exception text."""
    survey = first(people, ["C001"])
    code, err = run(capsys, "report", write(survey, tmp_path / "s.csv"), "--out", tmp_path / "out")
    assert (code, err) == (0, "")
    icc = table(tmp_path / "out", "icc")
    assert icc["icc"].isna().all() and icc["reason"].str.contains("只有 1 个社区").all()
    assert icc["reason"].str.contains("only one community").all()
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "只有 1 个社区" in page


def test_constant_answers_and_an_inestimable_model_are_explained(people, tmp_path, capsys):
    survey = first(people, ["C001", "C002", "C003"]).copy()
    for i in range(1, 7):
        survey[f"belong_{i}"] = "3"
    survey["voted"] = "true"
    code, err = run(capsys, "report", write(survey, tmp_path / "s.csv"), "--out", tmp_path / "out")
    assert (code, err) == (0, "")
    reliability = table(tmp_path / "out", "belonging_reliability")
    assert reliability["alpha"].isna().all() and reliability["reason"].str.contains("没有差异").all()
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    logit = re.sub(r'src="data:[^"]*"', "", page)   # the figures' base64 may spell anything
    assert "所有受访者都投了票" in logit and "all respondents voted" in logit
    for raw in ("Singular", "PerfectSeparation", "LinAlgError", "ValueError", "nan", "<NA>", "None"):
        assert raw not in logit


def test_hidden_cells_use_one_mark_explained_once(people, tmp_path, capsys):
    """Failure: hidden cells showed <NA> in the HTML."""
    survey = pd.concat([first(people, ["C001", "C002", "C003"]), first(people, ["C004"], per=3)])
    survey["party_member"] = "false"
    survey.iloc[:2, survey.columns.get_loc("party_member")] = "true"
    code, _ = run(capsys, "report", write(survey, tmp_path / "s.csv"), "--out", tmp_path / "out")
    page = re.sub(r'src="data:[^"]*"', "", (tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    assert code == 0 and "&lt;NA&gt;" not in page and "<NA>" not in page and ">nan<" not in page and "—" in page
    assert page.count("“—”") == 1


# ---- messages ----------------------------------------------------------------------------------------

def test_bom_only_file_is_empty(tmp_path, capsys):
    (tmp_path / "s.csv").write_bytes(b"\xef\xbb\xbf")
    code, err = run(capsys, "report", tmp_path / "s.csv", "--out", tmp_path / "out")
    assert code == 1 and "文件是空的" in err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_named(people, tmp_path, capsys, encoding):
    path = tmp_path / "s.csv"
    path.write_bytes(first(people, ["C001"]).to_csv(index=False).encode(encoding))
    code, err = run(capsys, "report", path, "--out", tmp_path / "out")
    assert code == 1 and "UTF-16" in err and "控制字符" not in err


def test_unbalanced_quote_names_the_line_where_the_field_starts(people, tmp_path, capsys):
    path = write(first(people, ["C001"]), tmp_path / "s.csv")
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[6] = lines[6].replace(",男,", ',"男,', 1).replace(",女,", ',"女,', 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    code, err = run(capsys, "report", path, "--out", tmp_path / "out")
    assert code == 1 and "第 7 行" in err and "引号" in err


def test_blank_excel_header_cells(people, tmp_path, capsys):
    """Trailing blank header cells (Excel): ignored when the whole column is blank, named when not."""
    frame = first(people, ["C001"]).copy()
    frame[""] = ""
    frame[" "] = ""
    frame.to_excel(tmp_path / "s.xlsx", index=False)
    code, err = run(capsys, "report", tmp_path / "s.xlsx", "--out", tmp_path / "out")
    assert (code, err) == (0, "")
    frame.iloc[3, -1] = "备注"
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    code, err = run(capsys, "report", tmp_path / "t.xlsx", "--out", tmp_path / "out2")
    assert code == 1 and "表头为空" in err and f"第 {len(frame.columns)} 列" in err


# ---- a report a street office can read ----------------------------------------------------------------

@pytest.fixture(scope="module")
def readable(people, places, tmp_path_factory):
    folder = tmp_path_factory.mktemp("readable")
    survey = first(people, [f"C{i:03d}" for i in range(1, 13)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_report(write(survey, folder / "s.csv"), folder / "out", write(places, folder / "c.csv"))
    return folder / "out"


def test_report_speaks_to_street_staff(readable):
    page = html.unescape((readable / "report.html").read_text(encoding="utf-8"))
    body = re.sub(r"<[^>]+>", " ", page)
    assert re.search(r"选举投票率\s+\d+\.\d%", body)                     # rates as percentages
    for term in ("party", "age10", "owner_commodity", "belonging"):
        assert f">{term}<" not in page                                   # no variable names in the model table
    assert "年龄（每 10 岁，以 47 岁为中心）" in page and "党员身份" in page
    model = page.split('id="participation_logit"')[1].split("<h2")[0]
    assert re.search(r"<td>(< 0\.001|0\.\d{3}|1\.000)</td>", model) and not re.search(r">0(\.0+)?<", model)
    assert render.p_value(1.6e-11) == "< 0.001" and render.p_value(0.0123) == "0.012"   # never printed as 0
    assert "vote ~" not in page
    summary = re.search(r'<section id="summary">(.*?)</section>', page, re.S)[1]
    assert "能说明" in summary and "不能说明" in summary and "%" in summary
    assert page.count('class="how"') >= 8                                 # one plain sentence per section


def test_out_folder_has_normal_permissions(readable):
    umask = os.umask(0)
    os.umask(umask)
    assert readable.stat().st_mode & 0o777 == 0o777 & ~umask


def test_book_warnings_are_kept(readable):
    """League tables with intervals, correlations with intervals and a selection caveat, few communities."""
    com = table(readable, "communities")
    assert {"voted_low", "voted_high", "belonging_low", "belonging_high"} <= set(com.columns)
    assert (com["voted_low"] <= com["voted"]).all() and (com["voted"] <= com["voted_high"]).all()
    cor = table(readable, "community_correlations")
    assert {"conf_low", "conf_high"} <= set(cor.columns)
    page = (readable / "report.html").read_text(encoding="utf-8")
    assert "区间" in page and "选择" in page and "因果" in page
    assert "社区太少" in page and "12 个社区" in page                   # clustered inference on 12 communities


# ---- the differencing attack ----------------------------------------------------------------------------

def released_cells(out_tables: dict[str, pd.DataFrame], survey: pd.DataFrame, types: dict) -> list[tuple]:
    """Every released count as (family, set of respondents it counts, count); hidden cells are unknown.

    A cell's set is taken from the respondents of the released communities, so the check that each count
    equals the size of its set also proves that no table counts a respondent of a left-out community."""
    released_ids = set(out_tables["communities"]["community_id"])
    rows = survey[survey["community_id"].isin(released_ids)]
    rows = rows.assign(type=rows["community_id"].map(types),
                       age_group=pd.cut(rows["age"].astype(float), [17, 34, 49, 64, 200],
                                        labels=["18–34 岁", "35–49 岁", "50–64 岁", "65 岁及以上"]).astype(str),
                       party=np.where(rows["party_member"] == "true", "党员", "非党员"),
                       score=rows[[f"belong_{i}" for i in range(1, 7)]].astype(float).mean(axis=1).mul(2).round().div(2))
    labels = {"性别": "sex", "年龄组": "age_group", "住房产权": "housing", "党员身份": "party", "社区类型": "type"}
    overall = int(out_tables["overall"].set_index("indicator").loc["受访者人数", "value"])
    cells = [("overall", frozenset(rows.index), overall)]
    for r in out_tables["communities"].itertuples():
        cells.append((f"communities:{types[r.community_id]}", frozenset(rows.index[rows["community_id"] == r.community_id]),
                      int(r.n)))
    for r in out_tables["by_group"].dropna(subset=["n"]).itertuples():
        members = rows.index[rows[labels[r.breakdown]].astype(str) == str(r.group)]
        cells.append((f"by_group:{r.breakdown}" + (f":{r.group}" if r.breakdown == "社区类型" else ""),
                      frozenset(members), int(r.n)))
    for r in out_tables["belonging_distribution"].dropna(subset=["n"]).itertuples():
        cells.append(("score", frozenset(rows.index[rows["score"] == float(r.score)]), int(r.n)))
    for r in out_tables["ratings_distribution"].dropna(subset=["n"]).itertuples():
        cells.append((f"rating:{r.question}", frozenset(rows.index[rows[r.question].astype(int) == int(r.code)]),
                      int(r.n)))
    for family, members, count in cells:
        assert len(members) == count, (family, len(members), count)
    return cells


def margins(cells: list[tuple]) -> list[tuple[tuple, list[tuple]]]:
    """Each released total with the released cells that partition it, as the tables show them: the overall
    count with every table and breakdown, and the count of each community type with its communities."""
    def family(name: str) -> str:   # one table, or one breakdown or question of a table
        parts = name.split(":")
        return ":".join(parts[:2]) if parts[0] in ("by_group", "rating") else parts[0]

    overall = next(c for c in cells if c[0] == "overall")
    families = {family(c[0]) for c in cells if c[0] != "overall"}
    out = [(overall, [c for c in cells if c[0] != "overall" and family(c[0]) == f]) for f in families]
    for cell in cells:
        if cell[0].startswith("by_group:社区类型:"):
            out.append((cell, [c for c in cells if c[0] == "communities:" + cell[0].rsplit(":", 1)[1]]))
    return out


def attack(cells: list[tuple], k: int) -> list[str]:
    """Every sum/difference of cells that share a margin: a total minus any set of the released cells that
    partition it (a single cell: a difference; several: a sum subtracted), and every released cell itself.
    Returns the combinations that give a count between 1 and k − 1."""
    found = [f"{family}: cell of {count}" for family, _, count in cells if 0 < count < k]
    for total, parts in margins(cells):
        for size in range(1, min(len(parts), 10) + 1):
            for combo in itertools.combinations(parts, size):
                assert all(not (a[1] & b[1]) for a, b in itertools.combinations(combo, 2))   # a partition
                rest = total[2] - sum(c[2] for c in combo)
                if 0 < rest < k:
                    found.append(f"{total[0]} − {[c[0] for c in combo]} = {rest}")
    return found


SURVEYS = st.lists(st.tuples(st.integers(1, 14), st.integers(0, 2**32 - 1)), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=SURVEYS, seed=st.integers(0, 2**32 - 1))
def test_no_combination_of_released_cells_gives_a_small_count(people, places, tmp_path_factory, spec, seed):
    """The differencing attack: random surveys (communities of 1–14 respondents, random answers); all released
    tables; every sum/difference of cells sharing a margin must give 0 or at least k respondents."""
    rng = np.random.default_rng(seed)
    parts = []
    for i, (size, s) in enumerate(spec):
        part = people.sample(size, random_state=s % 10_000).copy()
        part["community_id"] = f"C{i + 1:03d}"
        parts.append(part)
    survey = pd.concat(parts, ignore_index=True)
    survey["resident_id"] = [f"R{i:05d}" for i in range(len(survey))]
    survey["party_member"] = np.where(rng.random(len(survey)) < 0.15, "true", "false")
    survey["housing"] = np.where(rng.random(len(survey)) < 0.2, "租住", "自有住房")
    survey["age"] = rng.integers(18, 91, len(survey)).astype(str)
    folder = tmp_path_factory.mktemp("attack")
    path = write(survey, folder / "s.csv")
    typed, communities = load_inputs(path, write(places, folder / "c.csv"))
    with warnings.catch_warnings():   # build_report without the figures and files: the same tables, faster
        warnings.simplefilter("ignore")
        try:
            released = privacy.release(path, typed, K)
        except DataError as exc:   # a refusal releases nothing
            assert f"少于 {K} 名受访者" in str(exc), exc
            return
        results = indicators.compute(released.survey, communities, K)
    tables = {r.name: r.frame for r in results}
    types = places.set_index("community_id")["community_type"].to_dict()
    assert attack(released_cells(tables, survey, types), K) == []
