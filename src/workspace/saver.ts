/**
 * Saving a batch of images under names nobody else has, without ever replacing a file. Pure module
 * (no `vscode`): the folder is an interface, given on disk by diskFolder.ts and elsewhere by
 * workspace.fs (save.ts), and by tests with a writer of their own.
 *
 * - Names are reserved per folder inside the extension host before anything is written and released
 *   when the batch is done, so two jobs of this window never pick the same name. The reservations
 *   belong to one {@link SaveCore}, which the extension owns (one per activation).
 * - Each file is written under a hidden temporary name, then given its name only if no file has it
 *   ({@link Folder.writeNew}: on disk an atomic hard link that fails when the name exists), which
 *   also holds against writers outside the extension. A name taken meanwhile moves that image to the
 *   next free name, after a fresh look at the folder.
 * - A batch that cannot be saved whole removes what it wrote, and only that: each file is removed
 *   only while it is still the file this batch wrote.
 */
import { fileNameKey, pickUniqueNames, tempNameFor } from "../images/naming";
import { errorText } from "../format";

/** The name was taken (by anyone) when the file was to be given it. */
export class NameTakenError extends Error {
  constructor(readonly fileName: string) {
    super(`${fileName} already exists.`);
    this.name = "NameTakenError";
  }
}

/** A file a batch wrote: its name, and what identifies that very file (not just its name). */
export interface Written {
  readonly name: string;
  readonly id: string;
}

/** A folder as saving needs it. */
export interface Folder {
  /** The same for the same folder (reservations are kept by it). */
  readonly key: string;
  /** Names in the folder; undefined when it does not exist. */
  list(): Promise<string[] | undefined>;
  create(): Promise<void>;
  /**
   * Writes `bytes` as `temp` (then calls `written`), then gives the file `name` only if no file has
   * that name, and removes `temp` either way. Throws {@link NameTakenError} when the name is taken.
   */
  writeNew(name: string, temp: string, bytes: Uint8Array, written?: () => void): Promise<Written>;
  /** Removes a file written by {@link writeNew}, if it is still that file (best effort). */
  removeWritten(written: Written): Promise<void>;
}

export interface ImageBytes {
  readonly bytes: Uint8Array;
  /** The file extension, with its dot (`.png`). */
  readonly ext: string;
  /** Saved beside the image as `<name>.xmp` (for files whose bytes must stay untouched). */
  readonly sidecar?: string;
}

/**
 * How many names one image tries before its save fails. Each try follows a fresh listing of the
 * folder, so only names taken in the instant between that listing and the write make it try again:
 * fifty such races for one image mean something keeps taking every name, not bad luck.
 */
export const MAX_NAME_TRIES = 50;

/**
 * A batch's stages as they end, for the job's timings in the log: "listed" (the names picked),
 * "written" (the last image's temporary file written), "named" (the last image given its name).
 */
export type SaveStage = "listed" | "written" | "named";

/** Told of each temporary file before its first byte is written, and after it is gone (see tempJournal.ts). */
export interface TempRecorder {
  add(temp: string): Promise<void>;
  forget(temp: string): Promise<void>;
  /** A temporary name recorded ahead of time (while the job waited at fal), if one is left: no record to wait for. */
  take?(): string | undefined;
}

export class SaveCore {
  /** Names (by fileNameKey) reserved per folder key, by batches being saved now. */
  readonly #reserved = new Map<string, Set<string>>();

  /** Whether a name is reserved in a folder now (for tests and logs). */
  isReserved(folderKey: string, name: string): boolean {
    return this.#reserved.get(folderKey)?.has(fileNameKey(name)) ?? false;
  }

