import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import type { ProjectStorage } from "../../../contract/projects.ts";
import {
  buildRemovalJob,
  pinToNode,
  HOME_ROOT,
  REMOVAL_SCRIPT,
  removalJobName,
  RemovalJobError,
} from "./removal-job.ts";

const STORAGE: ProjectStorage = {
  volume: { nfs: { server: "10.0.0.2", path: "/homes" } },
  sub_path: "alice",
  mount_path: "/home/jovyan",
  run_as_uid: 1000,
  run_as_gid: 100,
};
const SETTINGS = {
  namespace: "hub",
  image: "busybox:1.37",
  nodeSelector: { "hub.jupyter.org/node-purpose": "user" },
  tolerations: [
    { key: "hub.jupyter.org/dedicated", operator: "Equal", value: "user", effect: "NoSchedule" },
  ],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "pool", operator: "In", values: ["users"] }] },
        ],
      },
    },
  },
};

describe("buildRemovalJob", () => {
  const job = buildRemovalJob("alice", "owner-repo-12345678", STORAGE, SETTINGS);
  const pod = job.spec!.template.spec!;
  const container = pod.containers[0]!;

  it("mounts the recorded volume at the home root with the ORIGINAL subPath, read-write", () => {
    expect(pod.volumes).toEqual([{ name: "home", nfs: { server: "10.0.0.2", path: "/homes" } }]);
    expect(container.volumeMounts).toEqual([
      { name: "home", mountPath: HOME_ROOT, subPath: "alice" },
    ]);
    expect(container.volumeMounts![0]!.readOnly).toBeUndefined();
  });

  it("omits subPath when the home had none (a claim per user)", () => {
    const claim = buildRemovalJob(
      "alice",
      "x-1",
      {
        volume: { persistentVolumeClaim: { claimName: "claim-alice" } },
        sub_path: "",
        mount_path: "/home/jovyan",
      },
      SETTINGS,
    );
    expect(claim.spec!.template.spec!.volumes).toEqual([
      { name: "home", persistentVolumeClaim: { claimName: "claim-alice" } },
    ]);
    expect(claim.spec!.template.spec!.containers[0]!.volumeMounts).toEqual([
      { name: "home", mountPath: HOME_ROOT },
    ]);
    // no recorded uid: z2jh's default notebook user
    expect(claim.spec!.template.spec!.securityContext).toMatchObject({
      runAsUser: 1000,
      runAsGroup: 100,
    });
  });

  it("passes the id only as an env var to a fixed script that removes exactly projects/<id>", () => {
    expect(container.command).toEqual(["/bin/sh", "-c", REMOVAL_SCRIPT]);
    expect(container.env).toContainEqual({ name: "PROJECT_ID", value: "owner-repo-12345678" });
    expect(REMOVAL_SCRIPT).toContain(`rm -rf -- "$target"`);
    expect(REMOVAL_SCRIPT).toContain(`target="$root/projects/$PROJECT_ID"`);
    expect(JSON.stringify(container.command)).not.toContain("owner-repo-12345678");
  });

  it("runs as the notebook user, locked down", () => {
    expect(pod.securityContext).toEqual({
      runAsUser: 1000,
      runAsGroup: 100,
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext).toEqual({
      runAsUser: 1000,
      runAsGroup: 100,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.restartPolicy).toBe("Never");
  });

  it("is bounded, cleaned up, scheduled on user nodes, labelled and deterministically named", () => {
    expect(job.spec).toMatchObject({
      backoffLimit: 2,
      activeDeadlineSeconds: 600,
      ttlSecondsAfterFinished: 3600,
    });
    expect(pod.nodeSelector).toEqual(SETTINGS.nodeSelector);
    expect(pod.tolerations).toEqual(SETTINGS.tolerations);
    expect(pod.affinity).toEqual(SETTINGS.affinity);
    expect(job.metadata!.name).toBe(removalJobName("alice", "owner-repo-12345678"));
    expect(job.metadata!.name).toMatch(/^launchpad-rm-[0-9a-f]{20}$/);
    expect(removalJobName("alice", "owner-repo-12345678")).not.toBe(
      removalJobName("bob", "owner-repo-12345678"),
    );
    const sha40 = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 40);
    expect(job.metadata!.labels).toEqual({
      "app.kubernetes.io/managed-by": "launchpad",
      "app.kubernetes.io/component": "project-removal",
      "launchpad.jupyter.org/user": sha40("alice"),
      "launchpad.jupyter.org/project": sha40("owner-repo-12345678"),
    });
    expect(job.metadata!.annotations).toEqual({
      "launchpad.jupyter.org/user": "alice",
      "launchpad.jupyter.org/project-id": "owner-repo-12345678",
    });
  });

  it("refuses bad ids, root, odd subPaths and odd volume sources", () => {
    for (const id of ["..", "a/b", "A", "", "-x", "a".repeat(81)]) {
      expect(() => buildRemovalJob("alice", id, STORAGE, SETTINGS)).toThrow(RemovalJobError);
    }
    expect(() => buildRemovalJob("alice", "a", { ...STORAGE, run_as_uid: 0 }, SETTINGS)).toThrow(
      /root/,
    );
    expect(() =>
      buildRemovalJob("alice", "a", { ...STORAGE, sub_path: "../bob" }, SETTINGS),
    ).toThrow(/subPath/);
    expect(() => buildRemovalJob("alice", "a", { ...STORAGE, sub_path: "/etc" }, SETTINGS)).toThrow(
      /subPath/,
    );
    expect(() => buildRemovalJob("alice", "a", { ...STORAGE, volume: {} }, SETTINGS)).toThrow(
      /volume/,
    );
    expect(() =>
      buildRemovalJob("alice", "a", { ...STORAGE, volume: { nfs: {}, hostPath: {} } }, SETTINGS),
    ).toThrow(/volume/);
  });
});

describe("a running server's node", () => {
  const claim: ProjectStorage = {
    ...STORAGE,
    volume: { persistentVolumeClaim: { claimName: "claim-alice" } },
  };
  const nameIs = { key: "metadata.name", operator: "In", values: ["node-7"] };

  it("pins the Job to it for a claim (ReadWriteOnce attaches there), keeping the admin's terms", () => {
    const affinity = buildRemovalJob("alice", "o-r-12345678", claim, SETTINGS, "node-7").spec!
      .template.spec!.affinity;
    expect(affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [
        {
          matchExpressions: [{ key: "pool", operator: "In", values: ["users"] }],
          matchFields: [nameIs],
        },
      ],
    });
  });

  it("leaves volumes that are not claims (NFS is shared) and Jobs without a server alone", () => {
    expect(
      buildRemovalJob("alice", "o-r-12345678", STORAGE, SETTINGS, "node-7").spec!.template.spec!
        .affinity,
    ).toEqual(SETTINGS.affinity);
    expect(
      buildRemovalJob("alice", "o-r-12345678", claim, SETTINGS).spec!.template.spec!.affinity,
    ).toEqual(SETTINGS.affinity);
  });

  it("works without any admin affinity", () => {
    expect(pinToNode(undefined, "node-7")).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [nameIs] }],
        },
      },
    });
  });
});

