/**
 * An ODS code pattern (for example one of 12 letters followed by five digits, like G81086) with a bijection
 * from 0..capacity-1 to codes, spread by an affine permutation so neighbouring indices get unrelated codes,
 * and that skips reserved codes (the real reference organisations and their relationship targets).
 */
export class CodeSpace {
  readonly #heads: readonly string[];
  readonly #alphabet: string;
  readonly #width: number;
  readonly #span: number;
  readonly #mult: number;
  readonly #inverse: number;
  readonly #reserved: readonly number[];
  /** How many codes this space can issue. */
  readonly capacity: number;

  constructor(options: {
    readonly heads: readonly string[];
    readonly alphabet: string;
    readonly width: number;
    readonly reserved: Iterable<string>;
  }) {
    this.#heads = options.heads;
    this.#alphabet = options.alphabet;
    this.#width = options.width;
    this.#span = options.alphabet.length ** options.width;
    this.#mult = coprimeNear(this.#span, 0.3819660113);
    this.#inverse = modInverse(this.#mult, this.#span);
    const ranks: number[] = [];
    for (const code of options.reserved) {
      const rank = this.#rank(code);
      if (rank !== undefined) {
        ranks.push(rank);
      }
    }
    this.#reserved = [...new Set(ranks)].sort((a, b) => a - b);
    this.capacity = this.#heads.length * this.#span - this.#reserved.length;
  }

  /** The code for index `k` (0 <= k < capacity). */
  code(k: number): string {
    if (!Number.isInteger(k) || k < 0 || k >= this.capacity) {
      throw new RangeError(`code index ${k} outside 0..${this.capacity - 1}`);
    }
    let j = k;
    for (const r of this.#reserved) {
      if (r <= j) {
        j += 1;
      } else {
        break;
      }
    }
    return this.#raw(j);
  }

  #raw(j: number): string {
    const head = this.#heads[j % this.#heads.length] ?? "";
    let value = (Math.floor(j / this.#heads.length) * this.#mult) % this.#span;
    let body = "";
    for (let i = 0; i < this.#width; i++) {
      body = (this.#alphabet[value % this.#alphabet.length] ?? "") + body;
      value = Math.floor(value / this.#alphabet.length);
    }
    return head + body;
  }

  #rank(code: string): number | undefined {
    for (let h = 0; h < this.#heads.length; h++) {
      const head = this.#heads[h] ?? "";
      if (!code.startsWith(head) || code.length !== head.length + this.#width) {
        continue;
      }
      let value = 0;
      for (const ch of code.slice(head.length)) {
        const digit = this.#alphabet.indexOf(ch);
        if (digit < 0) {
          return undefined;
        }
        value = value * this.#alphabet.length + digit;
      }
      return h + this.#heads.length * ((value * this.#inverse) % this.#span);
    }
    return undefined;
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function coprimeNear(n: number, fraction: number): number {
  let m = Math.max(1, Math.floor(n * fraction));
  while (gcd(m, n) !== 1) {
    m += 1;
  }
  return m;
}

function modInverse(a: number, n: number): number {
  let [oldR, r] = [a, n];
  let [oldS, s] = [1, 0];
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % n) + n) % n;
}
