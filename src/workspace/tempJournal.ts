/**
 * The temporary files this extension is writing, recorded in workspace storage before their first
 * byte is written and forgotten once they are gone, so that what a crash or a reload mid-save left
 * behind is removed by the next session: only those files, never another program's or another
 * window's. Pure module: the storage (a Memento) and the removal are given.
 */
import { JOURNAL_KEY } from "../core/keys";

/** The part of vscode.Memento the journal uses. */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

/** Our temporary names: `.<final name>.<16 hex digits>.part` (images/naming.ts tempNameFor). */
const TEMP_NAME = /^\.[^/\\]+\.[0-9a-f]{16}\.part$/;
/** Entries kept at most: a bound on what a damaged or hostile store can make a session do. */
const MAX_ENTRIES = 1000;

export class TempJournal {
  /** [folder, temp name] as JSON, this session's writes in progress. */
  readonly #current = new Set<string>();
  /** What the previous session recorded and never cleared. */
  readonly #leftovers: [string, string][] = [];
  /** The store held entries (valid or not): it is rewritten once they are dealt with. */
  #recorded: boolean;

  constructor(private readonly state: MementoLike) {
    const saved = state.get<unknown>(JOURNAL_KEY);
    this.#recorded = Array.isArray(saved) && saved.length > 0;
    for (const e of Array.isArray(saved) ? saved.slice(0, MAX_ENTRIES) : []) {
      if (Array.isArray(e) && e.length === 2 && typeof e[0] === "string" && typeof e[1] === "string" && TEMP_NAME.test(e[1])) this.#leftovers.push([e[0], e[1]]);
    }
  }

  add(folder: string, ...temps: string[]): Promise<void> {
    for (const temp of temps) this.#current.add(JSON.stringify([folder, temp]));
    return this.#flush();
  }

  forget(folder: string, ...temps: string[]): Promise<void> {
    for (const temp of temps) this.#current.delete(JSON.stringify([folder, temp]));
    return this.#flush();
  }

  #flush(): Promise<void> {
    const all = [...this.#leftovers.map((e) => JSON.stringify(e)), ...this.#current].map((e) => JSON.parse(e) as unknown);
    return Promise.resolve(this.state.update(JOURNAL_KEY, all));
  }

  /**
   * Removes the previous session's leftovers with `remove(folder, temp)` (which must not throw for a
   * file that is gone), then forgets them. Resolves to how many there were.
   */
  async removeLeftovers(remove: (folder: string, temp: string) => Promise<void>): Promise<number> {
    const list = this.#leftovers.splice(0);
    for (const [folder, temp] of list) await remove(folder, temp).catch(() => undefined);
    // Entries that were not ours (damaged, hostile) go too: a store left holding them would make
    // every activation load the core for nothing (core/keys.ts leftWork).
    if (list.length || this.#recorded) await this.#flush();
    this.#recorded = false;
    return list.length;
  }
}
