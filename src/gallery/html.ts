/**
 * The gallery webview's page: a strict Content-Security-Policy with a fresh nonce per load, the
 * bundled script and the stylesheets through asWebviewUri, and the static skeleton the script fills
 * in. No data goes into this HTML: everything shown arrives by message and is set as text, the
 * forms' fields and the filters too (they come from api/ in the `init` message).
 */
import * as vscode from "vscode";
import { contentSecurityPolicy } from "./csp";

/** Folders of the extension the webview loads from (its only extension resource roots). */
export function webviewAssetRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, "media", "gallery"), vscode.Uri.joinPath(extensionUri, "dist", "webview")];
}

export function galleryHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce: string): string {
  const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset("dist", "webview", "codicon.css")}">
<link rel="stylesheet" href="${asset("media", "gallery", "gallery.css")}">
<title>Grok Imagine Gallery</title>
</head>
<body>
<div id="app">
  <header class="toolbar" role="search">
    <span class="search-box">
      <span class="codicon codicon-search" aria-hidden="true"></span>
      <input id="search" type="search" placeholder="Search prompts and file names" aria-label="Search prompts and file names" aria-keyshortcuts="Control+F" autocomplete="off" spellcheck="false">
    </span>
    <select id="kind" aria-label="Kind">
      <option value="all">All kinds</option><option value="generate">Generated</option><option value="edit">Edited</option>
    </select>
    <select id="format" aria-label="Format">
      <option value="all">All formats</option><option value="png">PNG</option><option value="jpeg">JPEG</option><option value="webp">WebP</option>
    </select>
    <span id="filters" class="filters"></span>
    <span id="count" class="count" role="status" aria-live="polite"></span>
  </header>

  <details id="formBox" class="form-box" open>
    <summary><span class="codicon codicon-sparkle" aria-hidden="true"></span> New image</summary>
    <form id="form" class="form" novalidate>
      <label class="prompt-label" for="prompt">Prompt</label>
      <textarea id="prompt" rows="3" placeholder="Describe the image to generate" aria-describedby="formError" aria-keyshortcuts="Control+Enter"></textarea>
      <div class="params">
        <span id="formFields" class="fields"></span>
        <button id="generate" type="submit" class="primary"><span class="codicon codicon-sparkle" aria-hidden="true"></span> Generate</button>
      </div>
      <div id="formError" class="error" role="alert"></div>
    </form>
  </details>

  <section id="jobs" class="jobs" aria-label="Jobs in progress" hidden>
    <ul id="jobList"></ul>
  </section>

  <section id="selection" class="selection" aria-label="Edit the selected images" hidden>
    <span id="selectionCount"></span>
    <input id="editPrompt" type="text" placeholder="How should the selected images change?" aria-label="Edit prompt">
    <span id="editFields" class="fields"></span>
    <button id="editSelected" type="button" class="primary"><span class="codicon codicon-edit" aria-hidden="true"></span> Edit</button>
    <button id="clearSelection" type="button" class="secondary">Clear selection</button>
  </section>

  <div class="body">
    <main id="viewport" class="viewport" aria-label="Images">
      <div id="grid" class="grid" role="list" aria-label="Images, newest first">
      </div>
      <p id="empty" class="empty" hidden></p>
    </main>
    <aside id="details" class="details" aria-label="Image details" aria-live="polite"></aside>
  </div>
  <div id="toast" class="toast" role="status" aria-live="polite"></div>
</div>
<script nonce="${nonce}" src="${asset("dist", "webview", "gallery.js")}"></script>
</body>
</html>`;
}
