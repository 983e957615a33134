/**
 * CPU, memory and GPU amounts as admins type them and as KubeSpawner reads them: CPU as a float of
 * cores (`cpu_limit`, `cpu_guarantee`), memory as jupyterhub.traitlets.ByteSpecification text (a
 * number and one of K, M, G, T, powers of 1024; jupyterhub/traitlets.py), GPUs as whole numbers.
 * Each parser accepts a strict subset of what KubeSpawner takes, and nothing it would refuse.
 */

const BYTE_UNITS: Record<string, number> = {
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** Cores, e.g. "0.5", "4"; null when it is not a positive decimal number. */
export function parseCpu(text: string): number | null {
  if (!/^(?:\d{1,4}(?:\.\d{1,3})?|\.\d{1,3})$/.test(text)) return null;
  const value = Number(text);
  return value > 0 ? value : null;
}

/** Bytes of "512M", "1.5G"…, as ByteSpecification computes them; null when not valid. */
export function parseBytes(text: string): number | null {
  const match = /^(\d{1,6}(?:\.\d{1,3})?)([KMGT])$/.exec(text);
  if (!match) return null;
  const value = Math.floor(Number(match[1]) * (BYTE_UNITS[match[2] ?? ""] ?? 0));
  return value > 0 ? value : null;
}

/** Whole GPUs, "0"-"64". */
export function parseGpu(text: string): number | null {
  return /^\d{1,2}$/.test(text) ? Number(text) : null;
}

/** 64 GiB as "64G", 1.5 GiB as "1.5G": the shortest ByteSpecification text for a byte count. */
export function formatBytes(bytes: number): string {
  for (const unit of ["T", "G", "M", "K"] as const) {
    const size = BYTE_UNITS[unit] ?? 1;
    if (bytes >= size) {
      const value = Math.round((bytes / size) * 1000) / 1000;
      return `${value}${unit}`;
    }
  }
  return `${bytes}`;
}
