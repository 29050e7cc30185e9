import * as vscode from "vscode";

/**
 * The Markdown file a link goes into: the last Markdown editor that was active (the gallery, once
 * focused, is the active editor itself), as long as it is still open in a tab; else any open
 * Markdown tab (after a reload, say).
 */
export class MarkdownTracker implements vscode.Disposable {
  #last?: vscode.Uri;
  /** Where the cursor was in that file (its editor may be hidden behind the gallery since). */
  #selection?: vscode.Selection;
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.#changed.event;
  readonly #disposables: vscode.Disposable[];

  constructor(private readonly log: (message: string) => void) {
    const note = (e: vscode.TextEditor | undefined) => {
      if (!e || e.document.languageId !== "markdown") return;
      this.#selection = e.selection;
      if (e.document.uri.toString() === this.#last?.toString()) return;
      this.#last = e.document.uri;
      this.#changed.fire();
    };
    note(vscode.window.activeTextEditor);
    if (!this.#last) note(vscode.window.visibleTextEditors.find((e) => e.document.languageId === "markdown"));
    this.#disposables = [
      vscode.window.onDidChangeActiveTextEditor(note),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor.document.uri.toString() === this.#last?.toString()) this.#selection = e.selections[0];
      }),
      vscode.window.tabGroups.onDidChangeTabs(() => this.#changed.fire()),
      this.#changed,
    ];
  }

  static #openTabs(): vscode.Uri[] {
    return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => (t.input instanceof vscode.TabInputText ? t.input.uri : undefined))).filter((u): u is vscode.Uri => u !== undefined);
  }

  /** The Markdown file links go into, if one is open. */
  file(): vscode.Uri | undefined {
    const tabs = MarkdownTracker.#openTabs();
    const last = this.#last?.toString();
    if (last && tabs.some((u) => u.toString() === last)) return this.#last;
    return tabs.find((u) => /\.(md|markdown)$/i.test(u.path));
  }

  fileName(): string | undefined {
    const p = this.file()?.path;
    return p ? p.slice(p.lastIndexOf("/") + 1) : undefined;
  }

  /**
   * Replaces the person's selection in that file with `text` (a visible editor on it, else the file
   * opened beside the gallery, keeping the focus and the cursor where it was). False when no
   * Markdown file is open or the edit failed.
   */
  async insert(text: string): Promise<boolean> {
    const uri = this.file();
    if (!uri) return false;
    const doc = await vscode.workspace.openTextDocument(uri);
    const remembered = uri.toString() === this.#last?.toString() ? this.#selection : undefined;
    const attempt = async (editor: vscode.TextEditor): Promise<{ ok: boolean; at: vscode.Selection }> => {
      const at = remembered ? new vscode.Selection(doc.validatePosition(remembered.anchor), doc.validatePosition(remembered.active)) : editor.selection;
      try {
        return { ok: await editor.edit((b) => b.replace(at, text)), at };
      } catch {
        return { ok: false, at }; // an editor that was just hidden (behind the gallery) is gone
      }
    };
    let editor = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    let result = editor ? await attempt(editor) : undefined;
    if (!editor || !result?.ok) {
      editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: false });
      result = await attempt(editor);
    }
    const { ok, at } = result;
    this.log(`Link ${ok ? "inserted" : "not inserted"} into ${vscode.workspace.asRelativePath(uri)} at line ${at.start.line + 1}, column ${at.start.character + 1}${remembered ? " (where the cursor was)" : ""}.`);
    if (ok) {
      const end = at.start.translate(0, text.length);
      editor.selection = new vscode.Selection(end, end);
      this.#last = uri;
      this.#selection = editor.selection;
      editor.revealRange(new vscode.Range(end, end));
    }
    return ok;
  }

  dispose(): void {
    for (const d of this.#disposables) d.dispose();
  }
}
