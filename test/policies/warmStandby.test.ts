import { WARM_STANDBY, warmStandby } from "../../policies/warmStandby";
import {
  azureService,
  changeRecord,
  colors,
  dockerService,
  messagesOf,
  violationsOf,
} from "./fixtures";

const policy = warmStandby();
const PROD_BLUE_ACTIVE = changeRecord({ desired: { activeColor: "blue" } });

describe("warm-standby", () => {
  test("pass: prod on Azure, every standby service with one replica", async () => {
    expect(await messagesOf(policy, [...colors(azureService), PROD_BLUE_ACTIVE])).toEqual([]);
  });

  test("deny: a standby Container App that scales to zero", async () => {
    const services = colors(azureService, "blue", { "dashboard-green": { minReplicas: 0 } });
    const violations = await violationsOf(policy, [...services, PROD_BLUE_ACTIVE]);
    expect(violations).toEqual([
      expect.objectContaining({
        policy: WARM_STANDBY,
        level: "mandatory",
        urn: expect.stringContaining("dashboard-green"),
        message: expect.stringContaining("aitb:services.dashboard.replicas"),
      }),
    ]);
  });

  test("deny: a standby service missing altogether", async () => {
    const services = colors(azureService).filter((s) => s.name !== "notifier-green");
    const [message] = await messagesOf(policy, [...services, PROD_BLUE_ACTIVE]);
    expect(message).toContain("the standby color green runs no notifier");
  });

  test("pass: the active color may scale as it likes; only the standby is judged", async () => {
    const services = colors(azureService, "blue", { "dashboard-blue": { minReplicas: 0 } });
    expect(await messagesOf(policy, [...services, PROD_BLUE_ACTIVE])).toEqual([]);
  });

  test("deny: staging too", async () => {
    const record = changeRecord({ stack: "staging", desired: { activeColor: "blue" } });
    const services = colors(azureService, "blue", { "inference-green": { minReplicas: 0 } });
    expect(await messagesOf(policy, [...services, record])).toHaveLength(1);
  });

  test("pass: dev is not judged, even with a standby missing", async () => {
    const record = changeRecord({ stack: "dev", desired: { activeColor: "blue" } });
    const services = colors(dockerService).filter((s) => s.name !== "webapp-green");
    expect(await messagesOf(policy, [...services, record])).toEqual([]);
  });

  test("pass: Docker containers count as one warm replica each", async () => {
    const record = changeRecord({ stack: "staging", desired: { activeColor: "blue" } });
    expect(await messagesOf(policy, [...colors(dockerService), record])).toEqual([]);
  });

  test("the environment is the stack's by the pack's map, not what the program was told", async () => {
    const record = changeRecord({
      stack: "prod",
      environment: "dev",
      desired: { activeColor: "blue" },
    });
    const services = colors(dockerService).filter((s) => s.name !== "webapp-green");
    expect(await messagesOf(policy, [...services, record])).toHaveLength(1);
  });

  test("deny: dev when the setting names it", async () => {
    const custom = warmStandby({ environments: ["dev"] });
    const record = changeRecord({ stack: "dev", desired: { activeColor: "blue" } });
    const services = colors(dockerService).filter((s) => s.name !== "webapp-green");
    expect(await messagesOf(custom, [...services, record])).toHaveLength(1);
  });
});
