/**
 * The gallery's part of activation: its command, its panel's serializer and the hook that adds what
 * jobs save to its index. The gallery itself (panel, page, index, thumbnails: a fifth of the
 * extension's code) is its own bundle, dist/gallery.js, loaded the first time it is opened or
 * restored, so that activation neither reads nor compiles it.
 */
import * as vscode from "vscode";
import { chunk } from "../chunks";
import type { Jobs } from "../jobs/pipeline";
import { GALLERY_VIEW_TYPE } from "../protocol";
import type { Services } from "../services";
import type { GallerySpend } from "../spend/index";
import type * as GalleryModule from "./index";

const galleryModule = chunk<typeof GalleryModule>("gallery");

export function registerGallery(s: Services, jobs: Jobs, spend?: GallerySpend): vscode.Disposable[] {
  let gallery: GalleryModule.Gallery | undefined;
  const load = (): GalleryModule.Gallery => (gallery ??= new (galleryModule().Gallery)(s, jobs, spend));
  const out: vscode.Disposable[] = [
    { dispose: () => gallery?.dispose() },
    // Spend's Rebuild counts from the index: every image's provenance, the workspace checked first.
    ...(spend ? [spend.setImageSource(() => load().allProvenance())] : []),
    // Whatever a job saves (palette, Explorer, gallery, scripts) joins the index with the provenance
    // it really recorded, also where that provenance is not written into the file. (No gallery yet:
    // its first scan finds them.)
    jobs.onDidSave((items) => gallery?.addSaved(items)),
    vscode.commands.registerCommand("grokImagine.openGallery", () => load().open()),
    vscode.window.registerWebviewPanelSerializer(GALLERY_VIEW_TYPE, { deserializeWebviewPanel: (panel, state: unknown) => load().restore(panel, state) }),
  ];
  if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) && s.context.extensionMode === vscode.ExtensionMode.Test) {
    // Not contributed in package.json: only the extension-host tests call it.
    out.push(vscode.commands.registerCommand("grokImagine.testing.gallery", () => {
      const g = load();
      return galleryModule().galleryTesting?.(g);
    }));
  }
  return out;
}
