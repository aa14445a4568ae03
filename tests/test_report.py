"""``cgov report``: round trip on the simulated survey, a gallery of broken inputs, random damage,
small-cell suppression, atomic output, the command line."""
from __future__ import annotations

import ast
import hashlib
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cgov import data, models
from cgov.__main__ import main
from cgov.report import build_report, indicators, privacy
from conftest import ROOT

SURVEY, COMMUNITIES = data.path_of("sim_residents"), data.path_of("sim_communities")
TABLES = ("overall", "by_group", "participation_logit", "belonging_reliability", "belonging_distribution",
          "ratings_distribution", "icc", "communities", "community_correlations")


def table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / "tables" / f"{name}.csv", encoding="utf-8-sig")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sim_report(tmp_path_factory):
    """The report of the whole simulated survey with its community file (the book's data)."""
    out = tmp_path_factory.mktemp("sim") / "report"
    before = digest(SURVEY), digest(COMMUNITIES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_report(SURVEY, out, COMMUNITIES)
    assert (digest(SURVEY), digest(COMMUNITIES)) == before, "the input files were modified"
    return out


@pytest.fixture(scope="module")
def residents():
    return data.load("sim_residents")


@pytest.fixture
def small(tmp_path) -> Path:
    """A small valid survey: the simulated respondents of the first four communities."""
    frame = pd.read_csv(SURVEY, dtype=str, keep_default_na=False)
    path = tmp_path / "survey.csv"
    frame[frame["community_id"].isin(["C001", "C002", "C003", "C004"])].to_csv(path, index=False)
    return path


def run(capsys, *args) -> tuple[int, str]:
    """Run ``cgov`` in this process: (exit status, stderr)."""
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


# ---- the wall: the survey tool never uses the simulator -------------------------------------------

def test_report_imports_nothing_from_the_simulator():
    """DESIGN.md: cgov report validates real surveys against the neutral codebook, never against cgov.sim."""
    for source in Path(ROOT, "src", "cgov", "report").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "cgov.sim" or n.startswith("cgov.sim.") for n in names), source.name
            if isinstance(node, ast.ImportFrom) and node.module == "cgov":
                assert "sim" not in [a.name for a in node.names], source.name
    code = "import sys, cgov.report, cgov.report.cli, cgov.report.bench; sys.exit('cgov.sim' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# ---- round trip: the report's numbers are the book's -------------------------------------------

def test_round_trip_equals_models(sim_report, residents):
    rel = table(sim_report, "belonging_reliability").set_index("scale")
    items = [f"belong_{i}" for i in range(1, 7)]
    assert rel["alpha"].iloc[0] == pytest.approx(models.cronbach_alpha(residents[items]), rel=1e-9)
    assert rel.loc["认同感", "alpha"] == pytest.approx(models.cronbach_alpha(residents[items[:3]]), rel=1e-9)
    assert rel.loc["凝聚力", "alpha"] == pytest.approx(models.cronbach_alpha(residents[items[3:]]), rel=1e-9)
    places = data.load("sim_communities")
    survey = residents.merge(places[["community_id", "community_type"]], on="community_id").assign(  # as chapter 04
        vote=lambda d: d["voted"].astype(int), party=lambda d: d["party_member"].astype(int),
        belonging=lambda d: d[items].mean(axis=1) - 3, age10=lambda d: (d["age"] - 47) / 10,
        owner_commodity=lambda d: ((d["housing"] == "自有住房") & (d["community_type"] == "商品房")).astype(int))
    logit = models.logit(survey, "vote ~ party + belonging + age10 + owner_commodity", cluster="community_id")
    reported = table(sim_report, "participation_logit")
    assert list(reported["term"]) == ["Intercept", "party", "belonging", "age10", "owner_commodity"]
    np.testing.assert_allclose(reported[["estimate", "std_error", "exp_estimate"]],
                               logit[["estimate", "std_error", "exp_estimate"]], rtol=1e-9)
    icc = table(sim_report, "icc").set_index("outcome")["icc"]
    for outcome in ("satisfaction", "trust_rc"):   # chapter 03: (MSB − MSW) / (MSB + (k − 1) MSW), k = 25 each
        values, groups = residents[outcome].astype(float), residents["community_id"]
        k, means = 25, values.groupby(groups).transform("mean")
        msb = k * ((values.groupby(groups).mean() - values.mean()) ** 2).sum() / (groups.nunique() - 1)
        msw = ((values - means) ** 2).sum() / (len(values) - groups.nunique())
        assert icc[outcome] == pytest.approx((msb - msw) / (msb + (k - 1) * msw), rel=1e-9)
    expected = models.mixed_logit(residents, "voted ~ 1", "community_id").set_index("term").loc["ICC"]
    assert icc["voted"] == pytest.approx(expected["estimate"], rel=1e-6)


