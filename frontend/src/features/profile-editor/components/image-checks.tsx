import type {
  ImageCheckResult,
  ImageCheckStatus,
} from "../../../../../contract/profile-editor/schema.ts";

const STATUS_LABELS: Record<ImageCheckStatus, string> = {
  ok: "Found",
  missing: "Missing",
  private: "Not found or private",
  unreachable: "Registry did not answer",
  invalid: "Not allowed",
};

interface ImageChecksProps {
  images: readonly string[];
  results: readonly ImageCheckResult[] | undefined;
  checking: boolean;
  error: Error | null;
  onCheck: () => void;
  /** Unreachable images the admin chose to publish anyway. */
  accepted: ReadonlySet<string>;
  onAccept: (image: string, accepted: boolean) => void;
}

/** Whether each image is in its registry, as the companion will check on publish. */
export function ImageChecks({
  images,
  results,
  checking,
  error,
  onCheck,
  accepted,
  onAccept,
}: ImageChecksProps) {
  const byImage = new Map((results ?? []).map((r) => [r.image, r]));
  return (
    <section className="pe-images" aria-labelledby="pe-images-title">
      <h2 id="pe-images-title">Images</h2>
      <p>
        {images.length === 0
          ? "The list names no images: pods use the hub's default image."
          : `${images.length} ${images.length === 1 ? "image" : "images"} in the list.`}{" "}
        <button type="button" onClick={onCheck} disabled={checking || images.length === 0}>
          {checking ? "Checking…" : "Check images in their registries"}
        </button>
      </p>
      <div role="status" aria-live="polite" className="pe-visually-hidden">
        {checking ? `Checking ${images.length} images…` : results ? "Image check finished." : ""}
      </div>
      {error && (
        <p className="pe-issue pe-error" role="alert">
          The check failed: {error.message}
        </p>
      )}
      {images.length > 0 && (
        <ul className="pe-image-list">
          {images.map((image) => {
            const result = byImage.get(image);
            const status = checking && !result ? "checking" : (result?.status ?? "unchecked");
            return (
              <li key={image} className={`pe-image pe-image-${status}`}>
                <code>{image}</code>{" "}
                <span className="pe-image-status">
                  {status === "checking"
                    ? "Checking…"
                    : status === "unchecked"
                      ? "Not checked yet"
                      : STATUS_LABELS[status]}
                </span>
                {result && result.status !== "ok" && (
                  <p className="pe-image-message">{result.message}</p>
                )}
                {result?.status === "ok" && result.digest && (
                  <p className="pe-image-message pe-digest">{result.digest}</p>
                )}
                {result?.status === "unreachable" && (
                  <label className="pe-accept">
                    <input
                      type="checkbox"
                      checked={accepted.has(image)}
                      onChange={(e) => onAccept(image, e.target.checked)}
                    />{" "}
                    Publish anyway (the version records that it was not checked)
                  </label>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
