import * as pulumi from "@pulumi/pulumi";
import { COLORS, type Color } from "../domain/colors";
import { deploymentSpec, type DeploymentSpec } from "../domain/deployment";
import {
  botDigest,
  knownGoodReleases,
  recordedDigests,
  settingMap,
  type DeployedState,
} from "../domain/deployed";
import { releaseDigest } from "../domain/releaseDigest";
import { resolveRestorePoint } from "../domain/restore";
import { packRules } from "../policies/rules";
import type { Platform, PlatformContext, DatabaseHandle } from "./platform/types";
import { ColorSlot } from "./ColorSlot";
import { TrafficRouter } from "./TrafficRouter";
import { BackupPlan } from "./BackupPlan";
import { DatabaseRestore } from "./DatabaseRestore";
import { HealthGate } from "./HealthGate";
import { ChangeRecord } from "./ChangeRecord";
import { LogRetention } from "./LogRetention";
import { optionalDatabases } from "./optionalDatabases";
import type { StatefulDatabase } from "./StatefulDatabase";
import type { EngineKey } from "../domain/influxRestore";
import type { ParsedStackConfig } from "../config/schema";
import { ENGINE_URL_ENV } from "../contract/resources";
import { forensicKey } from "../contract/logs";
import { gateChecks, prePromotionChecks, targetRouteUrls, trafficUrls } from "./health/gateChecks";
import { PrePromotionAnalysis } from "./PrePromotionAnalysis";
import type { HealthCheck } from "./health/checks";

export interface BlueGreenDeploymentArgs {
  context: PlatformContext;
  platform: Platform;
  /** The stack's own last `deployed` output; undefined for a new stack. */
  deployed: pulumi.Input<DeployedState | undefined>;
  /**
   * The stack's own last `logCopy` output (LogRetention.record), exported beside `deployed`
   * because it depends on the stack reference; undefined before the first.
   */
  deployedLogCopy?: pulumi.Input<DeployedState["logCopy"]>;
}

/** Each optional engine's declared restore as "<color>:<target>"; undefined when none is declared. */
function declaredEngineRestores(
  engines: Partial<Record<EngineKey, StatefulDatabase>>,
  config: ParsedStackConfig,
): Record<string, string> | undefined {
  const declared = Object.entries(engines).flatMap(([key, engine]) => {
    const restore = config[key as EngineKey]?.restore;
    return restore && engine.restoredInto ? [[key, `${restore.color}:${engine.restoredInto}`]] : [];
  });
  return declared.length > 0 ? Object.fromEntries(declared) : undefined;
}

/**
 * The AITB trading system as two colors behind one router. Changing `aitb:activeColor` changes the
 * switch record, the pre-switch snapshot, the health gate and the change record, and nothing else:
 * the proxy and the bots read the switch record at run time.
 */
export class BlueGreenDeployment extends pulumi.ComponentResource {
  readonly spec: DeploymentSpec;
  readonly desired: DeployedState;
  readonly slots: Record<Color, ColorSlot>;
  readonly router: TrafficRouter;
  readonly backups: BackupPlan;
  readonly database: DatabaseHandle;
  readonly restore?: DatabaseRestore;
  readonly logs: LogRetention;
  /** The optional engines declared (aitb:influxdb, aitb:sqlServer). */
  readonly engines: Partial<Record<EngineKey, StatefulDatabase>>;
  /** The post-promotion analysis's checks (none without a health gate): verify runs them. */
  readonly checks: pulumi.Output<HealthCheck[]>;

