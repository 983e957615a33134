import { QueryClient } from "@tanstack/react-query";
import { ApiRequestError } from "./api-client.ts";

/** The pages' QueryClient: a 4xx will not change by asking again; a 5xx or network failure might. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (count, error) =>
          !(error instanceof ApiRequestError && error.status >= 400 && error.status < 500) &&
          count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
}
