import type { UserConfig } from "vitest/config";

export declare const conditions: string[];
declare const config: UserConfig;
export default config;
