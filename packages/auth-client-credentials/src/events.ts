/**
 * Events of the token client. The package never logs; an app subscribes and logs these. No event carries a
 * secret: no token, assertion, client secret, key or API key.
 *
 * @module
 */
import type { TokenError } from "./errors.js";

/** Why a token request started. */
export type RefreshReason =
  /** No token yet (first use, or first use of a scope). */
  | "cold"
  /** Ahead of expiry (inside the refresh skew), in the background or for a waiting caller. */
  | "early"
  /** The cached token expired before anyone refreshed it. */
  | "expired"
  /** The token was invalidated (`invalidate()`, or a 401 from the resource server). */
  | "invalidated";

/** A token request started. */
export interface TokenRefreshEvent {
  readonly reason: RefreshReason;
  /** True when no caller waits for it (callers are served the current token meanwhile). */
  readonly background: boolean;
  readonly scope: string | undefined;
}

/** A new token was obtained and cached. */
export interface TokenIssuedEvent {
  /** The token endpoint (without query string). */
  readonly tokenUrl: string;
  readonly scope: string | undefined;
  /** The lifetime used, in seconds (`expires_in`, or the default when absent). */
  readonly expiresInSeconds: number;
  readonly expiresInProvided: boolean;
  /** When the token expires and when its refresh starts, in ms since the epoch by the client's clock. */
  readonly expiresAt: number;
  readonly refreshAt: number;
  readonly background: boolean;
  /** False when `invalidate()` ran while the request was in flight: the token served its waiters only. */
  readonly cached: boolean;
}

/** A token request failed (after its retries). */
export interface TokenErrorEvent {
  readonly error: TokenError;
  readonly background: boolean;
  readonly scope: string | undefined;
}

/** Every event, by name. */
export interface TokenClientEvents {
  token: TokenIssuedEvent;
  refresh: TokenRefreshEvent;
  error: TokenErrorEvent;
}

/** A listener of one event. */
export type TokenClientListener<K extends keyof TokenClientEvents> = (event: TokenClientEvents[K]) => void;

/** A minimal typed event emitter: listeners that throw are ignored, so they cannot break token handling. */
export class Emitter {
  readonly #listeners: { [K in keyof TokenClientEvents]: Set<TokenClientListener<K>> } = {
    token: new Set(),
    refresh: new Set(),
    error: new Set(),
  };

  on<K extends keyof TokenClientEvents>(type: K, listener: TokenClientListener<K>): () => void {
    const set = this.#listeners[type] as Set<TokenClientListener<K>> | undefined;
    if (!set) {
      throw new TypeError("auth-client-credentials: unknown event type");
    }
    if (typeof listener !== "function") {
      throw new TypeError("auth-client-credentials: listener must be a function");
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<K extends keyof TokenClientEvents>(type: K, event: TokenClientEvents[K]): void {
    const set = this.#listeners[type] as Set<TokenClientListener<K>>;
    for (const listener of set) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the token client carries on.
      }
    }
  }
}
