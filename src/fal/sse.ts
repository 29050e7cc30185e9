/**
 * A server-sent events parser (the WHATWG event-stream format, as eventsource-parser reads it for
 * fal's client): lines end in CRLF, LF or CR; `data:` lines of one event are joined with "\n"; a
 * blank line ends the event, which is dispatched when it has data; `event`, `id` and `retry` are
 * not used by fal's status stream and are ignored. Memory is bounded: an event (or a line) longer
 * than `maxEventChars` is an error rather than a growing buffer.
 */
export class SseParser {
  private pending = "";
  private data = "";
  private hasData = false;
  /** The previous chunk ended in CR: a LF at the start of the next one belongs to that line end. */
  private afterCr = false;

  constructor(
    private readonly onEvent: (data: string) => void,
    private readonly maxEventChars: number,
  ) {}

  /** Feeds decoded text; calls onEvent for each event it completes. Throws past the size bound. */
  feed(chunk: string): void {
    let text = this.pending + chunk;
    if (this.afterCr && text.startsWith("\n")) text = text.slice(1);
    this.afterCr = false;
    let start = 0;
    // Where the next LF and CR are (-1: none left); each is searched again only once passed, so a
    // chunk is scanned in linear time however many lines it holds.
    let lf = text.indexOf("\n");
    let cr = text.indexOf("\r");
    for (;;) {
      if (lf >= 0 && lf < start) lf = text.indexOf("\n", start);
      if (cr >= 0 && cr < start) cr = text.indexOf("\r", start);
      const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (end < 0) break;
      this.line(text.slice(start, end));
      start = end + 1;
      if (end === cr) {
        if (end + 1 === text.length) this.afterCr = true;
        else if (text[end + 1] === "\n") start = end + 2;
      }
    }
    this.pending = text.slice(start);
    if (this.pending.length + this.data.length > this.maxEventChars) throw new Error(`an event of fal's status stream is longer than ${this.maxEventChars} characters`);
  }

  private line(line: string): void {
    if (line === "") {
      if (this.hasData) this.onEvent(this.data.slice(0, -1));
      this.data = "";
      this.hasData = false;
      return;
    }
    if (line.startsWith(":")) return; // a comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      this.data += `${value}\n`;
      this.hasData = true;
      if (this.data.length > this.maxEventChars) throw new Error(`an event of fal's status stream is longer than ${this.maxEventChars} characters`);
    }
  }
}
