/**
 * Runs the Kubernetes double as a process, for e2e (the hub's KubeSpawner, the companion and the
 * BinderHub double all talk to the same one):
 *   node server/test-support/kubernetes-double-cli.ts --port 6443 --token secret \
 *     [--kubeconfig-dir /tmp/x --namespace e2e]
 * With --kubeconfig-dir it writes `kubeconfig.json` there (the double's `writeKubeconfig`).
 * Prints one line `kubernetes-double listening on <url>` once it accepts connections.
 */
import { parseArgs } from "node:util";
import { KubernetesDouble } from "./kubernetes-double.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    token: { type: "string", default: process.env.KUBE_DOUBLE_TOKEN ?? "kube-double-token" },
    "kubeconfig-dir": { type: "string" },
    namespace: { type: "string", default: "default" },
  },
});

const double = await new KubernetesDouble({ token: values.token }).start(Number(values.port));
if (values["kubeconfig-dir"]) {
  const file = double.writeKubeconfig(values["kubeconfig-dir"], values.namespace);
  console.log(`kubernetes-double kubeconfig ${file}`);
}
console.log(`kubernetes-double listening on ${double.url}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void double.close().then(() => process.exit(0));
  });
}
