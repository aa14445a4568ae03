"""The book's questionnaire codebook: three instruments (resident, community, worker), every variable once.

Neutral ground between the tools that use it: the simulator (:mod:`cgov.sim`) writes its teaching data
with these columns and adds its ``sim_`` file names and ``is_simulated`` flag on top; ``cgov report``
validates a real survey against it; the questionnaire appendix of the book is rendered from it; and the
analysis variables of :mod:`cgov.variables` take their labels from it. Each variable carries its question
wording, answer codes or unit, and a plausible range.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd

from cgov.schema import Field

LIKERT_AGREE = ((1, "非常不同意"), (2, "不太同意"), (3, "说不清"), (4, "比较同意"), (5, "非常同意"))
LIKERT_TRUST = ((1, "完全不信任"), (2, "不太信任"), (3, "一般"), (4, "比较信任"), (5, "完全信任"))
LIKERT_SATISFIED = ((1, "非常不满意"), (2, "不太满意"), (3, "一般"), (4, "比较满意"), (5, "非常满意"))
YES_NO = (("true", "是"), ("false", "否"))

#: The three instruments: key -> the questionnaire's Chinese name (a table's ``section``).
INSTRUMENTS = {"resident": "居民问卷", "community": "社区问卷", "worker": "社区工作者问卷"}
_TYPES_ZH = {"integer": "整数", "number": "数值", "boolean": "是/否", "string": "文字/类别", "date": "日期"}


@dataclass(frozen=True)
class Var:
    """One variable: column ``name``, Table Schema ``type``, Chinese ``label``, the ``question`` as asked
    (or how a record is kept), answer codes or a ``unit``; ``kind`` is question, record or id.

    ``minimum`` and ``maximum`` bound every numeric and date variable: impossible values and implausible
    ones (150 years of residence, 10¹⁷ activities a year) are refused. ``past`` marks dates and years that
    cannot lie in the future: when a survey is checked they must also not be later than today."""

    name: str
    type: str
    label: str
    question: str
    answers: tuple = ()
    unit: str = ""
    minimum: float | str | None = None
    maximum: float | str | None = None
    required: bool = True
    decimals: int = 0
    kind: str = "question"
    past: bool = False

    def constraints(self) -> dict:
        """Table Schema constraints: required, minimum, maximum, enum of the answer codes."""
        out: dict = {"required": True} if self.required else {}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.answers and self.type == "string":
            out["enum"] = [code for code, _ in self.answers]
        return out

    def schema(self) -> dict:
        """The Table Schema field descriptor of this variable."""
        out = {"name": self.name, "type": self.type, "title": self.label, "description": self.question}
        if self.unit:
            out["unit"] = self.unit
        if self.constraints():
            out["constraints"] = self.constraints()
        return out

    def field(self) -> Field:
        """The variable as a :class:`cgov.schema.Field`; answer labels are accepted in place of codes,
        and a ``past`` date or year may not be later than today."""
        field_ = Field.from_descriptor(self.schema(), labels={label: str(code) for code, label in self.answers})
        if self.past:
            today = date.today()
            latest = today.isoformat() if self.type == "date" else today.year
            field_ = replace(field_, maximum=min(self.maximum, latest) if self.maximum is not None else latest)
        return field_

    def answers_text(self) -> str:
        """Answer codes ("1＝非常不同意；…") or the unit, as the questionnaire shows them."""
        if self.answers:
            return "；".join(f"{code}＝{label}" for code, label in self.answers)
        return self.unit


@dataclass(frozen=True)
class Table:
    """One table of the codebook: name, title, questionnaire section, description, key and variables."""

    name: str
    title: str
    section: str
    description: str
    primary_key: tuple
    variables: tuple = field(default_factory=tuple)

    @property
    def columns(self) -> list[str]:
        return [v.name for v in self.variables]

    def __getitem__(self, name: str) -> Var:
        """The variable called ``name``."""
        for var in self.variables:
            if var.name == name:
                return var
        raise KeyError(f"{self.name} has no variable {name!r}")

    def fields(self) -> list[Field]:
        """The variables as :class:`cgov.schema.Field` objects, for validation."""
        return [v.field() for v in self.variables]


def _id(name, label, what):
    return Var(name, "string", label, what, kind="id")


def _belonging(i: int, dimension: str, statement: str) -> Var:
    return Var(f"belong_{i}", "integer", f"归属感 {i}（{dimension}）", f"您是否同意：“{statement}”",
               LIKERT_AGREE, minimum=1, maximum=5)


COMMUNITIES = Table(
    "communities", "社区基本情况", INSTRUMENTS["community"],
    "One row per community (residents' committee area): type, size, party-building embedding, staffing, "
    "funding, programme adoption dates and deliberation meetings.",
    ("community_id",),
    (
        _id("community_id", "社区编号", "调查员填写的社区编号"),
        _id("street_id", "街道编号", "社区所属街道的编号"),
        Var("community_type", "string", "社区类型", "本社区主要属于哪一类型？",
            (("老旧小区", "老旧小区"), ("商品房", "商品房小区"), ("村改居", "村改居（安置）社区"),
             ("单位社区", "单位社区"))),
        Var("households", "integer", "常住户数", "本社区常住户数是多少？", unit="户", minimum=1, maximum=50000),
        Var("baseline_complaints", "number", "基期投诉率", "2017 年本社区每千户居民的投诉件数是多少？",
            unit="件/千户", minimum=0, maximum=1000, decimals=1),
        Var("building_party_coverage", "number", "楼栋党小组覆盖率",
            "已建立党小组（或党员中心户）的楼栋占全部楼栋的比例", unit="比例（0–1）", minimum=0, maximum=1,
            decimals=3),
        Var("grid_households", "integer", "网格规模", "平均每名网格员负责多少户？", unit="户/网格员", minimum=1,
            maximum=2000),
        Var("co_building_units", "integer", "共建单位数", "与社区党组织签订共建协议、参与区域化党建的驻区单位有多少家？",
            unit="家", minimum=0, maximum=500),
        Var("staff", "integer", "社区工作者人数", "本社区有多少名社区工作者（含居委会成员）？", unit="人", minimum=1,
            maximum=500),
        Var("gov_funding_share", "number", "政府拨款占比", "上一年度社区经费中政府拨款所占的比例", unit="比例（0–1）",
            minimum=0, maximum=1, decimals=3),
        Var("reporting_systems", "integer", "填报系统数", "社区需要向多少个不同的信息系统或应用报送数据？", unit="个",
            minimum=1, maximum=200),
        Var("shuangbaodao_year", "integer", "双报到开始年份",
            "本社区从哪一年开始接收在职党员“双报到”？（尚未实行的留空）", unit="年", minimum=2000, maximum=2030,
            required=False, past=True),
        Var("platform_date", "date", "数据整合平台上线日期",
            "街道数据整合平台在本社区上线的日期（至 2023 年底尚未上线的留空）", minimum="2000-01-01",
            maximum="2030-12-31", required=False, past=True),
        Var("deliberation_meetings", "integer", "议事协商会议次数", "2023 年本社区召开了多少次居民议事会或协商会议？",
            unit="次", minimum=0, maximum=365),
    ),
)

RESIDENTS = Table(
    "residents", "居民调查", INSTRUMENTS["resident"],
    "One row per surveyed adult resident: demographics, housing, party membership, a six-item sense-of-"
    "belonging scale (two dimensions), trust in and satisfaction with the residents' committee, voting in "
    "the last committee election and participation in activities.",
    ("resident_id",),
    (
        _id("resident_id", "居民编号", "调查员填写的受访者编号"),
        _id("community_id", "社区编号", "受访者居住社区的编号（与社区问卷相同）"),
        Var("age", "integer", "年龄", "您的年龄是多少周岁？", unit="岁", minimum=18, maximum=110),
        Var("sex", "string", "性别", "您的性别", (("男", "男"), ("女", "女"))),
        Var("tenure_years", "integer", "居住年限", "您在本社区居住了多少年？（不满一年填 0）", unit="年", minimum=0,
            maximum=100),
        Var("housing", "string", "住房产权", "您现在住的房子是？", (("自有住房", "自有住房"), ("租住", "租住或借住"))),
        Var("party_member", "boolean", "党员身份", "您是不是中国共产党党员（含预备党员）？", YES_NO),
        _belonging(1, "认同感", "我觉得自己是这个社区的一分子"),
        _belonging(2, "认同感", "别人评价这个社区时，我感觉像在评价我自己"),
        _belonging(3, "认同感", "如果可以选择，我愿意一直住在这个社区"),
        _belonging(4, "凝聚力", "这个社区的邻居愿意互相帮忙"),
        _belonging(5, "凝聚力", "社区里遇到共同的问题，居民会一起商量解决"),
        _belonging(6, "凝聚力", "这个社区的大多数邻居是可以信任的"),
        Var("trust_rc", "integer", "对居委会的信任", "您在多大程度上信任本社区的居委会？", LIKERT_TRUST,
            minimum=1, maximum=5),
        Var("satisfaction", "integer", "对社区服务的满意度", "总体而言，您对本社区居委会的工作和社区服务满意吗？",
            LIKERT_SATISFIED, minimum=1, maximum=5),
        Var("voted", "boolean", "参加居委会选举投票", "上一次居委会换届选举，您是否参加了投票？", YES_NO),
        Var("activities", "integer", "参加社区活动次数", "过去 12 个月，您参加过几次社区组织的活动？", unit="次",
            minimum=0, maximum=365),
    ),
)

WORKERS = Table(
    "workers", "社区工作者调查与人事记录", INSTRUMENTS["worker"],
    "One row per community worker surveyed in January 2019, with pay, hours and turnover intention from the "
    "questionnaire and time to exit from personnel records followed to December 2023.",
    ("worker_id",),
    (
        _id("worker_id", "工作者编号", "调查员填写的受访者编号"),
        _id("community_id", "社区编号", "受访者所在社区的编号"),
        _id("street_id", "街道编号", "受访者所在社区所属街道（薪酬按街道统一核定）"),
        Var("age", "integer", "年龄", "您的年龄是多少周岁？", unit="岁", minimum=20, maximum=60),
        Var("sex", "string", "性别", "您的性别", (("男", "男"), ("女", "女"))),
        Var("tenure_years", "integer", "从业年限", "您从事社区工作多少年了？（不满一年填 0）", unit="年", minimum=0,
            maximum=50),
        Var("monthly_pay", "integer", "月工资", "您每月税前工资收入大约是多少元？", unit="元/月", minimum=0,
            maximum=100000),
        Var("weekly_hours", "integer", "周工作时长", "最近一个月，您平均每周工作多少小时？（含加班）", unit="小时/周",
            minimum=0, maximum=100),
        Var("turnover_intention", "boolean", "离职意向", "您是否打算在未来一年内离开社区工作岗位？", YES_NO),
        Var("followup_years", "number", "随访在职年数",
            "人事记录：从 2019 年 1 月 1 日起，到离职或 2023 年 12 月 31 日为止的在职年数", unit="年", minimum=0,
            maximum=5, decimals=3, kind="record"),
        Var("exited", "boolean", "随访期内离职", "人事记录：2023 年底前是否离职（否＝删失）", YES_NO, kind="record"),
    ),
)

MONTHS = Table(
    "community_months", "社区月度工作台账", INSTRUMENTS["community"],
    "One row per community and month, January 2018 to December 2023: residents' requests, days to "
    "resolve, repeat visits, duplicate reports and task counts, and whether the data-integration platform ran.",
    ("community_id", "month"),
    (
        _id("community_id", "社区编号", "社区编号"),
        Var("month", "date", "月份", "台账月份（记为当月 1 日）", minimum="2000-01-01", maximum="2030-12-31",
            kind="record", past=True),
        Var("requests", "integer", "居民诉求件数", "本月受理的居民诉求（求助、投诉、建议）件数", unit="件", minimum=0,
            maximum=100000, kind="record"),
        Var("days_to_resolve", "number", "平均办结天数", "本月办结诉求从受理到办结的平均天数", unit="天", minimum=0,
            maximum=365, decimals=2, kind="record"),
        Var("repeat_visits", "integer", "重复来访件数", "本月同一事项第二次及以上来访或来电的件数", unit="件",
            minimum=0, maximum=100000, kind="record"),
        Var("duplicate_reports", "integer", "重复填报次数", "本月同一数据向不同系统重复填报的次数", unit="次",
            minimum=0, maximum=100000, kind="record"),
        Var("admin_tasks", "integer", "行政性事务件数", "本月完成的台账、检查、盖章证明等行政性事务件数", unit="件",
            minimum=0, maximum=100000, kind="record"),
        Var("service_tasks", "integer", "服务性事务件数", "本月完成的为居民服务的事务件数", unit="件", minimum=0,
            maximum=100000, kind="record"),
        Var("platform", "boolean", "平台运行", "本月数据整合平台是否已在本社区运行", YES_NO, kind="record"),
    ),
)

YEARS = Table(
    "community_years", "社区年度参与面板", INSTRUMENTS["community"],
    "One row per community and year, 2014–2023: the share of residents who took part in community "
    "activities, and whether the 双报到-style programme was in force (staggered adoption).",
    ("community_id", "year"),
    (
        _id("community_id", "社区编号", "社区编号"),
        Var("year", "integer", "年份", "年度", unit="年", minimum=2000, maximum=2030, kind="record", past=True),
        Var("shuangbaodao_year", "integer", "双报到开始年份", "与社区问卷同题（尚未实行的留空）", unit="年",
            minimum=2000, maximum=2030, required=False, kind="record", past=True),
        Var("participation_rate", "number", "居民活动参与率", "本年度至少参加过一次社区活动的居民占常住居民的百分比",
            unit="%", minimum=0, maximum=100, decimals=2, kind="record"),
        Var("shuangbaodao", "boolean", "双报到实行中", "本年度本社区是否已实行“双报到”", YES_NO, kind="record"),
    ),
)

TABLES: tuple[Table, ...] = (COMMUNITIES, RESIDENTS, WORKERS, MONTHS, YEARS)
SECTIONS = tuple(INSTRUMENTS.values())


def instrument(key: str) -> list[Table]:
    """The tables of one instrument: ``"resident"``, ``"community"`` or ``"worker"``."""
    return [t for t in TABLES if t.section == INSTRUMENTS[key]]


def section_tables(section: str) -> list[tuple[Table, pd.DataFrame]]:
    """For one questionnaire (居民问卷, 社区问卷, 社区工作者问卷): each table and its numbered item list."""
    out = []
    for table in TABLES:
        if table.section != section:
            continue
        counters = {"Q": 0, "记录": 0}
        rows = []
        for v in table.variables:
            prefix = "Q" if v.kind == "question" else "记录"
            counters[prefix] += 1
            rows.append({"题号": f"{prefix}{counters[prefix]}", "题目或记录内容": v.question,
                         "选项或单位": v.answers_text(), "变量名": f"`{v.name}`", "类型": _TYPES_ZH[v.type]})
        out.append((table, pd.DataFrame(rows)))
    return out
