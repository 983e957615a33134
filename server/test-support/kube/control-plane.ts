/**
 * A real Kubernetes control plane for tests: etcd and kube-apiserver, built from Go modules by
 * scripts/setup-kube.sh, on loopback with free ports, in a temp dir, started per test run.
 *
 * - TLS: a CA and a serving certificate for 127.0.0.1 made with openssl; clients trust the CA.
 * - Authentication: a static token file holding one admin (group `system:masters`) for the tests'
 *   own set-up; everything else authenticates as a ServiceAccount with a bound token from the
 *   TokenRequest API, signed by a key made here (`--service-account-signing-key-file`), exactly as
 *   a pod's projected token is.
 * - Authorization: `--authorization-mode=RBAC` only, so what a Role does not grant is refused.
 * - Audit: every request not made by the tests' admin is logged (`auditLog`), so a test can list
 *   exactly which calls the companion made and which were refused.
 * - Admission: the API server's default plugins (NamespaceLifecycle, ServiceAccount, PodSecurity,
 *   LimitRanger, ResourceQuota, …), as a cluster runs them.
 *
 * There is no controller-manager, scheduler or kubelet: nothing creates a namespace's `default`
 * ServiceAccount, runs a Job, schedules or runs a pod, or collects garbage. The tests' own test
 * kubelet (test-kubelet.ts) plays what they need of that.
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { freePorts, startProcess, waitUntilReady, type TestProcess } from "../processes.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");

/** What a test worker needs to reach the control plane; plain data, so it crosses processes. */
export interface ControlPlaneInfo {
  /** https://127.0.0.1:<port> */
  url: string;
  /** The CA that signed the API server's serving certificate (PEM). */
  ca: string;
  /** A token in `system:masters`: for the tests' own set-up and assertions, never the companion. */
  adminToken: string;
  /** The API server's `gitVersion`, e.g. v1.36.5. */
  version: string;
  /**
   * The API server's audit log (JSON lines, one `audit.k8s.io/v1` Event per request at its
   * ResponseComplete stage): every request of every user but the tests' admin.
   */
  auditLog: string;
}

export interface ControlPlane extends ControlPlaneInfo {
  dir: string;
  close(): Promise<void>;
}