def test_round_trip_rates(sim_report, residents):
    overall = table(sim_report, "overall").set_index("indicator")["value"]
    assert overall["受访者人数"] == len(residents)
    assert overall["选举投票率"] == pytest.approx(residents["voted"].astype(float).mean())
    assert overall["满意率"] == pytest.approx((residents["satisfaction"] >= 4).mean())
    groups = table(sim_report, "by_group")
    sex = groups[groups["breakdown"] == "性别"].set_index("group")
    expected = residents.groupby(residents["sex"].astype(str))["voted"].agg(["size", lambda v: v.astype(float).mean()])
    assert sex["n"].to_dict() == expected["size"].to_dict()
    np.testing.assert_allclose(sex["voted"].sort_index(), expected.iloc[:, 1].sort_index())
    places = data.load("sim_communities")
    by_type = groups[groups["breakdown"] == "社区类型"].set_index("group")["n"]
    counts = residents["community_id"].map(places.set_index("community_id")["community_type"]).value_counts()
    assert by_type.to_dict() == counts.to_dict()
    assert set(table(sim_report, "community_correlations")["trait"]) == set(indicators.TRAITS)


def test_report_is_complete_and_offline(sim_report):
    assert sorted(p.name for p in (sim_report / "tables").iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    page = (sim_report / "report.html").read_text(encoding="utf-8")
    assert "模拟数据" in page  # the banner: the input says is_simulated
    assert not re.search(r"<(script|link|iframe)\b", page)
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert len(sources) == 4 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in page and "https://" not in page and "url(" not in page
    assert "Noto Sans CJK SC" in page


def test_anova_icc_by_hand_and_close_to_reml(residents):
    values, groups = pd.Series([1.0, 2, 3, 4, 5, 6]), pd.Series(list("aaabbb"))
    between, within = 3 * (1.5**2 + 1.5**2), 4 / 4       # MSB (k−1 = 1) and MSW (N−k = 4), n₀ = 3
    assert models.anova_icc(values, groups) == pytest.approx((between - within) / 3 / ((between - within) / 3 + within))
    assert models.anova_icc(pd.Series([1.0, 2, 1, 2]), pd.Series(list("aabb"))) == 0.0
    frame = residents.assign(belonging=residents[[f"belong_{i}" for i in range(1, 7)]].astype(float).mean(axis=1))
    reml = models.mixed_linear(frame, "belonging ~ 1", "community_id").set_index("term").loc["ICC", "estimate"]
    assert models.anova_icc(frame["belonging"], frame["community_id"]) == pytest.approx(reml, abs=0.01)


def test_large_surveys_use_anova_icc(small, tmp_path, monkeypatch):
    monkeypatch.setattr(indicators, "MAX_MIXED", 10)
    build_report(small, tmp_path / "out")
    icc = table(tmp_path / "out", "icc")
    assert icc["estimator"].str.contains("方差分析").all()
    people = pd.read_csv(small)
    assert icc.set_index("outcome").loc["voted", "icc"] == pytest.approx(
        models.anova_icc(people["voted"].astype(float), people["community_id"]))


# ---- a gallery of inputs ---------------------------------------------------------------------------

def rewrite(path: Path, change) -> Path:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = change(frame)
    frame.to_csv(path, index=False)
    return path


def set_cell(row_line: int, column: str, value: str):
    """A change that puts ``value`` in file line ``row_line`` (header = 1) of ``column``."""
    def change(frame):
        frame.loc[row_line - 2, column] = value
        return frame
    return change


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_gbk_and_bom_accepted(small, tmp_path, capsys, encoding):
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(small.read_text(encoding="utf-8").encode(encoding))
    code, err = run(capsys, "report", path, "--out", tmp_path / "out")
    assert (code, err) == (0, "")
    assert table(tmp_path / "out", "by_group").query("breakdown == '性别'")["group"].tolist() == ["女", "男"]


def test_xlsx_accepted_and_labels_read_as_codes(small, tmp_path, capsys):
    frame = pd.read_csv(small, dtype={"resident_id": str, "community_id": str})
    frame["satisfaction"] = frame["satisfaction"].map({1: "非常不满意", 2: "不太满意", 3: "一般", 4: "比较满意",
                                                       5: "非常满意"})
    frame["voted"] = frame["voted"].map({True: "是", False: "否"})
    frame.to_excel(tmp_path / "survey.xlsx", index=False)
    code, err = run(capsys, "report", tmp_path / "survey.xlsx", "--out", tmp_path / "out")
    assert (code, err) == (0, "")
    plain = pd.read_csv(small)
    overall = table(tmp_path / "out", "overall").set_index("indicator")["value"]
    assert overall["满意率"] == pytest.approx((plain["satisfaction"] >= 4).mean())
    assert overall["选举投票率"] == pytest.approx(plain["voted"].mean())


GALLERY = {
    "binary garbage": (lambda p: p.write_bytes(bytes(range(256)) * 40), ["不是文本 CSV 文件", "control characters"]),
    "not utf-8 nor gbk": (lambda p: p.write_bytes("resident_id\n".encode() + b"\xff\xfe\xfa" * 30),
                          ["既不是 UTF-8 也不是 GBK", "neither UTF-8 nor GBK"]),
    "empty file": (lambda p: p.write_bytes(b""), ["文件是空的", "the file is empty"]),
    "header only": (lambda p: p.write_text(p.read_text().splitlines()[0] + "\n"), ["没有数据行", "第 2 行"]),
    "missing column": (lambda p: rewrite(p, lambda f: f.drop(columns="age")),
                       ["列 “age”", "缺少必需的列（年龄）", "required column missing"]),
    "out of range": (lambda p: rewrite(p, set_cell(7, "age", "200")),
                     ["第 7 行，列 “age”：值 200 大于最大值 110", "above the maximum 110"]),
    "bad code": (lambda p: rewrite(p, set_cell(3, "sex", "未知")), ["第 3 行，列 “sex”", "不是允许的编码 男、女"]),
    "not an integer": (lambda p: rewrite(p, set_cell(4, "belong_2", "很好")),
                       ["第 4 行，列 “belong_2”：值 “很好” 不是整数", "not a valid integer"]),
    "blank required": (lambda p: rewrite(p, set_cell(5, "voted", "")), ["第 5 行，列 “voted”：必填值为空"]),
    "duplicated ids": (lambda p: rewrite(p, set_cell(9, "resident_id", "R00002")),
                       ["第 3 行，列 “resident_id”", "第 9 行，列 “resident_id”", "duplicated identifier"]),
    "name column": (lambda p: rewrite(p, lambda f: f.assign(姓名="张三")), ["列 “姓名”", "姓名 (names)", "--drop 姓名"]),
    "phone in a note": (lambda p: rewrite(p, lambda f: f.assign(note="").pipe(set_cell(6, "note", "138 1234 5678"))),
                        ["第 6 行，列 “note”", "手机号码"]),
    "id number as respondent id": (lambda p: rewrite(p, set_cell(2, "resident_id", "11010519491231002X")),
                                   ["第 2 行，列 “resident_id”", "身份证号码"]),
    "unknown column": (lambda p: rewrite(p, lambda f: f.assign(remark="x")), ["列 “remark”", "不是编码表中的变量"]),
    "ragged row": (lambda p: p.write_text(p.read_text() + "R9,C001,1,2,3\n" + "x," * 30 + "\n"),
                   ["列数多于表头", "more fields than the header"]),
    "damaged xlsx": (lambda p: p.with_suffix(".xlsx"), ["无法读取 Excel 工作簿"]),
}


@pytest.mark.parametrize("case", GALLERY)
def test_gallery_of_broken_inputs(small, tmp_path, capsys, case):
    damage, expected = GALLERY[case]
    target = damage(small)
    if case == "damaged xlsx":
        target.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    path = target if isinstance(target, Path) else small
    code, err = run(capsys, "report", path, "--out", tmp_path / "out")
    assert code == 1
    for text in expected:
        assert text in err, err
    assert f"文件 {path.name}" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.*"))


def test_every_problem_reported_at_once(small, tmp_path, capsys):
    rewrite(small, lambda f: set_cell(8, "trust_rc", "9")(set_cell(5, "sex", "M")(f.drop(columns="housing"))))
    code, err = run(capsys, "report", small, "--out", tmp_path / "out")
    assert code == 1
    assert "列 “housing”" in err and "第 5 行，列 “sex”" in err and "第 8 行，列 “trust_rc”" in err


def test_many_bad_cells_are_counted_not_all_listed(small, tmp_path, capsys):
    rewrite(small, lambda f: f.assign(age="abc"))
    code, err = run(capsys, "report", small, "--out", tmp_path / "out")
    listed = err.count("不是整数")
    assert code == 1 and listed == 5
    assert f"同类问题另有 {len(pd.read_csv(small)) - 5} 行" in err


def test_identifying_column_can_be_dropped(small, tmp_path, capsys):
    rewrite(small, lambda f: f.assign(联系电话="13812345678"))
    before = digest(small)
    code, err = run(capsys, "report", small, "--drop", "联系电话", "--out", tmp_path / "out")
    assert (code, err) == (0, "")
    assert digest(small) == before
    page = (tmp_path / "out" / "report.html").read_text()
    assert "13812345678" not in page and "去掉了列：联系电话" in page


def test_community_file_must_cover_the_survey(small, tmp_path, capsys):
    places = tmp_path / "communities.csv"
    frame = pd.read_csv(COMMUNITIES, dtype=str, keep_default_na=False)
    frame[frame["community_id"] != "C003"].to_csv(places, index=False)
    code, err = run(capsys, "report", small, "--communities", places, "--out", tmp_path / "out")
    assert code == 1 and "社区编号 “C003” 不在社区文件 communities.csv 中" in err


def test_output_folder_must_be_new_or_empty(small, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, err = run(capsys, "report", small, "--out", out)
    assert code == 1 and "输出位置已存在且不是空文件夹" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    (out / "notes.txt").unlink()
    assert run(capsys, "report", small, "--out", out)[0] == 0
    assert (out / "report.html").is_file()


def test_min_cell_can_only_be_raised(small, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["report", str(small), "--min-cell", "3", "--out", str(tmp_path / "out")])
    assert exit_.value.code == 2 and "不能小于 5" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError):
        build_report(small, tmp_path / "out", min_cell=4)


# ---- privacy: small cells ------------------------------------------------------------------------

def test_suppress_hides_small_cells_and_one_more():
    frame = pd.DataFrame({"breakdown": ["a", "a", "a", "b", "b"], "group": ["x", "y", "z", "u", "v"],
                          "n": [3, 40, 20, 50, 60], "mean": [1.0, 2.0, 3.0, 4.0, 5.0]})
    out = privacy.suppress(frame, 5, within="breakdown")
    assert out["suppressed"].tolist() == [True, False, True, False, False]
    assert out.loc[[0, 2], ["n", "mean"]].isna().all().all()
    assert out.loc[1, "n"] == 40 and out.loc[4, "mean"] == 5.0
    assert privacy.suppress(frame, 10, within="breakdown")["suppressed"].tolist() == [True, False, True, False, False]


def test_small_cells_suppressed_in_the_report(small, tmp_path):
    people = pd.read_csv(small, dtype=str, keep_default_na=False)
    few = people.index[people["community_id"] == "C004"][:3]
    keep = people[(people["community_id"] != "C004") | people.index.isin(few)].copy()
    keep["party_member"] = "false"
    keep.loc[keep.index[:2], "party_member"] = "true"   # two party members: a cell of 2
    keep.to_csv(small, index=False)
    build_report(small, tmp_path / "out", min_cell=10)
    groups = table(tmp_path / "out", "by_group").set_index(["breakdown", "group"])
    assert groups.loc[("党员身份", "党员"), "suppressed"] and pd.isna(groups.loc[("党员身份", "党员"), "voted"])
    assert groups.loc[("党员身份", "非党员"), "suppressed"]  # secondary: else total − 非党员 = 2
    com = table(tmp_path / "out", "communities").set_index("community_id")
    assert "C004" not in com.index and not com["suppressed"].any()   # left out of every table (issue 15)
    assert com["n"].min() >= 10
    assert "表中的 “—” 表示" in (tmp_path / "out" / "report.html").read_text()


# ---- random damage ---------------------------------------------------------------------------------

DAMAGE = st.one_of(
    st.tuples(st.just("bytes"), st.integers(0, 10_000), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("truncate"), st.integers(0, 10_000), st.just(b"")),
    st.tuples(st.just("line"), st.integers(0, 60), st.sampled_from([b"", b",,,", b"R00001", b"x,y,z\n1,2,3"])),
    st.tuples(st.just("cell"), st.integers(0, 2_000), st.sampled_from([b"", b"-1", b"99", b"\xe6\x98\xaf", b'"', b"1.5"])),
)


def damaged(raw: bytes, kind: str, at: int, what: bytes) -> bytes:
    at = at % max(len(raw), 1)
    if kind == "bytes":
        return raw[:at] + what + raw[at + len(what):]
    if kind == "truncate":
        return raw[:at]
    if kind == "line":
        lines = raw.split(b"\n")
        lines[at % len(lines)] = what
        return b"\n".join(lines)
    cells = re.split(rb"([,\n])", raw)
    cells[(2 * at) % len(cells)] = what
    return b"".join(cells)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=DAMAGE)
