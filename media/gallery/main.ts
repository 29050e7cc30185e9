/**
 * The gallery webview's script. It shows what the extension sends (images, jobs, form defaults) and
 * sends back what a person asks for; it decides nothing itself. Every text from a file (prompts,
 * names, paths) is put in with textContent or as an attribute value, never parsed as HTML.
 * Only the cards in view exist in the DOM (see layout.ts), so thousands of images stay quick.
 * The view (search, filters, scroll, selection, form) is kept with setState, so a reload or a hidden
 * tab comes back as it was.
 */
import {
  buildRequest,
  defaultViewState,
  estimate,
  formatUsd,
  MAX_EDIT_IMAGES,
  parseViewState,
  type BenchResults,
  type FormField,
  type FormatFilter,
  type FormValues,
  type GalleryEntry,
  type HostMessage,
  type ImageAction,
  type JobInfo,
  type KindFilter,
  type Operation,
  type PriceTable,
  type Scalar,
  type SpendHeader,
  type ViewState,
  type WebviewMessage,
  THUMB_SIDE,
  viewportSize,
  type ViewportSize,
} from "../../src/protocol";
import * as l10n from "../../src/l10n";
import { takesInit } from "../../src/gallery/handshake";
import { compareEntries, haystack, makeFilter, matches, type Filter } from "./filter";
import { cardPosition, gridMetrics, moveIndex, scrollStillWanted, scrollToShow, totalHeight, visibleRange, type GridMetrics, type NavKey } from "./layout";


interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const api = acquireVsCodeApi();

