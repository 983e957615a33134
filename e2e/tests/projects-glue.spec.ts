/**
 * The hub glue's project mount on the e2e hub's z2jh-default storage (storage.type=dynamic: one
 * PVC per server, volume "volume-{user_server}", mounted at /home/jovyan without a subPath). A
 * spawn posting a project id (profile-option-<slug>--launchpad-project) must get its home narrowed
 * to projects/<id>, a seed init container and the annotations the companion reads.
 */
import { expect, expectMounted, expectRecordings, signIn, test } from "../support/fixtures.ts";
import { notebookContainer, recordings } from "../support/manifests.ts";

const PROJECT_ID = "github-com-owner-repo-1a2b3c";

test("a project id narrows z2jh's dynamic home volume to projects/<id>", async ({
  page,
  hub,
  user,
}) => {
  await signIn(page, hub, user);
  await expectMounted(page);
  // The hub's own form action carries ?_xsrf=
  // (https://github.com/jupyterhub/jupyterhub/blob/6.0.0b2/jupyterhub/handlers/pages.py#L131-L133); post the fields the page will.
  const action = await page.locator("form#spawn_form").getAttribute("action");
  expect(action).toContain("_xsrf=");
  const response = await page.request.post(new URL(action!, hub.origin).href, {
    multipart: {
      profile: "python",
      "profile-option-python--image": "scipy",
      "profile-option-python--resources": "small",
      "profile-option-python--launchpad-project": PROJECT_ID,
    },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(302);

  await expectRecordings(hub, user, 1);
  const pod = recordings(hub.recordDir, user)[0]!.pod;
  const home = notebookContainer(pod).volumeMounts?.find((m) => m.mountPath === "/home/jovyan");
  expect(home).toEqual({
    name: `volume-${user}`,
    mountPath: "/home/jovyan",
    subPath: `projects/${PROJECT_ID}`,
  });
  expect((pod.spec.initContainers ?? []).map((c) => c.name)).toContain("launchpad-seed");
  expect(pod.metadata.annotations?.["launchpad.jupyter.org/project-id"]).toBe(PROJECT_ID);
});
