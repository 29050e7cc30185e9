/**
 * The palette's parameter pick, shared by Generate and Edit: the request's parameters (the
 * definition's fields, with the settings' defaults), each changeable, and a first row that sends.
 */
import * as vscode from "vscode";
import { buildRequest, describeValues, formFields, showValue, type ApiRequest, type Scalar } from "../api";
import type { Services } from "../services";
import { estimateText } from "./shared";

interface ParamItem extends vscode.QuickPickItem {
  readonly key?: string;
  readonly send?: boolean;
}

interface ValueItem extends vscode.QuickPickItem {
  readonly value: Scalar;
}

/**
 * Shows `start`'s parameters until the person sends (resolves to the request, changed or not) or
 * presses Escape (undefined). `send` is the first row's label, e.g. "$(sparkle) Generate".
 */
export async function pickParameters(s: Services, start: ApiRequest, title: string, send: string): Promise<ApiRequest | undefined> {
  const fields = formFields(start.operation);
  let req = start;
  for (;;) {
    const items: ParamItem[] = [
      // The cost before sending: it follows the number of images and the tier as they change.
      { label: send, description: describeValues(req.operation, req.values), detail: estimateText(req), send: true, alwaysShow: true },
      { label: "", kind: vscode.QuickPickItemKind.Separator },
      ...fields.map((f) => ({ label: f.label, description: showValue(req.values[f.key]), detail: f.description, key: f.key })),
    ];
    const picked = await s.ui.current.showQuickPick(items, { title, placeHolder: vscode.l10n.t("Enter to send, or pick a parameter to change it"), ignoreFocusOut: true });
    if (!picked) return undefined;
    const field = fields.find((f) => f.key === picked.key);
    if (picked.send || !field) return req;
    const current = req.values[field.key];
    const valueItems: ValueItem[] = field.options.map((o) => ({ label: o.label, ...(o.description ? { description: o.description } : {}), value: o.value, picked: o.value === current }));
    const value = await s.ui.current.showQuickPick(valueItems, { title: field.label, placeHolder: vscode.l10n.t("Current: {0}", showValue(current)) });
    if (!value) continue;
    const next = buildRequest(req.operation, { ...req.values, [field.key]: value.value }, undefined);
    if (next.ok) req = next.value;
  }
}
