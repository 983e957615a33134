/**
 * Tests' reader of a whole build through the companion's BinderHub client (`readBuild`), the way
 * the relay reads it: every item in order until the read ends.
 */
import {
  readBuild,
  type BinderHubClientConfig,
  type UpstreamItem,
} from "../src/builds/binderhub-client.ts";
import type { BuildEvent } from "../../contract/build.ts";

export interface CollectedBuild {
  items: UpstreamItem[];
  /** Items that arrived after `stop` was called (there must be none). */
  afterStop: number;
}

/** `onItem` sees each item and may stop the read (the browser leaving). */
export function collectBuild(
  config: BinderHubClientConfig,
  provider: string,
  spec: string,
  onItem?: (item: UpstreamItem, items: readonly UpstreamItem[], stop: () => void) => void,
): Promise<CollectedBuild> {
  return new Promise((resolve) => {
    const collected: CollectedBuild = { items: [], afterStop: 0 };
    let stopped = false;
    const stop = () => {
      stopped = true;
      read.stop();
    };
    const read = readBuild(config, provider, spec, {
      item(item) {
        if (stopped) collected.afterStop++;
        collected.items.push(item);
        onItem?.(item, collected.items, stop);
        return undefined;
      },
      end: () => resolve(collected),
    });
  });
}

export const buildEvents = (items: readonly UpstreamItem[]): BuildEvent[] =>
  items.flatMap((i) => (i.kind === "event" ? [i.event] : []));
