/**
 * NOTES.txt, rendered offline with `helm install --dry-run=client`: the z2jh and binderhub-service
 * values it prints must name this release's real objects, and the hub's extraConfig line must be
 * Python that loads the glue the chart ships and chains the admin's own hook.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  NAMESPACE,
  notesBlock,
  only,
  render,
  renderNotes,
  ROOT,
  type RenderOptions,
} from "./helm.ts";

interface Z2jhValues {
  hub: {
    services: Record<
      string,
      { url: string; oauth_no_confirm?: boolean; oauth_redirect_uri?: string }
    >;
    loadRoles: Record<string, { scopes: string[]; services?: string[] }>;
    extraVolumes: { name: string; configMap: { name: string } }[];
    extraVolumeMounts: { name: string; mountPath: string; readOnly: boolean }[];
    extraConfig: Record<string, string>;
    extraEnv?: Record<string, { valueFrom: { secretKeyRef: { name: string; key: string } } }>;
  };
}

interface BinderhubServiceValues {
  config: { BinderHub: Record<string, unknown> };
  podLabels: Record<string, string>;
  extraEnv: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef: { name: string; key: string } };
  }[];
}

interface EnvVarRef {
  name: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

function z2jhValues(options: RenderOptions = {}): Z2jhValues {
  return parse(notesBlock(renderNotes(options), "z2jh values for Launchpad")) as Z2jhValues;
}

function binderhubValues(options: RenderOptions = {}): BinderhubServiceValues {
  return parse(
    notesBlock(renderNotes(options), "binderhub-service values for Launchpad"),
  ) as BinderhubServiceValues;
}

/** JupyterHub's Python: the e2e venv when set up (real traitlets and python-slugify), else python3. */
function python(): string {
  const venv = join(ROOT, ".cache/venv-jh6/bin/python");
  return existsSync(venv) ? venv : "python3";
}

const scratch = mkdtempSync(join(tmpdir(), "launchpad-notes-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("NOTES.txt: z2jh values", () => {
  const values = z2jhValues();
  const objects = render();

  it("registers the service at the rendered Service's in-cluster URL", () => {
    const service = only(objects, "Service", "launchpad");
    const port = (service.spec as { ports: { port: number }[] }).ports[0]!.port;
    expect(values.hub.services.launchpad).toEqual({
      url: `http://${service.metadata.name}.${NAMESPACE}:${port}`,
      oauth_no_confirm: true,
    });
    expect(values.hub.services.launchpad?.url).toBe("http://launchpad.jhub:8080");
  });

  it("registers BinderHub under the name the companion's role refers to", () => {
    expect(values.hub.services.binder).toEqual({ url: "http://binderhub.jhub" });
  });

  it("grants users access to the service and the companion only what it uses", () => {
    expect(values.hub.loadRoles.user).toEqual({
      scopes: ["self", "access:services!service=launchpad"],
    });
    // read:users:name: an admin's ?user= is looked up by name (permissions.ts HUB_API.userExists).
    expect(values.hub.loadRoles.launchpad).toEqual({
      scopes: ["read:users:name", "access:services!service=binder"],
      services: ["launchpad"],
    });
  });

  it("mounts the glue ConfigMap by its rendered name, where the extraConfig line looks for it", () => {
    const glue = only(objects, "ConfigMap", "launchpad-hub-glue");
    expect(values.hub.extraVolumes).toEqual([
      { name: glue.metadata.name, configMap: { name: glue.metadata.name } },
    ]);
    expect(values.hub.extraVolumeMounts).toEqual([
      { name: glue.metadata.name, mountPath: "/usr/local/etc/launchpad", readOnly: true },
    ]);
    const line = values.hub.extraConfig["zz-launchpad"]!;
    expect(line).toContain('sys.path.insert(0, "/usr/local/etc/launchpad")');
    expect(Object.keys(glue.data as object)).toEqual(["launchpad_glue.py"]);
  });

  it("loads the glue from an extraConfig key that sorts after the admin's own", () => {
    const keys = Object.keys(values.hub.extraConfig);
    expect(keys).toEqual(["zz-launchpad"]);
    // z2jh execs extraConfig in sorted key order
    // (https://github.com/jupyterhub/zero-to-jupyterhub-k8s/blob/4.4.0/jupyterhub/files/hub/jupyterhub_config.py#L539-L542).
    expect(["00-auth", "my-hooks", "profiles", "z-last-admin", ...keys].sort().at(-1)).toBe(
      "zz-launchpad",
    );
    expect(values.hub.extraConfig["zz-launchpad"]!.trim()).toBe(
      'import sys; sys.path.insert(0, "/usr/local/etc/launchpad"); import launchpad_glue; launchpad_glue.install(c, service_name="launchpad")',
    );
  });

  it("tells the admin to restart the hub after upgrading", () => {
    expect(renderNotes()).toContain(
      `kubectl --namespace ${NAMESPACE} rollout restart deployment/hub`,
    );
  });

  it("prints oauth_redirect_uri only when the callback differs from the hub's default, equal to the companion's", () => {
    const set = ["hub.oauthCallbackUrl=https://hub.example.org/services/launchpad/oauth_callback"];
    const custom = z2jhValues({ set });
    expect(custom.hub.services.launchpad?.oauth_redirect_uri).toBe(
      "https://hub.example.org/services/launchpad/oauth_callback",
    );
    const deployment = only(render({ set }), "Deployment");
    expect(JSON.stringify(deployment)).toContain(
      '{"name":"JUPYTERHUB_OAUTH_CALLBACK_URL","value":"https://hub.example.org/services/launchpad/oauth_callback"}',
    );
  });
});

