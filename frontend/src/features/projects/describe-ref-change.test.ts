import { describe, expect, it } from "vitest";
import { describeRefChange } from "./describe-ref-change.ts";

describe("describeRefChange", () => {
  const octave = { display_name: "octave", ref: "main" };

  it("says that the files stay and the environment changes", () => {
    expect(describeRefChange(octave, "v2")).toBe(
      "octave was built from main; you are starting v2. Your files stay; the environment changes.",
    );
  });

  it("says nothing when the ref is the same, empty, or the provider has no refs", () => {
    expect(describeRefChange(octave, "main")).toBeNull();
    expect(describeRefChange(octave, " main ")).toBeNull();
    expect(describeRefChange(octave, "")).toBeNull();
    expect(describeRefChange({ display_name: "zenodo record", ref: "" }, "v2")).toBeNull();
  });
});
