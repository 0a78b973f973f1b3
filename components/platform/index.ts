import type { Platform, PlatformContext } from "./types";
import { DockerPlatform } from "./docker/DockerPlatform";
import { LoopbackPlatform } from "./loopback/LoopbackPlatform";

/** The adapter for the stack's `aitb:target`. Azure is loaded only when used: its SDK is large. */
export function createPlatform(context: PlatformContext): Platform {
  if (context.config.target === "docker") return new DockerPlatform(context);
  if (context.config.target === "loopback") return new LoopbackPlatform(context);
  const { AzurePlatform } =
    require("./azure/AzurePlatform") as typeof import("./azure/AzurePlatform");
  return new AzurePlatform(context);
}
