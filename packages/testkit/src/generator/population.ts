import { CodeSpace } from "./code-space.js";
import { ARCHIVE_CUTOFF, yearStart } from "./days.js";
import { KINDS } from "./kinds.js";
import type { KindKey, KindSpec } from "./kinds.js";
import { unit } from "./prng.js";

/** One kind's slice of the logical index range. */
export interface KindSlot {
  readonly spec: KindSpec;
  readonly index: number;
  readonly start: number;
  readonly count: number;
  readonly spaces: readonly CodeSpace[];
}

/** A succession edge as planned: the other organisation (logical index) and the legal date. */
export interface SuccPlan {
  readonly type: "Predecessor" | "Successor";
  readonly target: number;
  readonly day: number;
}

/** What other records need to know about an organisation, computed without building it. */
export interface Profile {
  readonly index: number;
  readonly slot: KindSlot;
  readonly k: number;
  readonly code: string;
  readonly active: boolean;
  readonly refOnly: boolean;
  readonly open: number;
  readonly close: number | undefined;
  readonly succs: readonly SuccPlan[];
}

// Salts: one per independent decision, so decisions never share random bits.
const S_STATUS = 1;
const S_REFONLY = 2;
const S_CLOSE = 3;
const S_OPEN = 4;
const S_BLOCK = 5;
const S_PATTERN = 6;
const S_DATE1 = 7;
const S_DATE2 = 8;
const S_SUCC_REF = 9;
const S_EXISTING = 10;

/** Base of generated uniqueRoleId / uniqueRelId / uniqueSuccId values, above every id in the reference records. */
export const ID_BASE = 10_000_000;

/** uniqueRoleId of role `slot` (0 = primary) of the organisation at logical index `index`. */
export function roleIdOf(index: number, slot: number): number {
  return ID_BASE + index * 8 + slot;
}

/**
 * The layout of the generated organisations: how many of each kind (shares of {@link KINDS}, at least each
 * kind's minimum), their index ranges, and the code spaces that give each its ODS code.
 */
export class Population {
  readonly seed: number;
  readonly size: number;
  readonly publicationDay: number;
  readonly slots: readonly KindSlot[];
  readonly #byKey: ReadonlyMap<KindKey, KindSlot>;

  constructor(options: {
    readonly seed: number;
    readonly size: number;
    readonly publicationDay: number;
    readonly reserved: ReadonlySet<string>;
  }) {
    this.seed = options.seed;
    this.size = options.size;
    this.publicationDay = options.publicationDay;
    const counts = allocate(options.size);
    let start = 0;
    this.slots = KINDS.map((spec, index) => {
      const count = counts[index] ?? 0;
      const slot: KindSlot = {
        spec,
        index,
        start,
        count,
        spaces: spec.codes.map((c) => new CodeSpace({ ...c, reserved: options.reserved })),
      };
      start += count;
      const capacity = slot.spaces.reduce((sum, s) => sum + s.capacity, 0);
      if (count > capacity) {
        throw new RangeError(`too many organisations of kind ${spec.key} (${count} > ${capacity} codes)`);
      }
      return slot;
    });
    this.#byKey = new Map(this.slots.map((s) => [s.spec.key, s]));
  }

  /** The smallest size that gives every kind its minimum count. */
  static get minimumSize(): number {
    return KINDS.reduce((sum, k) => sum + k.min, 0);
  }

  slotOf(key: KindKey): KindSlot {
    const slot = this.#byKey.get(key);
    if (slot === undefined) {
      throw new RangeError(`unknown kind ${key}`);
    }
    return slot;
  }

