import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  stepProvider,
  type StepInputs,
  type StepOutputs,
} from "../components/platform/loopback/runtime/step";
import { planOf, stackSource, flipped } from "./support/stacks";
import { keyInForce } from "../components/LogRetention";

describe("a loopback step with an update script (the forensic copy of the logs)", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-step-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const inputs = (incident: string, release: string): StepInputs => ({
    create: `echo "copy $AITB_FORENSIC_KEY" >> ${path.join(dir, "ran")}`,
    update: `echo "no copy" >> ${path.join(dir, "ran")}`,
    environment: { AITB_ROLE: "forensic-logs", AITB_FORENSIC_KEY: incident },
    triggers: [`blue=${release}`],
  });
  const update = stepProvider.update as NonNullable<typeof stepProvider.update>;

  it("runs create again only when its triggers change", async () => {
    const created = await stepProvider.create(inputs("INC-1", "2026.11.4"));
    const first = created.outs as StepOutputs;
    // A switch under a new incident: the record changes, nothing is copied.
    const second = (await update(created.id, first, inputs("INC-2", "2026.11.4")))
      .outs as StepOutputs;
    // A re-pin: copied, under the incident of the re-pin.
    await update(created.id, second, inputs("INC-3", "2026.11.3"));
    expect(fs.readFileSync(path.join(dir, "ran"), "utf8")).toBe(
      "copy INC-1\nno copy\ncopy INC-3\n",
    );
  });
});

describe.each(["dev", "loopback"])("a rollback switch on the %s stack", (stack) => {
  it("keeps the copy's triggers, so no copy runs; only the incident a next copy files under changes", async () => {
    const source = stackSource(stack);
    const base = await planOf(stack);
    const switched = await planOf(stack, {
      ...flipped(source),
      change: { ...(source.values.change as object), incident: "INC-4411" },
    });
    const copyOf = (plan: typeof base) =>
      plan.resources.find((r) => r.name === "forensic-logs") as (typeof base.resources)[number];
    expect(copyOf(switched).inputs.triggers).toEqual(copyOf(base).inputs.triggers);
    expect(copyOf(switched).inputs.create).toEqual(copyOf(base).inputs.create);
    expect(JSON.stringify(copyOf(switched).inputs.environment)).toContain("INC-4411");
  }, 120_000);
});

describe("the key a copy is filed under", () => {
  const epoch = "blue=2026.11.4,green=2026.11.3,repoint=";
  it("stays the deployed one while the pins are those its copy was taken for", () => {
    expect(keyInForce(epoch, "INC-2", { epoch, key: "INC-1" })).toBe("INC-1");
  });
  it("is the new change's once a color is re-pinned or repointed, and on a stack's first update", () => {
    expect(
      keyInForce(epoch, "INC-2", {
        epoch: "blue=2026.11.3,green=2026.11.3,repoint=",
        key: "INC-1",
      }),
    ).toBe("INC-2");
    expect(keyInForce(epoch, "INC-2", undefined)).toBe("INC-2");
  });
});
