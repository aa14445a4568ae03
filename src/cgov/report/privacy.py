"""Protect respondents: refuse columns and cells that identify people, decide once which respondents every
table releases (no community of fewer than ``k``), and suppress table cells with too few respondents."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from cgov.errors import DataError

#: Cells (rows of a result table) describing fewer respondents than this are never shown; raise only.
MIN_CELL = 5

#: Column names that suggest personal identifiers: what they hold (Chinese (English)) -> pattern.
NAME_PATTERNS = {
    "姓名 (names)": r"姓名|名字|称呼|(^|_)(full_?|first_?|last_?|respondent_?)?name($|_)",
    "电话号码 (phone numbers)": r"电话|手机|联系方式|phone|mobile|(^|_)tel($|_)",
    "身份证件号码 (ID numbers)": r"身份证|证件|护照|id_?card|id_?no|id_?number|identity|passport",
    "住址 (addresses)": r"住址|地址|门牌|address",
    "其他联系方式 (other contact details)": r"微信|邮箱|wechat|e_?mail|(^|_)qq($|_)",
}
#: Personal identifiers found anywhere inside a cell, whatever the column is called: what -> pattern.
CONTENT_PATTERNS = {
    "手机号码 (mobile phone numbers)": re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)"),
    "身份证号码 (ID card numbers)": re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?![\dXx])"),
    "电子邮箱 (e-mail addresses)": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
}
#: The shortest cell that can hold each identifier (a cheap filter before the patterns run).
_SHORTEST = {"手机号码 (mobile phone numbers)": 11, "身份证号码 (ID card numbers)": 15, "电子邮箱 (e-mail addresses)": 5}


def identifying_name(column: str) -> str | None:
    """What a column name suggests it identifies (e.g. "电话号码 (phone numbers)"), or None."""
    name = column.strip().lower().replace(" ", "_").replace("-", "_")
    for what, pattern in NAME_PATTERNS.items():
        if re.search(pattern, name):
            return what
    return None


def identifying_content(text: pd.Series) -> tuple[str, int] | None:
    """(what, position of the first such cell) if any cell of a text column contains a phone number, an ID card
    number or an e-mail address anywhere inside it, else None."""
    length = text.str.len()
    for what, pattern in CONTENT_PATTERNS.items():
        candidates = text[length >= _SHORTEST[what]]
        if "@" in pattern.pattern:
            candidates = candidates[candidates.str.contains("@", regex=False)]
        hit = candidates.str.contains(pattern.pattern, regex=True)
        if hit.any():
            return what, text.index.get_loc(hit[hit].index[0])
    return None


@dataclass(frozen=True)
class Release:
    """The respondents whose answers enter the report, decided once for every table.

    Communities with fewer than ``k`` respondents are left out of every table, totals included, so no table
    can be subtracted from another to recover them; ``left_out`` respondents in ``left_out_communities``.
    """

    survey: pd.DataFrame
    k: int
    left_out: int
    left_out_communities: int

    @property
    def communities(self) -> int:
        return int(self.survey["community_id"].nunique())


def release(path, survey: pd.DataFrame, k: int) -> Release:
    """The release set of a validated survey; refuse (DataError) a survey with fewer than ``k`` respondents,
    or whose communities all have fewer than ``k``."""
    if len(survey) < k:
        raise DataError(path, f"调查只有 {len(survey)} 名受访者；少于 {k} 名受访者时不生成报告，以免从报告中认出个人 "
                              f"(only {len(survey)} respondents: no report is made for fewer than {k})")
    sizes = survey["community_id"].value_counts()
    small = sizes.index[sizes < k]
    kept = survey[~survey["community_id"].isin(small)]
    if len(kept) < k:
        raise DataError(path, f"每个社区的受访者都少于 {k} 人；去掉这些社区后只剩 {len(kept)} 名受访者，少于 {k} 名受访者时"
                              f"不生成报告 (every community has fewer than {k} respondents: nothing can be released)",
                        column="community_id")
    return Release(kept, k, int(sizes[small].sum()), len(small))


def suppress(frame: pd.DataFrame, min_cell: int, keys=(), within: str | None = None) -> pd.DataFrame:
    """Blank every row with ``n < min_cell`` (its count and all its statistics) and flag it ``suppressed``.

    ``keys`` (and ``within``) name the columns that say which cell a row is; they stay visible. Rows
    that partition a total (the groups of one breakdown ``within``, or else the whole table) also get
    complementary suppression: while the hidden rows of a partition add up to between 1 and
    ``min_cell − 1`` respondents, the smallest visible row is hidden too, so that total − visible rows
    never reveals a count below ``min_cell``.
    """
    frame = frame.copy()
    hidden = frame["n"] < min_cell
    parts = frame.groupby(within, sort=False).groups.values() if within else [frame.index]
    for index in parts:
        counts = frame.loc[index, "n"]
        while 0 < counts[hidden[index]].sum() < min_cell and not hidden[index].all():
            hidden[counts[~hidden[index]].idxmin()] = True
    keys = {*keys, within}
    values = [c for c in frame.columns if c not in keys and c != "n" and pd.api.types.is_numeric_dtype(frame[c])
              and not pd.api.types.is_bool_dtype(frame[c])]
    frame[values] = frame[values].astype("float64").mask(hidden)
    frame["n"] = frame["n"].astype("Int64").mask(hidden)
    frame["suppressed"] = hidden.to_numpy()
    return frame