describe("REMOVAL_SCRIPT under a real sh", () => {
  function homeRoot(): string {
    const root = mkdtempSync(join(tmpdir(), "home-root-"));
    mkdirSync(join(root, "projects", "keep-me"), { recursive: true });
    mkdirSync(join(root, "projects", "doomed-1", "deep"), { recursive: true });
    writeFileSync(join(root, "projects", "doomed-1", "deep", "f.txt"), "x");
    writeFileSync(join(root, "notebook.ipynb"), "{}");
    return root;
  }
  function run(root: string, id: string): { code: number; output: string } {
    const script = REMOVAL_SCRIPT.replace(`root="${HOME_ROOT}"`, `root="${root}"`);
    expect(script).not.toBe(REMOVAL_SCRIPT);
    try {
      const output = execFileSync("/bin/sh", ["-c", script], {
        env: { PROJECT_ID: id, LC_ALL: "C", PATH: process.env.PATH ?? "/usr/bin:/bin" },
        stdio: "pipe",
      });
      return { code: 0, output: output.toString() };
    } catch (error) {
      const e = error as { status: number; stderr: Buffer };
      return { code: e.status, output: e.stderr.toString() };
    }
  }

  it("removes exactly projects/<id> and is idempotent", () => {
    const root = homeRoot();
    expect(run(root, "doomed-1").code).toBe(0);
    expect(readdirSync(join(root, "projects"))).toEqual(["keep-me"]);
    expect(existsSync(join(root, "notebook.ipynb"))).toBe(true);
    const again = run(root, "doomed-1");
    expect(again.code).toBe(0);
    expect(again.output).toContain("nothing to remove");
  });

  it.each(["", "..", ".", "../x", "a/b", "-rf", "x-", "A", "a b", "*", "keep-me/..", "a\nb"])(
    "refuses the id %j",
    (id) => {
      const root = homeRoot();
      expect(run(root, id).code).toBe(2);
      expect(readdirSync(join(root, "projects")).sort()).toEqual(["doomed-1", "keep-me"]);
    },
  );

  it("refuses a symlinked projects folder and removes a symlinked project as a link only", () => {
    const outside = mkdtempSync(join(tmpdir(), "outside-"));
    mkdirSync(join(outside, "doomed-1"));
    writeFileSync(join(outside, "doomed-1", "precious"), "x");
    const linkedRoot = mkdtempSync(join(tmpdir(), "home-root-"));
    symlinkSync(outside, join(linkedRoot, "projects"));
    expect(run(linkedRoot, "doomed-1").code).toBe(3);
    expect(existsSync(join(outside, "doomed-1", "precious"))).toBe(true);

    const root = homeRoot();
    symlinkSync(join(outside, "doomed-1"), join(root, "projects", "linked-1"));
    expect(run(root, "linked-1").code).toBe(0);
    expect(existsSync(join(root, "projects", "linked-1"))).toBe(false);
    expect(existsSync(join(outside, "doomed-1", "precious"))).toBe(true);
  });
});
