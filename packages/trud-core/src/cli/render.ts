import type { TrudEvent } from "../events.js";

/** Somewhere the command writes text (process.stdout in main.ts, a buffer in tests). */
export interface TextSink {
  write(text: string): unknown;
}

/** Human-readable bytes: 37.9 MB, 1.0 GiB-ish decimal units as TRUD's pages show. */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit] ?? ""}`;
}

/** A fixed-width text table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n";
}

interface Active {
  readonly label: string;
  bytes: number;
  total: number;
  rate: number;
  lastDecile: number;
}

/**
 * Renders download events: on a TTY, one redrawn progress bar per active download; otherwise plain lines
 * at every 10 %, so logs from cron stay short. Other events become one line each.
 */
export class ProgressRenderer {
  readonly #out: TextSink;
  readonly #tty: boolean;
  readonly #active = new Map<string, Active>();
  #drawn = 0;

  constructor(out: TextSink, tty: boolean) {
    this.#out = out;
    this.#tty = tty;
  }

  readonly onEvent = (event: TrudEvent): void => {
    switch (event.type) {
      case "download-start": {
        const key = `${event.item}/${event.releaseId}`;
        this.#active.set(key, {
          label: key,
          bytes: event.resumeFrom,
          total: event.total,
          rate: 0,
          lastDecile: -1,
        });
        this.#line(
          `${key}: downloading ${formatBytes(event.total)}${event.resumeFrom > 0 ? `, resuming at ${formatBytes(event.resumeFrom)}` : ""}`,
        );
        break;
      }
      case "progress": {
        const active = this.#active.get(`${event.item}/${event.releaseId}`);
        if (active) {
          active.bytes = event.bytes;
          active.total = event.total;
          active.rate = event.bytesPerSecond;
          this.#progress(active);
        }
        break;
      }
      case "download-complete":
        this.#active.delete(`${event.item}/${event.releaseId}`);
        this.#line(
          `${event.item}/${event.releaseId}: done, ${formatBytes(event.bytes)} in ${event.seconds.toFixed(1)} s, sha256 ${event.sha256.slice(0, 16)}…`,
        );
        break;
      case "retry":
        this.#line(
          `retrying in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt}): ${event.reason}`,
        );
        break;
      case "restart":
        this.#line(`${event.item}/${event.releaseId}: starting again from byte 0 (${event.reason})`);
        break;
      case "resume":
        break; // shown in download-start
      case "held":
        this.#line(`${event.item}/${event.releaseId}: already held and verified (no transfer)`);
        break;
      case "reissue":
        this.#line(
          `${event.item}/${event.releaseId}: reissued by TRUD (${event.previousLastModified} -> ${event.lastModified}); keeping both`,
        );
        break;
      case "verified":
        this.#line(`${event.item}/${event.releaseId}: verified (${event.checks.join(", ")})`);
        break;
      case "warning":
        this.#line(`warning: ${event.message}`);
        break;
      case "sync-item":
        this.#line(
          `item ${event.item}: ${event.status}${event.releaseId ? ` (${event.releaseId})` : ""}${event.message ? `: ${event.message}` : ""}`,
        );
        break;
      case "request":
        break;
    }
  };

  #progress(active: Active): void {
    const fraction = active.total > 0 ? active.bytes / active.total : 1;
    if (!this.#tty) {
      const decile = Math.floor(fraction * 10);
      if (decile > active.lastDecile && decile < 10) {
        active.lastDecile = decile;
        this.#line(
          `${active.label}: ${decile * 10}% of ${formatBytes(active.total)} (${formatBytes(active.rate)}/s)`,
        );
      }
      return;
    }
    this.#redraw();
  }

  #redraw(): void {
    const lines = [...this.#active.values()].map((a) => {
      const fraction = a.total > 0 ? Math.min(1, a.bytes / a.total) : 1;
      const width = 30;
      const filled = Math.round(fraction * width);
      return `${a.label.slice(0, 40).padEnd(40)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(a.rate)}/s`;
    });
    let text = this.#drawn > 0 ? `\u001b[${this.#drawn}A` : "";
    for (const line of lines) {
      text += `\u001b[2K${line}\n`;
    }
    this.#drawn = lines.length;
    this.#out.write(text);
  }

  #line(text: string): void {
    if (this.#tty && this.#drawn > 0) {
      // Replace the bars with the message, then draw the bars again below it.
      this.#out.write(`\u001b[${this.#drawn}A\u001b[0J${text}\n`);
      this.#drawn = 0;
      if (this.#active.size > 0) {
        this.#redraw();
      }
      return;
    }
    this.#out.write(`${text}\n`);
  }
}
