// The hub glue imports this module from `{jhdata.prefix}services/<name>/static/launchpad.js` once
// its server-rendered form is parsed and drawn (fetched earlier by a preload); the page takes
// the glue's form over once the document is all there (see app/mount.tsx).
import { mountLaunchpad } from "./app/mount.tsx";

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => mountLaunchpad(), { once: true });
} else {
  mountLaunchpad();
}
