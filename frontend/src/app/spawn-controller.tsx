import { createContext, useContext } from "react";
import type { ProfileFormController } from "../features/profiles/use-profile-form.ts";

/**
 * How a feature other than the profile picker starts a server, e.g. the build panel once an image
 * is built, or the projects table reopening a project. Features never import each other: the app
 * provides the profile form's controller here, and they read it with `useSpawnController()`:
 *
 *   const spawn = useSpawnController();
 *   if (spawn?.setUnlistedValue("image", imageName)) spawn.submit();
 *
 * `submit()` goes through the same checks as the Start button, so the admin's validation_regex
 * still guards a built image, and KubeSpawner checks it once more.
 */
export type SpawnController = ProfileFormController;

export const SpawnControllerContext = createContext<SpawnController | null>(null);

export function useSpawnController(): SpawnController | null {
  return useContext(SpawnControllerContext);
}
