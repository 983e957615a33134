import { lazy } from "react";
import { LazyPart } from "../../lib/error-boundary.tsx";
import type { BuildPanelProps } from "./build-panel.tsx";

// The panel, its form, the stream reader and the provider rules are a chunk of their own (about
// 10 KiB gzip), fetched when the shell first shows the panel; the terminal is a further chunk,
// fetched when the first build starts. The spawn page's entry stays within its budget.
const BuildPanel = lazy(() =>
  import("./build-panel.tsx").then((module) => ({ default: module.BuildPanel })),
);

export function LazyBuildPanel(props: BuildPanelProps) {
  return (
    <LazyPart
      loading={<p className="lp-hint">Loading the image builder…</p>}
      failed="The image builder could not load. You can still start a server below; reload the page to try it again."
    >
      <BuildPanel {...props} />
    </LazyPart>
  );
}
