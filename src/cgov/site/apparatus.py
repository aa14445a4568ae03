"""Sphinx extension for the book's teaching and citation apparatus.

- the version (``cgov.__version__``) and git commit in the site footer, the PDF title page and the
  substitutions ``{{ book_version }}``, ``{{ book_commit }}``, ``{{ book_seed }}``, ``{{ book_python }}``;
- bibliography entries that show their verification status (the ``note`` field of references.bib);
- a download box on every chapter page: the notebook as ``.ipynb`` (generated from the MyST source),
  the data sets it loads, its results (the numbers as JSON, each published table whole as CSV), its PDF
  handouts once ``make pdf`` has made them and its PowerPoint deck once ``make slides`` has made it;
- directives that generate pages from the sources: ``cgov-citations`` (如何引用),
  ``cgov-locked-versions`` (可复现性) and ``cgov-handouts`` (links to the PDFs and decks of every chapter);
  the figure/table/number map has its own extension, :mod:`cgov.site.provenance`;
- ``simulated-data``: the one banner that marks a section built on simulated teaching data.
"""
from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import cgov
from cgov import cite, data, paths
from cgov.site import provenance
from cgov.style import SEED
from cgov.toc import chapters

logger = logging.getLogger(__name__)

#: The first word of an entry's ``note`` and how the bibliography shows it (kept in cgov.cite).
STATUS_LABELS = cite.REFERENCE_STATUS
verification_status = cite.reference_status
DOWNLOADS = paths.SITE_DOWNLOADS


def _register_bib_style() -> None:
    """A pybtex style ``cgovstatus``: the plain style, with the note prefixed by its status in Chinese."""
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.plain import Style

    class StatusStyle(Style):
        def format_entry(self, label, entry, bib_data=None):
            note = entry.fields.get("note", "")
            status = verification_status(note)
            rest = note.strip()[len(status):].lstrip(" .:;")
            shown = entry.__class__(entry.type, fields={**entry.fields, "note": f"【{STATUS_LABELS[status]}】{rest}"},
                                    persons=entry.persons)
            shown.key = entry.key
            return super().format_entry(label, shown, bib_data=bib_data)

    register_plugin("pybtex.style.formatting", "cgovstatus", StatusStyle, force=True)


def git_commit(root: Path) -> str:
    """The short hash of HEAD, or "未知" when git or the repository is not available."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "未知"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "未知"


def _stamp_version(app, config) -> None:
    commit = git_commit(Path(app.srcdir))
    stamp = f"版本 {cgov.__version__} · 提交 {commit}"
    config.version = cgov.__version__
    config.release = f"{cgov.__version__} · 提交 {commit}"  # the PDF title page prefixes 发行版本
    config.html_theme_options = {**config.html_theme_options,
                                 "extra_footer": f'<p class="cgov-version">{stamp}</p>'}
    config.myst_substitutions = {**config.myst_substitutions, "book_version": cgov.__version__,
                                 "book_commit": commit, "book_seed": str(SEED),
                                 "book_python": platform.python_version()}


def _datasets() -> dict[str, tuple[Path, dict]]:
    """Every table of the real and the simulated data package: name -> (file, descriptor)."""
    return {name: (folder / res["path"], res) for name, (folder, res) in data.resources().items()}


def pdf_name(docname: str) -> str:
    """The file name Jupyter Book's ``--individualpages`` gives a page's PDF."""
    return docname.replace("/", "-") + ".pdf"


def _latex_dir(app) -> Path:
    return Path(app.outdir).parent / "latex"


def _slides_dir(app) -> Path:
    return Path(app.outdir).parent / "slides"


#: What each make target builds for a chapter, as the teaching page names it when it is missing.
MATERIAL_TARGETS = {"pdf": "PDF 讲义", "slides": "课件"}


def chapter_materials(app, docname: str) -> list[tuple[Path, str, str, str]]:
    """A chapter's classroom materials, built or not: (built file, folder in the site's downloads, link text,
    the make target that builds it) — its A4 PDF, trainee handout, instructor edition and PowerPoint deck."""
    latex, name = _latex_dir(app), pdf_name(docname)
    return [(latex / name, "pdf", "A4 讲义（PDF）", "pdf"),
            (latex / name.replace(".pdf", "-trainee.pdf"), "pdf", "学员讲义（PDF）", "pdf"),
            (latex / name.replace(".pdf", "-instructor.pdf"), "pdf", "教师版讲义（PDF，含解答）", "pdf"),
            (_slides_dir(app) / f"{Path(docname).name}.pptx", "slides", "课件（PowerPoint，可编辑）", "slides")]


def built_materials(app, docname: str, up: str) -> list[tuple[str, str]]:
    """(link, text) of the chapter's materials that have been built; ``up`` leads from the page to the root."""
    return [(f"{up}{DOWNLOADS}/{folder}/{file.name}", text)
            for file, folder, text, _ in chapter_materials(app, docname) if file.is_file()]


# ---------- directives that generate page content ----------

