/**
 * The real 736-event Kubernetes build (binder-examples/octave) that `@jupyterhub/binderhub-client`
 * ships as `tests/fixtures/fullbuild.eventsource` (BSD-3-Clause): local mode's BinderHub simulator
 * replays it, and the tests and the bench use it as BinderHub's own output. The package's `exports`
 * hide that path, so it is found next to the exported `lib/client.js`. The file holds one
 * `data: <json>` line per event with no blank separators (the client's jest tests split it by line).
 *
 * The package is a devDependency: `npm ci` installs it, a production image does not (it has no
 * local mode to replay it in).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

export const FULLBUILD_EVENTSOURCE_PATH = join(
  dirname(require.resolve("@jupyterhub/binderhub-client/client.js")),
  "..",
  "tests",
  "fixtures",
  "fullbuild.eventsource",
);

let cached: readonly string[] | undefined;

/** The JSON payloads of the recording, in order, exactly as BinderHub sent them. */
export function fullBuildPayloads(): readonly string[] {
  cached ??= Object.freeze(
    readFileSync(FULLBUILD_EVENTSOURCE_PATH, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => line.slice("data: ".length)),
  );
  return cached;
}
