/**
 * The gallery's `init` handshake (pure: no `vscode`). The extension sends `init` without being asked
 * as soon as it has the index (VS Code holds it until the page has loaded), and again whenever a page
 * says `ready` that has no `init` on its way. Each `init` is numbered, and a page takes only one newer
 * than what it has.
 *
 * The case the numbers are for: when the extension changes the panel's options (its image folders
 * widened) before the page's first load ends, VS Code loads the page again and hands the new page the
 * messages it held for the old one. So the new page may get an old `init`, and it still needs the
 * current one: its `ready` is answered, and the newer number makes the page take it.
 */
export class InitHandshake {
  #seq = 0;
  #ready = false;
  /** An `init` went unasked to the page now loading, and that page has not said `ready` yet. */
  #unasked = false;

  /** An `init` has been sent to the page now loaded (or loading): other messages may follow it. */
  get ready(): boolean {
    return this.#ready;
  }

  /** The extension sends an `init` (`asked`: in answer to `ready`); returns its number. */
  sending(asked: boolean): number {
    this.#ready = true;
    this.#unasked = !asked;
    return ++this.#seq;
  }

  /**
   * The extension makes VS Code load the page again: what was sent went to the old page (or, held,
   * comes to the new one out of date), so the new page's `ready` is answered.
   */
  reloading(): void {
    this.#ready = false;
    this.#unasked = false;
  }

  /**
   * The page now loading goes without being loaded (VS Code will load another from HTML that does not
   * carry the unasked `init`): the next page's `ready` is answered. Other messages still go.
   */
  pageGone(): void {
    this.#unasked = false;
  }

  /** A page said `ready`: whether it needs an `init` (false when the unasked one is on its way to it). */
  pageReady(): boolean {
    if (this.#unasked) {
      this.#unasked = false;
      return false;
    }
    return true;
  }
}

/** The page's side: whether an `init` numbered `seq` is newer than the one it has (`had`, 0 for none). */
export function takesInit(seq: unknown, had: number): seq is number {
  return typeof seq === "number" && Number.isSafeInteger(seq) && seq > had;
}