describe("NOTES.txt: the profile editor", () => {
  const options = { values: ["profile-editor.yaml"] };

  it("gives the hub the companion's list token from the Secret the companion reads it from", () => {
    const values = z2jhValues(options);
    const ref = values.hub.extraEnv?.LAUNCHPAD_PROFILE_LIST_TOKEN?.valueFrom.secretKeyRef;
    const container = (
      only(render(options), "Deployment").spec as {
        template: { spec: { containers: { env: EnvVarRef[] }[] } };
      }
    ).template.spec.containers[0]!;
    const companion = container.env.find((e) => e.name === "LAUNCHPAD_PROFILE_LIST_TOKEN");
    expect(ref).toEqual({ name: "launchpad", key: "profile-list-token" });
    expect(companion?.valueFrom?.secretKeyRef).toEqual(ref);
    const secret = only(render(options), "Secret", "launchpad");
    expect(Object.keys(secret.data as object)).toContain("profile-list-token");
  });

  it("points the glue at the companion's api/hub/profile-list with the cache time", () => {
    const line = z2jhValues({ ...options, set: ["profileEditor.hubCacheSeconds=30"] }).hub
      .extraConfig["zz-launchpad"]!;
    expect(line.trim()).toBe(
      'import sys; sys.path.insert(0, "/usr/local/etc/launchpad"); import launchpad_glue; launchpad_glue.install(c, service_name="launchpad", profile_list_url="http://launchpad.jhub:8080/services/launchpad/api/hub/profile-list", profile_list_cache_seconds=30)',
    );
    expect(renderNotes(options)).toContain(
      "The profile editor is at /services/launchpad/admin/ for JupyterHub admins.",
    );
  });

  it("without the editor, neither the env nor the URL", () => {
    const values = z2jhValues();
    expect(values.hub.extraEnv).toBeUndefined();
    expect(values.hub.extraConfig["zz-launchpad"]).not.toContain("profile_list_url");
    expect(renderNotes()).not.toContain("profile editor");
  });
});