def test_random_damage_never_traceback_or_partial_output(tmp_path_factory, damage):
    folder = tmp_path_factory.mktemp("damage")
    frame = pd.read_csv(SURVEY, dtype=str, keep_default_na=False)
    path = folder / "survey.csv"
    frame[frame["community_id"].isin(["C001", "C002", "C003"])].head(60).to_csv(path, index=False)
    path.write_bytes(damaged(path.read_bytes(), *damage))
    out = folder / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["report", str(path), "--out", str(out)])   # any exception here fails the test
    if code == 0:
        assert (out / "report.html").is_file() and len(list((out / "tables").iterdir())) == 8
    else:
        assert code == 1 and not out.exists()
    assert not list(folder.glob(".out.*"))


def test_a_header_missing_a_comma_is_named_not_an_internal_error(tmp_path, capsys):
    """Found by the damage test: with one header field fewer than the rows, pandas would take the first
    column as the index and the report would fail inside."""
    lines = SURVEY.read_text(encoding="utf-8").splitlines()[:40]
    lines[0] = lines[0].replace(",voted,", ",voted ", 1)
    path = tmp_path / "survey.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["report", str(path), "--out", str(tmp_path / "out")]) == 1
    assert "第 2 行" in capsys.readouterr().err and not (tmp_path / "out").exists()


