import * as vscode from "vscode";

/**
 * The few window functions through which the extension talks to a person. Production code uses
 * {@link windowUi}; the extension-host tests replace it (through the test-only API) to play the
 * person's part, so that every prompt can be tested without a mouse.
 */
export interface Ui {
  showInputBox(options: vscode.InputBoxOptions, token?: vscode.CancellationToken): Thenable<string | undefined>;
  showQuickPick<T extends vscode.QuickPickItem>(
    items: readonly T[] | Thenable<readonly T[]>,
    options: vscode.QuickPickOptions & { canPickMany?: false },
    token?: vscode.CancellationToken,
  ): Thenable<T | undefined>;
  /** A quick pick where several items can be checked (`picked` items start checked). */
  showQuickPickMany<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Thenable<T[] | undefined>;
  showInformationMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
  /** A modal dialog with a longer detail text. */
  showModal<T extends string>(message: string, detail: string, ...items: T[]): Thenable<T | undefined>;
  showWarningMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
  showErrorMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
  openExternal(uri: vscode.Uri): Thenable<boolean>;
  /** Free text with earlier answers offered to pick from (recent prompts). */
  askText(options: { title: string; placeholder: string; recent: readonly string[] }): Thenable<string | undefined>;
}

export const windowUi: Ui = {
  showInputBox: (options, token) => vscode.window.showInputBox(options, token),
  showQuickPick: (items, options, token) => vscode.window.showQuickPick(items, options, token),
  showQuickPickMany: (items, options) => vscode.window.showQuickPick(items, { ...options, canPickMany: true }),
  showInformationMessage: (message, ...items) => vscode.window.showInformationMessage(message, ...items),
  showModal: (message, detail, ...items) => vscode.window.showInformationMessage(message, { modal: true, detail }, ...items),
  showWarningMessage: (message, ...items) => vscode.window.showWarningMessage(message, ...items),
  showErrorMessage: (message, ...items) => vscode.window.showErrorMessage(message, ...items),
  openExternal: (uri) => vscode.env.openExternal(uri),
  askText: (options) => askText(options),
};

/** A quick pick that accepts what is typed, listing recent answers below it. */
function askText(options: { title: string; placeholder: string; recent: readonly string[] }): Promise<string | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick();
    qp.title = options.title;
    qp.placeholder = options.placeholder;
    qp.ignoreFocusOut = true;
    qp.matchOnDescription = false;
    const recentItems = options.recent.map((r) => ({ label: r, description: vscode.l10n.t("recent") }));
    const refresh = () => {
      const typed = qp.value.trim();
      const typedItem = typed ? [{ label: typed, description: vscode.l10n.t("new prompt"), alwaysShow: true }] : [];
      qp.items = [...typedItem, ...recentItems.filter((r) => r.label !== typed)];
    };
    refresh();
    let done = false;
    const finish = (v: string | undefined) => {
      if (done) return;
      done = true;
      resolve(v);
      qp.dispose();
    };
    qp.onDidChangeValue(refresh);
    qp.onDidAccept(() => {
      const picked = qp.selectedItems[0]?.label ?? qp.value;
      finish(picked.trim() ? picked.trim() : undefined);
    });
    qp.onDidHide(() => finish(undefined));
    qp.show();
  });
}

/** Holds the current Ui so that a test can swap it while the extension runs (extension.ts's test hooks). */
export class UiHolder {
  constructor(public current: Ui = windowUi) {}
}

/** A Ui whose notifications carry `note(message)` instead of the message (the stand-in's warning). */
export function notedUi(base: Ui, note: (message: string) => string): Ui {
  return {
    ...base,
    showInformationMessage: (message, ...items) => base.showInformationMessage(note(message), ...items),
    showWarningMessage: (message, ...items) => base.showWarningMessage(note(message), ...items),
    showErrorMessage: (message, ...items) => base.showErrorMessage(note(message), ...items),
  };
}
