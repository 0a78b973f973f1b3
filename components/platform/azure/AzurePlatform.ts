import type { Platform, PlatformContext } from "../types";

export class AzurePlatform implements Platform {
  readonly target = "azure" as const;
  constructor(_context: PlatformContext) {
    throw new Error("the azure target is not built yet");
  }
  foundation(): void {}
  database(): never {
    throw new Error("unreachable");
  }
  service(): never {
    throw new Error("unreachable");
  }
  router(): never {
    throw new Error("unreachable");
  }
  snapshot(): never {
    throw new Error("unreachable");
  }
  configBackup(): never {
    throw new Error("unreachable");
  }
  restore(): never {
    throw new Error("unreachable");
  }
  healthChecks(): never {
    throw new Error("unreachable");
  }
}
