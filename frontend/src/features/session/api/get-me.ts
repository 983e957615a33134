import { useEffect, useState } from "react";
import { MeSchema, type Me } from "../../../../../contract/api.ts";
import { ApiRequestError, apiRequest } from "../../../lib/api-client.ts";

export function getMe(serviceUrl: string, signal?: AbortSignal) {
  return apiRequest(serviceUrl, "api/me", MeSchema, { signal });
}

/** Asked again after a 5xx or a network failure (twice, a second apart); a 4xx is an answer. */
const RETRIES = 2;
const RETRY_DELAY_MS = 1000;

export type MeResult = { data: Me; error?: undefined } | { data?: undefined; error: Error } | null;

/**
 * The companion's view of the user, fetched once per page. A plain fetch rather than a query:
 * the spawn page's first load carries no query cache (TanStack Query comes with the companion's
 * panels, which get `me` from here). `serviceUrl` null fetches nothing.
 */
export function useMe(serviceUrl: string | null): MeResult {
  const [result, setResult] = useState<MeResult>(null);
  useEffect(() => {
    if (serviceUrl === null) return;
    const controller = new AbortController();
    const attempt = async (tries: number): Promise<void> => {
      try {
        const data = await getMe(serviceUrl, controller.signal);
        setResult({ data });
      } catch (error) {
        if (controller.signal.aborted) return;
        const answered =
          error instanceof ApiRequestError && error.status >= 400 && error.status < 500;
        if (!answered && tries < RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
          if (!controller.signal.aborted) return attempt(tries + 1);
          return;
        }
        setResult({ error: error instanceof Error ? error : new Error(String(error)) });
      }
    };
    void attempt(0);
    return () => controller.abort();
  }, [serviceUrl]);
  return result;
}
