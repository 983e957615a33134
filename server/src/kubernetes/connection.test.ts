import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  connectionFromKubeconfig,
  inClusterConnection,
  loadConnection,
  tokenFromFile,
} from "./connection.ts";
import { createKubernetesClient } from "./rest-client.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  return [
    "apiVersion: v1",
    "kind: Config",
    "current-context: work",
    "contexts:",
    "- name: other",
    "  context: {cluster: far, user: nobody}",
    "- name: work",
    "  context: {cluster: near, user: me, namespace: hub}",
    "clusters:",
    "- name: far",
    "  cluster: {server: 'https://far.example:6443'}",
    "- name: near",
    `  cluster: ${JSON.stringify({ server: "https://10.0.0.1:6443/", ...cluster })}`,
    "users:",
    "- name: nobody",
    "  user: {token: wrong}",
    "- name: me",
    `  user: ${JSON.stringify(user)}`,
    "",
  ].join("\n");
}

describe("connectionFromKubeconfig", () => {
  it("reads the current context's cluster, user and namespace, with inline CA and token", () => {
    const connection = connectionFromKubeconfig(
      kubeconfig({ token: "t0k3n" }, { "certificate-authority-data": b64("CA PEM") }),
    );
    expect(connection).toMatchObject({
      server: "https://10.0.0.1:6443",
      ca: "CA PEM",
      namespace: "hub",
    });
    expect(connection.token?.()).toBe("t0k3n");
    expect(connection.insecureSkipTlsVerify).toBeUndefined();
  });

  it("reads files relative to the kubeconfig's folder: CA, token file, client certificate", () => {
    const dir = mkdtempSync(join(tmpdir(), "kubeconfig-"));
    writeFileSync(join(dir, "ca.pem"), "CA PEM");
    writeFileSync(join(dir, "token"), "from-file\n");
    writeFileSync(join(dir, "client.pem"), "CERT PEM");
    writeFileSync(join(dir, "client.key"), "KEY PEM");
    const path = join(dir, "config");
    writeFileSync(
      path,
      kubeconfig(
        { tokenFile: "token", "client-certificate": "client.pem", "client-key": "client.key" },
        { "certificate-authority": "ca.pem" },
      ),
    );
    const connection = loadConnection({ kubeconfigPath: path, env: {} });
    expect(connection).toMatchObject({ ca: "CA PEM", cert: "CERT PEM", key: "KEY PEM" });
    expect(connection.token?.()).toBe("from-file");
  });

  it("takes inline client certificates and insecure-skip-tls-verify", () => {
    const connection = connectionFromKubeconfig(
      kubeconfig(
        { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") },
        { "insecure-skip-tls-verify": true },
      ),
    );
    expect(connection).toMatchObject({ cert: "CERT", key: "KEY", insecureSkipTlsVerify: true });
    expect(connection.token).toBeUndefined();
  });

  it("refuses a user it cannot authenticate as, naming the way and what works", () => {
    expect(() =>
      connectionFromKubeconfig(kubeconfig({ exec: { command: "aws", apiVersion: "x" } }), "/k"),
    ).toThrow(
      'kubeconfig /k: user "me" authenticates with exec, which Launchpad does not support; use a token, a token file or a client certificate',
    );
    expect(() =>
      connectionFromKubeconfig(kubeconfig({ "auth-provider": { name: "gcp" } })),
    ).toThrow(/authenticates with auth-provider/);
  });

  it("says what is missing in a broken kubeconfig", () => {
    expect(() => connectionFromKubeconfig("kind: Config\n", "/k")).toThrow(
      "kubeconfig /k: no current-context",
    );
    expect(() =>
      connectionFromKubeconfig(
        kubeconfig({ token: "x" }).replace("current-context: work", "current-context: gone"),
      ),
    ).toThrow('kubeconfig: no contexts entry named "gone"');
    expect(() => connectionFromKubeconfig("- a list\n")).toThrow(
      "kubeconfig: the document is not a mapping",
    );
  });

  it("needs a pod or a kubeconfig", () => {
    expect(() => loadConnection({ env: {} })).toThrow(/not in a pod .* and no kubeconfig path/);
    expect(() => loadConnection({ env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" } })).toThrow(
      "Kubernetes: KUBERNETES_SERVICE_HOST is set but not _PORT",
    );
  });
});

describe("in a pod", () => {
  function serviceAccountDir(namespace?: string) {
    const dir = mkdtempSync(join(tmpdir(), "serviceaccount-"));
    writeFileSync(join(dir, "ca.crt"), "CLUSTER CA");
    writeFileSync(join(dir, "token"), "first");
    if (namespace !== undefined) writeFileSync(join(dir, "namespace"), namespace);
    return dir;
  }

  it("uses the mounted CA, token and namespace, with an IPv6 service host in brackets", () => {
    const connection = inClusterConnection("fd00::1", "443", serviceAccountDir("hub\n"));
    expect(connection).toMatchObject({
      server: "https://[fd00::1]:443",
      ca: "CLUSTER CA",
      namespace: "hub",
    });
    expect(connection.token?.()).toBe("first");
    expect(inClusterConnection("10.96.0.1", "443", serviceAccountDir()).namespace).toBeUndefined();
  });

  it("reads a rotated token file again after a minute, not on every request", () => {
    const dir = serviceAccountDir();
    let now = 0;
    const token = tokenFromFile(join(dir, "token"), () => now);
    expect(token()).toBe("first");
    writeFileSync(join(dir, "token"), "rotated\n");
    now = 59_999;
    expect(token()).toBe("first");
    now = 60_000;
    expect(token()).toBe("rotated");
  });
});

describe("createKubernetesClient", () => {
  it("refuses plain http unless the kubeconfig says it means it", () => {
    expect(() => createKubernetesClient({ server: "http://10.0.0.1:8080" })).toThrow(
      "Kubernetes: http://10.0.0.1:8080 is plain http; set insecure-skip-tls-verify to mean it",
    );
    expect(() =>
      createKubernetesClient({ server: "http://127.0.0.1:1", insecureSkipTlsVerify: true }),
    ).not.toThrow();
  });
});
