import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, beforeEach, vi } from "vitest";
import { navigation } from "../lib/navigation.ts";
import { server } from "./server.ts";

beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
beforeEach(() => {
  // jsdom cannot navigate; tests that care assert on this spy.
  vi.spyOn(navigation, "assign").mockImplementation(() => undefined);
});
afterEach(() => {
  cleanup();
  server.resetHandlers();
  sessionStorage.clear();
  localStorage.clear();
  document.body.replaceChildren();
  document.head.replaceChildren();
  vi.restoreAllMocks();
});
afterAll(() => server.close());
