/**
 * repo2docker passes Docker's build output on line by line, and a chunk it has no words for goes
 * out as `json.dumps(chunk)`, without a line end (repo2docker/app.py, Repo2Docker.build:
 * https://github.com/jupyterhub/repo2docker/blob/004843d1e95669e73a51ebeecd55344b240dca9d/repo2docker/app.py).
 * Those are Docker's `aux` messages: the image id after a build, the digest after a push, and
 * BuildKit's binary progress trace. Shown as people read them, each on its own line.
 */
interface DockerChunk {
  id?: unknown;
  aux?: unknown;
}

function asChunk(message: string): DockerChunk | null {
  const text = message.trim();
  if (!text.startsWith("{") || !text.endsWith("}")) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && "aux" in value ? value : null;
  } catch {
    return null;
  }
}

export function readableMessage(message: string): string {
  const chunk = asChunk(message);
  if (!chunk) return message;
  // BuildKit's trace is base64 protobuf: nothing a person can read.
  if (chunk.id === "moby.buildkit.trace") return "";
  const aux = chunk.aux;
  if (typeof aux === "object" && aux !== null) {
    const { ID, Tag, Digest, Size } = aux as Record<string, unknown>;
    if (typeof ID === "string") return `Image ID ${ID}\n`;
    if (typeof Digest === "string") {
      const size = typeof Size === "number" ? ` (${(Size / 1e6).toFixed(1)} MB)` : "";
      return `Pushed${typeof Tag === "string" ? ` ${Tag}` : ""}: ${Digest}${size}\n`;
    }
  }
  return message.endsWith("\n") ? message : `${message}\n`;
}
