/**
 * The Grok Imagine Image API, defined once (definition.ts) and everything derived from it. Pure:
 * no `vscode`, no `@fal-ai/client`, no Node APIs.
 */
export * from "./definition";
export * from "./fields";
export * from "./forms";
export * from "./output";
export * from "./price";
export * from "./request";
export * from "./schema";
