/**
 * The golden vectors make_vectors.py recorded from BinderHub's own functions (README.md here).
 */
import { readFileSync } from "node:fs";

import type { Provider } from "../../../contract/build.ts";

export interface NamingVector {
  provider: Provider;
  /** As it follows `/build/<provider>/` in BinderHub's URL. */
  spec: string;
  /** What `get_resolved_ref()` would have set on the provider (no network here). */
  resolved: { resolved_ref?: string; record_id?: string; identifier?: string };
  ref: string;
  repo_url: string;
  build_slug: string;
  /** Image name by BinderHub's `image_prefix`. */
  image_names: Record<string, string>;
  build_pod_name: string;
}

export const VECTORS = (
  JSON.parse(readFileSync(new URL("./vectors.json", import.meta.url), "utf8")) as {
    vectors: NamingVector[];
  }
).vectors;
