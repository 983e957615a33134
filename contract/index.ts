export * from "./api.ts";
export * from "./build.ts";
export * from "./spawn-page.ts";
