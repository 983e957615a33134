import type { Meta, StoryObj } from "@storybook/react-vite";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { SAMPLE_DOCUMENT } from "../contract/profile-editor/sample.ts";
import type { ProfileDocument } from "../contract/profile-editor/schema.ts";
import { AdminApp } from "../frontend/src/admin/admin-app.tsx";
import { DiffView } from "../frontend/src/features/profile-editor/components/diff-view.tsx";
import { HistoryView } from "../frontend/src/features/profile-editor/components/history-view.tsx";
import { ImageChecks } from "../frontend/src/features/profile-editor/components/image-checks.tsx";
import { ConflictView } from "../frontend/src/features/profile-editor/components/publish-panel.tsx";
import {
  editorApi,
  sampleVersions,
  withImage,
} from "../frontend/src/features/profile-editor/testing/handlers.ts";
import { meHandlers } from "../frontend/src/testing/handlers.ts";
import { sampleServiceUrl } from "../frontend/src/testing/fixtures.ts";
import "../frontend/src/admin/admin.css";

/** The editor page as the companion serves it at `{service}/admin/`, one QueryClient per story. */
function EditorFrame({ children }: { children: ReactNode }): ReactNode {
  const [client] = useState(
    () => new QueryClient({ defaultOptions: { queries: { retry: false } } }),
  );
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

function Editor(): ReactNode {
  return (
    <EditorFrame>
      <AdminApp serviceUrl={sampleServiceUrl} hubUrl="/prefix/hub/" user="ada" />
    </EditorFrame>
  );
}

const meta = {
  title: "Admin/Profile editor",
  component: Editor,
} satisfies Meta<typeof Editor>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Nothing published and no starting list in the chart: the hub uses its own list. */
export const Empty: Story = {
  parameters: {
    msw: [meHandlers.ok, ...editorApi({ versions: [] })],
    settledText: "No profiles yet",
  },
};

/** Editing the published version 3: every profile folded to its name, no problems. */
export const Editing: Story = {
  parameters: {
    msw: [meHandlers.ok, ...editorApi()],
    settledText: "No problems found",
  },
};

const invalid: ProfileDocument = structuredClone(SAMPLE_DOCUMENT);
{
  const python = invalid.profiles[0];
  const gpu = invalid.profiles[1];
  if (python && gpu) {
    python.display_name = "Py\u200bthon";
    gpu.slug = "python";
    gpu.settings.mem_limit = "64G";
    const image = python.options[0];
    if (image) image.unlisted.validation_regex = "^quay\\.io/(?<org>[a-z]+)/";
  }
}

/** A draft that breaks rules: the summary links each problem to its field. */
export const Invalid: Story = {
  parameters: {
    msw: [
      meHandlers.ok,
      ...editorApi({
        draft: {
          base_version: 3,
          document: invalid,
          updated: "2026-12-01T09:00:00.000Z",
          author: "ada",
        },
      }),
    ],
    settledText: "problems stop publishing",
  },
};

/** The registries are being asked, one line per image. */
export const CheckingImages: Story = {
  render: () => (
    <div className="pe-app">
      <ImageChecks
        images={[
          "quay.io/jupyter/scipy-notebook:2025-06-02",
          "quay.io/pangeo/pangeo-notebook:2025.06.02",
          "quay.io/jupyter/pytorch-notebook:cuda12-2025-06-02",
        ]}
        results={undefined}
        checking
        error={null}
        onCheck={() => {}}
        accepted={new Set()}
        onAccept={() => {}}
      />
    </div>
  ),
  parameters: { settledText: "Checking 3 images…" },
};

/** What the registries said: found, a missing tag, a private image, a registry that did not answer. */
export const ImagesChecked: Story = {
  render: () => (
    <div className="pe-app">
      <ImageChecks
        images={[
          "quay.io/jupyter/scipy-notebook:2025-06-02",
          "quay.io/jupyter/scipy-notebook:2025-13-01",
          "quay.io/team/secret:1",
          "registry.example.org/lab/base:3",
        ]}
        results={[
          {
            image: "quay.io/jupyter/scipy-notebook:2025-06-02",
            status: "ok",
            message: "Found.",
            digest: "sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d",
            checked_at: "2026-12-01T09:00:00.000Z",
          },
          {
            image: "quay.io/jupyter/scipy-notebook:2025-13-01",
            status: "missing",
            message:
              "quay.io/jupyter/scipy-notebook has no tag 2025-13-01 (MANIFEST_UNKNOWN). Check the tag on the registry's page.",
            checked_at: "2026-12-01T09:00:00.000Z",
          },
          {
            image: "quay.io/team/secret:1",
            status: "private",
            message:
              "quay.io/team/secret was not found, or it is private: quay.io refused anonymous access. If it is private, ask your infrastructure admins to give Launchpad registry credentials.",
            checked_at: "2026-12-01T09:00:00.000Z",
          },
          {
            image: "registry.example.org/lab/base:3",
            status: "unreachable",
            message:
              "registry.example.org could not be reached (ENOTFOUND); you can publish anyway, and the version will record it.",
            checked_at: "2026-12-01T09:00:00.000Z",
          },
        ]}
        checking={false}
        error={null}
        onCheck={() => {}}
        accepted={new Set(["registry.example.org/lab/base:3"])}
        onAccept={() => {}}
      />
    </div>
  ),
  parameters: { settledText: "Registry did not answer" },
};

const v3 = sampleVersions()[2]?.document ?? SAMPLE_DOCUMENT;
const bobs: ProfileDocument = structuredClone(v3);
{
  const pangeo = bobs.profiles[0]?.options[0]?.choices[1];
  if (pangeo) pangeo.settings.image = "quay.io/pangeo/pangeo-notebook:2025.08.01";
}
const adas = withImage(v3, "quay.io/jupyter/scipy-notebook:2025-08-01");

/** Bob published version 4 while Ada edited from 3: her publish came back with what changed. */
export const Conflict: Story = {
  render: () => (
    <div className="pe-app">
      <ConflictView
        conflict={{
          status: 409,
          message: "Version 4 was published by bob since you started from version 3.",
          reason: "conflict",
          base_version: 3,
          current: {
            number: 4,
            created: "2026-12-01T09:00:00.000Z",
            author: "bob",
            message: "Pangeo of August",
            unreachable_accepted: [],
            document: bobs,
            image_checks: [],
          },
        }}
        onKeepMine={() => {}}
        onTakeTheirs={() => {}}
      >
        <DiffView before={v3} after={bobs} title="What version 4 changed" />
        <DiffView before={bobs} after={adas} title="What publishing your list would change" />
      </ConflictView>
    </div>
  ),
  parameters: { settledText: "Someone else published first" },
};

/** The history: three versions, the current one marked, two chosen to compare. */
export const History: Story = {
  render: () => (
    <EditorFrame>
      <AdminApp
        serviceUrl={sampleServiceUrl}
        hubUrl="/prefix/hub/"
        user="ada"
        initialTab="history"
      />
    </EditorFrame>
  ),
  parameters: {
    msw: [meHandlers.ok, ...editorApi()],
    settledText: "Newest first",
  },
};

/** One click from the history: what rolling back to version 1 changes, before it is done. */
export const Rollback: Story = {
  render: () => (
    <EditorFrame>
      <div className="pe-app">
        <HistoryView
          serviceUrl={sampleServiceUrl}
          csrfToken="csrf-from-me"
          current={{ number: 3, document: v3 }}
          onRolledBack={() => {}}
          confirmRollbackTo={1}
        />
      </div>
    </EditorFrame>
  ),
  parameters: {
    msw: [meHandlers.ok, ...editorApi()],
    settledText: "From version 3 to version 1",
  },
};

/** A readable diff between two versions. */
export const Diff: Story = {
  render: () => (
    <div className="pe-app">
      <DiffView
        before={sampleVersions()[0]?.document ?? SAMPLE_DOCUMENT}
        after={sampleVersions()[2]?.document ?? SAMPLE_DOCUMENT}
        title="From version 1 to version 3"
      />
    </div>
  ),
  parameters: { settledText: "From version 1 to version 3" },
};
