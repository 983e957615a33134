/**
 * Wiring of the profile editor from the config: the chart values' bounds in the contract's shape,
 * the ConfigMap store in hub mode or files in local mode, the registry checker with the optional
 * credentials file, and a periodic sweep of version objects a crashed publish left behind.
 */
import type { FastifyInstance } from "fastify";

import {
  ProfileDocumentSchema,
  type ProfileBounds,
} from "../../../contract/profile-editor/schema.ts";
import { SAMPLE_BOUNDS, SAMPLE_DOCUMENT } from "../../../contract/profile-editor/sample.ts";
import type { Config } from "../config.ts";
import type { HubUser } from "../hub/hub-client.ts";
import type { KubernetesClient } from "../kubernetes/client.ts";
import { loadDockerConfig, RegistryChecker } from "./registry-checker.ts";
import { mayEditProfiles, profileEditorRoutes } from "./routes.ts";
import { ProfileEditorService } from "./service.ts";
import { ConfigMapProfileStore, FileProfileStore } from "./store.ts";

export interface ProfileEditorDeps {
  kube?: () => KubernetesClient;
  namespace?: () => string;
  registryFetch?: typeof fetch;
  onError: (error: unknown, what: string) => void;
}

export interface ProfileEditor {
  service: ProfileEditorService;
  routes: (app: FastifyInstance) => Promise<void>;
  mayEdit: (user: HubUser) => boolean;
  stop: () => void;
}

export function boundsFromConfig(editor: Config["profileEditor"]): ProfileBounds {
  return {
    node_groups: editor.nodeGroups.map((group) => ({
      name: group.name,
      display_name: group.displayName,
      node_selector: group.nodeSelector,
      tolerations: group.tolerations,
      max_cpu: group.maxCpu,
      max_memory: group.maxMemory,
      max_gpu: group.maxGpu,
      gpu_resource: group.gpuResource,
    })),
    allowed_images: editor.allowedImages,
  };
}

export function createProfileEditor(config: Config, deps: ProfileEditorDeps): ProfileEditor {
  const editor = config.profileEditor;
  // Local mode without bounds of its own runs the demo's, so `npm start` shows a working editor.
  const demo =
    config.mode === "local" && editor.nodeGroups.length === 0 && editor.allowedImages.length === 0;
  const bounds = demo ? SAMPLE_BOUNDS : boundsFromConfig(editor);
  let baseDocument = demo ? SAMPLE_DOCUMENT : undefined;
  if (editor.baseProfiles !== undefined) {
    const parsed = ProfileDocumentSchema.safeParse(editor.baseProfiles);
    if (parsed.success) baseDocument = parsed.data;
    else
      deps.onError(parsed.error, "profileEditor.baseProfiles is not a profile document; ignored");
  }
  const store =
    config.mode === "hub"
      ? new ConfigMapProfileStore({
          kube: deps.kube?.() ?? missing("a Kubernetes client"),
          namespace: deps.namespace?.() ?? missing("the hub namespace"),
        })
      : new FileProfileStore(config.localDataDir);
  const checker = new RegistryChecker({
    insecureRegistries: editor.insecureRegistries,
    ...(config.registryCredentialsFile
      ? { credentials: loadDockerConfig(config.registryCredentialsFile) }
      : {}),
    ...(deps.registryFetch ? { fetch: deps.registryFetch } : {}),
  });
  const service = new ProfileEditorService({
    store,
    checker,
    bounds,
    retention: editor.retention,
    hubCacheSeconds: editor.hubCacheSeconds,
    baseDocument,
    onError: deps.onError,
  });
  const policy = editor.editors;
  const sweep = setInterval(() => {
    service.sweep().catch((error: unknown) => deps.onError(error, "sweep unpublished versions"));
  }, 15 * 60_000);
  sweep.unref();
  return {
    service,
    routes: profileEditorRoutes({
      service,
      policy,
      profileListToken: config.profileListToken,
      servicePrefix: config.servicePrefix,
      hubBaseUrl: config.hubBaseUrl,
    }),
    mayEdit: (user) => mayEditProfiles(user, policy),
    stop: () => clearInterval(sweep),
  };
}

function missing(what: string): never {
  throw new Error(`the profile editor needs ${what} in hub mode`);
}
