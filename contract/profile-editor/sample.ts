/**
 * A small, realistic example: the bounds local mode's demo runs with, and a document within them.
 * Stories and tests start from it too, so every part shows the same hub.
 */
import type { ProfileBounds, ProfileDocument } from "./schema.ts";

export const SAMPLE_BOUNDS: ProfileBounds = {
  node_groups: [
    {
      name: "standard",
      display_name: "Standard nodes",
      node_selector: { "node.kubernetes.io/instance-type": "n2-highmem-4" },
      tolerations: [],
      max_cpu: 4,
      max_memory: "30G",
      max_gpu: 0,
      gpu_resource: "nvidia.com/gpu",
    },
    {
      name: "gpu",
      display_name: "GPU nodes (NVIDIA T4)",
      node_selector: {
        "node.kubernetes.io/instance-type": "n1-standard-8",
        "cloud.google.com/gke-accelerator": "nvidia-tesla-t4",
      },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      max_cpu: 8,
      max_memory: "28G",
      max_gpu: 1,
      gpu_resource: "nvidia.com/gpu",
    },
  ],
  allowed_images: ["quay.io/jupyter", "quay.io/pangeo", "pangeo"],
};

export const SAMPLE_DOCUMENT: ProfileDocument = {
  profiles: [
    {
      slug: "python",
      display_name: "Python",
      description: "JupyterLab with the <strong>scientific Python</strong> stack.",
      default: true,
      groups: [],
      settings: { node_group: "standard", cpu_guarantee: "0.5", mem_guarantee: "2G" },
      options: [
        {
          key: "image",
          display_name: "Image",
          choices: [
            {
              key: "scipy",
              display_name: "Jupyter SciPy",
              default: true,
              settings: { image: "quay.io/jupyter/scipy-notebook:2025-06-02" },
            },
            {
              key: "pangeo",
              display_name: "Pangeo Notebook",
              default: false,
              settings: { image: "quay.io/pangeo/pangeo-notebook:2025.06.02" },
            },
          ],
          unlisted: {
            enabled: true,
            display_name: "Another image",
            validation_regex: "^quay\\.io/",
            validation_message: "An image on quay.io, e.g. quay.io/jupyter/base-notebook:latest",
            dynamic_image_building: true,
          },
        },
        {
          key: "memory",
          display_name: "Memory",
          choices: [
            { key: "mem_4", display_name: "4 GB", default: true, settings: { mem_limit: "4G" } },
            {
              key: "mem_16",
              display_name: "16 GB",
              default: false,
              settings: { mem_limit: "16G", cpu_limit: "2" },
            },
          ],
          unlisted: { enabled: false },
        },
      ],
    },
    {
      slug: "gpu",
      display_name: "GPU",
      description: "PyTorch on an NVIDIA T4.",
      default: false,
      groups: ["gpu-users"],
      settings: {
        node_group: "gpu",
        image: "quay.io/jupyter/pytorch-notebook:cuda12-2025-06-02",
        gpu: "1",
        mem_limit: "24G",
        cpu_limit: "7",
      },
      options: [],
    },
  ],
};
