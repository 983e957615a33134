// The hub glue imports this module from `{jhdata.prefix}services/<name>/static/launchpad.js` as
// early as it can, before the rest of the spawn page is parsed; the page takes the glue's form
// over once it is all there (see app/mount.tsx).
import { mountLaunchpad } from "./app/mount.tsx";

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => mountLaunchpad(), { once: true });
} else {
  mountLaunchpad();
}
