import { readStackSource } from "../cli/engine/stackFiles";
import { projectRoot } from "../components/platform/projectRoot";
import { validateStackConfig } from "../config/validate";
import type { ParsedStackConfig } from "../config/schema";
import type { Color } from "../domain/colors";
import { deploymentSpec, type DeploymentSpec } from "../domain/deployment";

/** A stack's validated config: the drills run what that stack file declares. */
export function stackConfig(stack: string, now: Date = new Date()): ParsedStackConfig {
  return validateStackConfig(readStackSource(projectRoot(), stack).values, now);
}

/** The deployment after the config change a switch is: `aitb:activeColor` set to `color`. */
export function specWithActiveColor(config: ParsedStackConfig, color: Color): DeploymentSpec {
  return deploymentSpec({ ...config, activeColor: color });
}
