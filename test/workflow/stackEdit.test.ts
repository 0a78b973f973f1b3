import * as fs from "node:fs";
import * as path from "node:path";
import { changedConfigKeys, StackFileEditor } from "../../cli/commands/rollback/stackEdit";
import { StackFileError } from "../../cli/engine/stackFiles";
import { configOf, REPO } from "./support";

const PROD = fs.readFileSync(path.join(REPO, "Pulumi.prod.yaml"), "utf8");

describe("StackFileEditor", () => {
  test("every stack file reads back byte-for-byte when nothing is edited", () => {
    for (const stack of ["dev", "staging", "prod"]) {
      const text = fs.readFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), "utf8");
      const editor = new StackFileEditor(text, stack);
      expect(editor.roundTrips()).toBe(true);
      expect(editor.text()).toBe(text);
    }
  });

  test("a scalar changes in place: the comment above it and the rest of the file stay", () => {
    const editor = new StackFileEditor(PROD, "prod");
    editor.set("activeColor", [], "blue");
    const expected = PROD.replace("  aitb:activeColor: green\n", "  aitb:activeColor: blue\n");
    expect(editor.text()).toBe(expected);
    expect(editor.text()).toContain(
      "  # The color the proxy routes to and whose bot trades live. Roll back: flip it.\n  aitb:activeColor: blue\n",
    );
  });

  test("a mapping is edited key by key: kept keys keep their order, absent keys go, new keys follow", () => {
    const editor = new StackFileEditor(PROD, "prod");
    editor.set("change", [], {
      class: "immediate",
      reason: "Bot errors",
      incident: "INC-1",
      requestedBy: "alice",
      at: "2026-11-28T15:00:00Z",
      expires: "2026-11-28T17:00:00Z",
    });
    expect(editor.text()).toContain(
      [
        "  aitb:change:",
        "    class: immediate",
        "    reason: Bot errors",
        "    incident: INC-1",
        "    requestedBy: alice",
        '    at: "2026-11-28T15:00:00Z"',
        '    expires: "2026-11-28T17:00:00Z"',
        "  aitb:azure:",
      ].join("\n"),
    );
    expect(changedConfigKeys(PROD, editor.text())).toEqual(["aitb:change"]);
  });

  test("appending to a list keeps the existing items as written", () => {
    const editor = new StackFileEditor(PROD, "prod");
    editor.append("releaseHistory", {
      release: "2026.11.3",
      color: "blue",
      activatedAt: "2026-11-28T15:00:00Z",
    });
    expect(editor.text()).toBe(
      `${PROD}    - release: 2026.11.3\n      color: blue\n      activatedAt: "2026-11-28T15:00:00Z"\n`,
    );
  });

  test("a key the file does not have yet is added at the end of config", () => {
    const editor = new StackFileEditor(PROD, "prod");
    editor.set("docker", [], { hostPortBase: 20000 });
    expect(configOf(editor.text())["aitb:docker"]).toEqual({ hostPortBase: 20000 });
    expect(editor.text().startsWith(PROD)).toBe(true);
  });

  test("a file that is not YAML, or has no config mapping, is refused naming the file", () => {
    expect(() => new StackFileEditor("config: [a, b\n", "Pulumi.x.yaml")).toThrow(StackFileError);
    expect(() => new StackFileEditor("config: [a, b\n", "Pulumi.x.yaml")).toThrow(
      /Pulumi\.x\.yaml/,
    );
    expect(() => new StackFileEditor("config: 3\n", "Pulumi.y.yaml")).toThrow(
      /"config" must be a mapping/,
    );
  });
});
