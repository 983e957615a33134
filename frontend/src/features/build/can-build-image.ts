import type { ProfileOption } from "../../../../contract/spawn-page.ts";

/**
 * Whether a profile option takes built images: the admin turned on `dynamic_image_building` (the
 * key jupyterhub-fancy-profiles uses) and the option accepts a free-text value, which is how a
 * built image reaches KubeSpawner (its `validation_regex` still applies).
 */
export function canBuildImage(option: ProfileOption): boolean {
  return option.dynamic_image_building?.enabled === true && option.unlisted_choice.enabled;
}
