import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { beforeEach } from "vitest";

import { describeProjectStore } from "./store-cases.ts";
import { FileProjectStore } from "./store.ts";

// The ConfigMap store runs against the real API server: store.kube.test.ts.
let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "projects-store-"));
});

describeProjectStore("FileProjectStore", () => [new FileProjectStore(dataDir)]);
