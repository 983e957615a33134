/**
 * The profile list local mode's demo spawn page embeds, in the public shape the hub glue sends
 * (contract/spawn-page.ts): what `public_profiles()` in chart/files/launchpad_glue.py would make of a
 * typical z2jh `singleuser.profileList`.
 */
import type { Profile } from "../../../contract/spawn-page.ts";

export const SAMPLE_PROFILES: Profile[] = [
  {
    slug: "python",
    display_name: "Python",
    description:
      "JupyterLab with the <strong>scientific Python</strong> stack. Choose an image, or build one from a repository.",
    default: true,
    profile_options: [
      {
        key: "image",
        display_name: "Image",
        choices: [
          {
            key: "scipy",
            display_name: "Jupyter SciPy",
            description: "quay.io/jupyter/scipy-notebook:2025-06-02",
            default: true,
          },
          {
            key: "pangeo",
            display_name: "Pangeo Notebook",
            description: "quay.io/pangeo/pangeo-notebook:2025.06.02",
            default: false,
          },
          {
            key: "pytorch",
            display_name: "PyTorch (CPU)",
            description: "quay.io/jupyter/pytorch-notebook:2025-06-02",
            default: false,
          },
        ],
        unlisted_choice: {
          enabled: true,
          display_name: "Custom image",
          display_name_in_choices: "Other...",
          validation_regex: "^(quay\\.io|registry\\.example\\.org)/[a-z0-9._/-]+:[A-Za-z0-9._-]+$",
          validation_message:
            "Use an image from quay.io or registry.example.org, with a tag (name:tag).",
        },
        dynamic_image_building: { enabled: true },
      },
      {
        key: "resources",
        display_name: "Resources",
        choices: [
          { key: "small", display_name: "Small: 1 CPU, 2 GB RAM", default: true },
          { key: "medium", display_name: "Medium: 2 CPU, 8 GB RAM", default: false },
          {
            key: "large",
            display_name: "Large: 4 CPU, 16 GB RAM",
            description: "Needs a larger node; can take a few minutes to start.",
            default: false,
          },
        ],
        unlisted_choice: { enabled: false },
      },
    ],
  },
  {
    slug: "r",
    display_name: "R",
    description: "RStudio and JupyterLab with the tidyverse.",
    default: false,
    profile_options: [
      {
        key: "image",
        display_name: "R version",
        choices: [
          { key: "r-4-5", display_name: "R 4.5 (rocker/binder:4.5.0)", default: true },
          { key: "r-4-4", display_name: "R 4.4 (rocker/binder:4.4.3)", default: false },
        ],
        unlisted_choice: { enabled: false },
      },
    ],
  },
  {
    slug: "gpu",
    display_name: "GPU",
    description:
      "One NVIDIA T4 GPU with CUDA 12. <em>GPU nodes start on demand: allow up to 10 minutes.</em>",
    default: false,
    profile_options: [
      {
        key: "image",
        display_name: "Image",
        choices: [
          { key: "pytorch-cuda", display_name: "PyTorch (CUDA 12)", default: true },
          { key: "tensorflow-cuda", display_name: "TensorFlow (CUDA 12)", default: false },
        ],
        unlisted_choice: { enabled: false },
      },
    ],
  },
];
