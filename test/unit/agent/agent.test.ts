/**
 * The agent tools' pure parts: package.json declares exactly the tools and input schemas the
 * definition generates, the schemas say what the definition says, and the texts (confirmation for the
 * person, results and refusals for the model) carry what they must, escaped.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { fieldsOf, OPERATIONS, type JsonSchema } from "../../../src/api";
import { AGENT_TOOLS, EDIT_TOOL, GENERATE_TOOL, toolInputSchema } from "../../../src/agent/schema";
import { confirmationText, failedText, invocationText, MAX_SHOWN_PROMPT, noKeyText, refusedText, restrictedText, savedText, type Confirmation } from "../../../src/agent/text";
import { bundleTranslator, useTranslator } from "../../../src/l10n";

const ROOT = path.resolve(__dirname, "../../../..");

interface ToolContribution {
  name: string;
  toolReferenceName?: string;
  displayName?: string;
  userDescription?: string;
  modelDescription?: string;
  canBeReferencedInPrompt?: boolean;
  icon?: string;
  inputSchema?: JsonSchema;
}

function packageJson(): { engines: { vscode: string }; devDependencies: Record<string, string>; contributes: { languageModelTools?: ToolContribution[] } } {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as ReturnType<typeof packageJson>;
}

function props(schema: JsonSchema): Record<string, JsonSchema> {
  return schema.properties as Record<string, JsonSchema>;
}

describe("agent tools: package.json declares what the definition generates", () => {
  const declared = packageJson().contributes.languageModelTools ?? [];

  it("declares exactly the two tools, by name and reference name, referenceable in prompts", () => {
    assert.deepEqual(declared.map((t) => [t.name, t.toolReferenceName, t.canBeReferencedInPrompt]), AGENT_TOOLS.map((t) => [t.name, t.toolReferenceName, true]));
    assert.deepEqual(AGENT_TOOLS.map((t) => t.toolReferenceName), ["grokImagine", "grokImagineEdit"]);
  });

  for (const tool of AGENT_TOOLS) {
    it(`${tool.name}: its inputSchema is the one the definition generates (regenerate package.json when the definition changes)`, () => {
      const d = declared.find((t) => t.name === tool.name);
      assert.ok(d, `${tool.name} is declared`);
      assert.deepEqual(d.inputSchema, toolInputSchema(tool.operation));
    });

    it(`${tool.name}: says when to use it and what comes back, to the model and the person`, () => {
      const d = declared.find((t) => t.name === tool.name);
      assert.ok(d?.modelDescription && d.userDescription && d.displayName && d.icon, "modelDescription, userDescription, displayName and icon are set");
      for (const must of [/Use it when/, /path relative to the workspace folder/, /revised prompt/, /Markdown/, /confirm/, /what to change/]) {
        assert.match(d.modelDescription, must);
      }
    });
  }

  it("engines.vscode is the first release with lm.registerTool, and the typings match it", () => {
    const pkg = packageJson();
    assert.equal(pkg.engines.vscode, "^1.95.0");
    assert.equal(pkg.devDependencies["@types/vscode"], "^1.95.0");
  });
});

describe("agent tools: input schemas", () => {
  for (const op of OPERATIONS) {
    it(`${op}: every field of the operation but the uploaded URLs, without the API's defaults, plus folder`, () => {
      const s = toolInputSchema(op);
      const keys = fieldsOf(op).filter((f) => f.type !== "urls").map((f) => f.key);
      assert.deepEqual(Object.keys(props(s)), [...keys, ...(op === "edit" ? ["images"] : []), "folder"]);
      assert.equal(s.additionalProperties, false);
      for (const [k, v] of Object.entries(props(s))) {
        assert.ok(!("default" in v), `${k} has no default: the person's setting decides`);
        assert.equal(typeof v.description, "string", `${k} is described`);
      }
      const withSetting = fieldsOf(op).filter((f) => f.setting);
      for (const f of withSetting) assert.match(String(props(s)[f.key].description), new RegExp(`grokImagine\\.${f.setting}`));
    });
  }

  it("generate requires the prompt; edit the prompt and one to three image paths", () => {
    assert.deepEqual(toolInputSchema(GENERATE_TOOL.operation).required, ["prompt"]);
    const edit = toolInputSchema(EDIT_TOOL.operation);
    assert.deepEqual(edit.required, ["prompt", "images"]);
    assert.deepEqual({ ...props(edit).images, description: undefined }, { type: "array", items: { type: "string", minLength: 1 }, minItems: 1, maxItems: 3, description: undefined });
    assert.match(String(props(edit).images.description), /relative to the workspace folder/);
  });

  it("the enums are the definition's values (edit's aspect ratio has auto, generate's does not)", () => {
    const ratios = (op: "generate" | "edit"): unknown => props(toolInputSchema(op)).aspect_ratio.enum;
    assert.ok(Array.isArray(ratios("edit")) && (ratios("edit") as string[]).includes("auto"));
    assert.ok(Array.isArray(ratios("generate")) && !(ratios("generate") as string[]).includes("auto"));
  });
});

describe("agent tools: the confirmation", () => {
  const base: Confirmation = { operation: "generate", prompt: "A red fox", images: 2, tier: "quality", usd: 0.04, folder: "generated-images" };

  it("names the prompt, the number of images, the tier, the cost and the folder", () => {
    const { title, message } = confirmationText(base);
    assert.equal(title, "Generate images with Grok Imagine?");
    for (const part of ["A red fox", "**Images:** 2", "**Tier:** quality", "$0.04", "`generated-images`"]) assert.ok(message.includes(part), `${part} in ${message}`);
  });

  it("says price unknown when there is no price, and names the sources of an edit", () => {
    const { title, message } = confirmationText({ ...base, operation: "edit", usd: null, sources: ["images/photo.png", "a`b.png"] });
    assert.equal(title, "Edit images with Grok Imagine?");
    assert.match(message, /\*\*Estimated cost:\*\* price unknown/);
    assert.ok(message.includes("`images/photo.png`"));
    assert.ok(message.includes("`` a`b.png ``"), "a backtick in a path stays inside its code span");
  });

  it("a prompt cannot add markup, lines or links to it, and a long one is cut", () => {
    const { message } = confirmationText({ ...base, prompt: "[click](https://evil.example)\n# Big *bold* <img src=x>" });
    assert.ok(message.includes("\\[click\\](https://evil.example) # Big \\*bold\\* \\<img src=x\\>"), message);
    const long = confirmationText({ ...base, prompt: "x".repeat(MAX_SHOWN_PROMPT + 50) }).message;
    assert.ok(long.includes(`${"x".repeat(MAX_SHOWN_PROMPT)}…`) && !long.includes("x".repeat(MAX_SHOWN_PROMPT + 1)));
  });

  it("the workspace folder itself shows as .", () => {
    assert.ok(confirmationText({ ...base, folder: "" }).message.includes("**Saved in:** `.`"));
  });

  it("goes through the display language's translator (src/l10n.ts)", () => {
    useTranslator(bundleTranslator({ "Generate images with Grok Imagine?": "Bilder mit Grok Imagine erzeugen?", "**Images:** {0} · **Tier:** {1}": "**Bilder:** {0} · **Stufe:** {1}" }));
    try {
      const { title, message } = confirmationText(base);
      assert.equal(title, "Bilder mit Grok Imagine erzeugen?");
      assert.ok(message.includes("**Bilder:** 2 · **Stufe:** quality"), message);
    } finally {
      useTranslator(bundleTranslator(undefined));
    }
    assert.equal(invocationText({ operation: "generate", images: 3 }), "Generating 3 images with Grok Imagine…");
  });
});

describe("agent tools: what the model reads back", () => {
  it("each saved file's path, its revised prompt and a Markdown link that stays one image", () => {
    const parts = savedText("grok_imagine_generate", "fox", [
      { path: "generated-images/fox (1).png", revisedPrompt: "A fox [in] the *snow*", written: "embedded" },
      { path: "generated-images/fox-2.png", revisedPrompt: "", written: "none" },
    ]);
    assert.equal(parts.length, 3);
    assert.match(parts[0], /saved 2 images/);
    assert.match(parts[1], /^Image 1: generated-images\/fox \(1\)\.png$/m);
    assert.match(parts[1], /Revised prompt \(what the model drew\): "A fox \[in\] the \*snow\*"/);
    assert.ok(parts[1].includes("Markdown: ![A fox \\[in\\] the \\*snow\\*](generated-images/fox%20%281%29.png)"), parts[1]);
    assert.match(parts[1], /recorded in the file/);
    assert.ok(parts[2].includes("Markdown: ![fox](generated-images/fox-2.png)"), "no revised prompt: the prompt is the alt text");
    assert.match(parts[2], /not recorded/);
  });

  it("a refusal lists every problem and says to change the input and call again", () => {
    const t = refusedText("grok_imagine_edit", ["images[0] \"../x.png\" is outside the workspace.", "num_images must be at most 4."]);
    assert.match(t, /nothing was sent/);
    assert.match(t, /^- images\[0\]/m);
    assert.match(t, /^- num_images/m);
    assert.match(t, /call grok_imagine_edit again/);
  });

  it("a content policy refusal says to rephrase; a refused key says not to retry", () => {
    assert.match(failedText("grok_imagine_generate", "contentPolicy", "fal's content policy refused this prompt."), /content policy refused this prompt\.\nRephrase the prompt/);
    assert.match(failedText("grok_imagine_generate", "auth", "fal refused the API key."), /do not retry/);
    assert.match(noKeyText("grok_imagine_generate"), /Set API Key/);
    assert.match(restrictedText("grok_imagine_generate"), /Restricted Mode/);
  });
});
