# Two commands set everything up on a fresh Debian machine with Python 3.11:
#   make book   — virtual environment with the locked versions, then the HTML site in _build/html
#   make test   — the same bootstrap, then the whole test suite (including a clean strict build)
SHELL := /bin/bash
.DEFAULT_GOAL := book
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Debian packages the tests need: a browser for the site tests (it also prints the trainee and instructor
# handouts), a system CJK font for it, LibreOffice Impress to render a slide deck, poppler-utils to read PDFs.
APT_PACKAGES := chromium fonts-noto-cjk libreoffice-impress poppler-utils
APT_STAMP := $(VENV)/.apt-stamp
# Debian packages of the PDF handouts (make pdf): XeLaTeX with ctex/xeCJK, Noto CJK and DejaVu fonts, latexmk;
# poppler-utils to render pages for checking. About 150 MB; only `make pdf` installs them.
PDF_APT_PACKAGES := texlive-xetex texlive-lang-chinese texlive-latex-extra texlive-latex-recommended \
  texlive-fonts-recommended latexmk fonts-noto-cjk fonts-dejavu-core poppler-utils
PDF_APT_STAMP := $(VENV)/.apt-pdf-stamp
# npm packages (package-lock.json): MathJax typesets formulas at build time; axe-core and Lighthouse check
# the site. Node.js comes from Debian when it is missing.
NPM_STAMP := node_modules/.installed-stamp
PORT ?= 8000

.PHONY: book test test-fast serve clean lock system-deps sim pdf slides data fetch-data bench-data bench dist bench-report

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --requirement requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --editable .
	@touch $@

# $(call apt_install,PACKAGES): install those Debian packages that are missing (needs root).
define apt_install
@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
if [ -n "$$missing" ]; then \
  echo "Installing Debian packages: $$missing"; \
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
fi
endef

$(APT_STAMP): $(STAMP)
	$(call apt_install,$(APT_PACKAGES))
	@touch $@

$(PDF_APT_STAMP): $(STAMP)
	$(call apt_install,$(PDF_APT_PACKAGES))
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || $(MAKE) --no-print-directory node-from-debian
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: node-from-debian
node-from-debian:
	$(call apt_install,nodejs npm)

system-deps: $(APT_STAMP)

book: $(STAMP) $(NPM_STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# make pdf — A4 handouts with XeLaTeX: the whole book and one PDF per chapter, in _build/latex; from the
#            built pages, per chapter a trainee handout (no solutions) and an instructor edition (with them),
#            printed by Chromium; then the site, which copies them to _build/html/downloads/pdf and links them
#            (使用本书授课, chapter pages).
pdf: $(STAMP) $(PDF_APT_STAMP) $(APT_STAMP) $(NPM_STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/cgov pdf
	$(BIN)/jupyter-book build . -W -n --keep-going

# make slides — one editable PowerPoint deck per chapter in _build/slides (from the sources, the built figures
#               and _build/results); then the site again, so each chapter's download box links its deck.
slides: $(STAMP) $(NPM_STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/cgov slides
	$(BIN)/jupyter-book build . -W -n --keep-going

test: $(STAMP) $(APT_STAMP) $(NPM_STAMP) fetch-data
	$(BIN)/python -m pytest

# make test-fast — every test but the book build (mark build) and the browser (mark browser): the loop while working.
test-fast: $(STAMP) fetch-data
	$(BIN)/python -m pytest -m "not build and not browser"

# make data — cache the eight division-code tarballs (sha512-verified; only what is missing),
#             then derive data/processed/*.csv and data/datapackage.json from the raw sources.
fetch-data: $(STAMP)
	$(BIN)/cgov data fetch

data: fetch-data
	$(BIN)/cgov data build

# make bench-data — time and peak memory of the whole pipeline from the cache, load time of each table.
bench-data: fetch-data
	$(BIN)/cgov data bench

# make bench — per page: bytes transferred (gzip, first view and full scroll), requests and DOM elements in Chromium;
#              Lighthouse mobile median of 3 (FCP, LCP, TBT) on the heaviest chapter and the home page; build times;
#              writes _build/bench/bench.md.
bench: $(STAMP) $(APT_STAMP) $(NPM_STAMP) bench-report
	$(BIN)/cgov bench

# make bench-report — wall time, CPU time and peak memory of `cgov report` on 100 000 simulated respondents
#                     in 500 communities; fails above 30 s or 2 GB.
bench-report: $(STAMP)
	$(BIN)/cgov bench-report

# make dist — the release: a clean strict build in _build/dist-site (_build/html is left alone), packed as
#             dist/cgov-<version>-site.zip, plus the PDF handouts if `make pdf` has made them, the slide decks if
#             `make slides` has made them (both also inside the zip, in downloads/), and SHA256SUMS.
#             The version is pyproject.toml's; a git tag v* on HEAD must agree.
dist: $(STAMP) $(NPM_STAMP)
	$(BIN)/cgov dist

sim: $(STAMP)
	$(BIN)/cgov sim

serve: book
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

clean:
	rm -rf _build dist

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --requirement requirements.in
	{ echo "# Generated by 'make lock' from requirements.in with Python 3.11: exact versions of every package."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable; } > requirements.lock
	rm -rf .lock-venv
