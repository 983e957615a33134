import * as z from "zod/mini";

/**
 * The part of JupyterHub's `window.jhdata`
 * (https://github.com/jupyterhub/jupyterhub/blob/5.5.1/share/jupyterhub/templates/page.html#L78-L98) the page relies on. `prefix` is the
 * proxy root services live under and `base_url` the hub's own `{prefix}hub/`; neither is assumed,
 * so the page works under any prefix.
 */
const JhDataSchema = z.object({
  base_url: z.string(),
  prefix: z.string(),
  user: z.optional(z.nullable(z.string())),
  /** Since JupyterHub 4.0; sent as `X-XSRFToken` on calls to the hub. */
  xsrf_token: z.optional(z.string()),
});
export type JhData = z.infer<typeof JhDataSchema>;

/** `null` when the page is not a JupyterHub page (or a very old one): callers degrade, never crash. */
export function readJhData(source: unknown): JhData | null {
  const parsed = JhDataSchema.safeParse(source);
  return parsed.success ? parsed.data : null;
}
