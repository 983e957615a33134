/**
 * `node --import ./report-imports.ts …`: writes `imported <package>` to stderr the first time the
 * process loads a package named in LAUNCHPAD_REPORT_IMPORTS (comma-separated), so a test can tell
 * whether a mode loads a heavy library at all (server.test.ts). Module resolution hooks:
 * https://nodejs.org/api/module.html#moduleregisterhooksoptions
 */
import { registerHooks } from "node:module";

const watched = new Set((process.env.LAUNCHPAD_REPORT_IMPORTS ?? "").split(",").filter(Boolean));
const reported = new Set<string>();

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    for (const name of watched) {
      if (!reported.has(name) && resolved.url.includes(`/node_modules/${name}/`)) {
        reported.add(name);
        process.stderr.write(`imported ${name}\n`);
      }
    }
    return resolved;
  },
});
