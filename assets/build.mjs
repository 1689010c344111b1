// Builds Lantern's static assets into src/lantern/web/static/ (git ignores the output).
// Run with `npm run build` after `npm ci`; ./dev does both.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules/govuk-frontend/dist");
const out = join(root, "src/lantern/web/static");

mkdirSync(join(out, "lantern"), { recursive: true });
const result = sass.compile(join(root, "assets/scss/lantern.scss"), {
  loadPaths: [govuk],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "lantern/lantern.css"), result.css);

mkdirSync(join(out, "govuk"), { recursive: true });
cpSync(join(govuk, "govuk/assets"), join(out, "govuk/assets"), { recursive: true });
cpSync(join(govuk, "govuk/govuk-frontend.min.js"), join(out, "govuk/govuk-frontend.min.js"));
cpSync(join(root, "node_modules/htmx.org/dist/htmx.min.js"), join(out, "lantern/htmx.min.js"));
cpSync(join(root, "node_modules/cytoscape/dist/cytoscape.min.js"), join(out, "lantern/cytoscape.min.js"));
cpSync(join(root, "assets/js/network.js"), join(out, "lantern/network.js"));
console.log(`assets built into ${out}`);
