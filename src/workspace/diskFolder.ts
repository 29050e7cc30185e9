/**
 * A folder on the local disk, for saving (see saver.ts): the move into place is an atomic
 * "create this name, never replace": `link(temp, name)` fails with EEXIST when the name exists,
 * whoever made it (VS Code's `rename(…, {overwrite: false})` checks first, then moves, which races).
 * Where the file system has no hard links (FAT, some network shares) the name is created with
 * O_EXCL and the bytes copied in. No `vscode` import: tests use it on a temporary folder, with a
 * file system of their own for the other writer.
 */
import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { NameTakenError, type Folder, type Written } from "./saver";

/** The node:fs calls a DiskFolder makes (tests pass a wrapper to act as another writer). */
export type DiskFs = Pick<typeof fsp, "open" | "link" | "unlink" | "lstat" | "readdir" | "mkdir" | "copyFile">;

/** Errors of `link` that mean "no hard links here", not "the name is taken". */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "ENOSYS", "EMLINK"]);

function codeOf(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String((err).code) : undefined;
}

function identity(st: { dev: bigint; ino: bigint }): string {
  return `${st.dev}:${st.ino}`;
}

export class DiskFolder implements Folder {
  readonly key: string;

  constructor(
    readonly dir: string,
    private readonly fs: DiskFs = fsp,
    caseInsensitive = process.platform === "win32" || process.platform === "darwin",
  ) {
    const resolved = path.resolve(dir);
    this.key = `file:${caseInsensitive ? resolved.toLowerCase() : resolved}`;
  }

  async list(): Promise<string[] | undefined> {
    try {
      return await this.fs.readdir(this.dir);
    } catch (err) {
      if (codeOf(err) === "ENOENT") return undefined;
      throw err;
    }
  }

  async create(): Promise<void> {
    await this.fs.mkdir(this.dir, { recursive: true });
  }

  async writeNew(name: string, temp: string, bytes: Uint8Array, written?: () => void): Promise<Written> {
    const tempPath = path.join(this.dir, temp);
    const target = path.join(this.dir, name);
    // "wx": the temporary name is random, and never someone else's file.
    const handle = await this.fs.open(tempPath, "wx");
    let id: string;
    try {
      try {
        await handle.writeFile(bytes);
        id = identity(await handle.stat({ bigint: true }));
      } finally {
        await handle.close();
      }
      written?.();
      try {
        await this.fs.link(tempPath, target);
      } catch (err) {
        if (codeOf(err) === "EEXIST") throw new NameTakenError(name);
        if (!NO_HARD_LINKS.has(codeOf(err) ?? "")) throw err;
        try {
          await this.fs.copyFile(tempPath, target, constants.COPYFILE_EXCL);
        } catch (copyErr) {
          if (codeOf(copyErr) === "EEXIST") throw new NameTakenError(name);
          throw copyErr;
        }
        id = identity(await this.fs.lstat(target, { bigint: true }));
      }
    } finally {
      await this.fs.unlink(tempPath).catch(() => undefined);
    }
    return { name, id };
  }

  async removeWritten(w: Written): Promise<void> {
    const target = path.join(this.dir, w.name);
    const st = await this.fs.lstat(target, { bigint: true }).catch(() => undefined);
    if (st && identity(st) === w.id) await this.fs.unlink(target);
  }
}