  /** The kind slot holding logical index `index`. */
  slotAt(index: number): KindSlot {
    let lo = 0;
    let hi = this.slots.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.slots[mid]?.start ?? 0) <= index) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    const slot = this.slots[lo];
    if (slot === undefined) {
      throw new RangeError(`index ${index} outside the population`);
    }
    return slot;
  }

  codeOf(slot: KindSlot, k: number): string {
    let rest = k;
    for (const space of slot.spaces) {
      if (rest < space.capacity) {
        return space.code(rest);
      }
      rest -= space.capacity;
    }
    throw new RangeError(`no code for ${slot.spec.key} #${k}`);
  }

  /** A random decision for an organisation, in [0, 1). */
  u(index: number, salt: number, extra = 0): number {
    return unit(this.seed, index, salt, extra);
  }

  /** Picks an organisation of kind `key` for `index` (preferring active ones when `wantActive`). */
  pick(key: KindKey, index: number, salt: number, wantActive: boolean): Profile | undefined {
    const slot = this.slotOf(key);
    if (slot.count === 0) {
      return undefined;
    }
    let chosen: Profile | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      const k = Math.floor(this.u(index, salt, attempt) * slot.count);
      chosen = this.profile(slot.start + k);
      if (!wantActive || chosen.active) {
        return chosen;
      }
    }
    return chosen;
  }

  /** The profile of the organisation at logical index `index`: code, status, dates, successions. */
  profile(index: number): Profile {
    const slot = this.slotAt(index);
    const k = index - slot.start;
    const code = this.codeOf(slot, k);
    const planned = this.#succession(slot, k);
    if (planned !== undefined) {
      return { index, slot, k, code, ...planned };
    }
    return { index, slot, k, code, ...this.#plain(slot, index) };
  }

  #plain(slot: KindSlot, index: number): Pick<Profile, "active" | "refOnly" | "open" | "close" | "succs"> {
    const spec = slot.spec;
    const since = yearStart(spec.since);
    const last = this.publicationDay - 1;
    if (this.u(index, S_STATUS) >= spec.inactive) {
      return {
        active: true,
        refOnly: false,
        open: since + Math.floor(this.u(index, S_OPEN) * (last - since)),
        close: undefined,
        succs: [],
      };
    }
    const refOnly = this.u(index, S_REFONLY) < spec.refOnly && since + 60 < ARCHIVE_CUTOFF;
    const from = refOnly ? since + 60 : Math.max(since + 60, ARCHIVE_CUTOFF + 1);
    const to = refOnly ? ARCHIVE_CUTOFF : last;
    const close = from + Math.floor(this.u(index, S_CLOSE) * Math.max(1, to - from));
    const open = since + Math.floor(this.u(index, S_OPEN) * Math.max(1, close - 30 - since));
    return { active: false, refOnly, open, close, succs: [] };
  }

  /**
   * Successions are planned per block of four records of one kind, so both ends agree without shared
   * state: simple (0→1), merger (0,1→2), demerger (0→1,2) and chains (0→1→2, depth up to 3 with
   * earlier blocks' dates). Mix after UEC ODS-13/14: mostly depth 1, some mergers, few demergers.
   */
  #succession(
    slot: KindSlot,
    k: number,
  ): Pick<Profile, "active" | "refOnly" | "open" | "close" | "succs"> | undefined {
    const spec = slot.spec;
    const block = Math.floor(k / 4);
    const member = k % 4;
    if (spec.succession === 0 || member === 3 || block * 4 + 3 >= slot.count) {
      return undefined;
    }
    const blockKey = slot.index * 1_000_003 + block;
    if (unit(this.seed, blockKey, S_BLOCK) >= spec.succession) {
      return undefined;
    }
    const p = unit(this.seed, blockKey, S_PATTERN);
    const pattern = p < 0.55 ? "simple" : p < 0.8 ? "merger" : p < 0.9 ? "demerger" : "chain";
    const since = yearStart(Math.max(spec.since, 1990)) + 400;
    const last = this.publicationDay - 1;
    const d1 = since + Math.floor(unit(this.seed, blockKey, S_DATE1) * (last - since - 800));
    const d2 = d1 + 365 + Math.floor(unit(this.seed, blockKey, S_DATE2) * (last - d1 - 400));
    const at = (m: number) => slot.start + block * 4 + m;
    const index = at(member);
    const earlyOpen = (end: number) =>
      yearStart(spec.since) +
      Math.floor(this.u(index, S_OPEN) * Math.max(1, end - 30 - yearStart(spec.since)));
    const closed = (close: number, succs: SuccPlan[]) => {
      const refOnly = close < ARCHIVE_CUTOFF && this.u(index, S_SUCC_REF) < spec.refOnly;
      return { active: false, refOnly, open: earlyOpen(close), close, succs: refOnly ? [] : succs };
    };
    const opened = (open: number, succs: SuccPlan[]) => ({
      active: true,
      refOnly: false,
      open: this.u(index, S_EXISTING) < 0.4 ? earlyOpen(open) : open,
      close: undefined,
      succs,
    });
    const pred = (m: number, day: number): SuccPlan => ({ type: "Predecessor", target: at(m), day });
    const succ = (m: number, day: number): SuccPlan => ({ type: "Successor", target: at(m), day });
    switch (pattern) {
      case "simple":
        return member === 0
          ? closed(d1 - 1, [succ(1, d1)])
          : member === 1
            ? opened(d1, [pred(0, d1)])
            : undefined;
      case "merger":
        return member < 2 ? closed(d1 - 1, [succ(2, d1)]) : opened(d1, [pred(0, d1), pred(1, d1)]);
      case "demerger":
        return member === 0 ? closed(d1 - 1, [succ(1, d1), succ(2, d1)]) : opened(d1, [pred(0, d1)]);
      case "chain":
        if (member === 0) {
          return closed(d1 - 1, [succ(1, d1)]);
        }
        if (member === 1) {
          return {
            active: false,
            refOnly: false,
            open: d1,
            close: d2 - 1,
            succs: [pred(0, d1), succ(2, d2)],
          };
        }
        return opened(d2, [pred(1, d2)]);
    }
  }
}

/** Counts per kind: shares of `size`, each at least its minimum, the remainder on the largest kind. */
function allocate(size: number): number[] {
  if (size === 0) {
    return KINDS.map(() => 0);
  }
  const total = KINDS.reduce((sum, k) => sum + k.share, 0);
  const counts = KINDS.map((k) => Math.max(k.min, Math.floor((k.share / total) * size)));
  let diff = size - counts.reduce((a, b) => a + b, 0);
  const order = KINDS.map((_, i) => i).sort((a, b) => (KINDS[b]?.share ?? 0) - (KINDS[a]?.share ?? 0));
  for (let step = 0; diff !== 0 && step < size * 4 + 100; step++) {
    const i = order[step % order.length] ?? 0;
    const current = counts[i] ?? 0;
    if (diff > 0) {
      counts[i] = current + 1;
      diff -= 1;
    } else if (current > (KINDS[i]?.min ?? 0)) {
      counts[i] = current - 1;
      diff += 1;
    }
  }
  if (diff !== 0) {
    throw new RangeError(`cannot lay out ${size} organisations`);
  }
  return counts;
}
