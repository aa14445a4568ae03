// Cut style sheets down to the rules a built site uses (PurgeCSS, pinned in package.json).
// Input on stdin, JSON: {"css": [files], "content": [globs], "greedy": [regex sources], "standard": [names]}.
// Each style sheet is rewritten in place; prints {"file": [bytes before, bytes after]} as JSON.
const fs = require("fs");

async function main() {
  const { PurgeCSS } = await import("purgecss");
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  const results = await new PurgeCSS().purge({
    content: request.content,
    css: request.css,
    safelist: { standard: request.standard, greedy: request.greedy.map((s) => new RegExp(s)) },
    fontFace: false, keyframes: false, variables: false, rejected: false,
  });
  const sizes = {};
  for (const { file, css } of results) {
    sizes[file] = [fs.statSync(file).size, Buffer.byteLength(css)];
    fs.writeFileSync(file, css);
  }
  process.stdout.write(JSON.stringify(sizes));
}

main().catch((error) => { process.stderr.write(String(error.stack || error)); process.exit(1); });
