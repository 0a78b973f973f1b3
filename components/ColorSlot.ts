import * as pulumi from "@pulumi/pulumi";
import type { ColorSpec } from "../domain/deployment";
import { withTradingSchema } from "../contract/tradingData";
import type { Platform, ServiceHandle } from "./platform/types";

export interface ColorSlotArgs {
  /** The color, its release pin and every service resolved at that pin. */
  spec: ColorSpec;
  platform: Platform;
  /** Connection URL of the database this color uses (a restore may repoint one color). */
  databaseUrl: pulumi.Output<string>;
  /**
   * Connection URLs of the optional engines' databases this color uses, by env name
   * (contract/resources.ts ENGINE_URL_ENV), for the services that use the database.
   */
  engineUrls?: Record<string, pulumi.Output<string>>;
  /** The schema the services read trading data from (aitb:tradingData.schema). */
  tradingSchema: string;
  /** The exchange API key, for the bot only. */
  exchangeApiKey: pulumi.Output<string>;
  /** What the first service waits for: the pre-switch snapshot, a restore. */
  after?: pulumi.Resource[];
}

/**
 * Every service of one color at its pinned release, started in the runbook's order (inference,
 * bot, webapp, dashboard, notifier), each after the one before is up and healthy.
 */
export class ColorSlot extends pulumi.ComponentResource {
  readonly color: string;
  readonly release: string;
  readonly services: ServiceHandle[];
  readonly bot: pulumi.Resource;
  readonly healthUrls: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: ColorSlotArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:ColorSlot", name, {}, opts);
    this.color = args.spec.color;
    this.release = args.spec.release;
    this.services = [];
    let previous: pulumi.Resource | undefined;
    const after = args.after ?? [];
    let bot: pulumi.Resource | undefined;
    for (const service of args.spec.services) {
      // No bot waits for the other: which one trades live is the trading lease's, at run time.
      const dependsOn = previous ? [previous] : [...after];
      const handle = args.platform.service(
        {
          spec: withTradingSchema(service, args.tradingSchema),
          secretEnv: {
            ...(service.settings.usesDatabase
              ? { DATABASE_URL: args.databaseUrl, ...args.engineUrls }
              : {}),
            ...(service.service === "bot" ? { EXCHANGE_API_KEY: args.exchangeApiKey } : {}),
          },
          dependsOn,
        },
        this,
      );
      this.services.push(handle);
      if (service.service === "bot") bot = handle.resource;
      previous = handle.resource;
    }
    this.bot = bot as pulumi.Resource;
    this.healthUrls = Object.fromEntries(
      args.spec.services.flatMap((service, index) => {
        const url = this.services[index].healthUrl;
        return url ? [[service.service, url]] : [];
      }),
    );
    this.registerOutputs({ color: this.color, release: this.release, healthUrls: this.healthUrls });
  }
}
