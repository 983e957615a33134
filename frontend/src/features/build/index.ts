/**
 * The build feature as the app shell uses it:
 *
 *   {option && canBuildImage(option) && (
 *     <LazyBuildPanel serviceUrl={url} csrfToken={me.csrf_token}
 *       onImageReady={(image, { start }) => {
 *         if (spawn.setUnlistedValue(option.key, image) && start) spawn.submit();
 *       }} />
 *   )}
 *
 * Import from here only: `LazyBuildPanel` keeps the panel and the terminal out of the entry chunk.
 */
export type { BuildPanelProps } from "./build-panel.tsx";
export { canBuildImage } from "./can-build-image.ts";
export { LazyBuildPanel } from "./lazy-build-panel.tsx";
