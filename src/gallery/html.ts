/**
 * The gallery webview's page: dist/webview/gallery.html (media/gallery/index.html with its script and
 * styles inlined by esbuild.js), read once per window, with a strict
 * Content-Security-Policy, a fresh nonce per load and the bundled script and stylesheets (through
 * asWebviewUri) filled in. The only data in it is the first `init` message, when the panel has it
 * in time (as JSON in a data block that cannot end early: csp.ts dataBlockJson).
 */
import * as vscode from "vscode";
import { fillPage } from "./csp";

/** Folders of the extension the webview loads from (its only extension resource roots). */
export function webviewAssetRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, "media", "gallery"), vscode.Uri.joinPath(extensionUri, "dist", "webview")];
}

/** The page's template as shipped: media/gallery/index.html with its script and styles inlined (esbuild.js). */
export async function readGalleryPage(extensionUri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, "dist", "webview", "gallery.html")));
}

/** The page for one load of `webview`, with `nonce`, carrying `init` when given (see index.html). */
export function galleryHtml(template: string, webview: vscode.Webview, extensionUri: vscode.Uri, nonce: string, init?: unknown): string {
  return fillPage(template, webview.cspSource, nonce, (p) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, p)).toString(), init);
}
