"""The book's Sphinx extensions, loaded by ``_config.yml`` while Jupyter Book builds the site; chapters and
users never import them.

- :mod:`~cgov.site.pages`: every HTML page loads nothing from outside the site (math typeset to SVG at
  build time by ``tex2svg.js``, the icon font cut down, scripts deferred), accessible markup, Chinese lines
  joined without spaces; the theme templates in ``templates/``;
- :mod:`~cgov.site.apparatus`: version stamp, bibliography status, download box, the ``simulated-data``
  banner and the directives that generate pages (citing, locked versions, PDF handouts);
- :mod:`~cgov.site.provenance`: which code cell, cgov function and data set makes each figure, table
  and number (read statically from the chapter source), and the map's pages: an index and one page per
  chapter;
- :mod:`~cgov.site.urls`: base URL and canonical links, ``sitemap.xml``, redirect pages.
"""
