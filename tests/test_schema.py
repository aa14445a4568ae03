"""cgov.schema: one engine for typed columns, in its "first error" and "collect all" modes."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cgov.errors import DataError
from cgov.schema import MAX_LISTED, Collector, Field, Problems, convert, typed_frame

PATH = Path("t.csv")
FIELDS = [Field("id", "string", required=True), Field("n", "integer", minimum=0, maximum=10),
          Field("ok", "boolean", labels={"是": "true", "否": "false"}), Field("x", "number"),
          Field("day", "date", minimum="2000-01-01"), Field("kind", "string", enum=("a", "b"))]


def cells(**columns) -> pd.DataFrame:
    base = {"id": ["r1", "r2", "r3"], "n": ["1", "2", "3"], "ok": ["true", "是", "0"], "x": ["1.5", "-2", ""],
            "day": ["2020-01-31", "", "2001-12-01"], "kind": ["a", "b", "a"]}
    return pd.DataFrame({**base, **columns})


def test_valid_cells_are_typed():
    frame = typed_frame(cells(), FIELDS, Collector(PATH, first=True), primary_key=("id",))
    assert frame["n"].dtype == "Int64" and frame["n"].tolist() == [1, 2, 3]
    assert frame["ok"].tolist() == [True, True, False] and frame["ok"].dtype == "boolean"
    assert frame["x"].dtype == "Float64" and pd.isna(frame["x"].iloc[2])
    assert frame["day"].iloc[0] == pd.Timestamp("2020-01-31") and pd.isna(frame["day"].iloc[1])


@pytest.mark.parametrize("text", ["TRUE", "True", "true", "1", "是"])
def test_boolean_spellings(text):
    values = convert(pd.Series([text]), Field("b", "boolean", labels={"是": "true"}), Collector(PATH, first=True))
    assert values.iloc[0] is True or values.iloc[0] == True  # noqa: E712 — pandas' nullable boolean


def test_first_error_mode_stops_at_the_first_bad_cell():
    bad = cells(n=["1", "x", "99"], kind=["a", "c", "a"])
    with pytest.raises(DataError) as err:
        typed_frame(bad, FIELDS, Collector(PATH, first=True))
    assert not isinstance(err.value, Problems)
    assert (err.value.path.name, err.value.row, err.value.column) == ("t.csv", 3, "n")


def test_collect_all_mode_lists_every_problem():
    bad = cells(n=["1", "x", "99"], kind=["a", "c", "a"], id=["r1", "r1", ""])
    problems = Collector(PATH)
    typed_frame(bad, FIELDS, problems, primary_key=("id",))
    found = {(p.row, p.column) for p in problems.problems}
    assert found == {(4, "id"), (3, "n"), (4, "n"), (3, "kind"), (2, "id"), (3, "id")}
    with pytest.raises(Problems) as err:
        problems.raise_if_any()
    assert str(err.value).count("\n") == len(problems.problems) - 1


def test_collect_all_counts_beyond_the_listed():
    problems = Collector(PATH)
    convert(pd.Series(["x"] * (MAX_LISTED + 3)), Field("n", "integer"), problems)
    assert len(problems.problems) == MAX_LISTED + 1
    assert "同类问题另有 3 行" in str(problems.problems[-1])


@pytest.mark.parametrize("text, message", [
    ("1.1E+17", "不是整数"), ("1e3", "不是整数"), ("2.5", "不是整数"),
    ("123456789012345678901234", "位数过多"), ("9223372036854775808", "位数过多"),
])
def test_integers_refuse_scientific_notation_and_huge_values(text, message):
    problems = Collector(PATH)
    values = convert(pd.Series(["3", text]), Field("n", "integer"), problems)
    assert [p.row for p in problems.problems] == [3] and message in str(problems.problems[0])
    assert values.iloc[0] == 3 and pd.isna(values.iloc[1])


@pytest.mark.parametrize("text, value", [("1,234", 1234), ("3.0", 3), ("+7", 7), ("007", 7)])
def test_integer_spellings_accepted(text, value):
    assert convert(pd.Series([text]), Field("n", "integer"), Collector(PATH, first=True)).iloc[0] == value


@pytest.mark.parametrize("text", ["inf", "nan", "-Infinity", "1,5"])
def test_numbers_must_be_finite(text):
    problems = Collector(PATH)
    convert(pd.Series([text]), Field("x", "number"), problems)
    assert len(problems.problems) == 1 and "不是数值" in str(problems.problems[0])


def test_date_limits_and_pattern():
    problems = Collector(PATH)
    convert(pd.Series(["1999-12-31", "2024-02-30"]), Field("d", "date", minimum="2000-01-01"), problems)
    assert ["早于 2000-01-01" in str(p) or "不是日期" in str(p) for p in problems.problems] == [True, True]
    problems = Collector(PATH)
    convert(pd.Series(["110101", "11010"]), Field("code", pattern=r"\d{6}"), problems)
    assert [p.row for p in problems.problems] == [3]


def test_all_blank_column_is_not_an_error_unless_required():
    assert convert(pd.Series(["", ""]), Field("n", "integer"), Collector(PATH, first=True)).isna().all()
    with pytest.raises(DataError, match="必填值为空"):
        convert(pd.Series(["", ""]), Field("n", "integer", required=True), Collector(PATH, first=True))


def test_field_from_table_schema_descriptor():
    field = Field.from_descriptor({"name": "y", "type": "year", "constraints": {"required": True, "enum": [2010, 2020]}})
    assert (field.required, field.enum) == (True, (2010, 2020))
    problems = Collector(PATH)
    convert(pd.Series(["2010", "2015"]), field, problems)
    assert [p.row for p in problems.problems] == [3]
