/** Digests provenance needs, from node:crypto. */
import { createHash } from "node:crypto";

/** MD5 as 32 lowercase hex digits (the GUID of a JPEG's Extended XMP packet is its MD5). */
export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/** SHA-256 as 64 lowercase hex digits (what an edit records of each source image). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
