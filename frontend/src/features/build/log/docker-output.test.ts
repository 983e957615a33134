import { describe, expect, it } from "vitest";
import { readableMessage } from "./docker-output.ts";

describe("readableMessage", () => {
  it.each([
    ['{"aux": {"ID": "sha256:4abce906"}}', "Image ID sha256:4abce906\n"],
    [
      '{"aux": {"Tag": "1479e02", "Digest": "sha256:9f8e", "Size": 2048000}}',
      "Pushed 1479e02: sha256:9f8e (2.0 MB)\n",
    ],
    ['{"id": "moby.buildkit.trace", "aux": "CmYKR3NoYTI1Ng=="}', ""],
    // Other aux payloads stay as they are, on a line of their own.
    ['{"aux": {"Something": 1}}', '{"aux": {"Something": 1}}\n'],
  ])("%s → %j", (message, readable) => {
    expect(readableMessage(message)).toBe(readable);
  });

  it.each([
    "Step 3/51 : RUN apt-get update\n",
    "{not json}",
    '{"stream": "no aux here"}',
    "  ---> 4abce9060522\n",
    '["aux"]',
  ])("leaves other lines alone: %j", (message) => {
    expect(readableMessage(message)).toBe(message);
  });
});