  /**
   * Saves `images` as `stem<ext>` (or `stem-1<ext>`, `stem-2<ext>`, … when several or `numbered`),
   * never replacing a file. Resolves to the images' names, in their order; `note` hears what the
   * person may want to know (a sidecar not written).
   */
  async save(folder: Folder, stem: string, images: readonly ImageBytes[], numbered: boolean, note: (m: string) => void = () => undefined, temps?: TempRecorder, mark?: (stage: SaveStage) => void): Promise<string[]> {
    const mine = new Set<string>();
    let reserved = this.#reserved.get(folder.key);
    if (!reserved) {
      reserved = new Set();
      this.#reserved.set(folder.key, reserved);
    }
    const held = reserved;
    const written: Written[] = [];
    try {
      let existing = await folder.list();
      if (existing === undefined) {
        await folder.create();
        existing = [];
      }
      const known = new Set(existing.map(fileNameKey));
      const taken = (name: string) => known.has(fileNameKey(name)) || held.has(fileNameKey(name));
      const takenFor = (image: ImageBytes) => (name: string) => taken(name) || (image.sidecar !== undefined && taken(`${name}.xmp`));
      const reserve = (name: string, image: ImageBytes) => {
        for (const n of image.sidecar !== undefined ? [name, `${name}.xmp`] : [name]) {
          held.add(fileNameKey(n));
          mine.add(fileNameKey(n));
        }
      };
      const numberedBatch = numbered || images.length > 1;
      const pickOne = (image: ImageBytes) => pickUniqueNames(stem, image.ext, 1, takenFor(image), { numbered: numberedBatch })[0];
      // One format: the batch's names are picked together, so they are consecutive (cat-3, cat-4).
      // Picked and reserved with no await in between: no other job of this host can pick them.
      const first = images[0];
      const sameExt = first !== undefined && images.every((i) => i.ext === first.ext);
      const anySidecar = images.some((i) => i.sidecar !== undefined);
      const planned: string[] = sameExt
        ? pickUniqueNames(stem, first.ext, images.length, (n) => taken(n) || (anySidecar && taken(`${n}.xmp`)), { numbered: numberedBatch })
        : [];
      // Mixed formats: each name is picked after the ones before it are reserved.
      images.forEach((image, i) => {
        const name = planned[i] ?? pickOne(image);
        planned[i] = name;
        reserve(name, image);
      });

      mark?.("listed");
      // Each stage is marked when the last image has passed it.
      let toWrite = images.length;
      let toName = images.length;
      const results = await Promise.allSettled(
        images.map(async (image, i) => {
          let name = planned[i];
          let counted = false;
          const onWritten = () => {
            if (counted) return;
            counted = true;
            if (--toWrite === 0) mark?.("written");
          };
          for (let attempt = 1; ; attempt++) {
            try {
              written.push(await writeNew(folder, name, image.bytes, temps, onWritten));
              if (--toName === 0) mark?.("named");
            } catch (err) {
              if (!(err instanceof NameTakenError) || attempt >= MAX_NAME_TRIES) throw err;
              // Someone else took it meanwhile: look again, then the next free name.
              known.add(fileNameKey(name));
              for (const n of (await folder.list()) ?? []) known.add(fileNameKey(n));
              name = pickOne(image);
              reserve(name, image);
              continue;
            }
            if (image.sidecar !== undefined) await this.#writeSidecar(folder, name, image.sidecar, written, note, temps);
            return name;
          }
        }),
      );
      const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failure) throw failure.reason;
      return results.map((r) => (r as PromiseFulfilledResult<string>).value);
    } catch (err) {
      // All or nothing: a batch that could not be saved whole leaves none of its files (nor sidecars),
      // and removes nothing it did not write.
      for (const w of written) await folder.removeWritten(w).catch(() => undefined);
      throw err;
    } finally {
      for (const k of mine) held.delete(k);
      if (held.size === 0 && this.#reserved.get(folder.key) === held) this.#reserved.delete(folder.key);
    }
  }

  /** Writes `<name>.xmp`; an existing file of that name is left alone (and noted). */
  async #writeSidecar(folder: Folder, imageName: string, doc: string, written: Written[], note: (m: string) => void, temps: TempRecorder | undefined): Promise<void> {
    const name = `${imageName}.xmp`;
    try {
      written.push(await writeNew(folder, name, new TextEncoder().encode(doc), temps));
    } catch (err) {
      note(err instanceof NameTakenError ? `${name} already exists; the provenance sidecar of ${imageName} was not written.` : `The provenance sidecar of ${imageName} could not be written: ${errorText(err)}`);
    }
  }
}

/** One file through its temporary name, recorded while that name may exist. */
async function writeNew(folder: Folder, name: string, bytes: Uint8Array, temps: TempRecorder | undefined, written?: () => void): Promise<Written> {
  const recorded = temps?.take?.();
  const temp = recorded ?? tempNameFor(name);
  if (recorded === undefined) await temps?.add(temp);
  try {
    return await folder.writeNew(name, temp, bytes, written);
  } finally {
    // The temporary file is gone (writeNew removes it either way): its record need not be awaited.
    // Were it still in the journal after a crash, the next session's removal finds nothing to remove.
    temps?.forget(temp).catch(() => undefined);
  }
}
