/**
 * The edit command's argument object, for scripts, keybindings and tests:
 * `{prompt, images, …}`. `images` lists one to three
 * files, each a URI or a string: a URI (`file:///…`, `vscode-remote://…`), an absolute path, or a
 * path relative to the workspace folder (with several folders, it may start with a folder's name);
 * src/workspace/resolve.ts resolves them (the one resolver for every path a caller gives).
 * The other fields are the edit operation's own (api/definition.ts) and are validated by `buildRequest`.
 *
 * Pure module: the caller says what a URI is (`isUri`), so this needs no `vscode`.
 */
import { describeValue, type FieldError } from "../api";

export type ImageRef<U> = U | string;

export interface EditArgs<U> {
  /** Everything but `images`, for buildRequest. */
  readonly fields: Record<string, unknown>;
  readonly images: ImageRef<U>[];
  readonly errors: FieldError[];
}

const IMAGES_HELP = "images must list the images to edit: one to three workspace-relative paths or URIs";

export function splitEditArgs<U>(arg: Readonly<Record<string, unknown>>, isUri: (v: unknown) => v is U): EditArgs<U> {
  const { images, ...fields } = arg;
  const errors: FieldError[] = [];
  const refs: ImageRef<U>[] = [];
  if (images === undefined) {
    errors.push({ field: "images", message: "images is required: list the images to edit, one to three workspace-relative paths or URIs." });
  } else if (!Array.isArray(images)) {
    errors.push({ field: "images", message: `${IMAGES_HELP} (got ${isUri(images) ? "a single URI; put it in a list" : describeValue(images)}).` });
  } else {
    const list: readonly unknown[] = images;
    list.forEach((item, i) => {
      if (isUri(item)) refs.push(item);
      else if (typeof item === "string" && item.trim() !== "") refs.push(item.trim());
      else errors.push({ field: `images[${i}]`, message: `images[${i}] must be a workspace-relative path or a URI (got ${describeValue(item)}).` });
    });
  }
  return { fields, images: refs, errors };
}
