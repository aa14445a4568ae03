// Render TeX to a self-contained SVG document at build time, so that the published pages need no MathJax
// in the browser (cgov.site.pages shows it as one <img> whose alt text is the TeX). Used through one
// long-lived process: each stdin line is a JSON request {"tex": "...", "display": true}; each stdout line
// is the JSON answer {"svg": "<svg ...>"} or {"error": "..."}.
const readline = require("readline");
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { SVG } = require("mathjax-full/js/output/svg.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const tex = new TeX({
  packages: AllPackages.filter((name) => name !== "bussproofs"),
  formatError: (jax, err) => { throw err; },
});
const svg = new SVG({ fontCache: "local" });
const doc = mathjax.document("", { InputJax: tex, OutputJax: svg });

function answer(request) {
  const node = doc.convert(request.tex, { display: Boolean(request.display), em: 16, ex: 8, containerWidth: 1280 });
  return { svg: adaptor.outerHTML(adaptor.firstChild(node)) };
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let reply;
  try { reply = answer(JSON.parse(line)); } catch (err) { reply = { error: String(err.message || err) }; }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
