"""Where each figure, table and in-text number of a chapter comes from (the AEA replication map).

Reads a chapter's MyST source statically (no execution): figures are code cells with
``mystnb: figure: name``, tables are ``{table}`` directives with ``:name:``, numbers are the keys of
``publish(CHAPTER, {...: Number(...)})``. For each it follows the variables of the producing cell back
through earlier cells and lists the ``cgov`` functions and the data sets (``load("name")``) on that path.

As a Sphinx extension it writes the map: the directive ``cgov-provenance`` makes the index page
``book/provenance`` (one line per chapter, with its counts) and, on ``book/provenance/NN-slug``, the
table of that chapter; one page per chapter keeps each page small on a phone (issue 19).
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from cgov.glue import EVIDENCE
from cgov.toc import Chapter, chapters

#: Functions that only publish or set up; they do not produce a result.
PLUMBING = {"cgov.setup", "cgov.glue.publish", "cgov.glue.publish_table", "cgov.glue.Number",
            "cgov.glue.Estimate", "cgov.style.mark_simulated"}
#: The keys an ``Estimate(...)`` publishes, after its own key.
ESTIMATE_SUFFIXES = ("", "_low", "_high")
TABLE = re.compile(r"^(?P<fence>:{3,}|`{3,})\{table\}\s*(?P<caption>.*)$")
OPTION = re.compile(r"^:name:\s*(?P<name>\S+)")
GLUED = re.compile(r"\{glue(?::\w+)?\}`?\s*(?P<key>[\w-]+)")
LOAD = re.compile(r"""\bload\(\s*["'](?P<name>[\w-]+)["']""")


@dataclass
class Item:
    """One figure, table or number: its kind, label, caption and what produces it."""

    kind: str          # "figure", "table" or "number"
    name: str          # the label ({numref} target) or the glue key of a number
    caption: str
    cell: int          # 1-based index of the producing code cell among the code cells
    functions: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    source: str = ""   # the ``source`` a Number declares
    evidence: str = ""  # "real", "simulated" or "policy" (cgov.glue.EVIDENCE)


@dataclass
class _Cell:
    code: str
    tree: ast.Module
    defines: set[str]
    uses: set[str]


def _parse(code: str) -> ast.Module:
    """Parse a code cell, blanking IPython magics and shell escapes."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()]
    return ast.parse("\n".join(lines))


def _bindings(cells: list[_Cell]) -> dict[str, str]:
    """Local names bound to ``cgov`` modules or functions by the chapter's imports."""
    names: dict[str, str] = {}
    for cell in cells:
        for node in ast.walk(cell.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "cgov":
                        names[alias.asname or alias.name.split(".")[0]] = alias.asname and alias.name or "cgov"
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "cgov":
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return base and f"{base}.{node.attr}"
    return None


def _cgov_calls(tree: ast.AST, bindings: dict[str, str]) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (name := _dotted(node.func)):
            head, _, rest = name.partition(".")
            if head in bindings:
                found.append(bindings[head] + (f".{rest}" if rest else ""))
    return found


def _lineage(cells: list[_Cell], index: int) -> list[int]:
    """The cell ``index`` and every earlier cell that defines a name it (transitively) uses."""
    needed, chosen = set(cells[index].uses), [index]
    for i in range(index - 1, -1, -1):
        if cells[i].defines & needed:
            chosen.append(i)
            needed |= cells[i].uses
    return sorted(chosen)


def _producers(cells: list[_Cell], index: int, bindings: dict[str, str]) -> tuple[list[str], list[str]]:
    functions, datasets = [], []
    for i in _lineage(cells, index):
        functions += [f for f in _cgov_calls(cells[i].tree, bindings) if f not in PLUMBING]
        datasets += LOAD.findall(cells[i].code)
    return sorted(set(functions)), sorted(set(datasets))


def _literal(node: ast.AST | None) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _published_numbers(tree: ast.AST) -> list[tuple[str, str, str, str]]:
    """(key, label, source, evidence) of each number in ``publish(chapter, {key: Number(...) or
    Estimate(...)}, evidence=...)``; an ``Estimate`` stands for its key and the ``_low``/``_high`` keys."""
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and (_dotted(node.func) or "").endswith("publish")
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Dict)):
            default = {k.arg: k.value for k in node.keywords}.get("evidence", node.args[2] if len(node.args) > 2 else None)
            for key, value in zip(node.args[1].keys, node.args[1].values):
                if not isinstance(value, ast.Call):
                    continue
                kind = (_dotted(value.func) or "").rsplit(".", 1)[-1]
                positional = ("row", "label") if kind == "Estimate" else ("value", "fmt", "unit", "label", "source")
                fields = dict(zip(positional, value.args))
                fields.update({k.arg: k.value for k in value.keywords})
                evidence = _literal(fields.get("evidence")) or _literal(default)
                suffixes = ESTIMATE_SUFFIXES if kind == "Estimate" else ("",)
                for suffix in suffixes:
                    found.append((_literal(key) + suffix, _literal(fields.get("label")),
                                  _literal(fields.get("source")), evidence))
    return found


def chapter_items(path: Path) -> list[Item]:
    """Every figure, table and published number of the chapter at ``path``, in reading order."""
    import jupytext

    notebook = jupytext.read(path)
    cells, items = [], []
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    for cell in code_cells:
        tree = _parse(cell.source)
        defines = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        defines |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
                    if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        uses = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        cells.append(_Cell(cell.source, tree, defines, uses))
    bindings = _bindings(cells)

    def producing_cell(key: str) -> int:
        pattern = re.compile(rf"""["']{re.escape(key)}["']""")
        return next((i for i, c in enumerate(cells) if pattern.search(c.code)), -1)

    code_index = -1
    for cell in notebook.cells:
        if cell.cell_type == "code":
            code_index += 1
            figure = cell.metadata.get("mystnb", {}).get("figure", {})
            if figure.get("name"):
                items.append(Item("figure", figure["name"], figure.get("caption", ""), code_index + 1,
                                  *_producers(cells, code_index, bindings)))
            for key, label, source, evidence in _published_numbers(cells[code_index].tree):
                items.append(Item("number", key, label, code_index + 1,
                                  *_producers(cells, code_index, bindings), source=source, evidence=evidence))
        elif cell.cell_type == "markdown":
            items += _tables(cell.source, cells, bindings, producing_cell)
    return items


def _tables(markdown: str, cells, bindings, producing_cell) -> list[Item]:
    """Numbered ``{table}`` directives in a markdown cell, traced to the cell that glues their content."""
    found, lines = [], markdown.splitlines()
    for i, line in enumerate(lines):
        match = TABLE.match(line.strip())
        if not match:
            continue
        body = []
        for following in lines[i + 1:]:
            if following.strip() == match["fence"]:
                break
            body.append(following)
        name = next((m["name"] for b in body if (m := OPTION.match(b.strip()))), "")
        keys = GLUED.findall("\n".join(body))
        index = producing_cell(keys[0]) if keys else -1
        functions, datasets = _producers(cells, index, bindings) if index >= 0 else ([], [])
        found.append(Item("table", name, match["caption"].strip(), index + 1, functions, datasets))
    return found


# ---------- the pages of the map (Sphinx) ----------

#: The index page of the map; each chapter's page is ``PAGES/<chapter file name>``.
PAGES = "book/provenance"


def page_of(docname: str) -> str:
    """The map's page of a chapter: ``notebooks/04-participation`` -> ``book/provenance/04-participation``."""
    return f"{PAGES}/{Path(docname).name}"


def index_markdown(srcdir: Path) -> list[str]:
    """One line per chapter: its figures, tables and numbers (by evidence), linked to its page of the map."""
    lines = []
    for number, docname, title in chapters(srcdir):
        items = chapter_items(srcdir / f"{docname}.md")
        kinds = Counter(item.kind for item in items)
        evidence = Counter(EVIDENCE.get(item.evidence, "未标明") for item in items if item.kind == "number")
        by = "、".join(f"{label} {count}" for label, count in evidence.items())
        lines.append(f"- 第 {number} 章 [{title}](/{page_of(docname)}.md)：图 {kinds['figure']}、表 {kinds['table']}、"
                     f"正文数字 {kinds['number']}" + (f"（{by}）" if by else ""))
    return lines


def chapter_markdown(srcdir: Path, chapter: Chapter) -> list[str]:
    """A chapter's page of the map: each figure, table and number, its code cell, functions and data sets."""
    number, docname, title = chapter
    lines = [f"本页列出第 {number} 章 [{title}](/{docname}.md) 的每一个编号的图、编号的表和正文数字。"
             f"源文件为 `{docname}.md`；该章页面顶部的“下载与复现”提供可重新运行的 .ipynb 和本章全部数字（JSON）。"
             "各栏的含义见{ref}`provenance`。", "",
             "| 对象 | 内容 | 依据 | 代码单元 | 产生它的 cgov 函数 | 数据集 |", "|---|---|---|---|---|---|"]
    for item in chapter_items(srcdir / f"{docname}.md"):
        what = (f"{{numref}}`{item.name}`" if item.kind != "number"
                else f"正文数字 {{glue}}`/{docname}.md::{item.name}`（`{item.name}`）")
        functions = "、".join(f"`{f}`" for f in item.functions) or "—"
        if item.source:
            functions += f"；声明的来源：{item.source}"
        datasets = "、".join(f"`{d}`" for d in item.datasets) or "—"
        caption = item.caption.replace("|", "\\|")
        lines.append(f"| {what} | {caption} | {EVIDENCE.get(item.evidence, '—')} | 第 {item.cell} 个 | "
                     f"{functions} | {datasets} |")
    return lines


class ProvenanceMap(SphinxDirective):
    """``{cgov-provenance}``: on ``book/provenance`` the index of the map, on ``book/provenance/NN-slug``
    the table of chapter ``notebooks/NN-slug``."""

    def run(self):
        srcdir, here = Path(self.env.srcdir), self.env.docname
        book = chapters(srcdir)
        if here == PAGES:
            shown, lines = book, index_markdown(srcdir)
        else:
            shown = [c for c in book if page_of(c.docname) == here]
            if not shown:
                raise self.error(f"{here} is not the provenance page of a chapter ({PAGES}/NN-slug)")
            lines = chapter_markdown(srcdir, shown[0])
        for chapter in shown:
            self.env.note_dependency(str(srcdir / f"{chapter.docname}.md"))
        container = nodes.container()
        self.state.nested_parse(StringList(lines), self.content_offset, container)
        return container.children


def _light_cells(app, doctree, docname) -> None:
    """HTML only: on the map's pages names and glued numbers in table cells are plain text rather than
    ``<code><span>``, so that the page of the longest chapter stays under 1,500 elements (issue 19; a cell's
    only ``<p>`` goes site-wide, :func:`cgov.site.perf.unwrap_cell_paragraphs`). The PDF keeps them."""
    if app.builder.format != "html" or not (docname == PAGES or docname.startswith(f"{PAGES}/")):
        return
    for entry in list(doctree.findall(nodes.entry)):
        for node in [*entry.findall(nodes.literal), *entry.findall(nodes.inline)]:
            node.parent.replace(node, nodes.Text(node.astext()))


def setup(app):
    app.add_directive("cgov-provenance", ProvenanceMap)
    app.connect("doctree-resolved", _light_cells)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