describe("NOTES.txt: the extraConfig line is Python that installs the shipped glue", () => {
  const check = `
import ast, asyncio, json, sys, types
line = sys.stdin.read()
ast.parse(line)
try:
    import slugify  # noqa: F401  (KubeSpawner's dependency; the hub image has it)
except ImportError:
    stub = types.ModuleType("slugify")
    stub.slugify = lambda text: text.lower().replace(" ", "-")
    sys.modules["slugify"] = stub
from traitlets.config import Config

import launchpad_glue
homes = []
original_home = launchpad_glue.HomeMount.__init__
def recording_home(self, mount_path=None, volume_name=None):
    homes.append([mount_path, volume_name])
    original_home(self, mount_path, volume_name)
launchpad_glue.HomeMount.__init__ = recording_home

c = Config()
def admin_hook(spawner, pod):
    pod["admin_hook_ran"] = True
    return pod
c.KubeSpawner.modify_pod_hook = admin_hook
exec(compile(line, "extraConfig/zz-launchpad", "exec"), {"c": c})

class Spawner:
    user_options = {}
pod = asyncio.run(c.KubeSpawner.modify_pod_hook(Spawner(), {}))
print(json.dumps({
    "glue_file": launchpad_glue.__file__,
    "options_form_callable": callable(c.KubeSpawner.options_form),
    "hook_chained": pod.get("admin_hook_ran") is True,
    "home": homes,
    "profile_list": type(c.KubeSpawner.profile_list).__name__ if "profile_list" in c.KubeSpawner else None,
}))
`;

  function runLine(line: string, glueDir: string) {
    return spawnSync(python(), ["-c", check], {
      input: line,
      encoding: "utf8",
      // The hub finds the glue at the mount path; here the rendered ConfigMap's file stands in for it.
      env: {
        ...process.env,
        PYTHONPATH: glueDir,
        PYTHONDONTWRITEBYTECODE: "1",
        LAUNCHPAD_PROFILE_LIST_TOKEN: "t".repeat(48),
      },
    });
  }

  it.each([
    { name: "defaults", options: {}, home: [null, null] },
    {
      name: "another service name and prefix",
      options: { values: ["binderhub-other-namespace.yaml"] },
      home: [null, null],
    },
    {
      name: "the home named by its mount path (KubeSpawner templates kept for the glue)",
      options: { set: ["projects.home.mountPath=/home/{username}"] },
      home: ["/home/{username}", null],
    },
    {
      name: "the home named by its volume",
      options: { set: ["projects.home.volumeName=volume-{user_server}"] },
      home: [null, "volume-{user_server}"],
    },
    {
      name: "the profile editor",
      options: { values: ["profile-editor.yaml"] },
      home: [null, null],
    },
  ])("$name", ({ options, home }) => {
    const values = z2jhValues(options);
    const [key, line] = Object.entries(values.hub.extraConfig)[0]!;
    const glue = render(options).find(
      (o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-hub-glue"),
    )!;
    const glueDir = mkdtempSync(join(scratch, "glue-"));
    writeFileSync(
      join(glueDir, "launchpad_glue.py"),
      (glue.data as Record<string, string>)["launchpad_glue.py"]!,
    );

    const result = runLine(line, glueDir);
    expect(result.stderr, `${key}: ${result.stderr}`).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const outcome = JSON.parse(result.stdout) as {
      glue_file: string;
      options_form_callable: boolean;
      hook_chained: boolean;
      home: [string | null, string | null][];
      profile_list: string | null;
    };
    expect(outcome).toEqual({
      glue_file: join(glueDir, "launchpad_glue.py"),
      options_form_callable: true,
      hook_chained: true,
      home: [home],
      profile_list: line.includes("profile_list_url") ? "PublishedProfileList" : null,
    });
  });

  it("the check fails on a line that is not Python", () => {
    const result = runLine("import sys; launchpad_glue.install(c, service_name=", scratch);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("SyntaxError");
  });
});

describe("NOTES.txt: binderhub-service values", () => {
  it("make BinderHub authenticate the companion against the hub", () => {
    const values = binderhubValues();
    expect(values.config.BinderHub).toEqual({
      base_url: "/services/binder/",
      auth_enabled: true,
      enable_api_only_mode: true,
    });
    expect(values.podLabels).toEqual({ "hub.jupyter.org/network-access-hub": "true" });
    expect(values.extraEnv).toEqual([
      {
        name: "JUPYTERHUB_API_TOKEN",
        valueFrom: { secretKeyRef: { name: "hub", key: "hub.services.binder.apiToken" } },
      },
      { name: "JUPYTERHUB_API_URL", value: "http://hub:8081/hub/api" },
      { name: "JUPYTERHUB_SERVICE_NAME", value: "binder" },
      { name: "JUPYTERHUB_CLIENT_ID", value: "service-binder" },
    ]);
  });

  it("point BinderHub in another namespace at the hub across namespaces, with the URL the companion uses", () => {
    const options = { values: ["binderhub-other-namespace.yaml"] };
    const notes = renderNotes(options);
    expect(notes).toContain('(namespace "binderhub")');
    expect(notes).toContain("interNamespaceAccessLabels: accept");
    const values = binderhubValues(options);
    expect(values.extraEnv).toContainEqual({
      name: "JUPYTERHUB_API_URL",
      value: "http://hub.jhub:8081/jupyter/hub/api",
    });
    expect(values.config.BinderHub.base_url).toBe("/services/binder/");
    const z2jh = z2jhValues(options);
    expect(z2jh.hub.services.binder).toEqual({ url: "http://binderhub.binderhub.svc:80" });
    expect(z2jh.hub.services.spawner?.url).toBe("http://launchpad.jhub:8080");
    expect(z2jh.hub.loadRoles.user?.scopes).toEqual(["self", "access:services!service=spawner"]);
  });

  it("are not printed, nor is BinderHub registered or reachable by role, when building is off", () => {
    const options = { values: ["build-off.yaml"] };
    expect(renderNotes(options)).not.toContain("binderhub-service values");
    const z2jh = z2jhValues(options);
    expect(Object.keys(z2jh.hub.services)).toEqual(["launchpad"]);
    // The companion's own token then only looks up an admin's ?user= (projects stay on).
    expect(z2jh.hub.loadRoles.launchpad).toEqual({
      scopes: ["read:users:name"],
      services: ["launchpad"],
    });
  });
});

describe("NOTES.txt: warnings", () => {
  it("warns about an unpinned API server and a generated cookie secret, and not once they are set", () => {
    const defaults = renderNotes();
    expect(defaults).toContain("networkPolicy.kubernetesApi.cidrs is empty");
    expect(defaults).toContain("set cookieSecret (or existingSecret) explicitly");
    const pinned = renderNotes({ values: ["binderhub-other-namespace.yaml", "two-replicas.yaml"] });
    expect(pinned).not.toContain("networkPolicy.kubernetesApi.cidrs is empty");
    expect(pinned).not.toContain("set cookieSecret");
  });
});
