import { MirrorError } from "./errors.js";
import type { MirrorEventListener } from "./events.js";
import { type LoadResult, loadOdsXmlFile } from "./load.js";
import type { MirrorStore } from "./store.js";

/** Options of {@link loadSampleIfEmpty}. */
export interface StartupOptions {
  /** The small ODS XML file to load when the mirror holds nothing (the repository's sample). */
  readonly samplePath: string;
  readonly onEvent?: MirrorEventListener;
}

/**
 * Start-up on a fresh machine: when the mirror has never been loaded, loads the small sample file so that the
 * facade answers at once (a real baseline replaces it later: `mirror load --trud`). Does nothing otherwise, and
 * nothing when another replica holds the writer lock (it is loading).
 */
export async function loadSampleIfEmpty(
  store: MirrorStore,
  options: StartupOptions,
): Promise<LoadResult | undefined> {
  const status = await store.status();
  if (status.release !== undefined) {
    return undefined;
  }
  try {
    return await loadOdsXmlFile(store, {
      path: options.samplePath,
      release: "sample",
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    });
  } catch (error) {
    if (error instanceof MirrorError && error.code === "sync-in-progress") {
      return undefined;
    }
    throw error;
  }
}
