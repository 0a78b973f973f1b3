import type { PlannedResource } from "../cli/engine/evaluate";
import { SECRET_MASK } from "../contract/secrets";
import { UNKNOWN, type PreviewStep } from "./support/engine";
import { fidelityDifferences } from "./support/fidelity";

const STACK_URN = "urn:pulumi:loopback::aitb::pulumi:pulumi:Stack::aitb-loopback";
const URN = "urn:pulumi:loopback::aitb::pulumi-nodejs:dynamic:Resource::proxy";

function planned(overrides: Partial<PlannedResource> = {}): PlannedResource {
  return {
    urn: URN,
    type: "pulumi-nodejs:dynamic:Resource",
    name: "proxy",
    parent: STACK_URN,
    custom: true,
    protect: false,
    retainOnDelete: false,
    deleteBeforeReplace: false,
    dependsOn: [],
    inputs: { port: 18080, site: { color: "blue" }, password: SECRET_MASK },
    secretPaths: ["password"],
    ...overrides,
  };
}

function step(overrides: Partial<PreviewStep> = {}): PreviewStep {
  return {
    op: "create",
    urn: URN,
    type: "pulumi-nodejs:dynamic:Resource",
    parent: STACK_URN,
    protect: false,
    inputs: { port: 18080, site: { color: "blue" }, password: "[secret]" },
    diffs: [],
    ...overrides,
  };
}

const stackStep = step({ urn: STACK_URN, type: "pulumi:pulumi:Stack", parent: undefined });
const defaultProvider = step({
  urn: "urn:pulumi:loopback::aitb::pulumi:providers:command::default_1_2_1",
  type: "pulumi:providers:command",
});

describe("plan fidelity (aitb plan against pulumi preview --json)", () => {
  test("the same resources, known inputs alike: no difference; the stack and default providers are the engine's own", () => {
    expect(fidelityDifferences([planned()], [stackStep, defaultProvider, step()])).toEqual([]);
  });

  test("a value the engine does not know yet is not compared", () => {
    const engine = step({
      inputs: { port: 18080, site: { color: UNKNOWN }, password: "[secret]" },
    });
    expect(fidelityDifferences([planned()], [engine])).toEqual([]);
  });

  test("each kind of difference is named with the resource and the field", () => {
    const engine = step({
      protect: true,
      parent: "urn:pulumi:loopback::aitb::aitb:Router::router",
      inputs: { port: 18081, site: { color: "blue", extra: 1 }, password: "[secret]" },
    });
    const extra = step({ urn: `${URN}-2` });
    expect(fidelityDifferences([planned(), planned({ urn: `${URN}-3` })], [engine, extra])).toEqual(
      [
        `${URN}-3: only in aitb plan`,
        `${URN}-2: only in the engine`,
        `${URN}: parent ${STACK_URN} vs urn:pulumi:loopback::aitb::aitb:Router::router`,
        `${URN}: protect false vs true`,
        `${URN} inputs.port: plan 18080, engine 18081`,
        `${URN} inputs.site.extra: plan undefined, engine 1`,
      ],
    );
  });
});
