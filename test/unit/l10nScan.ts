/**
 * A static look at the sources for the localization rules of src/l10n.ts, through TypeScript's own
 * parser (so strings, comments, templates and regular expressions are read as the compiler reads them).
 */
import * as ts from "typescript";

/** The calls that put a message in front of the person (window functions and the Ui that wraps them). */
const SHOW = new Set(["showInformationMessage", "showWarningMessage", "showErrorMessage", "showModal"]);

export interface Finding {
  readonly line: number;
  readonly text: string;
}

function parse(fileName: string, source: string): ts.SourceFile {
  return ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

function lineOf(sf: ts.SourceFile, node: ts.Node): number {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

/** Whether an expression is (or builds its text from) words written in the code: a literal, a template, `"a" + x`, `c ? "a" : b`. */
function isLiteralText(node: ts.Expression): boolean {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) return true;
  if (ts.isParenthesizedExpression(node)) return isLiteralText(node.expression);
  if (ts.isConditionalExpression(node)) return isLiteralText(node.whenTrue) || isLiteralText(node.whenFalse);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) return isLiteralText(node.left) || isLiteralText(node.right);
  if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.BarBarToken || node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)) {
    return isLiteralText(node.right);
  }
  return false;
}

function calleeName(call: ts.CallExpression): string | undefined {
  const e = call.expression;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (ts.isIdentifier(e)) return e.text;
  return undefined;
}

/** Calls of a show*Message function (or the Ui's showModal) with an argument written as literal text, not through l10n.t. */
export function unlocalizedMessages(fileName: string, source: string): Finding[] {
  const sf = parse(fileName, source);
  const found: Finding[] = [];
  walk(sf, (n) => {
    if (!ts.isCallExpression(n)) return;
    const name = calleeName(n);
    if (!name || !SHOW.has(name)) return;
    for (const arg of n.arguments) {
      if (isLiteralText(arg)) found.push({ line: lineOf(sf, arg), text: `${name}(… ${arg.getText(sf).slice(0, 80)} …)` });
    }
  });
  return found;
}

function isL10nCall(call: ts.CallExpression, sf: ts.SourceFile): boolean {
  const text = call.expression.getText(sf);
  return text === "vscode.l10n.t" || text === "l10n.t";
}

export interface Messages {
  /** Every message given to vscode.l10n.t / l10n.t as a literal. */
  readonly messages: Set<string>;
  /** Calls that an extractor could not read or whose placeholders and arguments disagree. */
  readonly problems: Finding[];
}

/**
 * The messages of every `vscode.l10n.t(...)` and `l10n.t(...)` call (what `@vscode/l10n-dev export`
 * collects into bundle.l10n.json), and the calls that break the rules: a message that is not a plain
 * literal (a template with `${…}` or a variable cannot be translated), or placeholders `{n}` that do
 * not match the arguments given.
 */
export function l10nMessages(fileName: string, source: string): Messages {
  const sf = parse(fileName, source);
  const messages = new Set<string>();
  const problems: Finding[] = [];
  walk(sf, (n) => {
    if (!ts.isCallExpression(n) || !isL10nCall(n, sf)) return;
    const [first, ...args] = n.arguments;
    if (!first || !(ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
      problems.push({ line: lineOf(sf, n), text: `${n.getText(sf).slice(0, 100)}: the message must be a string literal` });
      return;
    }
    const message = first.text;
    messages.add(message);
    const used = new Set([...message.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])));
    const expected = used.size ? Math.max(...used) + 1 : 0;
    if (used.size !== expected || args.length !== expected) {
      problems.push({ line: lineOf(sf, n), text: `${JSON.stringify(message).slice(0, 100)}: placeholders {0}…{${expected - 1}} but ${args.length} argument(s)` });
    }
  });
  return { messages, problems };
}
