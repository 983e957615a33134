/**
 * Starts the shared stack (companion with builds and projects on + JupyterHub + CHP + the test
 * cluster (a real kube-apiserver) + the BinderHub double, base URL "/", the default profile list)
 * once for the run and hands its coordinates to the workers through E2E_STACK. The function it
 * returns is Playwright's global teardown: it stops the processes and removes the temp dir.
 */
import { startStack, stackInfo } from "./support/stack.ts";

export default async function globalSetup(): Promise<() => Promise<void>> {
  const stack = await startStack({ baseUrl: "/" });
  process.env.E2E_STACK = JSON.stringify(stackInfo(stack));
  return async () => {
    await stack.stop();
  };
}
