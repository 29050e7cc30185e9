// What the extension takes from @fal-ai/client, and from which of its modules. The bundle imports
// these modules directly instead of the package's index, which also builds a default client at load
// time and re-exports what the extension never uses. test/unit/falEntry.test.ts checks that every
// value src/ imports from "@fal-ai/client" is listed here.
const path = require("node:path");

const FAL_SRC = path.join(__dirname, "..", "node_modules", "@fal-ai", "client", "src");

/** export name → module (relative to @fal-ai/client/src) */
const FAL_EXPORTS = {
  createFalClient: "client.js",
  ApiError: "response.js",
  ValidationError: "response.js",
};

function falEntrySource() {
  return Object.entries(FAL_EXPORTS)
    .map(([name, file]) => `exports.${name} = require(${JSON.stringify(path.join(FAL_SRC, file))}).${name};`)
    .join("\n");
}

module.exports = { FAL_EXPORTS, falEntrySource };
