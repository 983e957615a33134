/**
 * The hub client against real sockets: a hub that stalls is reported as slow (504), not left to
 * hang the login or the request that needed it.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../errors.ts";
import { createHubClient, SlowHubError } from "./hub-client.ts";

let server: Server | undefined;
const held: ServerResponse[] = [];

afterEach(async () => {
  for (const response of held.splice(0)) response.destroy();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A hub at a real port that answers each request with `answer` (or never). */
async function hub(answer: (response: ServerResponse) => void): Promise<string> {
  server = createServer((_request, response) => {
    held.push(response);
    answer(response);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub/api`;
}

const client = (apiUrl: string) =>
  createHubClient({
    apiUrl,
    clientId: "service-launchpad",
    clientSecret: "s",
    serviceToken: "s",
    timeoutMs: 300,
  });

describe("calls to the hub have a deadline", () => {
  it("a hub that never answers is a slow hub (504), not a hang", async () => {
    const apiUrl = await hub(() => undefined);
    const asked = client(apiUrl).getTokenOwner("t");
    await expect(asked).rejects.toBeInstanceOf(SlowHubError);
    await expect(asked).rejects.toMatchObject({
      statusCode: 504,
      message: "the hub API: the hub did not answer within 0.3 s (it is slow or overloaded)",
    });
  });

  it("so is an admin's ?user= lookup the hub never answers", async () => {
    const apiUrl = await hub(() => undefined);
    await expect(client(apiUrl).userExists("bob")).rejects.toMatchObject({
      name: "SlowHubError",
      statusCode: 504,
    });
  });

  it("so is a hub that sends its headers and then stalls the body", async () => {
    const apiUrl = await hub((response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"kind": "user", ');
    });
    await expect(
      client(apiUrl).exchangeCode({ code: "c", redirectUri: "http://x/cb", codeVerifier: "v" }),
    ).rejects.toMatchObject({ name: "SlowHubError", statusCode: 504 });
  });

  it("a hub that is not there is unreachable (502), not slow", async () => {
    const apiUrl = await hub(() => undefined);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const failure = await client(apiUrl)
      .getTokenOwner("t")
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect(failure).not.toBeInstanceOf(SlowHubError);
    expect(failure).toMatchObject({ statusCode: 502 });
  });
});
