// The activation benchmark's floor: what VS Code takes to activate an extension on its first
// command when the extension itself does nothing (one small file, one command registered).
// npm run bench installs several copies, each with its own name and command (see floors.ts).
const vscode = require("vscode");
const { performance } = require("node:perf_hooks");
const { contributes } = require("./package.json");
const evaluated = performance.now();

exports.activate = (context) => {
  const began = performance.now();
  context.subscriptions.push(vscode.commands.registerCommand(contributes.commands[0].command, () => undefined));
  return { evaluated, began, returned: performance.now() };
};
