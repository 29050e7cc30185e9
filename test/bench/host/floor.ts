/**
 * The gallery's floor: a blank webview panel with the gallery's Content-Security-Policy and a one-line
 * script that says when its first frame is painted, the same way the gallery's page does: after the
 * page's load event (VS Code shows a page only then), a requestAnimationFrame and a task. Whatever
 * VS Code and the machine need to show any webview is in it; what the gallery adds is the gallery's.
 */
import * as vscode from "vscode";
import { contentSecurityPolicy, makeNonce } from "../../../src/gallery/csp";

/**
 * Opens the blank panel, waits for its first paint, closes it; resolves to the ms from the call to
 * the paint, and to when its page started loading.
 */
export async function blankFirstPaint(): Promise<{ ms: number; startedMs: number }> {
  const t0 = Date.now();
  const panel = vscode.window.createWebviewPanel("grokImagine.benchFloor", "Blank", vscode.ViewColumn.Active, { enableScripts: true, enableCommandUris: false, localResourceRoots: [] });
  try {
    const nonce = makeNonce();
    const painted = new Promise<{ at: number; since: number }>((resolve) => {
      const sub = panel.webview.onDidReceiveMessage((m: { at?: unknown; since?: unknown }) => {
        if (typeof m?.at !== "number" || typeof m.since !== "number") return;
        sub.dispose();
        resolve({ at: m.at, since: m.since });
      });
    });
    panel.webview.html =
      `<!DOCTYPE html><html><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(panel.webview.cspSource, nonce)}"></head>` +
      `<body><script nonce="${nonce}">addEventListener("load", () => requestAnimationFrame(() => setTimeout(() => acquireVsCodeApi().postMessage({ at: Date.now(), since: performance.now() }))));</script></body></html>`;
    const p = await painted;
    return { ms: p.at - t0, startedMs: p.at - p.since - t0 };
  } finally {
    panel.dispose();
  }
}