  constructor(name: string, args: BlueGreenDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:BlueGreenDeployment", name, {}, opts);
    const { config } = args.context;
    const platform = args.platform;
    this.spec = deploymentSpec(config);
    const { activeColor, standbyColor } = this.spec;

    platform.foundation(this.spec, this);
    this.database = platform.database(this);
    this.backups = new BackupPlan(
      `${name}-backups`,
      {
        spec: this.spec,
        platform,
        database: this.database,
        preSwitchSnapshot: config.backups.preSwitchSnapshot,
        configBackup: config.backups.configBackup,
        releases: config.releases,
        deployed: args.deployed,
      },
      { parent: this },
    );
    const snapshot = this.backups.snapshot ?? [];

    const restore = config.database.restore;
    if (restore) {
      this.restore = new DatabaseRestore(
        `${name}-restore`,
        {
          platform,
          live: this.database,
          color: restore.color,
          point: resolveRestorePoint(config.database, restore, config.releaseHistory),
          reason: restore.reason,
          incident: restore.incident,
        },
        { parent: this, dependsOn: snapshot },
      );
    }
    // aitb:influxdb and aitb:sqlServer when declared: backed up before the switch like PostgreSQL,
    // and a declared restore repoints its color's services to the new database.
    this.engines = optionalDatabases(
      { config, spec: this.spec, platform, deployed: args.deployed },
      this,
    );
    const engineBackups = Object.values(this.engines).flatMap((engine) => engine.backup.resources);
    const engineUrlsOf = (color: Color): Record<string, pulumi.Output<string>> =>
      Object.fromEntries(
        Object.entries(this.engines).map(([key, engine]) => [
          ENGINE_URL_ENV[key as EngineKey],
          engine.restore && config[key as EngineKey]?.restore?.color === color
            ? engine.restore.url
            : engine.live.url,
        ]),
      );
    const engineRestoresOf = (color: Color): pulumi.Resource[] =>
      Object.entries(this.engines).flatMap(([key, engine]) =>
        engine.restore && config[key as EngineKey]?.restore?.color === color
          ? engine.restore.resources
          : [],
      );
    // The logs outlive every container; their forensic copy precedes any replacement of them.
    this.logs = new LogRetention(
      `${name}-logs`,
      {
        spec: this.spec,
        platform,
        key: forensicKey(
          restore ? { ...config.change, incident: restore.incident } : config.change,
        ),
        repoint: restore && this.restore ? `${restore.color}:${this.restore.target}` : "",
        deployed: args.deployedLogCopy,
      },
      { parent: this },
    );
    const logsAfter = this.logs.after;
    const databaseUrlOf = (color: Color) =>
      this.restore && restore?.color === color ? this.restore.url : this.database.url;
    const afterOf = (color: Color) => [
      ...snapshot,
      ...engineBackups,
      ...(this.restore && restore?.color === color ? this.restore.handle.resources : []),
      ...engineRestoresOf(color),
      ...logsAfter[color],
    ];

    // The standby is declared first: its services start before the active color's.
    const standby = new ColorSlot(
      `${name}-${standbyColor}`,
      {
        spec: this.spec.colors[standbyColor],
        platform,
        databaseUrl: databaseUrlOf(standbyColor),
        engineUrls: engineUrlsOf(standbyColor),
        tradingSchema: config.tradingData.schema,
        exchangeApiKey: args.context.secrets.exchangeApiKey,
        after: afterOf(standbyColor),
      },
      { parent: this },
    );
    const active = new ColorSlot(
      `${name}-${activeColor}`,
      {
        spec: this.spec.colors[activeColor],
        platform,
        databaseUrl: databaseUrlOf(activeColor),
        engineUrls: engineUrlsOf(activeColor),
        tradingSchema: config.tradingData.schema,
        exchangeApiKey: args.context.secrets.exchangeApiKey,
        after: afterOf(activeColor),
      },
      { parent: this },
    );
    this.slots = { [activeColor]: active, [standbyColor]: standby } as Record<Color, ColorSlot>;

    const switchKey = [
      activeColor,
      ...COLORS.map((c) => `${c}=${this.spec.colors[c].release}`),
    ].join(",");
    const gate = config.healthGate;
    const services = { blue: this.slots.blue.services, green: this.slots.green.services };
    const analysisKey = `${args.context.project}/${args.context.stack}:${switchKey}`;
    const endpointBeforeSwitch = platform.publicEndpoint();

    // Order of a switch: the target analysed, the switch record moved (the old bot demotes
    // itself and gives up the lease, traffic moves, the new bot takes the lease), then the
    // post-promotion analysis.
    const prePromotion = gate.enabled
      ? new PrePromotionAnalysis(
          `${name}-pre-promotion`,
          {
            platform,
            checks: prePromotionChecks(this.spec, services, gate),
            timeoutSeconds: gate.timeoutSeconds,
            baselineUrls: endpointBeforeSwitch.apply((endpoint) =>
              trafficUrls(this.spec, endpoint),
            ),
            requests: gate.postPromotion.requests,
            target: {
              color: activeColor,
              urls: targetRouteUrls(this.spec, services),
              successCondition: gate.postPromotion.successCondition,
            },
            switchKey,
            analysisKey,
            dependsOn: active.services.map((s) => s.resource),
          },
          { parent: this },
        )
      : undefined;

    this.router = new TrafficRouter(
      `${name}-router`,
      {
        spec: this.spec,
        platform,
        dependsOn: [...standby.services, ...active.services].map((s) => s.resource),
        switchAfter: [
          ...active.services.map((s) => s.resource),
          ...snapshot,
          ...engineBackups,
          ...(prePromotion ? [prePromotion.step] : []),
        ],
      },
      { parent: this },
    );

    this.checks = gate.enabled
      ? gateChecks(this.spec, services, this.router.publicEndpoint, gate)
      : pulumi.output([]);
    if (gate.enabled) {
      new HealthGate(
        `${name}-health`,
        {
          platform,
          checks: this.checks,
          analysis: gate.postPromotion,
          trafficUrls: this.router.publicEndpoint.apply((endpoint) =>
            trafficUrls(this.spec, endpoint),
          ),
          switchKey,
          analysisKey,
          dependsOn: [...this.router.resources, standby.bot, active.bot],
        },
        { parent: this },
      );
    }

    this.desired = {
      activeColor,
      releases: { blue: this.spec.colors.blue.release, green: this.spec.colors.green.release },
      database: this.database.identity,
      restore: restore && this.restore ? `${restore.color}:${this.restore.target}` : "",
      engineRestores: declaredEngineRestores(this.engines, config),
      knownGoodReleases: knownGoodReleases(config.releaseHistory),
      // The facts the change-aware policies compare, content rather than names.
      releaseDigests: {
        blue: releaseDigest(config.releases[this.spec.colors.blue.release]),
        green: releaseDigest(config.releases[this.spec.colors.green.release]),
      },
      recordedDigests: recordedDigests(config.releaseHistory),
      bots: Object.fromEntries(
        COLORS.map((c) => [
          c,
          botDigest(this.spec.colors[c].services.filter((s) => s.service === "bot")[0]),
        ]),
      ) as Record<Color, string>,
      databaseSettings: settingMap({ ...config.database, restore: undefined }),
      proxyImage: config.proxy.image,
      healthGate: settingMap(config.healthGate),
      rulesDigest: packRules().digest,
      change: {
        class: config.change.class,
        reason: config.change.reason,
        incident: config.change.incident,
        at: config.change.at,
      },
    };
    new ChangeRecord(
      `${name}-change`,
      {
        platform,
        change: config.change,
        environment: config.environment,
        deployed: args.deployed,
        desired: this.desired,
      },
      { parent: this },
    );

    this.registerOutputs({
      activeColor,
      standbyColor,
      releases: this.desired.releases,
      publicEndpoint: this.router.publicEndpoint,
    });
  }
}
