/**
 * The build feature as the app shell uses it: `canBuildImage(option)` decides whether to show the
 * panel for an image option; `BuildPanel` renders it. The terminal inside is a lazy chunk.
 */
export { BuildPanel, type BuildPanelProps } from "./build-panel.tsx";
export { canBuildImage } from "./can-build-image.ts";
