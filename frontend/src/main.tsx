// The hub glue imports this module from `{jhdata.prefix}services/<name>/static/launchpad.js`;
// importing it mounts the page (see app/mount.tsx).
import { mountLaunchpad } from "./app/mount.tsx";

mountLaunchpad();