function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id} is missing`);
  return el;
}

const ui = {
  search: byId("search", HTMLInputElement),
  kind: byId("kind", HTMLSelectElement),
  format: byId("format", HTMLSelectElement),
  count: byId("count", HTMLElement),
  formBox: byId("formBox", HTMLDetailsElement),
  form: byId("form", HTMLFormElement),
  prompt: byId("prompt", HTMLTextAreaElement),
  formFields: byId("formFields", HTMLElement),
  editFields: byId("editFields", HTMLElement),
  filters: byId("filters", HTMLElement),
  formError: byId("formError", HTMLElement),
  jobs: byId("jobs", HTMLElement),
  jobList: byId("jobList", HTMLUListElement),
  selection: byId("selection", HTMLElement),
  selectionCount: byId("selectionCount", HTMLElement),
  editPrompt: byId("editPrompt", HTMLInputElement),
  editSelected: byId("editSelected", HTMLButtonElement),
  clearSelection: byId("clearSelection", HTMLButtonElement),
  viewport: byId("viewport", HTMLElement),
  grid: byId("grid", HTMLElement),
  empty: byId("empty", HTMLElement),
  details: byId("details", HTMLElement),
  toast: byId("toast", HTMLElement),
  spend: byId("spend", HTMLElement),
  spendText: byId("spendText", HTMLElement),
  estimate: byId("estimate", HTMLElement),
  editEstimate: byId("editEstimate", HTMLElement),
};

const GRID = { minCardWidth: 176, captionHeight: 104, gap: 12, padding: 12 };

// ---------------------------------------------------------------------------------------------
// State

interface Item {
  readonly entry: GalleryEntry;
  readonly hay: string;
}

const items = new Map<string, Item>();
let sorted: Item[] = [];
let shown: Item[] = [];
let filter: Filter = makeFilter("", "all", "all", {});
let view: ViewState | undefined;
let indexing = false;
let markdownFile: string | undefined;
let metrics: GridMetrics = gridMetrics(800, GRID);
let requestSeq = 1;
let firstPaintSent = false;
let editRequest: number | undefined;
/** The person's grokImagine.prices (from `init` and `defaults`); the list prices are api/'s. */
let prices: PriceTable = {};

function setView(patch: Partial<ViewState>): void {
  if (!view) return;
  view = { ...view, ...patch };
  saveSoon();
}

let saveQueued = false;
function saveSoon(): void {
  if (saveQueued) return;
  saveQueued = true;
  queueMicrotask(() => {
    saveQueued = false;
    if (view) api.setState(view);
  });
}

function send(message: WebviewMessage): void {
  api.postMessage(message);
}

function nextRequestId(): number {
  return requestSeq++;
}

// ---------------------------------------------------------------------------------------------
// Entries

function setAll(entries: readonly GalleryEntry[]): void {
  items.clear();
  for (const e of entries) items.set(e.id, { entry: e, hay: haystack(e) });
  resort();
}

function resort(): void {
  sorted = [...items.values()].sort((a, b) => compareEntries(a.entry, b.entry));
}

function applyFilter(): void {
  shown = filter.terms.length === 0 && filter.kind === "all" && filter.format === "all" && Object.keys(filter.params).length === 0 ? sorted : sorted.filter((i) => matches(i.entry, i.hay, filter));
  const total = sorted.length;
  const label = shown.length !== total ? l10n.t("{0} of {1} images", shown.length, total) : total === 1 ? l10n.t("1 image") : l10n.t("{0} images", total);
  ui.count.textContent = indexing ? l10n.t("{0} · looking for more…", label) : label;
  ui.empty.hidden = shown.length > 0;
  ui.empty.textContent =
    total === 0
      ? indexing
        ? l10n.t("Looking for images made with Grok Imagine…")
        : l10n.t("No images made with Grok Imagine in this workspace yet. Describe one above and choose Generate.")
      : l10n.t("No images match the search and filters.");
  if (view?.selected.some((id) => !items.has(id))) setView({ selected: view.selected.filter((id) => items.has(id)) });
  renderSelection();
  scheduleRender();
}

// ---------------------------------------------------------------------------------------------
// Cards (virtualized)

interface Card {
  readonly root: HTMLDivElement;
  readonly pick: HTMLInputElement;
  readonly thumb: HTMLButtonElement;
  readonly img: HTMLImageElement;
  readonly prompt: HTMLElement;
  readonly sub: HTMLElement;
  readonly name: HTMLElement;
  readonly date: HTMLElement;
  readonly controls: readonly HTMLElement[];
  readonly buttons: readonly { el: HTMLButtonElement; action: ImageAction; title: string }[];
  entry?: GalleryEntry;
}

/** The card's buttons (a function: the texts are in the language `init` brought). */
const cardActions = (): readonly { action: ImageAction; icon: string; title: string }[] => [
  { action: "reveal", icon: "folder-opened", title: l10n.t("Reveal in Explorer") },
  { action: "details", icon: "info", title: l10n.t("Show Details") },
  { action: "generateAgain", icon: "refresh", title: l10n.t("Generate Again") },
  { action: "copyPrompt", icon: "copy", title: l10n.t("Copy Prompt") },
  { action: "copyMarkdown", icon: "markdown", title: l10n.t("Copy Markdown Link") },
  { action: "insertMarkdown", icon: "insert", title: l10n.t("Insert Markdown Link") },
  { action: "delete", icon: "trash", title: l10n.t("Delete") },
];

const live = new Map<string, Card>();
const spare: Card[] = [];
const cardOfRoot = new WeakMap<Element, Card>();

function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  return el;
}

function icon(name: string): HTMLSpanElement {
  const s = h("span", `codicon codicon-${name}`);
  s.setAttribute("aria-hidden", "true");
  return s;
}

function createCard(): Card {
  const root = h("div", "card");
  root.setAttribute("role", "listitem");
  const pick = h("input", "pick");
  pick.type = "checkbox";
  const thumb = h("button", "thumb");
  thumb.type = "button";
  const img = h("img");
  img.alt = "";
  img.decoding = "async";
  img.draggable = false;
  // Served with CORS by VS Code's webview resources: a full-size image can be scaled into a thumbnail.
  img.crossOrigin = "anonymous";
  thumb.append(img);
  const meta = h("div", "meta");
  const prompt = h("div", "prompt");
  const sub = h("div", "sub");
  const foot = h("div", "foot");
  const name = h("span", "name");
  const date = h("span", "date");
  foot.append(name, date);
  meta.append(prompt, sub, foot);
  const bar = h("div", "actions");
  bar.setAttribute("role", "toolbar");
  const buttons = cardActions().map(({ action, icon: i, title }) => {
    const el = h("button", "icon-button");
    el.type = "button";
    el.dataset["action"] = action;
    el.title = title;
    el.append(icon(i));
    bar.append(el);
    return { el, action, title };
  });
  root.append(pick, thumb, meta, bar);
  const card: Card = { root, pick, thumb, img, prompt, sub, name, date, controls: [pick, thumb, ...buttons.map((b) => b.el)], buttons };
  cardOfRoot.set(root, card);
  img.addEventListener("load", () => onImageLoaded(card));
  return card;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const shortDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** The fields the forms and filters know (from `init`), by key, for labels and the cards' lines. */
let knownFields: FormField[] = [];

function valueLabel(f: FormField | undefined, v: Scalar): string {
  return f?.options.find((o) => o.value === v)?.label ?? String(v);
}

function paramsText(e: GalleryEntry): string {
  return knownFields
    .filter((f) => f.card && e.params[f.key] !== undefined)
    .map((f) => valueLabel(f, e.params[f.key]))
    .join(" · ") || e.format;
}

function kindText(e: GalleryEntry): string {
  return e.kind === "edit" ? l10n.t("Edited") : l10n.t("Generated");
}

/** The thumbnail `init` carried for `e` (base64, as it came) as a data: URL, else the cached file's URI. */
function thumbSrc(e: GalleryEntry): string | undefined {
  // A data: URL, not bytes made into a blob: decoding the base64 in script took 9-16 ms for the
  // first screen of cards (measured in the gallery benchmark); the browser decodes a data: URL itself.
  if (typeof e.thumbData !== "string" || !BASE64.test(e.thumbData)) return e.thumb;
  return `data:${e.thumbData.startsWith("/9j/") ? "image/jpeg" : "image/webp"};base64,${e.thumbData}`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * VS Code keeps a webview's page hidden until its load event (or 200 ms), and holds its messages
 * until then. A card's image fetched through VS Code (a cached thumbnail's or the file's URI) would
 * hold that event back: until it has come, cards get only the thumbnails `init` carried (data: URLs),
 * and the others their images once it has.
 */
let pageLoaded = document.readyState === "complete";
const waitingForLoad = new Set<Card>();
const loaded = new Promise<void>((resolve) => {
  if (pageLoaded) return resolve();
  window.addEventListener("load", () => {
    pageLoaded = true;
    for (const card of waitingForLoad) if (card.entry) setImage(card, card.entry);
    waitingForLoad.clear();
    resolve();
  });
});

function setImage(card: Card, e: GalleryEntry): void {
  const src = thumbSrc(e) ?? e.src;
  if (!pageLoaded && !src.startsWith("data:")) {
    waitingForLoad.add(card);
    if (card.img.hasAttribute("src")) card.img.removeAttribute("src");
    return;
  }
  waitingForLoad.delete(card);
  if (card.img.getAttribute("src") !== src) card.img.src = src;
}

function fill(card: Card, e: GalleryEntry): void {
  card.entry = e;
  setImage(card, e);
  card.prompt.textContent = e.prompt || l10n.t("(no prompt recorded)");
  card.sub.textContent = `${kindText(e)} · ${paramsText(e)}`;
  card.name.textContent = e.name;
  card.date.textContent = shortDate.format(e.created);
  card.root.setAttribute("aria-label", `${e.name}. ${kindText(e)} ${dateFormat.format(e.created)}. ${e.prompt}`);
  card.root.title = e.revisedPrompt ? `${e.path}\n${l10n.t("Revised prompt: {0}", e.revisedPrompt)}` : e.path;
  card.thumb.setAttribute("aria-label", l10n.t("Open {0}", e.name));
  card.pick.setAttribute("aria-label", l10n.t("Select {0} for editing", e.name));
  for (const b of card.buttons) {
    const what = b.action === "insertMarkdown" && markdownFile ? l10n.t("Insert Markdown Link into {0}", markdownFile) : b.title;
    b.el.setAttribute("aria-label", `${what}: ${e.name}`);
    b.el.title = what;
  }
}

// ---------------------------------------------------------------------------------------------
// Thumbnails: the extension has no image decoder, so the page, which has just decoded a full-size
// image for a card, scales it down and sends the small WebP to the extension's cache (which checks
// it). The next open shows the cached thumbnail instead of decoding the original again.

/** Images thumbnailed (or being) in this page's life, by id and version: each once. */
const thumbnailed = new Set<string>();
let thumbQueue: Promise<void> = Promise.resolve();

function onImageLoaded(card: Card): void {
  const e = card.entry;
  const img = card.img;
  if (!e || e.thumb || e.thumbData || img.getAttribute("src") !== e.src || !img.naturalWidth) return;
  const key = `${e.id}\n${e.version}`;
  if (thumbnailed.has(key)) return;
  thumbnailed.add(key);
  // One at a time, after what the page is doing now: scaling is a few ms of the page's time each.
  thumbQueue = thumbQueue.then(() => makeThumbnail(img, e).catch(() => undefined));
}

async function makeThumbnail(img: HTMLImageElement, e: GalleryEntry): Promise<void> {
  const scale = Math.min(1, THUMB_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
  const width = Math.max(1, Math.round(img.naturalWidth * scale));
  const height = Math.max(1, Math.round(img.naturalHeight * scale));
  const bitmap = await createImageBitmap(img, { resizeWidth: width, resizeHeight: height, resizeQuality: "high" });
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("bitmaprenderer");
  if (!ctx) return bitmap.close();
  ctx.transferFromImageBitmap(bitmap);
  const blob = await canvas.convertToBlob({ type: "image/webp", quality: 0.8 });
  send({ type: "thumbnail", id: e.id, version: e.version, bytes: new Uint8Array(await blob.arrayBuffer()) });
}

let renderQueued = false;
function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

/**
 * The grid's size at the last first paint, for the first render only (see `init`'s `viewport`):
 * measuring lays the page out, and the cards added after it need a second layout before the first
 * frame (together 5-8 ms of that frame in the gallery benchmark's trace). The render the frame runs
 * (scheduled by applyFilter) measures, and moves the cards if the size is not that one any more.
 */
let assumedSize: ViewportSize | undefined;

/** Lays out the cards now (a render scheduled for the next frame still runs then). */
function render(): void {
  // Every measure before any change, so that the page is laid out once here, not again for a read
  // after a write (none at all with an assumed size: see assumedSize); the scroll position is
  // clamped to the new height as the browser will clamp it.
  const assumed = assumedSize;
  assumedSize = undefined;
  const { clientWidth, clientHeight, scrollTop } = assumed ? { clientWidth: assumed.width, clientHeight: assumed.height, scrollTop: 0 } : ui.viewport;
  metrics = gridMetrics(clientWidth, GRID);
  const height = totalHeight(shown.length, metrics);
  ui.grid.style.height = `${height}px`;
  const { first, end } = visibleRange(Math.min(scrollTop, Math.max(0, height - clientHeight)), clientHeight, shown.length, metrics, 1);
  const wanted = new Map<string, number>();
  for (let i = first; i < end; i++) {
    const item = shown[i];
    if (item) wanted.set(item.entry.id, i);
  }
  let focusLost = false;
  for (const [id, card] of live) {
    if (wanted.has(id)) continue;
    if (card.root.contains(document.activeElement)) focusLost = true;
    card.root.hidden = true;
    waitingForLoad.delete(card); // not shown: no image to fetch for it at the load event
    live.delete(id);
    spare.push(card);
  }
  const active = view?.active;
  const selected = new Set(view?.selected ?? []);
  let tabStop: Card | undefined;
  for (const [id, i] of wanted) {
    const item = shown[i];
    if (!item) continue;
    let card = live.get(id);
    if (!card) {
      card = spare.pop() ?? createCard();
      if (!card.root.isConnected) ui.grid.append(card.root);
      card.root.hidden = false;
      live.set(id, card);
    }
    if (card.entry !== item.entry) fill(card, item.entry);
    const { x, y } = cardPosition(i, metrics);
    card.root.style.transform = `translate(${x}px, ${y}px)`;
    card.root.style.width = `${metrics.cardWidth}px`;
    card.root.style.height = `${metrics.cardHeight}px`;
    card.thumb.style.height = `${metrics.cardWidth}px`;
    card.root.classList.toggle("active", id === active);
    const isSelected = selected.has(id);
    card.root.classList.toggle("selected", isSelected);
    card.pick.checked = isSelected;
    card.root.setAttribute("aria-posinset", String(i + 1));
    card.root.setAttribute("aria-setsize", String(shown.length));
    if (id === active) tabStop = card;
  }
  // Roving tab stop: one card (the active one, else the first in view) and its controls.
  tabStop ??= live.get(shown[first]?.entry.id ?? "");
  for (const card of live.values()) {
    const t = card === tabStop ? 0 : -1;
    card.root.tabIndex = t;
    for (const c of card.controls) c.tabIndex = t;
  }
  if (focusLost) ui.viewport.focus({ preventScroll: true });
  renderDetails();
}

function cardOf(target: EventTarget | null): Card | undefined {
  const el = target instanceof Element ? target.closest(".card") : null;
  return el ? cardOfRoot.get(el) : undefined;
}

function focusEntry(index: number): void {
  const item = shown[index];
  if (!item) return;
  setView({ active: item.entry.id });
  const top = scrollToShow(index, ui.viewport.scrollTop, ui.viewport.clientHeight, metrics);
  if (top !== ui.viewport.scrollTop) ui.viewport.scrollTop = top;
  render();
  live.get(item.entry.id)?.root.focus({ preventScroll: true });
}

// ---------------------------------------------------------------------------------------------
// Details of the active image

function renderDetails(): void {
  const id = view?.active;
  const e = id ? items.get(id)?.entry : undefined;
  if (ui.details.dataset["id"] === (e?.id ?? "") && ui.details.dataset["v"] === String(e?.size ?? "") && e) return;
  ui.details.dataset["id"] = e?.id ?? "";
  ui.details.dataset["v"] = String(e?.size ?? "");
  ui.details.replaceChildren();
  if (!e) {
    const p = h("p", "muted");
    p.textContent = l10n.t("Select an image to see how it was made.");
    ui.details.append(p);
    return;
  }
  const preview = h("img", "preview");
  preview.alt = "";
  preview.src = e.src;
  const title = h("h2");
  title.textContent = e.name;
  const dl = h("dl");
  const row = (label: string, value: string) => {
    if (!value) return;
    const dt = h("dt");
    dt.textContent = label;
    const dd = h("dd");
    dd.textContent = value;
    dl.append(dt, dd);
  };
  row(l10n.t("Prompt"), e.prompt || l10n.t("(not recorded)"));
  row(l10n.t("Revised prompt"), e.revisedPrompt);
  row(l10n.t("Kind"), e.kind === "edit" ? (e.sources.length ? l10n.t("Edited from {0}", e.sources.join(", ")) : l10n.t("Edited")) : l10n.t("Generated"));
  for (const [key, v] of Object.entries(e.params)) {
    if (key === "prompt") continue;
    const f = knownFields.find((x) => x.key === key);
    row(f?.label ?? key, valueLabel(f, v));
  }
  row(l10n.t("Created"), dateFormat.format(e.created));
  row(l10n.t("File"), e.path);
  row(l10n.t("Size"), l10n.t("{0} KB", (e.size / 1024).toFixed(e.size < 10240 ? 1 : 0)));
  row(l10n.t("Request"), e.requestId);
  const actions = h("div", "detail-actions");
  const add = (action: ImageAction, iconName: string, text: string) => {
    const b = h("button", "secondary");
    b.type = "button";
    b.dataset["action"] = action;
    b.append(icon(iconName), document.createTextNode(` ${text}`));
    actions.append(b);
  };
  add("open", "link-external", l10n.t("Open"));
  add("reveal", "folder-opened", l10n.t("Reveal in Explorer"));
  add("details", "info", l10n.t("Show Details"));
  add("generateAgain", "refresh", l10n.t("Generate Again"));
  add("copyPrompt", "copy", l10n.t("Copy Prompt"));
  add("copyMarkdown", "markdown", l10n.t("Copy Markdown Link"));
  add("insertMarkdown", "insert", markdownFile ? l10n.t("Insert Link into {0}", markdownFile) : l10n.t("Insert Markdown Link"));
  add("delete", "trash", l10n.t("Delete"));
  ui.details.append(preview, title, dl, actions);
}

// ---------------------------------------------------------------------------------------------
// Jobs, selection, form

function jobStateText(j: JobInfo): string {
  if (j.state === "queued") return j.position !== undefined ? l10n.t("Queued, position {0}", j.position) : l10n.t("Queued");
  return j.state === "generating" ? (j.kind === "edit" ? l10n.t("Editing") : l10n.t("Generating")) : l10n.t("Saving");
}

function renderJobs(jobs: readonly JobInfo[]): void {
  ui.jobs.hidden = jobs.length === 0;
  ui.jobList.replaceChildren(
    ...jobs.map((j) => {
      const li = h("li", `job job-${j.state}`);
      li.dataset["job"] = j.id;
      const spin = icon(j.state === "queued" ? "clock" : j.state === "generating" ? "loading" : "save");
      if (j.state === "generating") spin.classList.add("codicon-modifier-spin");
      const prompt = h("span", "job-prompt");
      prompt.textContent = j.prompt;
      const state = h("span", "job-state");
      state.textContent = jobStateText(j);
      const cancel = h("button", "secondary");
      cancel.type = "button";
      cancel.dataset["cancel"] = j.id;
      cancel.append(icon("close"), document.createTextNode(" " + l10n.t("Cancel")));
      cancel.setAttribute("aria-label", l10n.t("Cancel: {0}", j.prompt));
      li.append(spin, prompt, state, cancel);
      return li;
    }),
  );
}

function renderSelection(): void {
  const n = view?.selected.length ?? 0;
  ui.selection.hidden = n === 0;
  ui.selectionCount.textContent = l10n.t("{0} of {1} selected for an edit", n, MAX_EDIT_IMAGES);
}

function toggleSelected(id: string): void {
  if (!view) return;
  const sel = view.selected;
  if (sel.includes(id)) setView({ selected: sel.filter((s) => s !== id) });
  else if (sel.length >= MAX_EDIT_IMAGES) toast(l10n.t("An edit takes at most {0} images.", MAX_EDIT_IMAGES), false);
  else setView({ selected: [...sel, id] });
  renderSelection();
  scheduleRender();
}

// The forms' fields and the filters, rendered from what `init` sends (the definition in api/).

interface Control {
  readonly field: FormField;
  readonly el: HTMLSelectElement | HTMLInputElement;
}

let formControls: Control[] = [];
let editControls: Control[] = [];
let filterControls: Control[] = [];

/** A labelled control per field: a checkbox for a boolean, else a select of its options (`any` first for filters). */
function renderFields(host: HTMLElement, fields: readonly FormField[], idPrefix: string, any?: string): Control[] {
  host.replaceChildren();
  return fields.map((field) => {
    const label = h("label");
    label.title = field.description;
    let el: HTMLSelectElement | HTMLInputElement;
    if (field.type === "boolean" && any === undefined) {
      el = h("input");
      el.type = "checkbox";
      label.className = "check";
      label.append(el, document.createTextNode(` ${field.label}`));
    } else {
      el = h("select");
      const options = any === undefined ? field.options : [{ value: "", label: `${field.label}: ${any}` }, ...field.options];
      for (const o of options) {
        const opt = h("option");
        opt.value = String(o.value);
        opt.textContent = o.label;
        if ("description" in o && o.description) opt.title = o.description;
        el.append(opt);
      }
      if (any === undefined) label.append(document.createTextNode(`${field.label} `), el);
      else {
        el.setAttribute("aria-label", field.label);
        label.append(el);
      }
    }
    el.id = `${idPrefix}${field.key}`;
    host.append(label);
    return { field, el };
  });
}

function readControls(controls: readonly Control[]): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const { field, el } of controls) {
    const v = el instanceof HTMLInputElement && el.type === "checkbox" ? el.checked : field.options.find((o) => String(o.value) === el.value)?.value;
    if (v !== undefined) out[field.key] = v;
  }
  return out;
}

function writeControls(controls: readonly Control[], values: FormValues): void {
  for (const { field, el } of controls) {
    const v = values[field.key];
    if (v === undefined) continue;
    if (el instanceof HTMLInputElement && el.type === "checkbox") el.checked = v === true;
    else el.value = String(v);
  }
}

function readForm(): FormValues {
  return { prompt: ui.prompt.value, ...readControls(formControls) };
}

function writeForm(f: FormValues): void {
  ui.prompt.value = typeof f["prompt"] === "string" ? f["prompt"] : "";
  writeControls(formControls, f);
}

function readFilterParams(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { field, el } of filterControls) if (el.value) out[field.key] = el.value;
  return out;
}

// The estimated cost before sending, as the form changes (the host estimates again and confirms
// above grokImagine.confirmAboveUsd: this is what the person reads, not what decides).

function estimateText(op: Operation, values: FormValues): string {
  // The prompt does not change the price: a placeholder lets an empty form be estimated too.
  const built = buildRequest(op, { ...values, prompt: "-" }, undefined);
  if (!built.ok) return "";
  const n = Number(built.value.values["num_images"] ?? 1);
  const e = estimate(built.value.endpoint, n, prices);
  return `Estimated ${formatUsd(e.usd)}${n === 1 ? "" : ` for ${n} images`}`;
}

function renderEstimates(): void {
  ui.estimate.textContent = estimateText("generate", readControls(formControls));
  ui.editEstimate.textContent = estimateText("edit", readControls(editControls));
}

function renderSpend(spend: SpendHeader | undefined): void {
  ui.spend.hidden = !spend;
  ui.spendText.textContent = spend?.text ?? "";
  ui.spend.title = spend?.detail ?? "";
  ui.spend.setAttribute("aria-label", spend ? `${spend.text}. ${spend.detail}` : "");
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
function toast(text: string, ok: boolean): void {
  ui.toast.textContent = text;
  ui.toast.classList.toggle("error", !ok);
  ui.toast.classList.add("visible");
  if (toastTimer !== undefined) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => ui.toast.classList.remove("visible"), 5000);
}

function runAction(action: ImageAction, id: string): void {
  send({ type: "action", requestId: nextRequestId(), action, id });
}

// ---------------------------------------------------------------------------------------------
// Events

ui.search.addEventListener("input", () => {
  setView({ query: ui.search.value });
  filter = makeFilter(ui.search.value, filter.kind, filter.format, filter.params);
  ui.viewport.scrollTop = 0;
  applyFilter();
});
ui.kind.addEventListener("change", () => {
  const kind = ui.kind.value as KindFilter;
  setView({ kind });
  filter = makeFilter(ui.search.value, kind, filter.format, filter.params);
  applyFilter();
});
ui.format.addEventListener("change", () => {
  const format = ui.format.value as FormatFilter;
  setView({ format });
  filter = makeFilter(ui.search.value, filter.kind, format, filter.params);
  applyFilter();
});
ui.filters.addEventListener("change", () => {
  const params = readFilterParams();
  setView({ params });
  filter = makeFilter(ui.search.value, filter.kind, filter.format, params);
  applyFilter();
});
ui.formBox.addEventListener("toggle", () => setView({ formOpen: ui.formBox.open }));
ui.form.addEventListener("input", () => setView({ form: readForm() }));
ui.form.addEventListener("change", () => {
  setView({ form: readForm() });
  renderEstimates();
});
ui.form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const form = readForm();
  const built = buildRequest("generate", form, undefined);
  if (!built.ok) {
    ui.formError.textContent = built.errors.map((e) => e.message).join(" ");
    ui.prompt.setAttribute("aria-invalid", "true");
    ui.prompt.focus();
    return;
  }
  ui.formError.textContent = "";
  ui.prompt.removeAttribute("aria-invalid");
  send({ type: "generate", requestId: nextRequestId(), input: form });
  toast(l10n.t("Sent to Grok Imagine."), true);
});
ui.prompt.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
    ev.preventDefault();
    ui.form.requestSubmit();
  }
});
ui.editPrompt.addEventListener("input", () => setView({ editPrompt: ui.editPrompt.value }));
ui.editFields.addEventListener("change", () => {
  setView({ editForm: readControls(editControls) });
  renderEstimates();
});
ui.editPrompt.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter") {
    ev.preventDefault();
    ui.editSelected.click();
  }
});
ui.editSelected.addEventListener("click", () => {
  if (!view || view.selected.length === 0) return;
  const prompt = ui.editPrompt.value.trim();
  if (!prompt) {
    toast(l10n.t("Describe how the selected images should change."), false);
    ui.editPrompt.focus();
    return;
  }
  editRequest = nextRequestId();
  send({ type: "edit", requestId: editRequest, ids: view.selected, input: { ...readControls(editControls), prompt } });
  toast(l10n.t("Sent to Grok Imagine."), true);
});
ui.clearSelection.addEventListener("click", () => {
  setView({ selected: [] });
  renderSelection();
  scheduleRender();
});
ui.jobList.addEventListener("click", (ev) => {
  const b = ev.target instanceof Element ? ev.target.closest<HTMLButtonElement>("button[data-cancel]") : null;
  const jobId = b?.dataset["cancel"];
  if (jobId) send({ type: "cancelJob", requestId: nextRequestId(), jobId });
});
ui.viewport.addEventListener("scroll", () => {
  if (scrollWanted === undefined) setView({ scrollTop: ui.viewport.scrollTop });
  scheduleRender();
});
// The person scrolls (wheel, keys, a drag on the scroll bar): the saved position no longer waits.
for (const type of ["wheel", "keydown", "pointerdown", "touchstart"] as const) {
  ui.viewport.addEventListener(type, () => (scrollWanted = undefined), { passive: true });
}
new ResizeObserver(() => scheduleRender()).observe(ui.viewport);

ui.grid.addEventListener("click", (ev) => {
  const card = cardOf(ev.target);
  const id = card?.entry?.id;
  if (!card || !id) return;
  setView({ active: id });
  const target = ev.target instanceof Element ? ev.target : null;
  if (target?.closest(".pick")) {
    toggleSelected(id);
    return;
  }
  const action = target?.closest<HTMLElement>("[data-action]")?.dataset["action"];
  if (action) runAction(action as ImageAction, id);
  else if (target?.closest(".thumb")) runAction("open", id);
  scheduleRender();
});
ui.grid.addEventListener("focusin", (ev) => {
  const id = cardOf(ev.target)?.entry?.id;
  if (id && id !== view?.active) {
    setView({ active: id });
    scheduleRender();
  }
});
ui.grid.addEventListener("keydown", (ev) => {
  const card = cardOf(ev.target);
  const id = card?.entry?.id;
  if (!card || !id) return;
  const onCard = ev.target === card.root;
  const nav: readonly string[] = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"];
  if (nav.includes(ev.key) && (onCard || !(ev.target instanceof HTMLInputElement))) {
    ev.preventDefault();
    const from = shown.findIndex((i) => i.entry.id === id);
    focusEntry(moveIndex(from, ev.key as NavKey, shown.length, metrics, ui.viewport.clientHeight));
    return;
  }
  if (!onCard) return;
  if (ev.key === "Enter") {
    ev.preventDefault();
    runAction("open", id);
  } else if (ev.key === " ") {
    ev.preventDefault();
    toggleSelected(id);
  } else if (ev.key === "Delete") {
    ev.preventDefault();
    runAction("delete", id);
  }
});
ui.details.addEventListener("click", (ev) => {
  const action = ev.target instanceof Element ? ev.target.closest<HTMLElement>("[data-action]")?.dataset["action"] : undefined;
  const id = ui.details.dataset["id"];
  if (action && id) runAction(action as ImageAction, id);
});
ui.selection.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape") ui.clearSelection.click();
});
document.addEventListener("keydown", (ev) => {
  if ((ev.ctrlKey || ev.metaKey) && !ev.shiftKey && !ev.altKey && ev.key.toLowerCase() === "f") {
    ev.preventDefault();
    ui.search.focus();
    ui.search.select();
  }
});

// ---------------------------------------------------------------------------------------------
// Messages from the extension

function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function restoreView(v: ViewState): void {
  view = v;
  ui.search.value = v.query;
  ui.kind.value = v.kind;
  ui.format.value = v.format;
  ui.formBox.open = v.formOpen;
  writeForm(v.form);
  writeControls(editControls, v.editForm);
  writeControls(filterControls, v.params);
  ui.editPrompt.value = v.editPrompt;
  filter = makeFilter(v.query, v.kind, v.format, v.params);
}

const scriptMs = performance.now();
let initMs = 0;

/** The page's own words (index.html carries none), in the language `init` brought. */
function localizePage(): void {
  const text = (id: string, value: string) => {
    const el = document.getElementById(id);
    if (el) el.textContent = value;
  };
  const label = (el: HTMLElement, value: string) => el.setAttribute("aria-label", value);
  document.title = l10n.t("Grok Imagine Gallery");
  ui.search.placeholder = l10n.t("Search prompts and file names");
  label(ui.search, ui.search.placeholder);
  label(ui.kind, l10n.t("Kind"));
  const kinds: Record<string, string> = { all: l10n.t("All kinds"), generate: l10n.t("Generated"), edit: l10n.t("Edited") };
  for (const o of ui.kind.options) o.textContent = kinds[o.value] ?? o.value;
  label(ui.format, l10n.t("Format"));
  const all = ui.format.querySelector('option[value="all"]');
  if (all) all.textContent = l10n.t("All formats");
  text("formTitle", l10n.t("New image"));
  text("promptLabel", l10n.t("Prompt"));
  ui.prompt.placeholder = l10n.t("Describe the image to generate");
  text("generateLabel", l10n.t("Generate"));
  label(ui.jobs, l10n.t("Jobs in progress"));
  label(ui.selection, l10n.t("Edit the selected images"));
  ui.editPrompt.placeholder = l10n.t("How should the selected images change?");
  label(ui.editPrompt, l10n.t("Edit prompt"));
  text("editLabel", l10n.t("Edit"));
  ui.clearSelection.textContent = l10n.t("Clear selection");
  label(ui.viewport, l10n.t("Images"));
  label(ui.grid, l10n.t("Images, newest first"));
  label(ui.details, l10n.t("Image details"));
}
/**
 * The number of the `init` this page has, 0 before the first (the extension sends one as soon as it
 * can, and again when the page asks with `ready`). A page loaded again by VS Code can be handed an
 * out-of-date one first: a newer one replaces it.
 */
let initSeq = 0;
/** `entries` that arrive before the first paint: taken in after it, so that they do not delay it. */
let beforePaint: Extract<HostMessage, { type: "entries" }>[] | undefined = [];

async function onInit(m: Extract<HostMessage, { type: "init" }>): Promise<void> {
  if (!takesInit(m.seq, initSeq)) return; // this page has it (or a newer one) already
  initSeq = m.seq;
  initMs ||= performance.now();
  // The host's translations (none in English): every text below, and the page's own, in its language.
  l10n.useTranslator(l10n.bundleTranslator(m.l10n));
  localizePage();
  indexing = m.indexing;
  markdownFile = m.markdownFile;
  formControls = renderFields(ui.formFields, m.fields.generate, "");
  editControls = renderFields(ui.editFields, m.fields.edit, "edit-");
  filterControls = renderFields(ui.filters, m.filters, "filter-", l10n.t("all"));
  const byKey = new Map<string, FormField>();
  for (const f of [...m.fields.generate, ...m.fields.edit, ...m.filters]) if (!byKey.has(f.key)) byKey.set(f.key, f);
  knownFields = [...byKey.values()];
  restoreView(parseViewState(api.getState(), m.defaults) ?? m.viewState ?? defaultViewState(m.defaults));
  prices = m.prices;
  renderEstimates();
  renderSpend(m.spend);
  setAll(m.entries);
  renderJobs(m.jobs);
  applyFilter();
  // A saved scroll position needs the grid's height first (at the top, no layout is needed before the frame's).
  // Deeper than the entries `init` brought, it waits for the rest (sent once this paint is told).
  restFor = m.rest ? m.seq : undefined;
  const top = view?.scrollTop ?? 0;
  if (top > 0) scrollWanted = scrollStillWanted(top, scrollGridTo(top), restFor !== undefined);
  // At the top, the cards are laid out for the size the grid had last time, and measured in the frame.
  assumedSize = top > 0 ? undefined : viewportSize(m.viewport);
  render();
  scheduleRender(); // the frame's render, which measures (applyFilter has asked for it already)
  // What the person sees: a frame painted once VS Code shows the page (at its load event).
  await loaded;
  await afterPaint();
  // Every init painted is told (the extension then sends what the init left out); the first paint
  // is measured, and its thumbnails.
  send({ type: "rendered", at: Date.now(), entries: sorted.length, cards: live.size, scriptMs: Math.round(scriptMs), initMs: Math.round(initMs), paintMs: Math.round(performance.now()), width: ui.viewport.clientWidth, height: ui.viewport.clientHeight });
  if (!firstPaintSent) {
    firstPaintSent = true;
    loadIconFont();
    const t0 = performance.now();
    const later = beforePaint ?? [];
    beforePaint = undefined;
    for (const e of later) onEntries(e);
    const imgs = [...live.values()].map((c) => c.img);
    await Promise.all(imgs.map((i) => i.decode().catch(() => undefined)));
    send({ type: "thumbnails", ms: Math.round(performance.now() - t0), count: imgs.length });
  }
}

/** Sizes the grid for what is shown and scrolls to `top`; returns where it got (the browser clamps). */
function scrollGridTo(top: number): number {
  ui.grid.style.height = `${totalHeight(shown.length, gridMetrics(ui.viewport.clientWidth, GRID))}px`;
  ui.viewport.scrollTop = top;
  return ui.viewport.scrollTop;
}

/**
 * A saved scroll position that the entries `init` brought could not reach: applied when the rest
 * arrive, unless the person scrolls first. Meanwhile the position the browser clamped to is not saved.
 */
let scrollWanted: number | undefined;
/** The `init` (its number) whose left-out entries are still to come, in an `entries` marked with it. */
let restFor: number | undefined;

function onEntries(m: Extract<HostMessage, { type: "entries" }>): void {
  if (beforePaint) {
    beforePaint.push(m);
    return;
  }
  indexing = m.indexing;
  for (const id of m.remove) items.delete(id);
  for (const e of m.upsert) items.set(e.id, { entry: e, hay: haystack(e) });
  if (m.remove.length || m.upsert.length) resort();
  applyFilter();
  // Other changes (an image saved, a file found) may come before the rest: the position waits on
  // until it is reached or nothing more is to come.
  // (The rest of an older `init`, held for this page, is taken in, but does not end the wait.)
  const restCame = m.rest !== undefined && m.rest === restFor;
  if (restCame) restFor = undefined;
  if (scrollWanted !== undefined && (m.upsert.length || restCame)) {
    const top = scrollWanted;
    const reached = scrollGridTo(top);
    scrollWanted = scrollStillWanted(top, reached, restFor !== undefined);
    if (scrollWanted === undefined) setView({ scrollTop: reached });
    render();
  }
}

async function onBench(requestId: number, entries: readonly GalleryEntry[]): Promise<void> {
  const keep = { entries: sorted.map((i) => i.entry), scrollTop: ui.viewport.scrollTop, query: ui.search.value, filter };
  const timed = (fn: () => void): number => {
    const t0 = performance.now();
    fn();
    void ui.grid.offsetHeight; // include style and layout
    return performance.now() - t0;
  };
  filter = makeFilter("", "all", "all", {});
  const applyMs = timed(() => {
    setAll(entries);
    applyFilter();
    render();
  });
  await afterPaint();
  const cards = ui.grid.childElementCount;
  const scrolls: number[] = [];
  const max = Math.max(0, ui.viewport.scrollHeight - ui.viewport.clientHeight);
  for (let k = 0; k < 40; k++) {
    const top = Math.round((((k * 7919) % 40) / 39) * max);
    scrolls.push(
      timed(() => {
        ui.viewport.scrollTop = top;
        render();
      }),
    );
    await afterPaint();
  }
  const filters: number[] = [];
  for (const q of ["a", "a #", "a #1", "a #12", "#123", ""]) {
    filters.push(
      timed(() => {
        filter = makeFilter(q, "all", "all", {});
        applyFilter();
        render();
      }),
    );
    await afterPaint();
  }
  const results: BenchResults = {
    entries: entries.length,
    applyMs: Math.round(applyMs * 10) / 10,
    cards,
    scrollMaxMs: Math.round(Math.max(...scrolls) * 10) / 10,
    scrollP90Ms: Math.round(([...scrolls].sort((a, b) => a - b)[Math.floor(scrolls.length * 0.9)] ?? 0) * 10) / 10,
    scrollMeanMs: Math.round((scrolls.reduce((a, b) => a + b, 0) / scrolls.length) * 10) / 10,
    filterMaxMs: Math.round(Math.max(...filters) * 10) / 10,
  };
  filter = keep.filter;
  setAll(keep.entries);
  applyFilter();
  ui.viewport.scrollTop = keep.scrollTop;
  render();
  send({ type: "benchResult", requestId, results });
}

window.addEventListener("message", (ev: MessageEvent<unknown>) => onHostMessage(ev.data));

/** A message from the extension: by postMessage, or the first `init` the page carried. */
function onHostMessage(data: unknown): void {
  const m = data as HostMessage | null;
  if (typeof m !== "object" || m === null || typeof m.type !== "string") return;
  switch (m.type) {
    case "init":
      onInit(m).catch((err: unknown) => console.error("Grok Imagine gallery: could not start", err));
      return;
    case "entries":
      onEntries(m);
      return;
    case "jobs":
      renderJobs(m.jobs);
      return;
    case "defaults":
      // New defaults apply to a form that still holds the old ones untouched.
      if (view && !ui.prompt.value) writeForm({ ...m.defaults.generate, prompt: "" });
      if (view && !ui.editPrompt.value) writeControls(editControls, m.defaults.edit);
      prices = m.prices;
      renderEstimates();
      return;
    case "spend":
      renderSpend(m.spend);
      return;
    case "context":
      markdownFile = m.markdownFile;
      for (const card of live.values()) if (card.entry) fill(card, card.entry);
      ui.details.dataset["id"] = "";
      renderDetails();
      return;
    case "reply":
      if (m.message || !m.ok) toast(m.message ?? l10n.t("That did not work."), m.ok);
      if (m.ok && m.requestId === editRequest) {
        editRequest = undefined;
        ui.editPrompt.value = "";
        setView({ selected: [], editPrompt: "" });
        renderSelection();
        scheduleRender();
      }
      return;
    case "bench":
      if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS)) onBench(m.requestId, m.entries).catch((err: unknown) => console.error("Grok Imagine gallery: benchmark failed", err));
      return;
  }
}

// The first `init` usually comes in the page itself (index.html's data block): taken at once, the
// first frame has the images, without waiting for the page's load event and a message. Otherwise the
// extension sends it unasked (VS Code holds it until the page has loaded; this inline script runs
// before that). `ready` tells the extension this page runs: a page loaded again (hidden and shown, or
// its folders widened) gets `init` in answer. One whose `init` never came (its frame went before it
// loaded) asks again.
let iconFontAsked = false;
const carried = document.getElementById("init");
const carriedText = carried?.textContent ?? "";
carried?.remove();
if (carriedText) {
  let m: unknown;
  try {
    m = JSON.parse(carriedText);
  } catch {
    m = undefined; // then `ready` below gets an init by message
  }
  onHostMessage(m);
}
send({ type: "ready" });
window.addEventListener("load", () => {
  setTimeout(() => {
    if (!initSeq) send({ type: "ready" });
    loadIconFont();
  }, 1000);
});

/**
 * The icon font, once the first frame is painted (or a second after the page loaded): fetched
 * before the page had loaded, it would hold back the load event, and with it every message VS Code
 * has for the page; before the first frame, it would take that frame's time. Until it arrives, icons
 * are blank.
 */
function loadIconFont(): void {
  if (iconFontAsked) return;
  iconFontAsked = true;
  const url = document.body.dataset["codiconFont"];
  if (url) {
    const font = new FontFace("codicon", `url("${url}") format("truetype")`, { display: "block" });
    document.fonts.add(font);
    font.load().catch(() => undefined);
  }
}
