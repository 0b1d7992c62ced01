export interface SecretFinding {
  readonly kind: string;
  readonly line: string;
}
export declare function findSecrets(text: string, secrets: Iterable<string>): SecretFinding[];
