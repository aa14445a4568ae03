// Render TeX to self-contained SVG (with hidden MathML for screen readers) at build time, so that the
// published pages need no MathJax in the browser. Used by cgov.site.pages through one long-lived process:
// each stdin line is a JSON request {"tex": "...", "display": true} or {"css": true}; each stdout line is
// the JSON answer {"html": "..."} or {"error": "..."}.
const readline = require("readline");
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { SVG } = require("mathjax-full/js/output/svg.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AssistiveMmlHandler } = require("mathjax-full/js/a11y/assistive-mml.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");

const adaptor = liteAdaptor();
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
const tex = new TeX({
  packages: AllPackages.filter((name) => name !== "bussproofs"),
  formatError: (jax, err) => { throw err; },
});
const svg = new SVG({ fontCache: "local" });
const doc = mathjax.document("", { InputJax: tex, OutputJax: svg });

function answer(request) {
  if (request.css) return { html: adaptor.textContent(svg.styleSheet(doc)) };
  const node = doc.convert(request.tex, { display: Boolean(request.display), em: 16, ex: 8, containerWidth: 1280 });
  return { html: adaptor.outerHTML(node) };
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let reply;
  try { reply = answer(JSON.parse(line)); } catch (err) { reply = { error: String(err.message || err) }; }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
