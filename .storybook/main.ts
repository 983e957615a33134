import type { StorybookConfig } from "@storybook/react-vite";

const config: StorybookConfig = {
  framework: "@storybook/react-vite",
  stories: ["../stories/**/*.stories.@(ts|tsx)"],
  addons: ["@storybook/addon-a11y", "msw-storybook-addon"],
  // Holds MSW's mockServiceWorker.js (package.json msw.workerDirectory).
  staticDirs: ["../stories/public"],
  // The build machines have no network.
  core: { disableTelemetry: true },
};

export default config;
