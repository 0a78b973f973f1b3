import * as pulumi from "@pulumi/pulumi";
import {
  ANALYSIS_SCRIPT,
  postPromotionEnvironment,
  prePromotionEnvironment,
  type AnalysisSpec,
} from "../../components/health/analysis";
import { HEALTH_CHECK_SCRIPT, type HealthCheck } from "../../components/health/checks";
import {
  gateChecks,
  prePromotionChecks,
  targetRouteUrls,
  trafficUrls,
  type CheckSettings,
} from "../../components/health/gateChecks";
import { HEALTH_CHECKS_ENV } from "../../contract/resources";
import type { Color } from "../../domain/colors";
import { runNodeScript, type ScriptLine, type ScriptRun } from "./scripts";
import type { VerifySystem } from "./system";

/** An Output's value, outside a Pulumi program (the drill's Outputs are all known values). */
function resolved<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

export interface AnalysisSettings {
  checks: CheckSettings;
  analysis: AnalysisSpec;
  /** How long the pre-promotion analysis retries a failing target (aitb:healthGate.timeoutSeconds). */
  preTimeoutSeconds: number;
  perCheckTimeoutMs: number;
}

/**
 * The pre-promotion analysis of a switch to `target`, as the PrePromotionAnalysis component
 * runs it: the target's checks from prePromotionChecks; when they pass, the baseline of the
 * public routes through the proxy (left under `analysisKey` for the post-promotion analysis) and
 * the target's routes called directly, judged against it.
 */
export async function runPrePromotion(
  system: VerifySystem,
  target: Color,
  analysisKey: string,
  settings: AnalysisSettings,
): Promise<ScriptRun> {
  const spec = system.specOf(target);
  const checks = await resolved(prePromotionChecks(spec, system.handles, settings.checks));
  const targetRoutes = await resolved(targetRouteUrls(spec, system.handles));
  const environment = await resolved(
    pulumi.all(
      prePromotionEnvironment({
        checks,
        timeoutSeconds: settings.preTimeoutSeconds,
        baselineUrls: trafficUrls(spec, system.proxy.endpoint),
        requests: settings.analysis.requests,
        target: {
          color: target,
          urls: targetRoutes,
          successCondition: settings.analysis.successCondition,
        },
        analysisKey,
      }),
    ),
  );
  return runNodeScript(system.cleanup, `pre-promotion analysis of ${target}`, HEALTH_CHECK_SCRIPT, {
    ...environment,
    AITB_HEALTH_CHECK_TIMEOUT_MS: String(settings.perCheckTimeoutMs),
    TMPDIR: system.scriptTmpDir,
  });
}

/**
 * The post-promotion analysis after a switch to `active`, as the HealthGate component runs it:
 * gateChecks of both colors and the public routes, the traffic measured against the baseline the
 * pre-promotion analysis left under `analysisKey`.
 */
export async function runPostPromotion(
  system: VerifySystem,
  active: Color,
  analysisKey: string,
  settings: AnalysisSettings,
  onLine: (line: ScriptLine) => void,
): Promise<ScriptRun> {
  const spec = system.specOf(active);
  const endpoint = system.proxy.endpoint;
  const checks = await resolved(
    gateChecks(spec, system.handles, pulumi.output(endpoint), settings.checks),
  );
  return runNodeScript(
    system.cleanup,
    `post-promotion analysis of ${active}`,
    ANALYSIS_SCRIPT,
    {
      ...(await resolved(
        pulumi.all(
          postPromotionEnvironment({
            checks,
            analysis: settings.analysis,
            trafficUrls: trafficUrls(spec, endpoint),
            analysisKey,
          }),
        ),
      )),
      AITB_HEALTH_CHECK_TIMEOUT_MS: String(settings.perCheckTimeoutMs),
      TMPDIR: system.scriptTmpDir,
    },
    onLine,
  );
}

/**
 * Every check of the system with `active` live, each one critical: the start state of a fault
 * is healthy only when the standby color is too.
 */
export async function runStartStateChecks(
  system: VerifySystem,
  active: Color,
  settings: AnalysisSettings,
  timeoutSeconds: number,
): Promise<ScriptRun> {
  const spec = system.specOf(active);
  const checks = await resolved(
    gateChecks(spec, system.handles, pulumi.output(system.proxy.endpoint), settings.checks),
  );
  const strict = checks.map((check): HealthCheck => ({ ...check, severity: "critical" }));
  return runNodeScript(system.cleanup, "start state checks", HEALTH_CHECK_SCRIPT, {
    [HEALTH_CHECKS_ENV]: JSON.stringify(strict),
    AITB_HEALTH_TIMEOUT_SECONDS: String(timeoutSeconds),
    AITB_HEALTH_CHECK_TIMEOUT_MS: String(settings.perCheckTimeoutMs),
    TMPDIR: system.scriptTmpDir,
  });
}
