import { describe, expect, it } from "vitest";

import {
  isAllowedImage,
  manifestReference,
  normaliseAllowedImage,
  parseImageReference,
  registryApiHost,
  type ImageReference,
} from "./image-reference.ts";

function parsed(text: string): ImageReference {
  const result = parseImageReference(text);
  if (!result.ok) throw new Error(`${text}: ${result.message}`);
  return result.reference;
}

const DIGEST = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

describe("parseImageReference: distribution/reference's vectors (normalize_test.go)", () => {
  it.each([
    "docker/docker",
    "library/debian",
    "debian",
    "docker.io/docker/docker",
    "docker.io/library/debian",
    "docker.io/debian",
    "index.docker.io/docker/docker",
    "index.docker.io/library/debian",
    "index.docker.io/debian",
    "127.0.0.1:5000/docker/docker",
    "127.0.0.1:5000/library/debian",
    "127.0.0.1:5000/debian",
    "192.168.0.1",
    "192.168.0.1:80",
    "192.168.0.1:8/debian",
    "192.168.0.2:25000/debian",
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
    "[fc00::1]:5000/docker",
    "[fc00::1]:5000/docker/docker",
    "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
    "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
    "Docker/docker",
    "DOCKER/docker",
    "docker-rules/docker",
    "docker---rules/docker",
    "d/docker",
    "jess/t",
    "dock__er/docker",
  ])("accepts %s", (name) => {
    expect(parseImageReference(name).ok).toBe(true);
  });

  it.each([
    "https://github.com/docker/docker",
    "docker/Docker",
    "-docker",
    "-docker/docker",
    "-docker.io/docker/docker",
    "docker///docker",
    "docker.io/docker/Docker",
    "docker.io/docker///docker",
    "[fc00::1]",
    "[fc00::1]:5000",
    "fc00::1:5000/debian",
    "[fe80::1%eth0]:5000/debian",
    "[2001:db8:3:4::192.0.2.33]:5000/debian",
    "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
    "docker-/docker",
    "-docker-/docker",
    "____/____",
    "_docker/_docker",
    "dock..er/docker",
    "dock_.er/docker",
    "dock-.er/docker",
    "docker/",
    `${"this_is_not_a_valid_namespace_".repeat(9)}/docker`,
    "",
    "busybox\n$(id)",
    "busybox:-tag",
    "busybox:.tag",
    `busybox:${"t".repeat(129)}`,
    "busybox@sha256:abc",
    `busybox@sha256:${"A".repeat(64)}`,
    `busybox@md5:${"a".repeat(32)}`,
    " python:3.12",
  ])("refuses %j", (name) => {
    expect(parseImageReference(name).ok).toBe(false);
  });

  it.each([
    ["fooo/bar", "docker.io", "fooo/bar"],
    ["index.docker.io/fooo/bar", "docker.io", "fooo/bar"],
    ["ubuntu", "docker.io", "library/ubuntu"],
    ["library/ubuntu", "docker.io", "library/ubuntu"],
    ["docker.io/foo", "docker.io", "library/foo"],
    ["docker.io/library/foo/bar", "docker.io", "library/foo/bar"],
    ["other/library", "docker.io", "other/library"],
    ["127.0.0.1:8000/privatebase", "127.0.0.1:8000", "privatebase"],
    ["example.com:8000/private/moonbase", "example.com:8000", "private/moonbase"],
    ["test_com/foo", "docker.io", "test_com/foo"],
    ["test-com:8080/foo", "test-com:8080", "foo"],
    ["xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"],
    ["localhost/foo", "localhost", "foo"],
    ["Foo/bar", "Foo", "bar"],
  ])("%s is domain %s, path %s", (text, domain, path) => {
    expect(parsed(text)).toMatchObject({ domain, path });
  });

  it("keeps the tag and the digest, and writes the canonical form", () => {
    expect(parsed(`busybox:latest@${DIGEST}`)).toEqual({
      domain: "docker.io",
      path: "library/busybox",
      tag: "latest",
      digest: DIGEST,
      canonical: `docker.io/library/busybox:latest@${DIGEST}`,
    });
    expect(parsed("quay.io/jupyter/scipy-notebook:2025-06-02").canonical).toBe(
      "quay.io/jupyter/scipy-notebook:2025-06-02",
    );
    expect(parsed("127.0.0.1:5000/x").tag).toBeUndefined();
  });

  it("points at the first character no reference may hold", () => {
    expect(parseImageReference("quay.io/jupyter/base notebook:1")).toMatchObject({
      ok: false,
      position: 20,
    });
    expect(parseImageReference("quay.io/Jupyter/base:1")).toMatchObject({
      ok: false,
      message: expect.stringContaining("lower-case"),
    });
  });
});

describe("where the registry API is and what to ask it for", () => {
  it("Docker Hub's API host is registry-1.docker.io", () => {
    expect(registryApiHost(parsed("python:3.12").domain)).toBe("registry-1.docker.io");
    expect(registryApiHost(parsed("quay.io/x/y").domain)).toBe("quay.io");
  });

  it("asks for the digest, else the tag, else latest", () => {
    expect(manifestReference(parsed(`x:1@${DIGEST}`))).toBe(DIGEST);
    expect(manifestReference(parsed("x:1"))).toBe("1");
    expect(manifestReference(parsed("x"))).toBe("latest");
  });
});

describe("isAllowedImage", () => {
  const allowed = ["quay.io/jupyter", "ghcr.io", "python", "127.0.0.1:5000/"];

  it.each([
    ["quay.io/jupyter/scipy-notebook:1", true],
    ["quay.io/jupyter:1", true],
    ["quay.io/jupyterhub/k8s-hub:4", false],
    ["quay.io/other/x:1", false],
    ["ghcr.io/anyone/anything:1", true],
    ["python:3.12", true],
    ["docker.io/library/python:3.12", true],
    ["pythonista/python:1", false],
    ["127.0.0.1:5000/a/b:1", true],
    ["127.0.0.1:5001/a/b:1", false],
  ])("%s → %s", (image, expected) => {
    expect(isAllowedImage(parsed(image), allowed)).toBe(expected);
  });

  it("normalises entries as references are normalised, and refuses entries with a tag", () => {
    expect(normaliseAllowedImage("python")).toBe("docker.io/library/python");
    expect(normaliseAllowedImage("index.docker.io")).toBe("docker.io");
    expect(normaliseAllowedImage("quay.io/jupyter/")).toBe("quay.io/jupyter");
    expect(normaliseAllowedImage("quay.io/jupyter/base:1")).toBeNull();
    expect(normaliseAllowedImage("")).toBeNull();
    expect(normaliseAllowedImage("bad host.io")).toBeNull();
  });
});