class _MarkdownDirective(SphinxDirective):
    """Base: render generated MyST Markdown in place of the directive."""

    def markdown(self) -> list[str]:
        raise NotImplementedError

    def run(self):
        container = nodes.container()
        self.state.nested_parse(StringList(self.markdown()), self.content_offset, container)
        return container.children


class Citations(_MarkdownDirective):
    """GB/T 7714 and APA forms for the book, each chapter and each data set, plus BibTeX."""

    def markdown(self):
        srcdir = Path(self.env.srcdir)
        self.env.note_dependency(str(srcdir / "CITATION.cff"))
        work = cite.book(cite.load_cff(srcdir / "CITATION.cff"))
        lines = ["## 全书", "", f"- **GB/T 7714**：{cite.gbt7714_book(work)}", f"- **APA**：{cite.apa_book(work)}",
                 "", "```bibtex", *cite.bibtex_book(work).splitlines(), "```", "", "## 各章", ""]
        for number, docname, title in chapters(srcdir):
            lines += [f"### 第 {number} 章 [{title}](/{docname}.md)", "",
                      f"- **GB/T 7714**：{cite.gbt7714_chapter(work, title, number)}",
                      f"- **APA**：{cite.apa_chapter(work, title, number)}", ""]
        lines += ["## 数据集", "",
                  "引用本书整理的数据表时，请同时引用原始来源（见各条“原始来源”）。", ""]
        for _, resource in _datasets().values():
            sources = "；".join(s.get("title", "") for s in resource.get("sources", [])) or "—"
            lines += [f"### {resource.get('title', resource['name'])}（`{resource['name']}`）", "",
                      f"- **GB/T 7714**：{cite.gbt7714_dataset(work, resource.get('title', resource['name']))}",
                      f"- **APA**：{cite.apa_dataset(work, resource.get('title', resource['name']))}",
                      f"- **原始来源**：{sources}", ""]
        return lines


class LockedVersions(_MarkdownDirective):
    """The exact package versions of ``requirements.lock``, as a table."""

    def markdown(self):
        lock = Path(self.env.srcdir) / "requirements.lock"
        self.env.note_dependency(str(lock))
        pins = [line.split("==") for line in lock.read_text(encoding="utf-8").splitlines()
                if "==" in line and not line.startswith("#")]
        return ["| 软件包 | 版本 |", "|---|---|", *(f"| {name} | {version} |" for name, version in pins)]


class Handouts(SphinxDirective):
    """Links to the handouts ``make pdf`` has built (the whole book; each chapter's A4 PDF, trainee handout
    and instructor edition) and to the decks ``make slides`` has built; what is missing names its target."""

    def run(self):
        app, up = self.env.app, "../" * self.env.docname.count("/")
        items = nodes.bullet_list()
        book = nodes.paragraph()
        if (_latex_dir(app) / "book.pdf").is_file():
            book += nodes.reference("", "全书（PDF）", refuri=f"{up}{DOWNLOADS}/pdf/book.pdf")
        else:
            book += nodes.Text("全书：尚未生成（运行 make pdf）")
        items += nodes.list_item("", book)
        for number, docname, title in chapters(Path(self.env.srcdir)):
            para = nodes.paragraph("", f"第 {number} 章 {title}：")
            built = built_materials(app, docname, up)
            for i, (uri, text) in enumerate(built):
                para += nodes.Text("　" if i else "")
                para += nodes.reference("", text, refuri=uri)
            missing = sorted({target for file, _, _, target in chapter_materials(app, docname) if not file.is_file()})
            if missing:
                note = (f"{'、'.join(MATERIAL_TARGETS[t] for t in missing)}尚未生成，"
                        f"运行 {'、'.join(f'make {t}' for t in missing)}")
                para += nodes.Text(f"（{note}）" if built else note)
            items += nodes.list_item("", para)
        return [items]


# ---------- downloads on every chapter page ----------

def _chapter_datasets(source: Path) -> list[str]:
    return sorted(set(provenance.LOAD.findall(source.read_text(encoding="utf-8"))))


def _add_download_box(app, doctree) -> None:
    docname = app.env.docname
    if not docname.startswith("notebooks/"):
        return
    srcdir, up = Path(app.srcdir), "../" * docname.count("/")
    stem = Path(docname).name
    links = [(f"{up}{DOWNLOADS}/notebooks/{stem}.ipynb", "本章 notebook（.ipynb）")]
    datasets = _datasets()
    for name in _chapter_datasets(srcdir / f"{docname}.md"):
        if name not in datasets:
            logger.warning(f"{docname} loads {name!r}, which is in no data package", location=docname)
            continue
        links.append((f"{up}{DOWNLOADS}/data/{datasets[name][0].name}", f"数据 {name}（CSV）"))
    links.append((f"{up}{DOWNLOADS}/data/datapackage.json", "数据说明（datapackage.json）"))
    if any(name.startswith("sim_") for name in _chapter_datasets(srcdir / f"{docname}.md")):
        links.append((f"{up}{DOWNLOADS}/data/sim_datapackage.json", "模拟数据说明（sim_datapackage.json）"))
    if (paths.RESULTS / f"{stem}.json").is_file():  # written while the notebook executed
        links.append((f"{up}{DOWNLOADS}/results/{stem}.json", "本章全部数字（JSON）"))
    for table in sorted((paths.RESULTS / stem).glob("*.csv")):  # publish_table: whole, also where a page shortens it
        links.append((f"{up}{DOWNLOADS}/results/{stem}/{table.name}", f"表格数据 {table.stem}（CSV）"))
    links += built_materials(app, docname, up)
    para = nodes.paragraph("", "", nodes.strong("", "下载与复现："))
    for i, (uri, text) in enumerate(links):
        para += nodes.Text("　" if i else "")
        para += nodes.reference("", text, refuri=uri)
    box = nodes.container("", para, classes=["cgov-downloads"])
    only = addnodes.only(expr="html")
    only += box
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None:
        section.insert(1, only)


