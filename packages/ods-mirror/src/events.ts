/**
 * Progress events of long mirror operations (the package never logs; the app renders these as progress bars
 * or JSON lines).
 */
export type MirrorEvent =
  | { readonly type: "load-started"; readonly source: string; readonly totalBytes?: number }
  | {
      readonly type: "load-progress";
      readonly organisations: number;
      readonly bytesRead: number;
      readonly totalBytes?: number;
    }
  | { readonly type: "load-indexing"; readonly organisations: number }
  | {
      readonly type: "load-finished";
      readonly release: string;
      readonly organisations: number;
      readonly seconds: number;
    }
  | { readonly type: "load-failed"; readonly code: string; readonly message: string }
  | { readonly type: "sync-started"; readonly since: string }
  | { readonly type: "sync-changes"; readonly changed: number }
  | { readonly type: "sync-progress"; readonly fetched: number; readonly total: number }
  | {
      readonly type: "sync-finished";
      readonly upserted: number;
      readonly removed: number;
      readonly watermark: string;
      readonly seconds: number;
    }
  | { readonly type: "warning"; readonly message: string };

/** Receives {@link MirrorEvent}s. */
export type MirrorEventListener = (event: MirrorEvent) => void;
