// The profile editor's own bundle, loaded by the page the companion serves at `{service}/admin/`
// (server/src/profile-editor/routes.ts). Built apart from the spawn page (vite.config.ts), so none
// of it weighs on the spawn page's first load.
import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import * as z from "zod/mini";
import { injectStyle } from "../lib/inject-style.ts";
import { createQueryClient } from "../lib/query-client.ts";
import pickerCss from "../app/styles.css?inline";
import { AdminApp } from "./admin-app.tsx";
import css from "./admin.css?inline";

const AdminPageDataSchema = z.object({
  service_url: z.string(),
  hub_url: z.string(),
  user: z.string(),
});

const root = document.getElementById("launchpad-admin");
const data = AdminPageDataSchema.safeParse(
  JSON.parse(document.getElementById("launchpad-admin-data")?.textContent ?? "null"),
);
if (root && data.success) {
  injectStyle(document, "launchpad-styles", pickerCss);
  injectStyle(document, "launchpad-admin-styles", css);
  const client = createQueryClient();
  root.replaceChildren();
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={client}>
        <AdminApp
          serviceUrl={data.data.service_url}
          hubUrl={data.data.hub_url}
          user={data.data.user}
        />
      </QueryClientProvider>
    </StrictMode>,
  );
} else if (root) {
  root.textContent = "The profile editor page is missing its data; reload it.";
}
