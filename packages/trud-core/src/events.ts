import type { TrudErrorCode } from "./errors.js";

/**
 * What trud-core reports while it works (it never logs). Every URL in an event has the key redacted.
 * Pass `onEvent` to the client or to {@link Trud}; the `trud` command renders these as progress bars or lines.
 */
export type TrudEvent =
  | { readonly type: "request"; readonly url: string; readonly attempt: number; readonly range?: string }
  | {
      readonly type: "retry";
      readonly url: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: string;
    }
  | {
      readonly type: "download-start";
      readonly item: number;
      readonly releaseId: string;
      readonly total: number;
      /** Bytes already held from an interrupted download (0 for a fresh one). */
      readonly resumeFrom: number;
    }
  | {
      readonly type: "progress";
      readonly item: number;
      readonly releaseId: string;
      readonly bytes: number;
      readonly total: number;
      /** Average since this transfer started, bytes per second. */
      readonly bytesPerSecond: number;
    }
  | { readonly type: "resume"; readonly item: number; readonly releaseId: string; readonly offset: number }
  | {
      readonly type: "restart";
      readonly item: number;
      readonly releaseId: string;
      readonly reason:
        "range-ignored" | "range-unsatisfiable" | "partial-unusable" | "hash-mismatch-after-resume";
    }
  | {
      readonly type: "download-complete";
      readonly item: number;
      readonly releaseId: string;
      readonly bytes: number;
      /** Bytes that went over the network for this release (less than `bytes` after a resume). */
      readonly transferred: number;
      /** From the start to the file durably in place (includes the final fsync and rename). */
      readonly seconds: number;
      /** From the start to the last byte hashed and written (before the final fsync). */
      readonly transferSeconds: number;
      readonly sha256: string;
    }
  | { readonly type: "held"; readonly item: number; readonly releaseId: string; readonly path: string }
  | {
      readonly type: "reissue";
      readonly item: number;
      readonly releaseId: string;
      readonly previousLastModified: string;
      readonly lastModified: string;
    }
  | {
      readonly type: "verified";
      readonly item: number;
      readonly releaseId: string;
      readonly checks: readonly string[];
    }
  | { readonly type: "warning"; readonly message: string }
  | {
      readonly type: "sync-item";
      readonly item: number;
      readonly status: "up-to-date" | "updated" | "failed";
      readonly releaseId?: string;
      readonly errorCode?: TrudErrorCode;
      readonly message?: string;
    };

/** A listener for {@link TrudEvent}s. */
export type TrudEventListener = (event: TrudEvent) => void;
