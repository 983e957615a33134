import type { Preview } from "@storybook/react-vite";
import { mswLoader } from "msw-storybook-addon/csf3";
import "../stories/hub-theme.css";
import "../frontend/src/app/styles.css";
import { navigation } from "../frontend/src/lib/navigation.ts";
import { handlers } from "../frontend/src/testing/handlers.ts";

// A story must never navigate the Storybook frame away (the 401 flow redirects to the login).
navigation.assign = (url: string) => console.info("Launchpad would navigate to", url);

const preview: Preview = {
  loaders: [mswLoader()],
  parameters: {
    // The companion's happy path; stories replace it with their own handlers.
    msw: handlers,
    a11y: { test: "error" },
  },
};

export default preview;