def _pdfs_changed(app, env, added, changed, removed):
    """Re-read the chapter pages when the set of built PDF handouts has changed."""
    available = sorted(p.name for p in [*_latex_dir(app).glob("*.pdf"), *_slides_dir(app).glob("*.pptx")])
    if getattr(env, "cgov_pdfs", None) == available:
        return []
    env.cgov_pdfs = available
    return [d for d in env.found_docs if d not in added | changed and (d.startswith("notebooks/") or
            "cgov-handouts" in Path(env.doc2path(d)).read_text(encoding="utf-8"))]


def copy_pdfs(latex_dir: Path, html_dir: Path) -> list[Path]:
    """Copy the PDF handouts into the site's download folder; return the copies."""
    target = html_dir / DOWNLOADS / "pdf"
    copies = []
    for pdf in sorted(latex_dir.glob("*.pdf")):
        target.mkdir(parents=True, exist_ok=True)
        copies.append(Path(shutil.copyfile(pdf, target / pdf.name)))
    return copies


def _write_downloads(app, exception) -> None:
    """Write each chapter's .ipynb and copy its data, results and PDF into the site."""
    if exception is not None or app.builder.format != "html":
        return
    import jupytext

    srcdir, out = Path(app.srcdir), Path(app.outdir) / DOWNLOADS
    for folder in ("notebooks", "data", "results"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    shutil.copy2(srcdir / "data" / "datapackage.json", out / "data" / "datapackage.json")
    shutil.copy2(srcdir / "data" / "sim" / "datapackage.json", out / "data" / "sim_datapackage.json")
    for file, _ in _datasets().values():
        shutil.copy2(file, out / "data" / file.name)
    for source in sorted((srcdir / "notebooks").glob("*.md")):
        jupytext.write(jupytext.read(source), out / "notebooks" / f"{source.stem}.ipynb", fmt="ipynb")
        results = paths.RESULTS / f"{source.stem}.json"
        if results.is_file():
            shutil.copyfile(results, out / "results" / results.name)
        for table in sorted((paths.RESULTS / source.stem).glob("*.csv")):
            (out / "results" / source.stem).mkdir(exist_ok=True)
            shutil.copyfile(table, out / "results" / source.stem / table.name)
    copy_pdfs(_latex_dir(app), Path(app.outdir))
    for deck in sorted(_slides_dir(app).glob("*.pptx")):
        (out / "slides").mkdir(exist_ok=True)
        shutil.copyfile(deck, out / "slides" / deck.name)


class SimulatedData(SphinxDirective):
    """The banner of a section that uses simulated data: ``:::{simulated-data} sim_residents sim_communities``.

    Its fixed text says what the data are and are not; the directive's content, if any, follows it.
    """

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True

    def run(self):
        names = "、".join(f"`{name}`" for name in (self.arguments[0].replace(",", " ").split() if self.arguments else []))
        text = (f"本节使用的{names or '数据'}是为教学生成的{{term}}`模拟数据`，每个文件带有 `is_simulated` 列，"
                "生成数据时设定的真实参数随数据保存（`cgov.sim.truth`），各参数取自已发表的数字还是为教学设定，"
                "见{ref}`questionnaire`。模拟数据只用来演示方法，**不是关于中国社区的事实**，"
                "其中的估计值不能作为经验发现引用；图中的“模拟数据”标记也是为此。")
        banner = nodes.admonition(classes=["warning", "cgov-simulated"])
        banner += nodes.title(text="模拟数据")
        banner += self.parse_text_to_nodes(text)
        if self.content:
            banner += self.parse_content_to_nodes()
        return [banner]


def setup(app):
    _register_bib_style()
    app.connect("config-inited", _stamp_version)
    app.connect("doctree-read", _add_download_box)
    app.connect("env-get-outdated", _pdfs_changed)
    app.connect("build-finished", _write_downloads)
    app.add_directive("cgov-citations", Citations)
    app.add_directive("cgov-locked-versions", LockedVersions)
    app.add_directive("cgov-handouts", Handouts)
    app.add_directive("simulated-data", SimulatedData)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
