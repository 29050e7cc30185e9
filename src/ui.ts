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
  showInformationMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
  showWarningMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
  showErrorMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined>;
  openExternal(uri: vscode.Uri): Thenable<boolean>;
}

export const windowUi: Ui = {
  showInputBox: (options, token) => vscode.window.showInputBox(options, token),
  showQuickPick: (items, options, token) => vscode.window.showQuickPick(items, options, token),
  showInformationMessage: (message, ...items) => vscode.window.showInformationMessage(message, ...items),
  showWarningMessage: (message, ...items) => vscode.window.showWarningMessage(message, ...items),
  showErrorMessage: (message, ...items) => vscode.window.showErrorMessage(message, ...items),
  openExternal: (uri) => vscode.env.openExternal(uri),
};

/** Holds the current Ui so that a test can swap it while the extension runs. */
export class UiHolder {
  current: Ui = windowUi;
  replace(partial: Partial<Ui>): void {
    this.current = { ...windowUi, ...partial };
  }
  reset(): void {
    this.current = windowUi;
  }
}