/** The binaries scripts/setup-kube.sh builds (or finds in its cache). */
export function kubeBinaries(): { kubeApiserver: string; etcd: string } {
  const out = execFileSync("bash", [join(ROOT, "scripts/setup-kube.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const paths = new Map(
    out
      .trim()
      .split("\n")
      .map((line) => line.split("=", 2) as [string, string]),
  );
  const kubeApiserver = paths.get("kube-apiserver");
  const etcd = paths.get("etcd");
  if (!kubeApiserver || !etcd) throw new Error(`setup-kube.sh printed no binaries:\n${out}`);
  return { kubeApiserver, etcd };
}

/** Runs openssl with space-separated arguments (none of them holds a space). */
function openssl(args: string, cwd: string): void {
  execFileSync("openssl", args.split(" "), { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA and a serving certificate for 127.0.0.1/localhost, ECDSA P-256, valid for two days. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  openssl(`req -x509 ${key} -keyout ca.key -out ca.crt -days 2 -subj /CN=launchpad-test-ca`, dir);
  openssl(`req ${key} -keyout apiserver.key -out apiserver.csr -subj /CN=apiserver`, dir);
  writeFileSync(
    join(dir, "apiserver.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  openssl(
    "x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 " +
      "-extfile apiserver.ext -out apiserver.crt",
    dir,
  );
  return {
    ca: join(dir, "ca.crt"),
    cert: join(dir, "apiserver.crt"),
    key: join(dir, "apiserver.key"),
  };
}

/** GET over TLS trusting only `ca`; resolves with the status and body. */
export function httpsGet(
  url: string,
  options: { ca: string; token?: string; timeoutMs?: number },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: options.ca,
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

async function startOnce(
  dir: string,
  bins: { kubeApiserver: string; etcd: string },
): Promise<ControlPlane> {
  const [etcdClientPort, etcdPeerPort, apiPort] = (await freePorts(3)) as [number, number, number];
  const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  const processes: TestProcess[] = [];
  const stopAll = async () => {
    for (const p of processes.reverse()) await p.stop(10_000);
  };
  try {
    const etcd = startProcess(
      "etcd",
      bins.etcd,
      [
        "--name=launchpad-test",
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=launchpad-test=${peerUrl}`,
        // A test cluster's data lives for minutes: durability is not worth an fsync per write.
        "--unsafe-no-fsync",
        "--log-level=warn",
      ],
      { logFile: join(dir, "etcd.log"), cwd: dir },
    );
    processes.push(etcd);
    await waitUntilReady(etcd, "etcd", async () => {
      const response = await fetch(`${etcdUrl}/health`);
      const body = await response.text();
      return response.ok && body.includes('"health":"true"') ? true : `${response.status} ${body}`;
    });

    const certs = makeCertificates(dir);
    const ca = readFileSync(certs.ca, "utf8");
    const adminToken = randomBytes(24).toString("hex");
    // Static token file: token,user,uid,"groups" (k8s.io/apiserver tokenfile).
    writeFileSync(
      join(dir, "tokens.csv"),
      `${adminToken},launchpad-test-admin,launchpad-test-admin,"system:masters"\n`,
      { mode: 0o600 },
    );
    const signing = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    writeFileSync(
      join(dir, "sa.key"),
      signing.privateKey.export({ type: "pkcs8", format: "pem" }),
      { mode: 0o600 },
    );
    writeFileSync(join(dir, "sa.pub"), signing.publicKey.export({ type: "spki", format: "pem" }));
    const url = `https://127.0.0.1:${apiPort}`;
    const auditLog = join(dir, "audit.log");
    writeFileSync(
      join(dir, "audit-policy.yaml"),
      [
        "apiVersion: audit.k8s.io/v1",
        "kind: Policy",
        "omitStages: [RequestReceived, ResponseStarted, Panic]",
        "rules:",
        "  - level: None",
        "    users: [launchpad-test-admin, system:apiserver]",
        "  - level: Metadata",
        "",
      ].join("\n"),
    );
    const apiserver = startProcess(
      "kube-apiserver",
      bins.kubeApiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, "apiserver-certs")}`,
        `--tls-cert-file=${certs.cert}`,
        `--tls-private-key-file=${certs.key}`,
        `--token-auth-file=${join(dir, "tokens.csv")}`,
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${join(dir, "sa.pub")}`,
        `--service-account-signing-key-file=${join(dir, "sa.key")}`,
        "--service-cluster-ip-range=10.96.0.0/16",
        // As kubeadm-made clusters run it (z2jh's and BinderHub's pods are not privileged, but
        // an admin's extra init containers may be).
        "--allow-privileged=true",
        `--audit-policy-file=${join(dir, "audit-policy.yaml")}`,
        `--audit-log-path=${auditLog}`,
        "--audit-log-mode=blocking",
        "--profiling=false",
        "--v=1",
      ],
      { logFile: join(dir, "kube-apiserver.log"), cwd: dir },
    );
    processes.push(apiserver);
    // /readyz waits for the post-start hooks, the RBAC bootstrap roles among them.
    await waitUntilReady(
      apiserver,
      "kube-apiserver",
      async () => {
        const { status, body } = await httpsGet(`${url}/readyz`, { ca, token: adminToken });
        return status === 200 ? true : `${status} ${body.slice(0, 300)}`;
      },
      120_000,
      250,
    );
    const version = (
      JSON.parse((await httpsGet(`${url}/version`, { ca, token: adminToken })).body) as {
        gitVersion: string;
      }
    ).gitVersion;
    return {
      url,
      ca,
      adminToken,
      version,
      auditLog,
      dir,
      close: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Starts etcd and kube-apiserver in a fresh temp dir; tries again with other ports when one was
 * taken between choosing it and binding it. `close()` stops both and removes the dir (unless
 * LAUNCHPAD_KEEP_KUBE is set, for reading the logs).
 */
export async function startControlPlane(): Promise<ControlPlane> {
  const bins = kubeBinaries();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), "launchpad-kube-"));
    mkdirSync(join(dir, "apiserver-certs"));
    try {
      const plane = await startOnce(dir, bins);
      return {
        ...plane,
        close: async () => {
          await plane.close();
          if (process.env.LAUNCHPAD_KEEP_KUBE) console.log(`kube control plane kept in ${dir}`);
          else rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      const busy = /address already in use/i.test(String((error as Error).message));
      if (!busy) {
        if (!process.env.LAUNCHPAD_KEEP_KUBE) rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }
  throw lastError;
}