# ---- the command -------------------------------------------------------------------------------------

def test_python_dash_m_cgov(tmp_path):
    bad = tmp_path / "survey.csv"
    bad.write_text("resident_id,age\nR1,30\n", encoding="gbk")
    proc = subprocess.run([sys.executable, "-m", "cgov", "report", str(bad), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "缺少必需的列" in proc.stderr and "Traceback" not in proc.stderr
    script = Path(sys.executable).with_name("cgov")
    assert script.is_file(), "the cgov console script is not installed (pip install -e .)"
    assert "from cgov.__main__ import main" in script.read_text()


def test_book_page_matches_the_tool(tmp_path, capsys):
    """book/own-survey.md quotes a real message and states the tool's real thresholds."""
    from cgov import variables as V
    from cgov.codebook import RESIDENTS
    from cgov.report import validate
    from cgov.schema import MAX_DIGITS

    page = (ROOT / "book" / "own-survey.md").read_text(encoding="utf-8")
    survey = tmp_path / "居民调查.csv"
    survey.write_bytes(SURVEY.read_bytes())
    rewrite(survey, set_cell(7, "age", "200"))
    code, err = run(capsys, "report", survey, "--out", tmp_path / "报告")
    quoted = re.search(r"\$ cgov report 居民调查.csv --out 报告\n(.+)\n", page)[1]
    assert code == 1 and err.strip() == quoted
    assert f"默认 {privacy.MIN_CELL}，只能调高" in page and f"k 指 `--min-cell` 的值（默认 {privacy.MIN_CELL}）" in page
    assert f"不多于 {indicators.MAX_MIXED} 人时" in page and validate.MAX_LISTED == 5 and "超过五处" in page
    assert f"社区少于 {V.MIN_CLUSTERS} 个时" in page and f"社区少于 {indicators.MIN_CORRELATION} 个时" in page
    assert f"年龄 18—{RESIDENTS['age'].maximum} 岁" in page and f"不超过 {RESIDENTS['activities'].maximum} 次" in page
    assert f"居住年限不超过 {RESIDENTS['tenure_years'].maximum} 年" in page and f"超过 {MAX_DIGITS} 位" in page
    assert "- file: book/own-survey" in (ROOT / "_toc.yml").read_text(encoding="utf-8")
